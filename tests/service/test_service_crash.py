"""Durability with real ``auditor serve`` processes: kill -9 mid-job, restart, exactly one result; SIGTERM drains.

The first server holds the job mid-flight with ``AUDITOR_TEST_JOB_DELAY`` (it heartbeats but does not
audit yet); a 1 s lease (``AUDITOR_JOB_LEASE``) lets the second server reclaim it quickly.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from auditor.store import jobs as store_jobs
from auditor.store.tables import StoredReport
from auditor.store.tokens import create_token

from .conftest import CASSETTE_000, ROOT, upload, wait_for

FAST_LIMITS = "ncbi_rps = 1000.0\ncrossref_rps = 1000.0\ncrossref_concurrency = 8\n"


class ServeProcess:
    def __init__(self, tmp_path: Path, store_url: str, name: str, **env: str) -> None:
        config = tmp_path / "limits.toml"
        config.write_text(FAST_LIMITS, encoding="utf-8")
        self.log = tmp_path / f"{name}.log"
        environ = {**os.environ, "PYTHONPATH": str(ROOT), "AUDITOR_REPLAY_CASSETTE": str(CASSETTE_000),
                   "AUDITOR_JOB_LEASE": "1", "AUDITOR_POLL_INTERVAL": "0.1", **env}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "auditor", "serve", "--port", "0", "--database", store_url, "--workers", "1",
                 "--config", str(config), "--log-level", "warning"], env=environ, stdout=log, stderr=log)
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", self.log.read_text(errors="replace"))
            if found:
                url = found.group(1)
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        return url
                except httpx.HTTPError:
                    pass
            if self.proc.poll() is not None:
                raise AssertionError(f"auditor serve exited: {self.log.read_text()}")
            time.sleep(0.05)
        raise AssertionError("auditor serve did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def processes() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for p in started:
        p.stop()


def test_kill_9_mid_job_then_restart_completes_the_job_exactly_once(db, store_url, tmp_path, processes,
                                                                    cli_reports) -> None:
    token = create_token(db, "alice").secret
    headers = {"Authorization": f"Bearer {token}"}
    first = ServeProcess(tmp_path, store_url, "first", AUDITOR_TEST_JOB_DELAY="60")
    processes.append(first)
    with httpx.Client(base_url=first.url, headers=headers, timeout=30) as client:
        job = upload(client).json()
        running = wait_for(client, job["id"], ("running",), timeout=30)
        assert running["attempts"] == 1
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    assert store_jobs.get_job(db, job["id"]).status == "running"  # nothing released it: it died

    second = ServeProcess(tmp_path, store_url, "second")
    processes.append(second)
    with httpx.Client(base_url=second.url, headers=headers, timeout=30) as client:
        done = wait_for(client, job["id"], timeout=60)
        assert done["status"] == "succeeded", done
        assert done["attempts"] == 2
        report = client.get(f"/v1/audits/{job['id']}/report", params={"format": "json"}).content
    with db.read() as session:
        stored = session.scalar(select(func.count()).select_from(StoredReport).where(StoredReport.job_id == job["id"]))
    assert stored == 4  # one row per format, written once
    assert report == cli_reports["json"]


def _sigterm_while_running(db, store_url, tmp_path, processes, name: str, job_delay: str,
                           drain: str) -> tuple[ServeProcess, dict]:
    """A serve process with one job running (``job_delay`` seconds long), sent SIGTERM."""
    token = create_token(db, "alice").secret
    server = ServeProcess(tmp_path, store_url, name, AUDITOR_TEST_JOB_DELAY=job_delay, AUDITOR_DRAIN_TIMEOUT=drain,
                          AUDITOR_JOB_LEASE="30")
    processes.append(server)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        job = upload(client).json()
        wait_for(client, job["id"], ("running",), timeout=30)
    server.proc.send_signal(signal.SIGTERM)
    return server, job


def test_sigterm_drains_by_requeueing_the_running_job(db, store_url, tmp_path, processes) -> None:
    server, job = _sigterm_while_running(db, store_url, tmp_path, processes, "draining", "60", "0.5")
    assert server.proc.wait(timeout=30) == 0  # a clean drain is a clean exit (uvicorn alone: -15)
    after = store_jobs.get_job(db, job["id"])
    # Back in the queue at once (not after the 30 s lease), and the interrupted attempt is not counted.
    assert (after.status, after.lease_owner, after.attempts) == ("queued", None, 0)


def test_sigterm_lets_a_running_job_finish_then_exits_0(db, store_url, tmp_path, processes) -> None:
    server, job = _sigterm_while_running(db, store_url, tmp_path, processes, "finishing", "1.5", "30")
    assert server.proc.wait(timeout=60) == 0, server.log.read_text()[-2000:]
    after = store_jobs.get_job(db, job["id"])
    assert (after.status, after.attempts) == ("succeeded", 1)  # finished within the drain, once
