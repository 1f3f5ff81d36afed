"""Execute one claimed job: the same calls ``auditor check`` makes, then store every format.

Steps: load the stored bytes (``load_bytes``), ``parse_document``, ``audit_documents`` through
``open_sources``, ``render`` all four formats, ``exit_code``; then :func:`auditor.store.jobs.complete`
writes reports and outcome in one transaction, only while this worker holds the lease. While the
audit runs, a heartbeat renews the lease every ``heartbeat_s``, records progress (references done,
and the per-source state the pipeline reports) and stops the audit when the job was cancelled or
the lease was lost.

Any engine can call :func:`execute_job` for a job it has claimed (the embedded runner does; a
procrastinate task can too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from auditor.config import DEFAULT_CROSSREF_URL, DEFAULT_ENTREZ_URL, Settings
from auditor.errors import AuditorError
from auditor.model import AuditReport, ParsedDocument
from auditor.store import jobs as store_jobs
from auditor.store.engine import Database
from auditor.store.tables import Job

from .handoff import HANDOFF
from .settings import JobSettings

if TYPE_CHECKING:
    from auditor.sources import Sources

log = logging.getLogger("auditor.jobs")

PROBLEM_BASE = "https://reference-auditor.example/problems/"


Counters = dict[str, dict[str, object]]
"""Per-service upstream counters in :meth:`ServiceCounters.as_dict` form (``statuses`` a dict)."""


@dataclass
class JobResult:
    """What happened to one execution, for logs and metrics."""

    job_id: str
    status: str
    """``succeeded``, ``failed``, ``cancelled``, ``lost`` (lease gone) or ``released`` (requeued)."""
    duration_s: float
    counters: Counters = field(default_factory=dict)
    """Per-service upstream counters (ServiceCounters.as_dict) of this execution, all of it (the
    observer has already received them, piecewise, through :meth:`Observer.upstream`)."""


class Observer(Protocol):
    """What a worker tells its process (the ``/metrics`` registry) about the jobs it runs."""

    def upstream(self, delta: Counters) -> None:
        """Upstream counters that moved since this execution's previous call: at every heartbeat
        and once at the end, so a long job's traffic shows while it runs and is counted once."""

    def finished(self, result: JobResult) -> None:
        """One execution reached an end state."""


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def counters_delta(now: Counters, before: Counters) -> Counters:
    """What moved from ``before`` to ``now`` (both cumulative); services and fields that did not move are left out."""
    delta: Counters = {}
    for service, values in now.items():
        old = before.get(service, {})
        moved: dict[str, object] = {}
        for name, value in values.items():
            if isinstance(value, Mapping):
                old_map = old.get(name)
                previous = old_map if isinstance(old_map, Mapping) else {}
                counts = {key: _count(n) - _count(previous.get(key)) for key, n in value.items()}
                counts = {key: n for key, n in counts.items() if n > 0}
                if counts:
                    moved[name] = counts
            elif _count(value) > _count(old.get(name)):
                moved[name] = _count(value) - _count(old.get(name))
        if moved:
            delta[service] = moved
    return delta


class CounterFeed:
    """Hands one audit call's live upstream counters to an :class:`Observer` as deltas.

    Each :meth:`push` reports only what moved since the previous one, so pushing at every heartbeat
    and again at the end counts every request exactly once, whether the job finishes, fails, is
    cancelled or loses its lease.
    """

    def __init__(self, observer: Observer | None) -> None:
        self.observer = observer
        self.reported: Counters = {}

    def push(self, live: Counters) -> None:
        """``live``: cumulative counters, a fresh snapshot (``as_dict``) the caller no longer mutates."""
        if self.observer is None:
            return
        delta = counters_delta(live, self.reported)
        if not delta:
            return
        self.reported = live
        try:
            self.observer.upstream(delta)
        except Exception:  # noqa: BLE001 - metrics must never break a job
            log.exception("upstream metrics observer failed")


def audit_settings(base: Settings, job_settings: JobSettings) -> Settings:
    """The CLI's replay rule: a cassette holds live URLs and must never feed the real cache."""
    if job_settings.replay_cassette is None:
        return base
    return base.with_values({"cache_mode": "no-cache", "entrez_url": DEFAULT_ENTREZ_URL,
                             "crossref_url": DEFAULT_CROSSREF_URL, "retraction_watch_url": "off"})


@contextlib.contextmanager
def replay_context(job_settings: JobSettings) -> Iterator[None]:
    """Serve every job's HTTP from ``AUDITOR_REPLAY_CASSETTE`` for as long as the block runs."""
    if job_settings.replay_cassette is None:
        yield
        return
    from pathlib import Path

    from auditor.sources.replay import replay_vcr

    # Repeats allowed: every job for the same document asks the same questions again. vcrpy patches
    # every HTTP client in the process; loopback traffic (a test's own client) is left alone.
    path = Path(job_settings.replay_cassette)
    with replay_vcr(path.parent, ignore_localhost=True).use_cassette(path.name, allow_playback_repeats=True):
        yield


def ensure_threads(loop: asyncio.AbstractEventLoop, jobs: int) -> None:
    """Give the loop's default executor room for ``jobs`` concurrent jobs.

    Every job sends its store calls (heartbeats, progress) and its CPU work (parsing, judging,
    rendering) to ``asyncio.to_thread``. The default pool has ``cpu_count + 4`` threads: with more
    jobs than that judging at once, a heartbeat would queue behind them until its lease lapsed.
    Two threads per job keep a heartbeat free whatever the others do.
    """
    from concurrent.futures import ThreadPoolExecutor

    wanted = 2 * jobs + 8
    current = getattr(loop, "_auditor_threads", 0)
    if wanted > current:
        loop.set_default_executor(ThreadPoolExecutor(max_workers=wanted, thread_name_prefix="auditor"))
        loop._auditor_threads = wanted  # type: ignore[attr-defined]


def parse_bytes(data: bytes, name: str) -> ParsedDocument:
    from auditor.documents.loader import load_bytes
    from auditor.parsing import parse_document

    return parse_document(load_bytes(data, name))


def render_all(reports: list[AuditReport]) -> list[store_jobs.RenderedReport]:
    from auditor.reports.render import FORMATS, MEDIA_TYPES, render

    return [store_jobs.RenderedReport(fmt, MEDIA_TYPES[fmt], render(reports, fmt, color=False).encode("utf-8"))
            for fmt in FORMATS]


def problem(slug: str, title: str, detail: str, status: int = 500) -> dict[str, Any]:
    """A job's ``error``: RFC 9457 members; ``status`` is what the failure would be as an HTTP answer."""
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail[:2000]}


async def claim_batch(db: Database, job: Job, owner: str, job_settings: JobSettings) -> list[Job]:
    """``job`` and, when it is a watch re-audit, the queued re-audits beside it, leased to ``owner``.

    A runner that runs several jobs at once calls this before it claims its next job: otherwise
    its next claims take the very siblings the first re-audit would have batched, and a pass over
    200 due watches ran as 32 small batches on ``--workers 4`` (8 jobs each), not 4 of 50.
    """
    from auditor.store import watches as store_watches

    batch = [job]
    if job_settings.replay_cassette is None:
        batch += await asyncio.to_thread(store_watches.claim_reaudit_batch, db, job.id, owner, job_settings.lease_s,
                                         job_settings.max_attempts)
        if len(batch) > 1:
            log.info("job %s: re-audited together with %d other watch run(s)", job.id, len(batch) - 1)
    return batch


async def execute_job(db: Database, job: Job, owner: str, settings: Settings, job_settings: JobSettings,
                      observer: Observer | None = None, batch: list[Job] | None = None) -> JobResult:
    """Run a job this worker has claimed (``owner`` holds its lease) to one of its end states.

    A watch re-audit takes its queued siblings along (:func:`auditor.store.watches.claim_reaudit_batch`,
    leased to the same owner): their documents are re-checked in one call, so a pass over many
    due watches costs one identifier batch, not one per watch. Each job still gets its own reports
    and outcome. The result is the claimed job's, with the whole call's upstream counters.
    ``observer.upstream`` receives those counters as they move (see :class:`CounterFeed`).
    ``batch``, when given, is what :func:`claim_batch` already claimed for ``job``.
    """
    if batch is None:
        batch = await claim_batch(db, job, owner, job_settings)
    results = await execute_jobs(db, batch, owner, settings, job_settings, observer)
    return results[0]


async def execute_jobs(db: Database, jobs: list[Job], owner: str, settings: Settings,
                       job_settings: JobSettings, observer: Observer | None = None) -> list[JobResult]:
    """Run claimed jobs in one audit call; each ends in its own state (one failing fails only itself)."""
    from auditor.outcome import exit_code, flagged_references, parse_fail_on
    from auditor.sources import open_sources
    from auditor.watch.runs import audit_for_jobs

    started = time.monotonic()
    results = {job.id: JobResult(job.id, "running", 0.0) for job in jobs}
    active = {job.id: job for job in jobs}
    done = 0
    sources_state: dict[str, Any] | None = None
    feed = CounterFeed(observer)
    live: Sources | None = None

    def progress(n: int) -> None:
        nonlocal done
        done += n

    def sources_progress(snapshot: dict[str, Any]) -> None:
        """The pipeline reports per-source state; the shell only keeps the latest for the heartbeat."""
        nonlocal sources_state
        sources_state = snapshot

    def finish(job_id: str, status: str) -> None:
        results[job_id].status = status
        results[job_id].duration_s = time.monotonic() - started
        active.pop(job_id, None)

    async def fail(job_id: str, error: dict[str, Any] | None) -> None:
        ok = await asyncio.to_thread(store_jobs.finish_unsuccessfully, db, job_id, owner, "failed", error)
        finish(job_id, "failed" if ok else "lost")

    async def audit() -> dict[str, AuditReport]:
        if job_settings.test_delay_s:
            await asyncio.sleep(job_settings.test_delay_s)
        parsed: dict[str, ParsedDocument] = {}
        for job in jobs:
            try:
                stored = await asyncio.to_thread(store_jobs.load_document, db, job.id)
                if stored is None:
                    raise LookupError("the job's document is gone")
                handed = HANDOFF.take(stored.data, job.filename)  # parsed at its upload, in this process
                parsed[job.id] = (handed if handed is not None
                                  else await asyncio.to_thread(parse_bytes, stored.data, job.filename))
            except Exception as exc:  # noqa: BLE001 - one unreadable document fails its own job only
                if len(jobs) == 1:
                    raise
                await fail(job.id, _failure(exc))
        ids = [job_id for job_id in parsed if job_id in active]
        cfg = audit_settings(settings, job_settings)
        nonlocal live
        async with open_sources(cfg) as sources:
            live = sources
            try:
                # Watch runs re-audit cheaply; every job consults the Retraction Watch index.
                reports = await audit_for_jobs(db, ids, [parsed[i] for i in ids], sources, cfg, progress=progress,
                                               replaying=job_settings.replay_cassette is not None,
                                               sources_progress=sources_progress)
            finally:
                results[jobs[0].id].counters = {name: c.as_dict() for name, c in sources.counters().items()}
                feed.push(results[jobs[0].id].counters)
                live = None
        return dict(zip(ids, reports, strict=True))

    task = asyncio.ensure_future(audit())
    try:
        while True:
            await asyncio.wait({task}, timeout=job_settings.heartbeat_s)
            if task.done():
                break
            if live is not None:
                feed.push({name: c.as_dict() for name, c in live.counters().items()})
            for job_id in list(active):
                beat = await asyncio.to_thread(store_jobs.heartbeat, db, job_id, owner, job_settings.lease_s,
                                               done if len(jobs) == 1 else None, sources_state)
                if not beat.held:
                    log.warning("job %s: lease lost; abandoning this execution", job_id)
                    finish(job_id, "lost")
                elif beat.cancel_requested:
                    ok = await asyncio.to_thread(store_jobs.finish_unsuccessfully, db, job_id, owner, "cancelled")
                    finish(job_id, "cancelled" if ok else "lost")
            if not active:  # every job of the call was cancelled or lost: stop auditing
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                return [results[job.id] for job in jobs]
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    error = _failure(task.exception())
    if error is not None:
        for job_id in list(active):
            await fail(job_id, error)
        return [results[job.id] for job in jobs]
    reports = task.result()
    for job in jobs:
        if job.id not in active or job.id not in reports:
            continue
        try:
            rendered = await asyncio.to_thread(render_all, [reports[job.id]])
            code = exit_code([reports[job.id]], parse_fail_on(job.fail_on))
            flagged = flagged_references([reports[job.id]])
        except Exception as exc:  # noqa: BLE001 - a bug in rendering fails this job; it must not loop
            await fail(job.id, _failure(exc))
            continue
        summary = reports[job.id].summary
        status = await asyncio.to_thread(store_jobs.complete, db, job.id, owner, rendered, summary, code,
                                         sum(summary.values()), flagged=flagged, progress_sources=sources_state)
        finish(job.id, status)
    return [results[job.id] for job in jobs]


def _failure(exc: BaseException | None) -> dict[str, Any] | None:
    if exc is None:
        return None
    if isinstance(exc, AuditorError):
        return problem("document-unreadable", "Document could not be audited", str(exc), 422)
    try:
        from vcr.errors import CannotOverwriteExistingCassetteException
    except ImportError:  # pragma: no cover - vcrpy is a runtime dependency
        CannotOverwriteExistingCassetteException = ()  # type: ignore[assignment,misc]  # noqa: N806
    if isinstance(exc, CannotOverwriteExistingCassetteException):
        return problem("replay-miss", "Replay cassette lacks a request",
                       "the job made a request AUDITOR_REPLAY_CASSETTE does not hold")
    log.error("job failed", exc_info=exc)
    return problem("internal-error", "Internal error", f"{type(exc).__name__}: {exc}")
