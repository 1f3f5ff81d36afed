"""Workers in separate processes share one PostgreSQL limiter and stay inside the upstream's limits.

The fake upstream (tests/upstream_fake.py) is the oracle: it counts arrivals per sliding second and
requests in flight and answers 429 beyond its limits. The control cases run the same workers with
today's per-process limiter and must draw 429s, which shows the fake would catch an overrun.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from auditor.store import migrate
from auditor.store.engine import Database
from tests.upstream_fake import Throttle, serve

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shared_db(postgres_db: str) -> str:
    db = Database(postgres_db)
    migrate.upgrade(db)  # the tables come from the store's migrations, as in a deployment
    db.dispose()
    return postgres_db


async def _run_workers(database: str, base: str, workers: int, *extra: str) -> list[dict[str, int]]:
    cold = "--cold" in extra
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.upstream_worker", "--database", database, "--base", base, *extra,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, cwd=REPO_ROOT)
        for _ in range(workers)
    ]
    try:
        for proc in procs if not cold else ():  # everyone imported and connected: start together
            assert proc.stdout is not None
            assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready"
        for proc in procs if not cold else ():
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        outputs = [await asyncio.wait_for(proc.communicate(), 120) for proc in procs]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
    for proc in procs:
        assert proc.returncode == 0
    return [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]


async def test_two_workers_share_the_rate_and_draw_no_429(shared_db: str) -> None:
    throttle = Throttle(rate=20)
    async with serve(throttle) as base:
        counters = await _run_workers(shared_db, base, 2, "--service", "pubmed", "--requests", "30",
                                      "--tasks", "3", "--rate", "20")
    assert throttle.rejected == 0
    assert sum(c["rate_limited"] for c in counters) == 0
    assert throttle.answered == 60 and all(c["failures"] == 0 for c in counters)
    # Close to the allowed rate: the busiest second holds most of the budget (20; the shared limiter
    # allows 20 starts per 1.05 s, so 19 on an idle machine).
    assert throttle.busiest_second() >= 15, throttle.busiest_second()


async def test_cold_workers_with_slow_connects_draw_no_429(shared_db: str) -> None:
    # Four processes that send the moment they start, while their siblings still import and
    # connect, and whose new connections take up to 300 ms: the shape of the benchmark's first
    # second. Each start is confirmed after its connection is up, so no late send bunches up.
    throttle = Throttle(rate=10)
    async with serve(throttle) as base:
        counters = await _run_workers(shared_db, base, 4, "--service", "pubmed", "--requests", "12",
                                      "--tasks", "3", "--rate", "10", "--cold", "--slow-connect", "0.3")
    assert throttle.rejected == 0, throttle.busiest_second()
    assert sum(c["rate_limited"] for c in counters) == 0
    assert throttle.answered == 48


async def test_per_process_limiters_overrun_the_same_budget(shared_db: str) -> None:
    throttle = Throttle(rate=20)
    async with serve(throttle) as base:
        await _run_workers(shared_db, base, 2, "--service", "pubmed", "--requests", "15", "--tasks", "3",
                           "--rate", "20", "--local")
    assert throttle.rejected > 0


async def test_two_workers_share_the_concurrency_cap(shared_db: str) -> None:
    throttle = Throttle(rate=1000, concurrency=2, hold_s=0.05)
    async with serve(throttle) as base:
        counters = await _run_workers(shared_db, base, 2, "--service", "crossref", "--requests", "12",
                                      "--tasks", "3", "--rate", "200", "--concurrency", "2")
    assert throttle.rejected == 0 and sum(c["rate_limited"] for c in counters) == 0
    assert throttle.answered == 24
    assert throttle.peak_in_flight == 2


async def test_per_process_concurrency_caps_overrun_the_same_budget(shared_db: str) -> None:
    throttle = Throttle(rate=1000, concurrency=2, hold_s=0.05)
    async with serve(throttle) as base:
        await _run_workers(shared_db, base, 2, "--service", "crossref", "--requests", "6", "--tasks", "3",
                           "--rate", "200", "--concurrency", "2", "--local")
    assert throttle.rejected > 0
