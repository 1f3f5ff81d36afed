"""Watches on PostgreSQL: two real ``auditor worker`` processes, procrastinate's periodic watch pass.

The pass (``auditor.watch_tick``) is deferred once per period across both workers; the run row
unique on ``(watch_id, scheduled_for)`` keeps a due watch to one run even so. Each due watch must
give exactly one run, one audit job claimed once, and one webhook delivery that reaches the local
receiver exactly once, sent as a job of its own after the run was done. Audits replay seed 000's
cassette (no network); the receiver is on 127.0.0.1, allowed through AUDITOR_WEBHOOK_ALLOW.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import column, func, select, table

from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.store.tables import Job, WatchRun, WebhookDelivery
from auditor.store.tokens import ensure_tenant
from auditor.watch.webhooks import DELIVERY_HEADER
from tests.webhook_receiver import Receiver, serve_receiver

from .test_procrastinate_pg import CLAIMED, SEED, _stop, _worker
from .test_procrastinate_pg import store as store  # noqa: F401 - the fixture


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    with serve_receiver() as served:
        yield served


def _watch(db: Database, url: str, state: Receiver) -> str:
    tenant = ensure_tenant(db, "alice")
    created = store_watches.create_watch(
        db, tenant_id=tenant.tenant_id, filename=SEED.name, data=SEED.read_bytes(), cron="0 6 * * *",
        timezone="Europe/Oslo", notify="always", fail_on="major,not_found", webhook_url=url, sha256="0" * 64,
        now=datetime.now(UTC) - timedelta(days=3))  # three daily ticks missed: one run, for the latest
    assert created.secret is not None
    state.secrets[created.watch.id] = created.secret
    return created.watch.id


def _wait_delivered(db: Database, watch_id: str, timeout: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as session:
            status = session.scalar(select(WebhookDelivery.status).join(WatchRun, WatchRun.id == WebhookDelivery.run_id)
                                    .where(WatchRun.watch_id == watch_id))
        if status in ("delivered", "failed"):
            return
        time.sleep(0.2)
    raise AssertionError(f"watch {watch_id} not delivered in {timeout} s: "
                         f"{[log.read_text()[-1500:] for log in logs]}")


def test_two_workers_fire_each_due_watch_exactly_once(store: Database, postgres_db: str, tmp_path: Path,
                                                      receiver: tuple[str, Receiver]) -> None:
    url, state = receiver
    before = _watch(store, url, state)  # due when the workers start
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    env = {"AUDITOR_WORKER_WATCH": "1", "AUDITOR_WEBHOOK_ALLOW": "127.0.0.1",
           "AUDITOR_PUBLIC_URL": "https://auditor.example.org"}
    workers = [_worker(postgres_db, log, **env) for log in logs]
    started = time.time()
    try:
        _wait_delivered(store, before, 90, logs)
        during = _watch(store, url, state)  # comes due while both workers run: a periodic pass finds it
        _wait_delivered(store, during, 60, logs)
        time.sleep(3)  # several more passes, on both workers: still nothing is due twice
    finally:
        codes = [_stop(w) for w in workers]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]
    text = "".join(log.read_text() for log in logs)
    with store.read() as session:
        runs = list(session.scalars(select(WatchRun).order_by(WatchRun.seq)))
        jobs = list(session.scalars(select(Job)))
        deliveries = list(session.scalars(select(WebhookDelivery)))
        last_pass = session.scalar(select(func.max(column("defer_timestamp")))
                                   .select_from(table("procrastinate_periodic_defers"))
                                   .where(column("task_name") == "auditor.watch_tick"))
    assert [r.watch_id for r in runs] == [before, during]
    assert {r.status for r in runs} == {"done"} and {r.trigger for r in runs} == {"schedule"}
    assert all(r.scheduled_for.astimezone(UTC).hour in (4, 5) for r in runs)  # 06:00 Oslo, the latest tick
    assert sorted(j.id for j in jobs) == sorted(r.job_id for r in runs if r.job_id)
    assert {(j.status, j.attempts) for j in jobs} == {("succeeded", 1)}
    assert sorted(m.group(1) for m in CLAIMED.finditer(text)) == sorted(j.id for j in jobs)  # each claimed once
    # The periodic pass kept being deferred, period after period, until the workers stopped.
    assert last_pass is not None and last_pass >= started + 3, (started, last_pass)
    # One delivery per run, sent once, after the run: the receiver saw each delivery id exactly once.
    assert {(d.id, d.status, len(d.attempts)) for d in deliveries} == {(r.id, "delivered", 1) for r in runs}
    assert sorted(h[DELIVERY_HEADER] for h, _ in state.received) == sorted(r.id for r in runs)
    assert state.refused == 0
    links = state.received[0][1]["links"]
    assert links["run"].startswith("https://auditor.example.org/v1/watches/")  # AUDITOR_PUBLIC_URL
    assert all(r.notified for r in runs)
