"""``progress.sources`` in ``GET /v1/audits/{id}`` while a job runs and after it: a local fake upstream
holds PubMed's first answer until the test has seen the job's per-source state, then PubMed fails
(503 after retries) and Crossref answers, so every state the API can report is observed for real."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from auditor.jobs.settings import JobSettings
from auditor.service.settings import ServiceSettings
from auditor.sources.replay import replay_settings
from auditor.store.engine import Database
from auditor.store.tokens import create_token

from .conftest import run_in_thread

DOCUMENT = (b"Notes\n\nReferences\n\n"
            b"1. Roe R, Doe J. A trial of nothing in particular. J Notes. 2001;12:101-109.\n"
            b"2. Poe E. Another study of the same nothing. Ann Notes. 2003;4:55-60.\n")
CROSSREF_EMPTY = b'{"status": "ok", "message-type": "work-list", "message": {"items": [], "total-results": 0}}'


class Upstream:
    """PubMed (``/entrez/``) waits for ``release`` and then answers 503; Crossref answers an empty list."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.pubmed_asked = threading.Event()
        self.counts = {"pubmed": 0, "crossref": 0}


@pytest.fixture
def upstream() -> Iterator[tuple[str, Upstream]]:
    state = Upstream()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if self.path.startswith("/entrez/"):
                state.counts["pubmed"] += 1
                state.pubmed_asked.set()
                state.release.wait(timeout=60)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            state.counts["crossref"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(CROSSREF_EMPTY)))
            self.end_headers()
            self.wfile.write(CROSSREF_EMPTY)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def _poll(client: httpx.Client, job_id: str, until: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/audits/{job_id}").json()
        if until(body):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached the expected state: {body}")
        time.sleep(0.05)


def test_progress_sources_while_pubmed_is_held_and_after_it_failed(db: Database, upstream) -> None:
    from auditor.service.app import create_app

    base, state = upstream
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
