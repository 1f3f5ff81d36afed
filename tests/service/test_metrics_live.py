"""``/metrics`` upstream counters move while a job runs, and a finished job's requests count once.

A local fake upstream answers PubMed's first request with a 429 at once and holds every later one
until the test releases it (then 503). While the job is held, ``/metrics`` must already show the
429; after it finished, every request the fake received is in the counters exactly once. Both the
embedded runner (SQLite, and PostgreSQL when configured) and the procrastinate worker that
``auditor serve`` runs in PostgreSQL mode are checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from auditor.jobs.settings import JobSettings
from auditor.service.settings import ServiceSettings
from auditor.sources.replay import replay_settings
from auditor.store import migrate
from auditor.store.engine import Database
from auditor.store.tokens import create_token
from tests.held_upstream import CROSSREF_EMPTY, DOCUMENT, FakeHandler, serving

from .conftest import run_in_thread


@dataclass
class StormUpstream:
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)
    counts: dict[str, int] = field(default_factory=lambda: {"pubmed": 0, "crossref": 0})


@contextmanager
def storm_upstream() -> Iterator[StormUpstream]:
    state = StormUpstream()
    lock = threading.Lock()

    class Handler(FakeHandler):
        def answer(self) -> None:
            if self.path.startswith("/entrez/"):
                with lock:
                    state.counts["pubmed"] += 1
                    first = state.counts["pubmed"] == 1
                if first:
                    self.reply(429)
                    return
                state.release.wait(timeout=60)
                self.reply(503)
            else:
                with lock:
                    state.counts["crossref"] += 1
                self.reply(200, CROSSREF_EMPTY)

    with serving(Handler) as url:
        state.url = url
        try:
            yield state
        finally:
            state.release.set()


def _samples(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _until(what: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = what()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("never reached the expected state")
        time.sleep(0.05)


def _check_live_then_once(url: str, db: Database, state: StormUpstream) -> None:
    token = create_token(db, "alice").secret
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        resp = client.post("/v1/audits", files={"file": ("notes.txt", DOCUMENT, "text/plain")})
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["id"]
        during = _until(lambda: (s := _samples(client)) and
                        _value(s, "auditor_upstream_rate_limited_total", service="pubmed") >= 1 and s)
        # The job is still held upstream, yet its 429 is already in /metrics.
        assert client.get(f"/v1/audits/{job_id}").json()["status"] == "running"
        assert _value(during, "auditor_upstream_requests_total", service="pubmed", status="429") == 1
        assert _value(during, "auditor_upstream_rate_limited_total", service="pubmed") == 1
        assert _value(during, "auditor_job_duration_seconds_count", status="succeeded") == 0
        state.release.set()
        _until(lambda: client.get(f"/v1/audits/{job_id}").json()["status"] == "succeeded")
        after = _until(lambda: (s := _samples(client)) and
                       _value(s, "auditor_job_duration_seconds_count", status="succeeded") == 1 and s)
    assert state.counts["pubmed"] >= 2 and state.counts["crossref"] >= 1
    # Every request the fake received is counted exactly once, by the status it got.
    sent = "auditor_upstream_requests_total"
    assert _value(after, sent, service="pubmed", status="429") == 1
    assert _value(after, sent, service="pubmed", status="503") == state.counts["pubmed"] - 1
    assert _value(after, sent, service="crossref", status="200") == state.counts["crossref"]
    assert _value(after, "auditor_upstream_rate_limited_total", service="pubmed") == 1


def _settings(base: str) -> Any:
    return replay_settings(entrez_url=f"{base}/entrez/", crossref_url=f"{base}/crossref/", retraction_watch_url="off")


def test_embedded_runner_counts_a_running_jobs_requests_live_and_once(db: Database) -> None:
    from auditor.service.app import create_app

    with storm_upstream() as state:
        app = create_app(db, ServiceSettings(), workers=1, audit_settings=_settings(state.url),
                         job_settings=JobSettings(poll_s=0.05, lease_s=0.6))
        url, stop = run_in_thread(app)
        try:
            _check_live_then_once(url, db, state)
        finally:
            stop()


def test_procrastinate_worker_counts_a_running_jobs_requests_live_and_once(postgres_db: str) -> None:
    from auditor.jobs.procrastinate_app import ProcrastinateQueue, WorkerTuning
    from auditor.jobs.procrastinate_worker import attach_to_service
    from auditor.service.app import create_app

    db = Database(postgres_db)
    migrate.upgrade(db)
    queue = ProcrastinateQueue(postgres_db)
    try:
        with storm_upstream() as state:
            settings = _settings(state.url)
            job_settings = JobSettings(poll_s=0.05, lease_s=0.6)
            app = create_app(db, ServiceSettings(), workers=0, audit_settings=settings, job_settings=job_settings,
                             queue=queue)
            attach_to_service(app, postgres_db, workers=1, settings=settings, job_settings=job_settings,
                              tuning=WorkerTuning(poll_s=0.2), observer=app.state.ctx.metrics)
            url, stop = run_in_thread(app)
            try:
                _check_live_then_once(url, db, state)
            finally:
                stop()
    finally:
        queue.close()
        db.dispose()
