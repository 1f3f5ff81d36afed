"""procrastinate on PostgreSQL: workers in separate processes run every job exactly once.

Real ``auditor worker`` processes against a fresh database; jobs audit seed 000 from its cassette
(``AUDITOR_REPLAY_CASSETTE``), so no network is used. "Exactly once" is read from the store (one
claim per job, one set of reports) and from the workers' own logs (each job claimed by one worker).
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

import pytest
from sqlalchemy import func, select, text

from auditor.store import jobs as store_jobs
from auditor.store import migrate
from auditor.store.engine import Database
from auditor.store.shared_tables import upstream_limits
from auditor.store.tables import Job, StoredReport

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = next((REPO_ROOT / "seeds").glob("000_*.txt"))
CASSETTE = REPO_ROOT / "cassettes" / "seeds" / "000.yaml"
CLAIMED = re.compile(r"job (\S+): claimed by (\S+) \(attempt (\d+)\)")


@pytest.fixture
def store(postgres_db: str) -> Iterator[Database]:
    db = Database(postgres_db)
    migrate.upgrade(db)
    yield db
    db.dispose()


def _submit(db: Database, queue: object, n: int) -> list[str]:
    from auditor.store.tokens import ensure_tenant

    tenant = ensure_tenant(db, "t")
    data = SEED.read_bytes()
    ids = []
    for _ in range(n):
        job, _created = store_jobs.submit(db, tenant_id=tenant.tenant_id, filename=SEED.name, data=data,
                                          fail_on="major,not_found", total=0,
                                          within=queue.enqueue_in_transaction)  # type: ignore[attr-defined]
        ids.append(job.id)
    return ids


def _worker(url: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    environ = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "AUDITOR_REPLAY_CASSETTE": str(CASSETTE),
               "AUDITOR_WORKER_POLL": "0.5", **env}
    # Replayed answers arrive at once; the limits are raised only so the test does not take minutes
    # at NCBI's 3/s (the workers still pace through the shared limiter: see the assertion below).
    config = log.with_suffix(".toml")
    config.write_text("ncbi_rps = 500\ncrossref_rps = 500\ncrossref_concurrency = 8\n")
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "auditor", "worker", "--database", url, "--concurrency", "2",
                                 "--config", str(config)],
                                stdout=sink, stderr=subprocess.STDOUT, env=environ, cwd=REPO_ROOT)


def _wait_finished(db: Database, ids: list[str], timeout: float) -> dict[str, Job]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = {i: store_jobs.get_job(db, i) for i in ids}
        if all(j is not None and j.status in ("succeeded", "failed", "cancelled") for j in jobs.values()):
            return jobs  # type: ignore[return-value]
        time.sleep(0.2)
    raise AssertionError(f"jobs not finished in {timeout} s: {[(i, j and j.status) for i, j in jobs.items()]}")


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(10)


def _report_count(db: Database, job_id: str) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(StoredReport).where(StoredReport.job_id == job_id)) or 0


def test_two_workers_run_each_job_exactly_once(store: Database, postgres_db: str, tmp_path: Path) -> None:
    from auditor.jobs.procrastinate_app import ProcrastinateQueue

    queue = ProcrastinateQueue(postgres_db)
    ids = _submit(store, queue, 8)
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    # A short delay per job keeps both workers busy at once, so the queue is really shared.
    workers = [_worker(postgres_db, log, AUDITOR_TEST_JOB_DELAY="0.5") for log in logs]
    try:
        jobs = _wait_finished(store, ids, 90)
    finally:
        codes = [_stop(w) for w in workers]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]  # SIGTERM: a clean, drained exit
    assert all(j.status == "succeeded" and j.attempts == 1 for j in jobs.values())
    assert all(_report_count(store, i) == 4 for i in ids)
    claims = [m.group(1) for log in logs for m in CLAIMED.finditer(log.read_text())]
    assert sorted(claims) == sorted(ids)  # every job claimed once, by one worker
    per_worker = [len(CLAIMED.findall(log.read_text())) for log in logs]
    assert min(per_worker) >= 1, per_worker
    with store.read() as session:  # the workers paced their requests through the shared limiter
        budgets = set(session.scalars(select(upstream_limits.c.name)))
    assert "pubmed:ip:500:-" in budgets
    first = store_jobs.get_report(store, ids[0], "json")
    assert first is not None
    assert all(store_jobs.get_report(store, i, "json").body == first.body for i in ids[1:])  # type: ignore[union-attr]


def test_kill_9_mid_job_then_the_job_completes_exactly_once(store: Database, postgres_db: str,
                                                           tmp_path: Path) -> None:
    from auditor.jobs.procrastinate_app import ProcrastinateQueue

    fast = {"AUDITOR_JOB_LEASE": "2", "AUDITOR_WORKER_HEARTBEAT": "0.5", "AUDITOR_WORKER_STALLED_AFTER": "2",
            "AUDITOR_WORKER_SWEEP": "1"}
    queue = ProcrastinateQueue(postgres_db)
    (job_id,) = _submit(store, queue, 1)
    victim = _worker(postgres_db, tmp_path / "victim.log", AUDITOR_TEST_JOB_DELAY="30", **fast)
    try:
        deadline = time.monotonic() + 60
        while (job := store_jobs.get_job(store, job_id)) is not None and job.status != "running":
            assert time.monotonic() < deadline, (tmp_path / "victim.log").read_text()[-2000:]
            time.sleep(0.1)
    finally:
        victim.kill()  # kill -9: no drain, no release, the lease and procrastinate's job are left behind
        victim.wait(10)
    survivor = _worker(postgres_db, tmp_path / "survivor.log", **fast)
    try:
        jobs = _wait_finished(store, [job_id], 90)
    finally:
        _stop(survivor)
    job = jobs[job_id]
    assert job.status == "succeeded", (tmp_path / "survivor.log").read_text()[-3000:]
    assert job.attempts == 2  # claimed by the victim, then once more by the survivor
    assert _report_count(store, job_id) == 4
    assert len(CLAIMED.findall((tmp_path / "survivor.log").read_text())) == 1


def test_sweep_finds_exactly_the_jobs_nobody_is_coming_for(store: Database, postgres_db: str) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from auditor.jobs.procrastinate_app import ProcrastinateQueue, _unannounced_jobs
    from auditor.store.tables import utcnow
    from auditor.store.tokens import ensure_tenant

    queue = ProcrastinateQueue(postgres_db)
    tenant = ensure_tenant(store, "t").tenant_id
    data = SEED.read_bytes()

    def job(announce: bool) -> str:
        hook = queue.enqueue_in_transaction if announce else None
        made, _ = store_jobs.submit(store, tenant_id=tenant, filename="a.txt", data=data, fail_on="major",
                                    total=1, within=hook)
        return made.id

    announced, silent, fresh_silent, dead, dead_announced = job(True), job(False), job(False), job(True), job(True)
    long_ago = utcnow() - timedelta(seconds=120)
    with store.write() as session:
        session.execute(update(Job).where(Job.id.in_([announced, silent, dead, dead_announced]))
                        .values(created_at=long_ago))
        # two executions died: their store leases expired and their announcements are stuck in 'doing'
        session.execute(update(Job).where(Job.id.in_([dead, dead_announced])).values(
            status="running", lease_owner="gone", lease_expires_at=long_ago))
        session.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE queueing_lock IN (:a, :b)"),
                        {"a": f"audit:{dead}", "b": f"audit:{dead_announced}"})
    other_api = ProcrastinateQueue(postgres_db)  # another API process announces the second dead one again
    other_api.enqueue(dead_announced)
    other_api.close()
    assert sorted(_unannounced_jobs(store, lease_s=30)) == sorted([silent, dead])
    assert fresh_silent not in _unannounced_jobs(store, lease_s=30)  # submitted just now: give it a lease
    queue.close()
