"""Where the PostgreSQL tests get their server: the environment, a throwaway cluster, or a skip.

``AUDITOR_TEST_POSTGRES_URL`` wins (CI's ``.ci/run`` starts one cluster for the whole run and sets
it). Otherwise, if the server binaries are installed, ``scripts/pg_cluster.sh`` starts a cluster for
this test session, the same script CI uses, so the logic exists once. Otherwise the PostgreSQL tests
skip, except under ``CI=true``: there a missing PostgreSQL is an error, because a suite that
silently skips its PostgreSQL half would report green while testing nothing of it.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_cluster.sh"
ENV_URL = "AUDITOR_TEST_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    """No URL in the environment and no server binaries to start a cluster with."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def binaries_available() -> bool:
    return subprocess.run(["bash", str(SCRIPT), "available"], capture_output=True).returncode == 0


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster with ``scripts/pg_cluster.sh`` and yield its SQLAlchemy URL; stop it after."""
    done = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/pg_cluster.sh start failed: {done.stderr.strip()}")
    directory, url = done.stdout.split()
    try:
        yield url
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", directory], capture_output=True, timeout=120)


@contextmanager
def session_url() -> Iterator[str]:
    """The URL for this test session, however it is obtained (see the module docstring)."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        yield url
        return
    if not binaries_available():
        raise PostgresUnavailable(f"{ENV_URL} is not set and no PostgreSQL server binaries were found")
    with throwaway_cluster() as started:
        yield started


def libpq_url(url: str) -> str:
    """The same URL as plain psycopg/libpq wants it (no SQLAlchemy ``+driver`` suffix)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead of its own."""
    base = url.split("?", 1)[0]
    return base.rsplit("/", 1)[0] + "/" + name


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``; dropped (connections and all) afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq_url(url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(libpq_url(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
