"""Alembic environment for the store; run programmatically by :mod:`auditor.store.migrate`.

``auditor.store.migrate`` passes an open connection in ``config.attributes["connection"]``; the
``sqlalchemy.url`` option is the fallback for running ``alembic`` by hand during development.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from auditor.store.migrate import owned_by_store
from auditor.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, include_name=owned_by_store,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
