"""Connecting to the store: the default SQLite file, SQLite pragmas, and transaction helpers.

SQLite is opened in WAL mode (readers never block the writer) with a busy timeout, foreign keys on,
and write transactions started with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then
writes can fail at once with "database is locked" when another writer got in between, whereas an
immediate one waits its turn (up to the busy timeout). PostgreSQL needs none of this.

:meth:`Database.statement` is for hot reads that are one SELECT (the status poll): no BEGIN and no
COMMIT/ROLLBACK around it on either backend, since a single statement already reads one consistent
snapshot (SQLite's implicit read transaction, PostgreSQL's statement snapshot in autocommit).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from auditor.errors import ConfigError

DATABASE_ENV = "AUDITOR_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 15000
STORE_POOL_SIZE, STORE_MAX_OVERFLOW = 10, 20
"""The store's PostgreSQL pool: at most 30 connections per process, whatever the concurrency. Store
calls are short transactions (a claim, a heartbeat, a progress write), so demand stays far below
(6 for 8 jobs at once, 14 for 32 over the API's and the worker's engine together: README, Deploying)."""
APPLICATION_NAME = "auditor-store"
"""PostgreSQL ``application_name`` of the store's connections: ``pg_stat_activity`` then tells each
pool of a process apart (``auditor-store``, ``auditor-queue``, ``auditor-upstream``)."""


def default_database_url() -> str:
    """``sqlite:///<platform data dir>/reference-auditor/auditor.sqlite3`` (platformdirs)."""
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("reference-auditor"))
    return f"sqlite:///{directory / 'auditor.sqlite3'}"


def database_url(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """``--database`` beats ``AUDITOR_DATABASE_URL`` beats the default SQLite file."""
    env = os.environ if environ is None else environ
    url = explicit or env.get(DATABASE_ENV, "").strip() or default_database_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"database URL {url!r} is not a SQLAlchemy URL (e.g. sqlite:///path or "
                          "postgresql+psycopg://user@host/db)") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"database URL {parsed.render_as_string(hide_password=True)!r}: only sqlite and "
                          "postgresql are supported")
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg2", "pg8000", "asyncpg"):
        raise ConfigError("database URL: use the psycopg 3 driver (postgresql+psycopg://...)")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=STORE_POOL_SIZE, max_overflow=STORE_MAX_OVERFLOW,
                             connect_args={"application_name": APPLICATION_NAME})
    in_memory = not parsed.database or parsed.database == ":memory:"
    if not in_memory:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                           **({} if in_memory else {"pool_size": 20, "max_overflow": 20}))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode is not None:  # None: Database.statement(), autocommit
            conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """An engine plus the two transaction shapes every store function uses.

    ``read()`` and ``write()`` yield a Session whose transaction commits on success and rolls back
    on any exception. Objects stay readable after the block (``expire_on_commit=False``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)
        # SQLite: the connections already run in autocommit (isolation_level None above) until our
        # listener says BEGIN; PostgreSQL: the driver's autocommit, set and reset by SQLAlchemy.
        self._statement = (self.engine.execution_options(sqlite_begin=None) if self.dialect == "sqlite"
                           else self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read.begin() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write.begin() as session:
            yield session

    @contextmanager
    def statement(self) -> Iterator[Connection]:
        """A Core connection for one-statement reads, outside any explicit transaction.

        Saves a BEGIN and a ROLLBACK per use (two round trips on PostgreSQL). Only for reads that
        are a single SELECT: two statements on this connection may see two different snapshots.
        """
        with self._statement.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)
