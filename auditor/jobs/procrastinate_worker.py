"""One ``auditor worker`` process: procrastinate's worker over the store, with shared upstream limits.

Everything a job needs from the process is set up here once: the store, the limiter and response
cache shared through PostgreSQL (installed with :func:`auditor.sources.upstream.sharing`, so the
audit path is the CLI's, unchanged), the replay hook for tests, and this worker's row in the
store's ``workers`` table, which ``/readyz`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

from auditor.config import Settings
from auditor.sources.upstream import sharing
from auditor.store import jobs as store_jobs
from auditor.store.engine import APPLICATION_NAME as STORE_APPLICATION_NAME
from auditor.store.engine import STORE_MAX_OVERFLOW, STORE_POOL_SIZE, Database
from auditor.store.shared_upstream import APPLICATION_NAME as UPSTREAM_APPLICATION_NAME
from auditor.store.shared_upstream import SharedUpstream

from .execute import Observer, ensure_threads, replay_context
from .procrastinate_app import APPLICATION_NAME as QUEUE_APPLICATION_NAME
from .procrastinate_app import QUEUE, WorkerState, WorkerTuning, build_app, new_worker_id, sweep_now
from .settings import JobSettings

log = logging.getLogger("auditor.jobs")

WORKER_HEARTBEAT_S = 2.0
"""How often the ``workers`` row is refreshed (``/readyz`` allows a few missed beats)."""


def pool_size(concurrency: int) -> int:
    """procrastinate's pool (its maximum) and the limiter/cache engine's pool (which may overflow as
    much again): a few connections per running job, plus procrastinate's LISTEN and heartbeat."""
    return concurrency + 4


def connection_budget(concurrency: int) -> dict[str, int]:
    """The most PostgreSQL connections one worker running ``concurrency`` jobs may open, per pool
    (keyed by ``application_name``): ``3 × concurrency + 42`` in all. ``auditor serve`` on
    PostgreSQL adds its API's own store and queue pools (see README, Deploying)."""
    return {STORE_APPLICATION_NAME: STORE_POOL_SIZE + STORE_MAX_OVERFLOW,
            QUEUE_APPLICATION_NAME: pool_size(concurrency),
            UPSTREAM_APPLICATION_NAME: 2 * pool_size(concurrency)}


async def run_worker(database_url: str, *, concurrency: int, settings: Settings, job_settings: JobSettings,
                     tuning: WorkerTuning | None = None, observer: Observer | None = None,
                     install_signal_handlers: bool = True) -> None:
    """Work until SIGTERM/SIGINT (procrastinate drains: no new jobs, running ones get ``drain_s``)."""
    tuning = tuning or WorkerTuning()
    ensure_threads(asyncio.get_running_loop(), concurrency)
    db = Database(database_url)
    state = WorkerState(db, settings, job_settings, tuning, observer, new_worker_id())
    app = build_app(database_url, tuning=tuning, pool_size=pool_size(concurrency))
    shared = SharedUpstream(database_url, settings, pool_size=pool_size(concurrency))
    beat = asyncio.create_task(_heartbeat(db, state.worker_id), name="auditor-worker-row")
    try:
        with replay_context(job_settings), sharing(shared.upstream()):
            async with app.open_async():
                log.info("worker %s: %d concurrent job(s) on queue %r", state.worker_id, concurrency, QUEUE)
                await sweep_now(app)
                await app.run_worker_async(
                    queues=[QUEUE], concurrency=concurrency, name=state.worker_id, wait=True,
                    shutdown_graceful_timeout=job_settings.drain_s, install_signal_handlers=install_signal_handlers,
                    update_heartbeat_interval=tuning.heartbeat_s, stalled_worker_timeout=tuning.stalled_after_s,
                    fetch_job_polling_interval=tuning.poll_s, listen_notify=True, delete_jobs="successful",
                    additional_context={"auditor": state})
    finally:
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(store_jobs.worker_heartbeat, db, state.worker_id, "procrastinate",
                                    socket.gethostname(), os.getpid(), True)
        await shared.aclose()
        db.dispose()


async def _heartbeat(db: Database, worker_id: str) -> None:
    while True:
        try:
            await asyncio.to_thread(store_jobs.worker_heartbeat, db, worker_id, "procrastinate",
                                    socket.gethostname(), os.getpid())
        except Exception:  # noqa: BLE001 - the store may be briefly unavailable; /readyz will say so
            log.exception("worker heartbeat failed")
        await asyncio.sleep(WORKER_HEARTBEAT_S)


def attach_to_service(app: Any, database_url: str, *, workers: int, settings: Settings, job_settings: JobSettings,
                      tuning: WorkerTuning | None = None, observer: Observer | None = None) -> None:
    """Run ``workers`` procrastinate jobs at a time inside ``auditor serve`` (PostgreSQL mode).

    The worker starts after the app's own startup and is drained before the app's own shutdown,
    both within uvicorn's lifespan, so SIGTERM drains it exactly as it drains ``auditor worker``.
    """
    if workers <= 0:
        return
    app.state.ctx.runs_jobs = True  # uploads may hand their parse to the jobs this process runs
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi_app: Any) -> AsyncIterator[Any]:
        async with inner(asgi_app) as state:
            task = asyncio.create_task(run_worker(
                database_url, concurrency=workers, settings=settings, job_settings=job_settings, tuning=tuning,
                observer=observer, install_signal_handlers=False), name="auditor-procrastinate-worker")
            try:
                yield state
            finally:
                task.cancel()  # procrastinate turns this into a graceful stop (drain_s), then returns
                await asyncio.gather(task, return_exceptions=True)

    app.router.lifespan_context = lifespan
