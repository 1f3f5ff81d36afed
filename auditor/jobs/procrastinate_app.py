"""procrastinate as the job engine on PostgreSQL: the queue every worker on every machine shares.

The store's ``jobs`` table stays the truth about an audit (status, lease, reports); procrastinate
carries the *announcement* that a job wants running, and gives us what a home-made queue would not:
LISTEN/NOTIFY wake-ups, worker heartbeats, stalled-job retry, periodic tasks deferred once per
period across all workers, and transactional enqueue.

* ``auditor.run_audit(job_id)`` claims the named job in the store (a lease, as the embedded runner
  does) and runs :func:`auditor.jobs.execute.execute_job`. It is idempotent: a job that finished,
  was cancelled or deleted is a no-op; a job whose lease another execution still holds raises
  :class:`JobBusy`, which procrastinate retries after a wait. Reports are written only by the lease
  holder, so a task run twice (a stalled retry racing a slow original) still has its effect once.
* ``auditor.watch_tick`` (periodic) and ``auditor.deliver_webhook``: watches, in
  :mod:`auditor.jobs.procrastinate_watch`.
* ``auditor.sweep`` runs every ``AUDITOR_WORKER_SWEEP`` seconds (a periodic task, deferred once per
  period whatever the number of workers) and once when a worker starts. It retries procrastinate
  jobs whose worker stopped heartbeating (``get_stalled_jobs`` + ``retry_job``, procrastinate 3's
  stalled-job recipe) and re-announces store jobs that are queued, or running on an expired store
  lease, with nobody coming for them: a killed worker's job is back after ``AUDITOR_JOB_LEASE``
  plus at most one sweep period.
* :class:`ProcrastinateQueue` is the API's :class:`auditor.jobs.JobQueue`: ``enqueue_in_transaction``
  defers the task on the very connection that inserts the job row, so either both exist or neither.
* SIGTERM drains (procrastinate's worker): no new fetches; running audits get ``drain_s`` to finish;
  an audit still running then is cancelled, its job handed back to the queue and announced again.

Each announcement carries ``queueing_lock = "audit:<job id>"``, so at most one waits per job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions as pq_exceptions
from procrastinate.retry import RetryStrategy
from sqlalchemy import Text, and_, cast, column, exists, literal, or_, select, table

from auditor.config import Settings
from auditor.env import env_numbers
from auditor.errors import ConfigError
from auditor.store import jobs as store_jobs
from auditor.store.engine import Database
from auditor.store.tables import FINISHED_STATUSES, Job, utcnow

from .execute import JobResult, Observer, execute_job
from .settings import JobSettings

log = logging.getLogger("auditor.jobs")

QUEUE = "audits"
RUN_AUDIT = "auditor.run_audit"
SWEEP = "auditor.sweep"


class JobBusy(Exception):
    """Another execution holds the job's lease right now; try again after it could have expired."""


def queueing_lock(job_id: str) -> str:
    return f"audit:{job_id}"


API_QUEUE_POOL_MAX = 4
"""The API's (sync) procrastinate pool: only for an announcement made outside its job's transaction."""
APPLICATION_NAME = "auditor-queue"
"""``application_name`` of procrastinate's connections (see :data:`auditor.store.engine.APPLICATION_NAME`)."""


def libpq_conninfo(database_url: str) -> str:
    """The SQLAlchemy URL as libpq wants it (``postgresql://``, no ``+driver``), named ``auditor-queue``
    unless the URL names its connections itself."""
    from sqlalchemy import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError("procrastinate needs a PostgreSQL database (postgresql+psycopg://...)")
    url = url.set(drivername="postgresql")
    if "application_name" not in url.query:
        url = url.update_query_dict({"application_name": APPLICATION_NAME})
    return url.render_as_string(hide_password=False)


_TUNING_ENV: tuple[tuple[str, str], ...] = (
    ("AUDITOR_WORKER_HEARTBEAT", "heartbeat_s"),
    ("AUDITOR_WORKER_STALLED_AFTER", "stalled_after_s"),
    ("AUDITOR_WORKER_SWEEP", "sweep_s"),
    ("AUDITOR_WORKER_POLL", "poll_s"),
    ("AUDITOR_WORKER_WATCH", "watch_s"),
)


@dataclass(frozen=True)
class WorkerTuning:
    """How quickly a dead worker's jobs come back (all in seconds; the defaults suit production)."""

    heartbeat_s: float = 10.0
    """procrastinate's worker heartbeat (``update_heartbeat_interval``)."""
    stalled_after_s: float = 30.0
    """A worker silent this long is dead: its jobs are retried (``stalled_worker_timeout``)."""
    sweep_s: int = 10
    """Period of the sweep task (stalled retry and re-announcement); a divisor of 60 works best.
    Each worker also sweeps once at start, so a restarted machine picks up its dead jobs at once."""
    poll_s: float = 5.0
    """Fallback poll for new jobs; LISTEN/NOTIFY wakes workers at once anyway."""
    watch_s: int = 60
    """Period of the watch pass (``auditor.watch_tick``: due runs, finalisation, webhooks); cron
    fields are minutes, so 60 loses nothing. A divisor of 60, or a multiple of 60, works best."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WorkerTuning:
        env = os.environ if environ is None else environ
        values = env_numbers(env, ((var, name, float) for var, name in _TUNING_ENV))
        for name in ("sweep_s", "watch_s"):
            if name in values:
                values[name] = max(1, round(values[name]))
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class WorkerState:
    """What the tasks of one worker process need; handed over as procrastinate's additional context."""

    db: Database
    settings: Settings
    job_settings: JobSettings
    tuning: WorkerTuning
    observer: Observer | None = None
    worker_id: str = ""


def build_app(database_url: str, *, tuning: WorkerTuning | None = None, sync: bool = False,
              pool_size: int = 10) -> procrastinate.App:
    """The procrastinate app with auditor's tasks; ``sync`` for the API (defer only), else async.

    Both kinds register the same tasks, so the API and the workers agree on names and options.
    """
    tuning = tuning or WorkerTuning()
    conninfo = libpq_conninfo(database_url)
    connector: procrastinate.BaseConnector
    if sync:
        connector = procrastinate.SyncPsycopgConnector(conninfo=conninfo, min_size=1, max_size=API_QUEUE_POOL_MAX)
    else:
        connector = procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size)
    app = procrastinate.App(connector=connector)

    @app.task(name=RUN_AUDIT, queue=QUEUE, pass_context=True,
              retry=RetryStrategy(max_attempts=1000, wait=max(1, round(tuning.stalled_after_s / 3)),
                                  retry_exceptions=[JobBusy]))
    async def run_audit(context: procrastinate.JobContext, job_id: str) -> str:
        return await _run_audit(context, job_id)

    @app.periodic(cron=_every(tuning.sweep_s), periodic_id="sweep")
    @app.task(name=SWEEP, queue=QUEUE, queueing_lock=SWEEP, pass_context=True)
    async def sweep(context: procrastinate.JobContext, timestamp: int) -> dict[str, int]:
        return await _sweep(context)

    from .procrastinate_watch import register

    register(app, tuning, QUEUE)  # the watch pass (periodic) and webhook deliveries
    return app


async def sweep_now(app: procrastinate.App) -> None:
    """Defer one sweep right away (a worker starting); a sweep already waiting absorbs it."""
    with contextlib.suppress(pq_exceptions.AlreadyEnqueued):
        await app.configure_task(SWEEP).defer_async(timestamp=0)


def _every(seconds: int) -> str:
    """A cron line firing every ``seconds`` (croniter's sixth field is seconds)."""
    if seconds >= 60:
        return f"*/{max(1, seconds // 60)} * * * *"
    return f"* * * * * */{seconds}"


def _state(context: procrastinate.JobContext) -> WorkerState:
    state = context.additional_context.get("auditor")
    if not isinstance(state, WorkerState):
        raise RuntimeError("auditor task run outside `auditor worker` (no worker state in the context)")
    return state


async def _run_audit(context: procrastinate.JobContext, job_id: str) -> str:
    state = _state(context)
    js = state.job_settings
    owner = f"{state.worker_id}/{context.job.id}"
    job = await asyncio.to_thread(store_jobs.claim, state.db, owner, js.lease_s, js.max_attempts, job_id)
    if job is None:
        current = await asyncio.to_thread(store_jobs.get_job, state.db, job_id)
        if current is None or current.status in FINISHED_STATUSES:
            return "nothing to do"
        raise JobBusy(f"job {job_id} is {current.status} under another lease")
    log.info("job %s: claimed by %s (attempt %d)", job.id, owner, job.attempts)
    try:
        result: JobResult = await execute_job(state.db, job, owner, state.settings, js, state.observer)
    except asyncio.CancelledError:
        # Drain timed out (SIGTERM): hand the job back and announce it again, so another worker
        # takes it now rather than after the lease and the stalled-job check.
        await asyncio.shield(_hand_back(context, state, job.id, owner))
        raise
    log.info("job %s: %s in %.2f s", job.id, result.status, result.duration_s)
    if state.observer is not None:
        state.observer.finished(result)
    from .procrastinate_watch import after_audit

    await after_audit(context.app, state, job.id)  # a watch run's job: its diff and webhook now
    return result.status


async def _hand_back(context: procrastinate.JobContext, state: WorkerState, job_id: str, owner: str) -> None:
    try:
        released = await asyncio.to_thread(store_jobs.release, state.db, job_id, owner)
        if released:
            await announce_async(context.app, job_id)
        log.info("job %s: released back to the queue", job_id)
    except Exception:  # noqa: BLE001 - the lease expires and the sweep re-announces it anyway
        log.exception("job %s: could not hand the job back; it returns after its lease", job_id)


async def announce_async(app: procrastinate.App, job_id: str) -> bool:
    """Defer ``run_audit`` for ``job_id`` unless one already waits; True if this call deferred it."""
    try:
        await app.configure_task(RUN_AUDIT, queueing_lock=queueing_lock(job_id)).defer_async(job_id=job_id)
    except pq_exceptions.AlreadyEnqueued:
        return False
    return True


async def _sweep(context: procrastinate.JobContext) -> dict[str, int]:
    state = _state(context)
    manager = context.app.job_manager
    retried = 0
    for stalled in await manager.get_stalled_jobs(seconds_since_heartbeat=state.tuning.stalled_after_s):
        await manager.retry_job(stalled)
        retried += 1
    orphans = await asyncio.to_thread(_unannounced_jobs, state.db, state.job_settings.lease_s)
    announced = 0
    for job_id in orphans:
        announced += await announce_async(context.app, job_id)
    if retried or announced:
        log.info("sweep: %d stalled procrastinate job(s) retried, %d audit(s) re-announced", retried, announced)
    return {"stalled_retried": retried, "reannounced": announced}


def _unannounced_jobs(db: Database, lease_s: float, limit: int = 500) -> list[str]:
    """Audits that want a worker and have nobody coming for them.

    * queued for longer than a lease with no announcement waiting or running (``todo``/``doing``);
    * running on an expired lease (the store's own heartbeat says the execution is dead, the same
      rule as the embedded runner) with no announcement waiting: a ``doing`` one may belong to a
      killed worker that procrastinate has not yet declared stalled, so it does not count.
    """
    now = utcnow()
    pq = table("procrastinate_jobs", column("queueing_lock"), column("status"))

    def announced(statuses: tuple[str, ...]) -> Any:
        return exists().where(pq.c.queueing_lock == literal("audit:").concat(Job.id),
                              cast(pq.c.status, Text).in_(statuses))  # an enum in procrastinate's schema

    wanting = or_(
        and_(Job.status == "queued", Job.created_at < now - timedelta(seconds=lease_s), ~announced(("todo", "doing"))),
        and_(Job.status == "running", Job.lease_expires_at < now, ~announced(("todo",))),
    )
    query = select(Job.id).where(wanting, Job.cancel_requested.is_(False)).order_by(Job.seq).limit(limit)
    with db.read() as session:
        return list(session.scalars(query))


class ProcrastinateQueue:
    """The API's queue in PostgreSQL mode: announcements are procrastinate jobs.

    ``enqueue_in_transaction(session, job_id)`` runs inside the transaction that inserts the job
    (the store calls it before committing), so a job row never exists without its announcement and
    an announcement never points at a rolled-back job. ``enqueue`` (after commit) is then a no-op
    thanks to the queueing lock; on its own it announces with a connection of its own.
    """

    def __init__(self, database_url: str) -> None:
        self.app = build_app(database_url, sync=True)
        self._opened = False
        self._in_transaction: OrderedDict[str, None] = OrderedDict()
        """Jobs announced inside their transaction (the most recent ones), so ``enqueue`` can skip them."""

    def enqueue_in_transaction(self, session: Any, job: Any) -> None:
        """``job`` is the new :class:`~auditor.store.tables.Job` (or its id, for tests)."""
        job_id = job if isinstance(job, str) else job.id
        try:
            # A SAVEPOINT inside the job's transaction (session.connection() inside begin_nested
            # emits it): a refused defer (the queueing lock) rolls back to it instead of aborting
            # the job's own insert, and the defer commits or rolls back with the job.
            with session.begin_nested():
                connection = session.connection().connection.driver_connection
                self.app.configure_task(RUN_AUDIT, queueing_lock=queueing_lock(job_id), connection=connection) \
                    .defer(job_id=job_id)
        except pq_exceptions.AlreadyEnqueued:
            pass
        self._in_transaction[job_id] = None
        while len(self._in_transaction) > 10000:
            self._in_transaction.popitem(last=False)

    def enqueue(self, job_id: str) -> None:
        if self._in_transaction.pop(job_id, 0) is None:
            return  # announced in the job's own transaction already
        if not self._opened:
            self.app.open()
            self._opened = True
        with contextlib.suppress(pq_exceptions.AlreadyEnqueued):
            self.app.configure_task(RUN_AUDIT, queueing_lock=queueing_lock(job_id)).defer(job_id=job_id)

    def close(self) -> None:
        if self._opened:
            self.app.close()
            self._opened = False


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
