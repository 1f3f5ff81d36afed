"""The PostgreSQL fixture: a real server when there is one, and never a silent skip in CI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.pgcluster import PostgresUnavailable, libpq_url, session_url, with_database

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_postgres_url_reaches_a_real_server(postgres_db: str) -> None:
    import psycopg

    assert postgres_db.startswith("postgresql+psycopg://")
    with psycopg.connect(libpq_url(postgres_db)) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
    assert version is not None and int(version[0]) >= 150000


def test_no_url_and_no_binaries_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDITOR_TEST_POSTGRES_URL", raising=False)
    monkeypatch.setenv("PG_BIN", "/nonexistent")
    with pytest.raises(PostgresUnavailable), session_url():
        pass


def _run_probe(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(textwrap.dedent("""
        from tests.conftest import postgres_url  # noqa: F401

        def test_needs_postgres(postgres_url):
            assert postgres_url
    """))
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_TEST_POSTGRES_URL"}
    env.update(PG_BIN="/nonexistent", CI=ci, PYTHONPATH=str(REPO_ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(probe)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_missing_postgres_fails_in_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    in_ci = _run_probe(tmp_path, "true")
    assert in_ci.returncode == 1, in_ci.stdout
    assert "PostgreSQL is required in CI" in in_ci.stdout
    local = _run_probe(tmp_path, "")
    assert local.returncode == 0, local.stdout
    assert "1 skipped" in local.stdout


def test_with_database_swaps_only_the_name() -> None:
    url = "postgresql+psycopg://auditor@127.0.0.1:5999/postgres"
    assert with_database(url, "t_1") == "postgresql+psycopg://auditor@127.0.0.1:5999/t_1"
    assert libpq_url(url) == "postgresql://auditor@127.0.0.1:5999/postgres"
