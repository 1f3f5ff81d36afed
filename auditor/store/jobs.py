"""Audit jobs in the store: what the API submits and reads, and what workers claim and finish.

Execution is at-least-once, the effect exactly-once:

* A worker **claims** a job (``queued``, or ``running`` with an expired lease) and holds a lease
  (``lease_owner`` + ``lease_expires_at``) that it renews with :func:`heartbeat`. A worker killed
  with ``kill -9`` stops renewing; after the lease expires any worker reclaims the job.
* The rendered reports are written by :func:`complete` **in the same transaction** that moves the
  job to ``succeeded``, and only while the caller still holds the lease. A worker that lost its
  lease (stalled, or its job was reclaimed) writes nothing, so a report is written once and never
  changes afterwards.
* A job claimed ``max_attempts`` times without finishing fails instead of looping forever; a job
  whose cancellation was requested and whose worker died becomes ``cancelled``.

Every function takes a :class:`~auditor.store.engine.Database` and runs one short transaction, so
they are safe to call from threads (the API) and via ``asyncio.to_thread`` (the runner). Time
comes from the caller's clock (UTC): machines sharing a PostgreSQL store need synchronised clocks.

Other job engines (the procrastinate worker) use the same calls: ``claim(db, owner, lease, max,
job_id=...)`` for the job a task names, then ``heartbeat``/``complete``/``fail``/``release``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auditor.store.engine import Database
from auditor.store.tables import (
    ACTIVE_STATUSES,
    JOB_STATUSES,
    IdempotencyKey,
    Job,
    StoredDocument,
    StoredReport,
    Worker,
    utcnow,
)


class IdempotencyMismatch(Exception):
    """The ``Idempotency-Key`` was used before for a different request."""


class TooManyActiveJobs(Exception):
    """The tenant already has its allowed number of queued and running jobs."""

    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"{active} jobs are queued or running; the limit per tenant is {limit}")
        self.active = active
        self.limit = limit


@dataclass(frozen=True)
class Heartbeat:
    held: bool
    """False when the lease was lost (reclaimed by another worker, or the job was deleted)."""
    cancel_requested: bool


@dataclass(frozen=True)
class RenderedReport:
    format: str
    media_type: str
    body: bytes


def fingerprint(data: bytes, filename: str, fail_on: str) -> str:
    h = hashlib.sha256()
    for part in (data, filename.encode("utf-8", "replace"), fail_on.encode()):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# API side


def submit(db: Database, *, tenant_id: int, filename: str, data: bytes, fail_on: str, total: int,
           idempotency_key: str | None = None, max_active: int | None = None,
           within: Callable[[Session, Job], None] | None = None) -> tuple[Job, bool]:
    """Store a new queued job with its document; returns ``(job, created)``.

    With ``idempotency_key``, a repeat of the same request returns the job it created the first
    time (``created`` False); the same key with a different request raises IdempotencyMismatch.
    ``max_active`` bounds the tenant's queued + running jobs (TooManyActiveJobs). ``within`` runs
    inside the creating transaction (a job engine's transactional enqueue); if it raises, nothing
    is stored.
    """
    for attempt in range(2):
        try:
            with db.write() as session:
                return insert_job(session, tenant_id=tenant_id, filename=filename, data=data, fail_on=fail_on,
                                  total=total, idempotency_key=idempotency_key, max_active=max_active,
                                  within=within)
        except IntegrityError:
            if attempt or idempotency_key is None:
                raise  # only a concurrent twin with the same key explains a conflict
    raise AssertionError("unreachable")


def insert_job(session: Session, *, tenant_id: int, filename: str, data: bytes, fail_on: str, total: int,
               idempotency_key: str | None = None, max_active: int | None = None,
               within: Callable[[Session, Job], None] | None = None) -> tuple[Job, bool]:
    """:func:`submit` inside a transaction the caller owns, so several jobs can appear at once."""
    fp = fingerprint(data, filename, fail_on)
    if idempotency_key is not None:
        known = session.get(IdempotencyKey, (tenant_id, idempotency_key))
        if known is not None:
            if known.fingerprint != fp:
                raise IdempotencyMismatch(idempotency_key)
            job = session.scalar(select(Job).where(Job.id == known.job_id))
            if job is not None:
                return job, False
    if max_active is not None:
        active = session.scalar(select(func.count()).select_from(Job).where(
            Job.tenant_id == tenant_id, Job.status.in_(ACTIVE_STATUSES))) or 0
        if active >= max_active:
            raise TooManyActiveJobs(active, max_active)
    now = utcnow()
    job = Job(id=str(uuid.uuid4()), tenant_id=tenant_id, status="queued", filename=filename,
              fail_on=fail_on, created_at=now, progress_done=0, progress_total=total, attempts=0,
              cancel_requested=False)
    session.add(job)
    session.flush()
    session.add(StoredDocument(job_id=job.id, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                               data=data))
    if idempotency_key is not None:
        session.add(IdempotencyKey(tenant_id=tenant_id, key=idempotency_key, fingerprint=fp,
                                   job_id=job.id, created_at=now))
    if within is not None:
        session.flush()
        within(session, job)
    return job, True


def get_job(db: Database, job_id: str, tenant_id: int | None = None) -> Job | None:
    """The job, or None when it does not exist or belongs to another tenant (``tenant_id`` given)."""
    query = select(Job).where(Job.id == job_id)
    if tenant_id is not None:
        query = query.where(Job.tenant_id == tenant_id)
    with db.read() as session:
        return session.scalar(query)


STATUS_COLUMNS = ("id", "status", "filename", "fail_on", "created_at", "started_at", "finished_at", "progress_done",
                  "progress_total", "progress_sources", "summary", "flagged_references", "exit_code", "error",
                  "attempts", "cancel_requested")
"""The job columns a status answer shows (:meth:`auditor.service.schemas.AuditStatus.of`)."""


def _status_query() -> Any:
    from auditor.store.tables import Token

    jobs, tokens = Job.__table__, Token.__table__
    return (select(tokens.c.revoked_at.label("token_revoked_at"), *(jobs.c[name] for name in STATUS_COLUMNS))
            .select_from(tokens.outerjoin(jobs, and_(jobs.c.tenant_id == tokens.c.tenant_id,
                                                     jobs.c.id == bindparam("job_id"))))
            .where(tokens.c.secret_sha256 == bindparam("token_sha256")))


_STATUS_QUERY = _status_query()
"""Built once: the poll every client repeats pays only for binding and SQLAlchemy's cached compile."""


def job_for_token(db: Database, token_sha256: str, job_id: str) -> tuple[bool, Row[Any] | None]:
    """``(token valid, job row)`` in one SELECT: the status poll's whole store cost.

    The row has the job's :data:`STATUS_COLUMNS` (``row.status``, ``row.summary``, ... named and
    typed as on :class:`Job`), read through Core on an autocommit connection (:meth:`Database.statement`): no ORM
    session, no BEGIN/ROLLBACK. It is None when the job does not exist or belongs to another tenant
    than the token's. A revoked or unknown token is ``(False, None)``: the token is read in the
    same statement, every time, so a revocation by any process takes effect on the next poll.
    """
    with db.statement() as conn:
        row = conn.execute(_STATUS_QUERY, {"job_id": job_id, "token_sha256": token_sha256}).first()
    if row is None or row.token_revoked_at is not None:
        return False, None
    return True, row if row.id is not None else None


def list_jobs(db: Database, tenant_id: int, *, status: str | None = None, before_seq: int | None = None,
              limit: int = 50, flagged: bool | None = None) -> tuple[list[Job], int | None]:
    """Newest first; returns the page and the cursor (a seq) for the next page, or None at the end.

    ``flagged``: True keeps succeeded audits with at least one flagged reference (the count stored at
    finish, :func:`auditor.outcome.flagged_references`; independent of ``fail_on``), False succeeded
    audits with none. Audits not (yet) succeeded match neither.
    """
    query = select(Job).where(Job.tenant_id == tenant_id)
    if flagged is True:
        query = query.where(Job.status == "succeeded", Job.flagged_references > 0)
    elif flagged is False:
        query = query.where(Job.status == "succeeded", Job.flagged_references == 0)
    if status is not None:
        query = query.where(Job.status == status)
    if before_seq is not None:
        query = query.where(Job.seq < before_seq)
    with db.read() as session:
        rows = list(session.scalars(query.order_by(Job.seq.desc()).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].seq
    return rows, None


def cancel_or_delete(db: Database, job_id: str, tenant_id: int) -> tuple[str, Job | None]:
    """DELETE semantics: ``cancelled`` (was queued), ``cancelling`` (running: the worker stops it),
    ``deleted`` (finished: job, document and reports removed) or ``missing``."""
    with db.write() as session:
        job = session.scalar(select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id)
                             .with_for_update())
        if job is None:
            return "missing", None
        if job.status == "queued":
            job.status = "cancelled"
            job.finished_at = utcnow()
            return "cancelled", job
        if job.status == "running":
            job.cancel_requested = True
            return "cancelling", job
        for table in (StoredReport, StoredDocument, IdempotencyKey):
            session.execute(delete(table).where(table.job_id == job.id))
        session.delete(job)
        return "deleted", None


def get_report(db: Database, job_id: str, fmt: str) -> StoredReport | None:
    with db.read() as session:
        return session.get(StoredReport, (job_id, fmt))


def load_document(db: Database, job_id: str) -> StoredDocument | None:
    with db.read() as session:
        return session.get(StoredDocument, job_id)


def counts_by_status(db: Database) -> dict[str, int]:
    counts = dict.fromkeys(JOB_STATUSES, 0)
    with db.read() as session:
        for status, n in session.execute(select(Job.status, func.count()).group_by(Job.status)):
            counts[status] = n
    return counts


# ---------------------------------------------------------------------------------------------
# Worker side


def _reap(session: Any, now: datetime, max_attempts: int) -> None:
    expired = and_(Job.status == "running", Job.lease_expires_at < now)
    session.execute(update(Job).where(expired, Job.cancel_requested.is_(True)).values(
        status="cancelled", finished_at=now, lease_owner=None, lease_expires_at=None))
    session.execute(update(Job).where(expired, Job.attempts >= max_attempts).values(
        status="failed", finished_at=now, lease_owner=None, lease_expires_at=None,
        error={"type": "about:blank", "title": "Job abandoned", "status": 500,
               "detail": f"the job was claimed {max_attempts} times and never finished (each worker stopped "
                         "mid-job); it is not retried again"}))


def claim(db: Database, owner: str, lease_s: float, max_attempts: int, job_id: str | None = None,
          exclude: Collection[str] = ()) -> Job | None:
    """Take the oldest claimable job (or ``job_id``) and lease it to ``owner``; None if there is none.

    ``exclude``: jobs the caller is running itself. A worker running several jobs must not take
    over one of its own whose lease lapsed (a slow heartbeat on a loaded machine): that execution
    is still alive, and a second one would only burn an attempt.
    """
    now = utcnow()
    claimable = or_(Job.status == "queued", and_(Job.status == "running", Job.lease_expires_at < now))
    if job_id is None:
        # An idle worker polls twice a second: look before taking SQLite's write lock (which every
        # submission then waits behind) or a PostgreSQL transaction. The write below decides.
        with db.statement() as conn:
            if conn.execute(select(Job.id).where(claimable).limit(1)).first() is None:
                return None
    with db.write() as session:
        _reap(session, now, max_attempts)
        query = select(Job).where(claimable, Job.cancel_requested.is_(False))
        if job_id is not None:
            query = query.where(Job.id == job_id)
        if exclude:
            query = query.where(Job.id.not_in(list(exclude)))
        job = session.scalar(query.order_by(Job.seq).limit(1).with_for_update(skip_locked=True))
        if job is None:
            return None
        job.status = "running"
        job.attempts += 1
        job.lease_owner = owner
        job.lease_expires_at = now + timedelta(seconds=lease_s)
        job.started_at = job.started_at or now
        return job


def _held(job_id: str, owner: str) -> Any:
    return and_(Job.id == job_id, Job.lease_owner == owner, Job.status == "running")


def heartbeat(db: Database, job_id: str, owner: str, lease_s: float, progress_done: int | None = None,
              progress_sources: dict[str, Any] | None = None) -> Heartbeat:
    """Renew the lease (and record progress: references done, per-source state); tells the worker whether to go on."""
    values: dict[str, Any] = {"lease_expires_at": utcnow() + timedelta(seconds=lease_s)}
    if progress_done is not None:
        values["progress_done"] = progress_done
    if progress_sources is not None:
        values["progress_sources"] = progress_sources
    with db.write() as session:
        result = session.execute(update(Job).where(_held(job_id, owner)).values(**values))
        if result.rowcount == 0:
            return Heartbeat(held=False, cancel_requested=False)
        cancel = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
        return Heartbeat(held=True, cancel_requested=bool(cancel))


def complete(db: Database, job_id: str, owner: str, reports: list[RenderedReport], summary: dict[str, int],
             exit_code: int, progress_done: int, *, flagged: int | None = None,
             progress_sources: dict[str, Any] | None = None) -> str:
    """Finish a job: ``succeeded`` (reports stored), ``cancelled`` (cancel won the race), or ``lost``.

    ``flagged`` is the count of flagged references (:func:`auditor.outcome.flagged_references`) that
    the list's ``flagged`` filter queries; ``progress_sources`` the pipeline's final per-source state."""
    now = utcnow()
    with db.write() as session:
        job = session.scalar(select(Job).where(_held(job_id, owner)).with_for_update())
        if job is None:
            return "lost"
        job.lease_owner = None
        job.lease_expires_at = None
        job.finished_at = now
        if job.cancel_requested:
            job.status = "cancelled"
            return "cancelled"
        session.execute(delete(StoredReport).where(StoredReport.job_id == job_id))
        for r in reports:
            session.add(StoredReport(job_id=job_id, format=r.format, media_type=r.media_type,
                                     sha256=hashlib.sha256(r.body).hexdigest(), body=r.body))
        job.status = "succeeded"
        job.summary = summary
        job.exit_code = exit_code
        job.progress_done = progress_done
        job.flagged_references = flagged
        if progress_sources is not None:
            job.progress_sources = progress_sources
        return "succeeded"


def finish_unsuccessfully(db: Database, job_id: str, owner: str, status: str,
                          error: dict[str, Any] | None = None) -> bool:
    """Move a held job to ``failed`` (with a problem object) or ``cancelled``."""
    assert status in ("failed", "cancelled")
    with db.write() as session:
        result = session.execute(update(Job).where(_held(job_id, owner)).values(
            status=status, error=error, finished_at=utcnow(), lease_owner=None, lease_expires_at=None))
        return result.rowcount == 1


def release(db: Database, job_id: str, owner: str) -> bool:
    """Give a held job back to the queue (a draining worker); its attempt does not count."""
    with db.write() as session:
        result = session.execute(update(Job).where(_held(job_id, owner)).values(
            status="queued", lease_owner=None, lease_expires_at=None, attempts=Job.attempts - 1))
        return result.rowcount == 1


def worker_heartbeat(db: Database, worker_id: str, kind: str, host: str, pid: int, stopped: bool = False) -> None:
    """Register or refresh a worker row (``/readyz`` wants a fresh one); ``stopped`` marks a clean exit."""
    now = utcnow()
    with db.write() as session:
        worker = session.get(Worker, worker_id)
        if worker is None:
            # Rows of workers gone for a day only clutter the table.
            session.execute(delete(Worker).where(Worker.heartbeat_at < now - timedelta(days=1)))
            worker = Worker(id=worker_id, kind=kind, host=host, pid=pid, started_at=now, heartbeat_at=now)
            session.add(worker)
        worker.heartbeat_at = now
        worker.stopped_at = now if stopped else None


def fresh_workers(db: Database, within_s: float) -> int:
    since = utcnow() - timedelta(seconds=within_s)
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Worker).where(
            Worker.heartbeat_at >= since, Worker.stopped_at.is_(None))) or 0
