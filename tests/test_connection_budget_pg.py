"""A worker's PostgreSQL connections stay within the budget the README gives, pool by pool.

Every connection a worker opens carries its pool's ``application_name`` (``auditor-store``,
``auditor-queue``, ``auditor-upstream``), so ``pg_stat_activity`` can be read per pool. A real
procrastinate worker (in this process, replaying seed 000's cassette) runs a burst of jobs while
the test samples ``pg_stat_activity``: every connection is named, and no pool exceeds
:func:`auditor.jobs.procrastinate_worker.connection_budget`, the figure the README's formula states.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import psycopg

from auditor.jobs.procrastinate_worker import connection_budget, run_worker
from auditor.jobs.settings import JobSettings
from auditor.sources.replay import replay_settings
from auditor.store import migrate
from auditor.store.engine import Database
from tests.test_procrastinate_pg import CASSETTE, _submit

README = Path(__file__).resolve().parent.parent / "README.md"
SAMPLE = """SELECT application_name, count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            GROUP BY 1"""
UNFINISHED = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"


def test_the_budget_is_the_readme_formula() -> None:
    for c in (1, 2, 8, 32):
        assert sum(connection_budget(c).values()) == 3 * c + 42
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert re.search(r"`3 × concurrency \+ 42`", text), "README: Deploying must state the worker budget"


async def test_a_worker_bursting_stays_within_its_budget_per_pool(postgres_db: str) -> None:
    from auditor.jobs.procrastinate_app import ProcrastinateQueue

    db = Database(postgres_db)
    migrate.upgrade(db)
    queue = ProcrastinateQueue(postgres_db)
    _submit(db, queue, 8)
    queue.close()
    db.dispose()  # from here on, every connection to this database is the worker's
    concurrency = 4
    job_settings = JobSettings(replay_cassette=str(CASSETTE), test_delay_s=0.3, poll_s=0.1)
    worker = asyncio.create_task(run_worker(postgres_db, concurrency=concurrency, settings=replay_settings(),
                                            job_settings=job_settings, install_signal_handlers=False))
    peaks: Counter[str] = Counter()
    conninfo = postgres_db.replace("postgresql+psycopg://", "postgresql://")
    try:
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True,
                                                         application_name="test-sampler") as conn:
            for _ in range(3000):
                rows = await (await conn.execute(SAMPLE)).fetchall()
                for name, n in rows:
                    peaks[name] = max(peaks[name], n)
                left = (await (await conn.execute(UNFINISHED)).fetchone())[0]  # type: ignore[index]
                if left == 0:
                    break
                assert not worker.done(), worker.exception()
                await asyncio.sleep(0.02)
            assert left == 0, "the jobs did not finish"
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    budget = connection_budget(concurrency)
    assert set(peaks) <= set(budget), peaks  # every connection says which pool it belongs to
    assert all(peaks[name] >= 1 for name in budget), peaks
    assert all(peaks[name] <= budget[name] for name in budget), (peaks, budget)
