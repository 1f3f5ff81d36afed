"""``auditor db upgrade [--database URL]``: apply the store's migrations (Alembic) explicitly."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_arguments(sub: Any) -> None:
    p = sub.add_parser("db", help="manage the service's database", description="Manage the service's database.")
    actions = p.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="apply migrations up to the current schema")
    up.add_argument("--database", metavar="URL", help="SQLAlchemy URL (default: AUDITOR_DATABASE_URL, then a "
                    "SQLite file in the platform data directory)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from auditor.store import migrate
    from auditor.store.engine import Database, database_url

    from ._store import StoreError

    db = Database(database_url(args.database))
    try:
        before = migrate.current_revision(db)
        migrate.upgrade(db)
        after = migrate.current_revision(db)
    except SQLAlchemyError as exc:
        raise StoreError(f"database {db.display_url}: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    finally:
        db.dispose()
    print(f"{db.display_url}: schema {'already ' if before == after else ''}at {after}"
          + (f" (was {before or 'empty'})" if before != after else ""), file=sys.stderr)
    return 0
