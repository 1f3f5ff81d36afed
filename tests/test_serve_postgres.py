"""``auditor serve`` on PostgreSQL: transactional enqueue, in-process procrastinate workers, drain.

A real ``auditor serve`` process (plus, in one test, an ``auditor worker`` process) on a fresh
database; jobs replay seed 000's cassette, so nothing leaves the machine.
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
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from auditor.cli import main
from auditor.jobs.procrastinate_app import ProcrastinateQueue, queueing_lock
from auditor.store import migrate
from auditor.store.engine import Database

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_000 = next((REPO_ROOT / "seeds").glob("000_*.txt"))
CASSETTE_000 = REPO_ROOT / "cassettes" / "seeds" / "000.yaml"
SERVING = re.compile(r"serving on (http://\S+)")


def upload(client: httpx.Client) -> dict[str, Any]:
    """POST seed 000 under the name ``auditor check`` shows for it."""
    resp = client.post("/v1/audits", files={"file": (str(SEED_000), SEED_000.read_bytes(), "text/plain")})
    assert resp.status_code == 202, resp.text
    return resp.json()


def wait_for(client: httpx.Client, job_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/audits/{job_id}").json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        assert time.monotonic() < deadline, f"job {job_id} still {body['status']} after {timeout} s"
        time.sleep(0.1)


def cli_json(tmp_path: Path) -> bytes:
    """What ``auditor check --replay`` writes as JSON for seed 000."""
    out = tmp_path / "cli.json"
    assert main(["check", str(SEED_000), "--replay", str(CASSETTE_000), "--format", "json", "--output", str(out),
                 "--no-progress"]) == 1
    return out.read_bytes()


@pytest.fixture
def store(postgres_db: str) -> Iterator[Database]:
    db = Database(postgres_db)
    migrate.upgrade(db)
    yield db
    db.dispose()


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "AUDITOR_REPLAY_CASSETTE": str(CASSETTE_000),
            "AUDITOR_WORKER_POLL": "0.5"}


def _config(tmp_path: Path) -> str:
    """Replayed answers arrive at once; raised limits keep the test from taking NCBI's 3/s pace."""
    path = tmp_path / "fast.toml"
    path.write_text("ncbi_rps = 500\ncrossref_rps = 500\ncrossref_concurrency = 8\n")
    return str(path)


def _serve(url: str, workers: int, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = tmp_path / f"serve-{workers}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "auditor", "serve", "--database", url, "--port", "0", "--no-auth",
             "--workers", str(workers), "--log-level", "warning", "--config", _config(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=sink, env=_env(tmp_path), cwd=REPO_ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = SERVING.search(log.read_text())
        if found:
            return proc, found.group(1)
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError(log.read_text())


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(40)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(10)


def _announcements(db: Database, job_id: str) -> list[str]:
    with db.read() as session:
        return list(session.scalars(text("SELECT status::text FROM procrastinate_jobs WHERE queueing_lock = :lock"),
                                    {"lock": queueing_lock(job_id)}))


def test_enqueue_commits_and_rolls_back_with_the_job(store: Database, postgres_db: str) -> None:
    queue = ProcrastinateQueue(postgres_db)
    with pytest.raises(RuntimeError), store.write() as session:
        queue.enqueue_in_transaction(session, "rolled-back")
        raise RuntimeError("the job's transaction fails")
    assert _announcements(store, "rolled-back") == []
    with store.write() as session:
        queue.enqueue_in_transaction(session, "kept")
        queue.enqueue_in_transaction(session, "kept")  # a repeat is absorbed by the queueing lock
    assert _announcements(store, "kept") == ["todo"]
    queue.enqueue("kept")  # and so is the after-commit announcement
    assert _announcements(store, "kept") == ["todo"]
    queue.close()


def test_serve_announces_in_the_submit_transaction_and_a_separate_worker_runs_it(
        store: Database, postgres_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server, base = _serve(postgres_db, 0, tmp_path)  # API only: the job must wait for a worker
    worker = None
    try:
        _wait_ready(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            job = upload(client)
            assert job["status"] == "queued"
            assert _announcements(store, job["id"]) == ["todo"]  # committed with the job row
            worker = subprocess.Popen([sys.executable, "-m", "auditor", "worker", "--database", postgres_db,
                                       "--config", _config(tmp_path)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(tmp_path),
                                      cwd=REPO_ROOT)
            done = wait_for(client, job["id"], timeout=90)
            assert done["status"] == "succeeded" and done["attempts"] == 1
            report = client.get(f"/v1/audits/{job['id']}/report", params={"format": "json"}).content
    finally:
        codes = [_stop(p) for p in (server, worker) if p is not None]
    assert report == cli_json(tmp_path)
    capsys.readouterr()
    assert codes == [0, 0], codes  # serve and worker alike exit 0 after draining


def test_serve_with_in_process_workers_on_postgres(store: Database, postgres_db: str, tmp_path: Path) -> None:
    server, base = _serve(postgres_db, 2, tmp_path)
    try:
        _wait_ready(base)
        with httpx.Client(base_url=base, timeout=30) as client:
            ids = [upload(client)["id"] for _ in range(3)]
            finished = [wait_for(client, i, timeout=90) for i in ids]
            ready = client.get("/readyz")
    finally:
        code = _stop(server)
    assert [f["status"] for f in finished] == ["succeeded"] * 3
    assert ready.status_code == 200, ready.text  # the in-process procrastinate worker heartbeats
    assert code == 0
