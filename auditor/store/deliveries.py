"""Webhook deliveries as durable jobs: created with their run, claimed under a lease, sent once.

A run's delivery row is inserted ``pending`` in the very transaction that stores the run's diff
(:func:`auditor.store.watches.finish_run`), with the JSON body fixed then; sending is a job of its
own, never part of finalisation. Its id is the run id, which is also the ``X-Auditor-Delivery``
header, so there is one delivery per run however often finalisation is attempted.

* :func:`claim` hands a delivery to one sender at a time (``sending`` with a lease); a sender that
  died is replaced once its lease has expired.
* :func:`record_attempt` appends each attempt as it ends (renewing the lease), so every attempt is on
  the run's page even while retries are still waiting, and a sender that dies keeps its history.
* :func:`finish` ends the delivery ``delivered`` or ``failed`` (and marks the run notified).

Delivery is at-least-once: a sender that dies after the receiver answered 2xx but before the
attempt was recorded is re-run and sends again (same body, same delivery id; the receiver
deduplicates). Once a 2xx attempt is recorded, a re-run sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from auditor.store.engine import Database
from auditor.store.tables import Watch, WatchRun, WebhookDelivery, utcnow

DELIVERY_LEASE = timedelta(minutes=5)
"""Longer than one attempt plus the longest backoff wait (60 s), renewed with every attempt."""
FINISHED = ("delivered", "failed")


@dataclass(frozen=True)
class Claimed:
    id: str
    url: str
    payload: bytes
    secret: str | None
    """The watch's current secret (None when its webhook was removed since the run finished)."""
    attempts: list[dict[str, Any]]


def _claimable(now: datetime) -> Any:
    return or_(WebhookDelivery.status == "pending",
               and_(WebhookDelivery.status == "sending", WebhookDelivery.lease_expires_at < now))


def waiting(db: Database, now: datetime | None = None, older_than: timedelta | None = None,
            limit: int = 200) -> list[str]:
    """Deliveries a sender could claim now (``older_than``: only those created that long ago)."""
    now = now or utcnow()
    query = select(WebhookDelivery.id).where(_claimable(now))
    if older_than is not None:
        query = query.where(WebhookDelivery.created_at < now - older_than)
    with db.read() as session:
        return list(session.scalars(query.order_by(WebhookDelivery.seq).limit(limit)))


def claim(db: Database, delivery_id: str, owner: str, now: datetime | None = None) -> Claimed | None:
    """The delivery, now leased to ``owner``; None when it is finished or another sender holds it."""
    now = now or utcnow()
    with db.write() as session:
        result = session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, _claimable(now))
                                 .values(status="sending", lease_owner=owner, lease_expires_at=now + DELIVERY_LEASE))
        if result.rowcount != 1:
            return None
        row = session.execute(select(WebhookDelivery, Watch.webhook_secret)
                              .join(WatchRun, WatchRun.id == WebhookDelivery.run_id)
                              .join(Watch, Watch.id == WatchRun.watch_id)
                              .where(WebhookDelivery.id == delivery_id)).first()
        if row is None:
            return None
        delivery, secret = row
        return Claimed(delivery.id, delivery.url, delivery.payload or b"", secret, list(delivery.attempts or []))


def record_attempt(db: Database, delivery_id: str, owner: str, attempt: dict[str, Any],
                   now: datetime | None = None) -> bool:
    """Append one attempt and renew the lease; False when ``owner`` no longer holds the delivery."""
    now = now or utcnow()
    with db.write() as session:
        delivery = session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.status == "sending",
            WebhookDelivery.lease_owner == owner).with_for_update())
        if delivery is None:
            return False
        delivery.attempts = [*(delivery.attempts or []), attempt]
        delivery.lease_expires_at = now + DELIVERY_LEASE
        return True


def finish(db: Database, delivery_id: str, owner: str, delivered: bool) -> bool:
    """End the delivery (and mark its run notified when it got through), only while holding it."""
    with db.write() as session:
        result = session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.status == "sending",
            WebhookDelivery.lease_owner == owner).values(
            status="delivered" if delivered else "failed", delivered=delivered, finished_at=utcnow(),
            lease_owner=None, lease_expires_at=None))
        if result.rowcount != 1:
            return False
        if delivered:
            run_id = session.scalar(select(WebhookDelivery.run_id).where(WebhookDelivery.id == delivery_id))
            session.execute(update(WatchRun).where(WatchRun.id == run_id).values(notified=True))
        return True


def get(db: Database, delivery_id: str) -> WebhookDelivery | None:
    with db.read() as session:
        return session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))
