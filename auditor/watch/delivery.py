"""Sending a run's webhook: a durable job of its own, after the run is finished and its diff stored.

Finalisation (:func:`auditor.watch.runs.finalize_ready_runs`) only creates the ``pending`` delivery
row, with its body, in the transaction that stores the diff. Then one of these sends it:

* PostgreSQL: the ``auditor.deliver_webhook`` procrastinate task (:mod:`auditor.jobs.procrastinate_watch`),
  deferred when the run finishes and re-deferred by the periodic watch task for any delivery left waiting;
* SQLite (``auditor serve``): :func:`delivery_loop`, a job kind of the embedded runner beside its
  audit workers, woken when a run finishes;
* ``auditor watch run-due``: :func:`send_waiting`, in its own process before it exits.

Each calls :func:`send`, which claims the delivery (a lease, so one sender at a time), skips it when
an earlier execution already got a 2xx, and otherwise POSTs with tenacity's backoff, recording every
attempt as it ends. A re-run after a crash continues the attempt count; it never sends again once a
2xx was recorded. Delivery is at-least-once (a crash between the receiver's 2xx and its record sends
again): receivers deduplicate on ``X-Auditor-Delivery``, the same on every attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import asdict

from auditor.store import deliveries as store_deliveries
from auditor.store.engine import Database
from auditor.watch.webhooks import AddressPolicy, DeliveryAborted, DeliveryAttempt, DeliveryPolicy, deliver

log = logging.getLogger("auditor.watch")


def sender_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _succeeded(attempt: dict[str, object]) -> bool:
    status = attempt.get("status")
    return isinstance(status, int) and 200 <= status < 300 and not attempt.get("error")


async def send(db: Database, delivery_id: str, owner: str | None = None, policy: AddressPolicy | None = None,
               delivery: DeliveryPolicy | None = None) -> str:
    """Send one delivery if nobody else is; returns ``delivered``, ``failed`` or ``skipped``."""
    owner = owner or sender_id()
    claimed = await asyncio.to_thread(store_deliveries.claim, db, delivery_id, owner)
    if claimed is None:
        return "skipped"  # finished, or another sender holds it
    if any(_succeeded(a) for a in claimed.attempts):
        # An earlier execution got through and died before it could say so: never send twice.
        await asyncio.to_thread(store_deliveries.finish, db, delivery_id, owner, True)
        return "delivered"
    if not claimed.secret:
        log.warning("delivery %s: the watch no longer has a webhook; not sent", delivery_id)
        await asyncio.to_thread(store_deliveries.finish, db, delivery_id, owner, False)
        return "failed"

    async def record(attempt: DeliveryAttempt) -> None:
        log.info("delivery %s: attempt %d to %s: %s", delivery_id, attempt.number, attempt.url,
                 attempt.status if attempt.error is None else attempt.error)
        held = await asyncio.to_thread(store_deliveries.record_attempt, db, delivery_id, owner, asdict(attempt))
        if not held:
            raise DeliveryAborted(f"delivery {delivery_id}: claim lost")

    result = await deliver(claimed.url, claimed.payload, claimed.secret, policy=policy, delivery=delivery,
                           delivery_id=delivery_id, on_attempt=record, first_attempt=len(claimed.attempts) + 1)
    finished = await asyncio.to_thread(store_deliveries.finish, db, delivery_id, owner, result.delivered)
    if not finished:
        return "skipped"
    log.info("delivery %s: %s after %d attempt(s)", delivery_id, "delivered" if result.delivered else "failed",
             len(claimed.attempts) + len(result.attempts))
    return "delivered" if result.delivered else "failed"


async def send_waiting(db: Database, owner: str | None = None, policy: AddressPolicy | None = None,
                       delivery: DeliveryPolicy | None = None) -> int:
    """Send every delivery waiting now, concurrently; returns how many this call delivered."""
    ids = await asyncio.to_thread(store_deliveries.waiting, db)
    results = await asyncio.gather(*(send(db, i, owner, policy, delivery) for i in ids))
    return sum(1 for r in results if r == "delivered")


async def delivery_loop(db: Database, wake: asyncio.Event, interval_s: float = 5.0,
                        policy: AddressPolicy | None = None, delivery: DeliveryPolicy | None = None) -> None:
    """Forever: send what waits (each delivery its own task, so one slow receiver delays no other)."""
    owner = sender_id()
    running: dict[str, asyncio.Task[str]] = {}
    try:
        while True:
            try:
                for delivery_id in await asyncio.to_thread(store_deliveries.waiting, db):
                    if delivery_id not in running:
                        task = asyncio.create_task(send(db, delivery_id, owner, policy, delivery))
                        running[delivery_id] = task
                        task.add_done_callback(lambda _t, key=delivery_id: running.pop(key, None))
            except Exception:  # noqa: BLE001 - keep delivering through store hiccups
                log.exception("webhook delivery step failed")
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=interval_s)
    finally:
        # Stopping: an interrupted delivery keeps its recorded attempts and is taken up again once
        # its lease expires (by this process after a restart, or any other sender).
        for task in running.values():
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)
