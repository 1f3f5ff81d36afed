"""Benchmarks that take a PostgreSQL URL start from an empty database."""

from __future__ import annotations


def wipe_postgres(url: str) -> None:
    """Drop everything in the ``public`` schema: the benchmark's own migrations then start clean."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
