"""Shared test fixtures. Keep this small: each area's helpers live in its own test modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgcluster import PostgresUnavailable, fresh_database, in_ci, session_url

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sources_vcr():
    """vcrpy configured exactly as the recorder was, in replay-only mode (no network, ever)."""
    from auditor.sources.replay import replay_vcr

    return replay_vcr(REPO_ROOT / "cassettes" / "sources")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server URL (``postgresql+psycopg://...``) for the whole session.

    From ``AUDITOR_TEST_POSTGRES_URL``, else a throwaway cluster started here, else a skip; under
    ``CI=true`` a missing PostgreSQL fails the test instead of skipping it (tests/pgcluster.py).
    """
    try:
        with session_url() as url:
            yield url
    except PostgresUnavailable as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL not available: {exc}")


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """The URL of a new, empty database for one test (dropped afterwards), so tests never share state."""
    with fresh_database(postgres_url) as url:
        yield url
