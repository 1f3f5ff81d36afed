"""Watches in the store: a due run is created exactly once per scheduled time, however many
schedulers race; after downtime one run for the latest missed time; jobs created idempotently;
finalisation claimed by one finaliser; the migration creates exactly the tables the code declares."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.store.tables import Job, WatchRun
from auditor.store.tokens import ensure_tenant

from .conftest import SEED_000


def _watch(db: Database, created: datetime, cron: str = "0 6 * * *", timezone: str = "UTC") -> str:
    tenant = ensure_tenant(db, "alice")
    data = SEED_000.read_bytes()
    new = store_watches.create_watch(db, tenant_id=tenant.tenant_id, filename="paper.txt", data=data, cron=cron,
                                     timezone=timezone, notify="changes", fail_on="major,not_found",
                                     webhook_url=None, sha256="0" * 64, now=created)
    return new.watch.id


def _runs(db: Database, watch_id: str) -> list[WatchRun]:
    with db.read() as session:
        return list(session.scalars(select(WatchRun).where(WatchRun.watch_id == watch_id).order_by(WatchRun.seq)))


def test_due_runs_after_downtime_once_for_the_latest_missed_time(db: Database) -> None:
    watch_id = _watch(db, datetime(2026, 11, 20, 9, tzinfo=UTC))
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)  # ten daily ticks were missed
    created = store_watches.create_due_runs(db, now)
    assert [r.scheduled_for for r in created] == [datetime(2026, 12, 1, 6, tzinfo=UTC)]
    assert store_watches.create_due_runs(db, now + timedelta(hours=1)) == []
    watch = store_watches.get_watch(db, watch_id)
    assert watch is not None and watch.next_run_at == datetime(2026, 12, 2, 6, tzinfo=UTC)
    assert [r.scheduled_for for r in store_watches.create_due_runs(db, datetime(2026, 12, 2, 6, tzinfo=UTC))] == [
        datetime(2026, 12, 2, 6, tzinfo=UTC)]
    assert len(_runs(db, watch_id)) == 2


def test_racing_schedulers_create_one_run_per_scheduled_time(db: Database) -> None:
    watch_id = _watch(db, datetime(2026, 11, 30, 9, tzinfo=UTC))
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    barrier = threading.Barrier(8)
    results: list[int] = []

    def scheduler() -> None:
        barrier.wait()
        results.append(len(store_watches.create_due_runs(db, now)))

    threads = [threading.Thread(target=scheduler) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1
    assert [r.scheduled_for for r in _runs(db, watch_id)] == [datetime(2026, 12, 1, 6, tzinfo=UTC)]


def test_each_run_gets_one_job_even_when_asked_twice(db: Database) -> None:
    watch_id = _watch(db, datetime(2026, 11, 30, 9, tzinfo=UTC))
    store_watches.create_due_runs(db, datetime(2026, 12, 1, 9, tzinfo=UTC))
    first = store_watches.ensure_jobs(db)
    assert len(first) == 1 and store_watches.ensure_jobs(db) == []
    [run] = _runs(db, watch_id)
    assert run.job_id == first[0]
    with db.read() as session:
        job = session.scalar(select(Job).where(Job.id == run.job_id))
        assert job is not None and job.status == "queued" and job.progress_total == 30
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_finalisation_is_claimed_once(db: Database) -> None:
    _watch(db, datetime(2026, 11, 30, 9, tzinfo=UTC))
    store_watches.create_due_runs(db, datetime(2026, 12, 1, 9, tzinfo=UTC))
    [job_id] = store_watches.ensure_jobs(db)
    assert store_watches.claim_finalization(db) == []  # the job has not finished
    with db.write() as session:
        job = session.scalar(select(Job).where(Job.id == job_id))
        assert job is not None
        job.status = "failed"
    claimed = store_watches.claim_finalization(db)
    assert len(claimed) == 1 and store_watches.claim_finalization(db) == []
    # A finaliser that died is replaced once its claim is stale.
    later = datetime.now(UTC) + store_watches.FINALIZE_LEASE + timedelta(seconds=1)
    assert len(store_watches.claim_finalization(db, later)) == 1


def test_manual_runs_and_a_new_schedule(db: Database) -> None:
    watch_id = _watch(db, datetime(2026, 11, 30, 9, tzinfo=UTC))
    watch = store_watches.get_watch(db, watch_id)
    assert watch is not None
    a = store_watches.run_now(db, watch, datetime(2026, 12, 1, 10, tzinfo=UTC))
    b = store_watches.run_now(db, watch, datetime(2026, 12, 1, 10, tzinfo=UTC))
    assert a.id != b.id and a.trigger == b.trigger == "manual"
    updated, _ = store_watches.update_watch(db, watch_id, watch.tenant_id, {"cron": "30 2 * * *",
                                                                           "timezone": "Europe/Oslo"},
                                            now=datetime(2026, 12, 1, 10, tzinfo=UTC))
    assert updated is not None and updated.next_run_at == datetime(2026, 12, 2, 1, 30, tzinfo=UTC)


def test_the_migrations_create_exactly_the_declared_tables(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from auditor.store.tables import Base

    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "watch" in str(d) or "webhook" in str(d)] == []
