"""The embedded runner: N asyncio workers inside ``auditor serve`` that claim jobs from the store.

Each worker runs up to ``concurrency`` jobs at once (``JobSettings.concurrency``): it claims (a
lease) while it has a free slot, runs each job as its own task through
:func:`~auditor.jobs.execute.execute_job`, and otherwise waits for a submission in this process
(:meth:`wake`), a job of its own to finish, or ``poll_s``. Jobs mostly wait on the upstream budgets
that all of them share, so running several at once is what keeps those budgets busy. The runner
also refreshes its row in the ``workers`` table, which ``/readyz`` reads.

:meth:`stop` drains (SIGTERM, via uvicorn's lifespan shutdown): no new claims; running jobs get
``drain_s`` to finish; what is still running then is cancelled and released back to the queue, so
another process picks it up at once instead of after the lease. A process killed with ``kill -9``
releases nothing: its jobs' leases expire and any worker reclaims them (``auditor.store.jobs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid

from auditor.config import Settings
from auditor.store import jobs as store_jobs
from auditor.store.engine import Database
from auditor.store.tables import Job

from .execute import Observer, claim_batch, ensure_threads, execute_job, replay_context
from .settings import JobSettings

log = logging.getLogger("auditor.jobs")

WORKER_HEARTBEAT_S = 2.0
"""How often a runner refreshes its ``workers`` row; ``/readyz`` allows a few missed beats."""


class EmbeddedRunner:
    def __init__(self, db: Database, workers: int, settings: Settings, job_settings: JobSettings,
                 observer: Observer | None = None) -> None:
        self.db = db
        self.workers = workers
        self.settings = settings
        self.job_settings = job_settings
        self.observer = observer
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._loops: list[asyncio.Task[None]] = []
        self.concurrency = max(1, job_settings.concurrency)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._claims = 0
        self._replay = contextlib.ExitStack()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        if self.workers <= 0:
            return
        self._loop = asyncio.get_running_loop()
        ensure_threads(self._loop, self.workers * self.concurrency)
        self._replay.enter_context(replay_context(self.job_settings))
        await asyncio.to_thread(store_jobs.worker_heartbeat, self.db, self.id, "embedded",
                                socket.gethostname(), os.getpid())
        self._loops = [asyncio.create_task(self._work(i), name=f"auditor-worker-{i}") for i in range(self.workers)]
        self._loops.append(asyncio.create_task(self._beat(), name="auditor-worker-heartbeat"))
        from auditor.watch.runs import scheduler_loop

        self._loops.append(asyncio.create_task(scheduler_loop(self.db, self.wake, self.job_settings.watch_interval_s,
                                                              self.job_settings.public_url),
                                               name="auditor-watch-scheduler"))

    def wake(self) -> None:
        """Safe from any thread (the API's sync routes run in a thread pool)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        """Drain: finish or requeue what runs, then mark this runner stopped."""
        if not self._loops:
            return
        self._stopping = True
        self._wake.set()
        running = list(set(self._running.values()))
        if running:
            log.info("draining %d running job(s) for up to %.0f s", len(running), self.job_settings.drain_s)
            await asyncio.wait(running, timeout=self.job_settings.drain_s)
        left = list(set(self._running.values()))
        for task in left:  # each hands its job back to the queue as it is cancelled
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        with contextlib.suppress(Exception):
            await asyncio.to_thread(store_jobs.worker_heartbeat, self.db, self.id, "embedded",
                                    socket.gethostname(), os.getpid(), True)
        self._replay.close()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(WORKER_HEARTBEAT_S)
            try:
                await asyncio.to_thread(store_jobs.worker_heartbeat, self.db, self.id, "embedded",
                                        socket.gethostname(), os.getpid())
            except Exception:  # noqa: BLE001 - the store may be briefly unavailable; /readyz will say so
                log.exception("worker heartbeat failed")

    async def _work(self, index: int) -> None:
        js = self.job_settings
        mine: set[asyncio.Task[None]] = set()
        while not self._stopping:
            self._wake.clear()  # before claiming: a submission from now on wakes the wait below
            while len(mine) < self.concurrency and not self._stopping:
                self._claims += 1
                owner = f"{self.id}/{index}/{self._claims}"
                try:
                    job = await asyncio.to_thread(store_jobs.claim, self.db, owner, js.lease_s, js.max_attempts,
                                                  None, list(self._running))
                except Exception:  # noqa: BLE001 - keep the worker alive through store hiccups
                    log.exception("claiming a job failed")
                    job = None
                if job is None or self._stopping:
                    if job is not None:  # claimed while the drain began: hand it straight back
                        with contextlib.suppress(Exception):
                            await asyncio.to_thread(store_jobs.release, self.db, job.id, owner)
                    break
                log.info("job %s: claimed by %s (attempt %d)", job.id, owner, job.attempts)
                try:  # before the next claim, which would take this re-audit's siblings one by one
                    batch = await claim_batch(self.db, job, owner, js)
                except Exception:  # noqa: BLE001 - run the job alone; its siblings stay queued
                    log.exception("job %s: claiming its batch failed", job.id)
                    batch = [job]
                task = asyncio.create_task(self._run(batch, owner), name=f"auditor-job-{job.id}")
                for member in batch:
                    self._running[member.id] = task
                mine.add(task)
                task.add_done_callback(mine.discard)
            if self._stopping:
                break
            wake = asyncio.create_task(self._wake.wait())
            try:
                await asyncio.wait({wake, *mine}, timeout=js.poll_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                wake.cancel()

    async def _run(self, batch: list[Job], owner: str) -> None:
        job = batch[0]
        try:
            result = await execute_job(self.db, job, owner, self.settings, self.job_settings, self.observer,
                                       batch=batch)
        except asyncio.CancelledError:
            # Drain timed out (or the loop is shutting down): hand the jobs back to the queue.
            for member in batch:
                with contextlib.suppress(Exception):
                    await asyncio.shield(asyncio.to_thread(store_jobs.release, self.db, member.id, owner))
            log.info("job %s: released back to the queue (%d job(s))", job.id, len(batch))
            raise
        except Exception:  # noqa: BLE001 - a store error mid-job: the lease expires and it is retried
            log.exception("job %s: execution failed; it will be retried after its lease", job.id)
            return
        finally:
            for member in batch:
                self._running.pop(member.id, None)
        log.info("job %s: %s in %.2f s", job.id, result.status, result.duration_s)
        if self.observer is not None:
            self.observer.finished(result)
