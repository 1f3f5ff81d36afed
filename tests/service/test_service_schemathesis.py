"""Schemathesis against ``/openapi.json`` of a real server: no 5xx, and every answer matches the schema.

Bounded (a few dozen examples per operation) so it stays fast. The point is the HTTP contract,
including every problem response, not the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from auditor.jobs.settings import JobSettings
from auditor.service.app import create_app
from auditor.service.settings import ServiceSettings
from auditor.sources.replay import replay_settings
from auditor.store import migrate
from auditor.store.engine import Database
from auditor.store.tokens import create_token

from .conftest import CASSETTE_000, run_in_thread

_TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "store.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    _TOKEN["value"] = create_token(db, "fuzzer").secret
    # One worker, so /readyz is ready; jobs answer from the seed cassette (generated documents whose
    # references it lacks simply fail), never from the network.
    app = create_app(db, ServiceSettings(max_active_jobs=10_000, max_upload_bytes=256 * 1024), workers=1,
                     audit_settings=replay_settings(),
                     job_settings=JobSettings(replay_cassette=str(CASSETTE_000), poll_s=0.05))
    url, stop = run_in_thread(app)
    yield schemathesis.openapi.from_url(f"{url}/openapi.json")
    stop()
    db.dispose()


def _operations() -> list[str]:
    """Operation labels, read from a throwaway app (the same routes the server serves)."""
    paths = create_app(Database("sqlite://"), workers=0).openapi()["paths"]
    return [f"{method.upper()} {path}" for path, ops in paths.items() for method in ops]


@pytest.mark.parametrize("label", _operations())
def test_api_contract(api_schema: schemathesis.BaseSchema, label: str) -> None:
    # The pytest plugin's parametrize does not run under this pytest version, so each operation's
    # Hypothesis strategy is driven directly.
    from hypothesis import given
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    method, path = label.split(" ", 1)
    (operation,) = [r.ok() for r in api_schema.get_all_operations()
                    if r.ok().method.upper() == method and r.ok().path == path]
    headers = {"Authorization": f"Bearer {_TOKEN['value']}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    run()
