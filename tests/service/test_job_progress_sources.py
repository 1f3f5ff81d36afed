"""``progress.sources`` in ``GET /v1/audits/{id}`` while a job runs and after it: a local fake upstream
holds PubMed's first answer until the test has seen the job's per-source state, then PubMed fails
(503 after retries) and Crossref answers, so every state the API can report is observed for real."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from auditor.jobs.settings import JobSettings
from auditor.service.settings import ServiceSettings
from auditor.sources.replay import replay_settings
from auditor.store.engine import Database
from auditor.store.tokens import create_token
from tests.held_upstream import DOCUMENT, HeldUpstream, held_upstream

from .conftest import run_in_thread


@pytest.fixture
def upstream() -> Iterator[HeldUpstream]:
    with held_upstream() as state:
        yield state


def _poll(client: httpx.Client, job_id: str, until: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/audits/{job_id}").json()
        if until(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached the expected state: {body}")
        time.sleep(0.05)


def test_progress_sources_while_pubmed_is_held_and_after_it_failed(db: Database, upstream: HeldUpstream) -> None:
    from auditor.service.app import create_app

    state = upstream
    base = state.url
    settings = replay_settings(entrez_url=f"{base}/entrez/", crossref_url=f"{base}/crossref/",
                               retraction_watch_url="off")
    app = create_app(db, ServiceSettings(), workers=1, audit_settings=settings,
                     job_settings=JobSettings(poll_s=0.05, lease_s=1.5))
    url, stop = run_in_thread(app)
    token = create_token(db, "alice").secret
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            resp = client.post("/v1/audits", files={"file": ("notes.txt", DOCUMENT, "text/plain")})
            assert resp.status_code == 202, resp.text
            job_id = resp.json()["id"]
            assert state.pubmed_asked.wait(timeout=60)
            during = _poll(client, job_id, lambda b: b["progress"]["sources"]["pubmed"]["state"] == "running")
            assert during["status"] == "running"
            # PubMed's first question (ECitMatch) has not been answered, so nothing went to Crossref yet:
            # its search for a reference waits for what PubMed says about it.
            assert during["progress"]["sources"] == {
                "pubmed": {"state": "running", "requests": 0, "errors": 0},
                "crossref": {"state": "pending", "requests": 0, "errors": 0},
                "retraction_watch": {"state": "skipped", "requests": 0, "errors": 0},
            }
            assert state.counts["crossref"] == 0
            state.release.set()
            done = _poll(client, job_id, lambda b: b["status"] not in ("queued", "running"))
    finally:
        stop()
    assert done["status"] == "succeeded", done
    assert done["summary"]["unchecked"] == 2 and done["outcome"] == "unchecked"
    sources = done["progress"]["sources"]
    assert sources["pubmed"]["state"] == "failed" and sources["pubmed"]["errors"] >= 1
    assert sources["pubmed"]["requests"] == state.counts["pubmed"]
    assert sources["crossref"] == {"state": "done", "requests": state.counts["crossref"], "errors": 0}
    assert state.counts["crossref"] >= 1
    assert sources["retraction_watch"]["state"] == "skipped"
