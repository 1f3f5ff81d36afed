"""Alembic migrations, run from code: ``auditor db upgrade`` and ``auditor serve`` on SQLite.

The scripts live inside the package (``auditor/store/migrations``), so an installed wheel can
migrate without an ``alembic.ini`` or a checkout.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from auditor.store.engine import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


FOREIGN_PREFIXES = ("procrastinate_",)
"""Objects another library owns in the same database (procrastinate's queue, installed by revision
0002 from procrastinate's own schema): never compared with, or dropped for, the store's metadata."""


def owned_by_store(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic ``include_name`` hook: False for procrastinate's tables and their indexes."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith(FOREIGN_PREFIXES)


def _config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    cfg = _config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def at_head(db: Database) -> bool:
    return current_revision(db) == head_revision(db)
