"""Opening the store for a command: URL precedence, and migrations on SQLite."""

from __future__ import annotations

import sys

from sqlalchemy.exc import SQLAlchemyError

from auditor.errors import AuditorError, ConfigError


class StoreError(AuditorError):
    """The database cannot be opened or migrated (exit 2, one line)."""


def open_store(url: str | None, *, migrate_sqlite: bool = True, require_head: bool = True):  # noqa: ANN201
    """The Database for ``--database``/``AUDITOR_DATABASE_URL``/default, migrated if SQLite."""
    from auditor.store import migrate
    from auditor.store.engine import Database, database_url

    db = Database(database_url(url))
    try:
        if db.dialect == "sqlite" and migrate_sqlite:
            migrate.upgrade(db)
        elif require_head and not migrate.at_head(db):
            print(f"auditor: warning: {db.display_url} is not at the current schema; run `auditor db upgrade`",
                  file=sys.stderr)
    except SQLAlchemyError as exc:
        raise StoreError(f"database {db.display_url}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    except ConfigError:
        raise
    return db
