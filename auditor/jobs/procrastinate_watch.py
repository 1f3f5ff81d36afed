"""Watches on PostgreSQL: procrastinate's periodic task schedules them, a task sends each webhook.

* ``auditor.watch_tick`` is a periodic task (every ``AUDITOR_WORKER_WATCH`` seconds, default 60:
  cron fields are minutes). procrastinate defers a periodic task once per period however many
  workers run (its ``procrastinate_periodic_defers`` row is unique per task and timestamp), so one
  worker runs the pass: it creates the due runs, gives each its audit job and announces it
  (``auditor.run_audit``), finalises finished runs, and announces every webhook delivery still
  waiting. Exactly once per scheduled time does not rest on procrastinate alone: the run is still
  the ``watch_runs`` row unique on ``(watch_id, scheduled_for)``, so a pass run twice (a stalled
  retry, a ``run-due`` from cron beside the workers) creates nothing twice.
* ``auditor.deliver_webhook(delivery_id)`` sends one delivery (:func:`auditor.watch.delivery.send`:
  leased, every attempt recorded, no resend after a recorded 2xx). Its queueing lock keeps one
  announcement waiting per delivery.
* :func:`after_audit` is called by ``auditor.run_audit`` when a job finished: a watch run's job is
  finalised at once, and its delivery announced, instead of waiting for the next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import procrastinate
from procrastinate import exceptions as pq_exceptions

from auditor.store import deliveries as store_deliveries
from auditor.store import watches as store_watches

if TYPE_CHECKING:
    from .procrastinate_app import WorkerState, WorkerTuning

log = logging.getLogger("auditor.watch")

WATCH_TICK = "auditor.watch_tick"
DELIVER_WEBHOOK = "auditor.deliver_webhook"


def register(app: procrastinate.App, tuning: WorkerTuning, queue: str) -> None:
    """Add the watch tasks to ``app`` (the API's app and the workers' alike, so names agree)."""
    from .procrastinate_app import _every, _state

    @app.periodic(cron=_every(tuning.watch_s), periodic_id="watches")
    @app.task(name=WATCH_TICK, queue=queue, queueing_lock=WATCH_TICK, pass_context=True)
    async def watch_tick(context: procrastinate.JobContext, timestamp: int) -> dict[str, int]:
        return await watch_pass(context.app, _state(context))

    @app.task(name=DELIVER_WEBHOOK, queue=queue, pass_context=True)
    async def deliver_webhook(context: procrastinate.JobContext, delivery_id: str) -> str:
        from auditor.watch.delivery import send

        state = _state(context)
        return await send(state.db, delivery_id, f"{state.worker_id}/{context.job.id}")


async def watch_pass(app: procrastinate.App, state: WorkerState) -> dict[str, int]:
    """Due runs and their announced jobs, finalisation, waiting deliveries announced."""
    from auditor.watch.runs import finalize_ready_runs

    from .procrastinate_app import announce_async

    db = state.db
    created = await asyncio.to_thread(store_watches.create_due_runs, db)
    jobs = await asyncio.to_thread(store_watches.ensure_jobs, db)
    for job_id in jobs:
        await announce_async(app, job_id)
    finalized = await finalize_ready_runs(db, state.job_settings.public_url)
    announced = await announce_deliveries(app, state)
    if created or finalized or announced:
        log.info("watch pass: %d run(s) due, %d finalised, %d webhook(s) announced", len(created), finalized,
                 announced)
    return {"due": len(created), "finalized": finalized, "deliveries": announced}


async def announce_deliveries(app: procrastinate.App, state: WorkerState) -> int:
    """Defer ``deliver_webhook`` for every delivery waiting for a sender (one waits per delivery)."""
    count = 0
    for delivery_id in await asyncio.to_thread(store_deliveries.waiting, state.db):
        with contextlib.suppress(pq_exceptions.AlreadyEnqueued):
            await app.configure_task(DELIVER_WEBHOOK, queueing_lock=f"webhook:{delivery_id}") \
                .defer_async(delivery_id=delivery_id)
            count += 1
    return count


async def after_audit(app: procrastinate.App, state: WorkerState, job_id: str) -> None:
    """A watch run's audit finished: finalise it now and announce its delivery (never raises)."""
    from auditor.watch.runs import finalize_ready_runs

    try:
        if await asyncio.to_thread(store_watches.run_for_job, state.db, job_id) is None:
            return
        if await finalize_ready_runs(state.db, state.job_settings.public_url):
            await announce_deliveries(app, state)
    except Exception:  # noqa: BLE001 - the next watch pass finalises it anyway
        log.exception("job %s: finalising its watch run failed; the next watch pass retries", job_id)
