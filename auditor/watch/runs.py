"""What a watch run does around its audit job: the audit call, then the diff and the notification.

* :func:`audit_for_job` is the audit step every job executor calls: a watch run whose watch has a
  previous successful run is a cheap re-audit (:func:`auditor.audit.reaudit_documents`, status
  checks through a cache-bypassing client); everything else is :func:`auditor.audit.audit_documents`.
  Both consult the Retraction Watch index.
* :func:`finalize_ready_runs` diffs each finished run against the watch's previous successful run,
  stores the diff and, in the same transaction, a pending webhook delivery job when the watch's
  ``notify`` policy says so (:mod:`auditor.watch.delivery` sends it, as a job of its own):
  ``changes`` (default: any change; the first run is the baseline and notifies nothing),
  ``always`` (every run), ``retractions`` (a cited work newly retracted).
* :func:`scheduler_loop` is the embedded runner's periodic step: due runs, their jobs, finalisation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from auditor.config import Settings
from auditor.model import AuditReport, ParsedDocument
from auditor.source_progress import Emit
from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.watch.diff import diff_reports
from auditor.watch.links import link
from auditor.watch.webhooks import AddressPolicy, DeliveryPolicy

log = logging.getLogger("auditor.watch")

KEEP_RUNS_ENV = "AUDITOR_WATCH_KEEP_RUNS"


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


async def audit_for_job(db: Database, job_id: str, documents: Sequence[ParsedDocument], sources: Any,
                        settings: Settings, progress: Callable[[int], None] | None = None,
                        replaying: bool = False, sources_progress: Emit | None = None) -> list[AuditReport]:
    """The audit of one job; ``sources`` is what :func:`auditor.sources.open_sources` yielded.

    ``progress`` counts references done; ``sources_progress`` receives the per-source state
    (:mod:`auditor.source_progress`), both from the audit pipeline."""
    return await audit_for_jobs(db, [job_id] * len(documents), documents, sources, settings, progress, replaying,
                                sources_progress)


async def audit_for_jobs(db: Database, job_ids: Sequence[str], documents: Sequence[ParsedDocument], sources: Any,
                         settings: Settings, progress: Callable[[int], None] | None = None,
                         replaying: bool = False, sources_progress: Emit | None = None) -> list[AuditReport]:
    """The audits of several jobs at once (``documents[i]`` belongs to ``job_ids[i]``), in one call.

    Every watch re-audit among them goes into one :func:`auditor.audit.reaudit_documents` call, so
    the identifier re-checks of all their documents share batches (EFetch of 200 PMIDs, Crossref DOI
    filters); the rest are one :func:`auditor.audit.audit_documents` call. Reports come back in the
    order of ``documents``.
    """
    from auditor.audit import audit_documents, reaudit_documents
    from auditor.sources import open_sources
    from auditor.sources.retraction_watch import open_for_audit

    retractions = await open_for_audit(settings, sources.http)
    try:
        priors: dict[str, Any] = {}
        if not replaying:
            for job_id in dict.fromkeys(job_ids):
                previous = await asyncio.to_thread(store_watches.previous_report_for_job, db, job_id)
                if previous is not None:
                    priors[job_id] = json.loads(previous)
        again = [i for i, job_id in enumerate(job_ids) if job_id in priors]
        fresh = [i for i in range(len(documents)) if i not in set(again)]
        reports: dict[int, AuditReport] = {}
        if fresh:
            done = await audit_documents([documents[i] for i in fresh], sources.entrez, sources.crossref,
                                         progress=progress, retractions=retractions,
                                         sources_progress=sources_progress)
            reports.update(zip(fresh, done, strict=True))
        if again:
            status_mode = "no-cache" if settings.cache_mode == "no-cache" else "refresh"
            async with open_sources(dataclasses.replace(settings, cache_mode=status_mode)) as status:
                done = await reaudit_documents([documents[i] for i in again], [priors[job_ids[i]] for i in again],
                                               sources.entrez, sources.crossref, status.entrez, status.crossref,
                                               retractions=retractions, sources_progress=sources_progress)
            reports.update(zip(again, done, strict=True))
            if progress is not None:
                progress(sum(len(documents[i].references) for i in again))
        return [reports[i] for i in range(len(documents))]
    finally:
        if retractions is not None and retractions.index is not None:
            retractions.index.close()


def _should_notify(notify: str, diff: dict[str, Any], first: bool) -> bool:
    if notify == "always":
        return True
    if notify == "retractions":
        return bool(diff.get("flags_gained", {}).get("retracted"))
    return not first and bool(diff.get("changes"))


def _payload(watch: Any, run: Any, job: Any, diff: dict[str, Any], public_url: str | None) -> dict[str, Any]:
    base = f"/v1/watches/{watch.id}/runs/{run.id}"
    return {
        "event": "watch.run",
        "watch": {"id": watch.id, "filename": watch.filename, "cron": watch.cron, "timezone": watch.timezone},
        "run": {"id": run.id, "scheduled_for": run.scheduled_for.isoformat(), "trigger": run.trigger,
                "job_id": job.id},
        "summary": diff.get("summary"),
        "diff": diff,
        "links": {"run": link(public_url, base), "diff": link(public_url, f"{base}/diff"),
                  "report_json": link(public_url, f"/v1/audits/{job.id}/report?format=json"),
                  "report_html": link(public_url, f"/v1/audits/{job.id}/report?format=html")},
    }


async def finalize_ready_runs(db: Database, public_url: str | None = None) -> int:
    """Diff every run whose job has finished, store the diff and, when the watch's policy asks for a
    notification, the pending delivery job (sent by :mod:`auditor.watch.delivery`, never here);
    returns how many runs were finalised."""
    claimed = await asyncio.to_thread(store_watches.claim_finalization, db)
    for run, watch, job in claimed:
        if job.status != "succeeded":
            await asyncio.to_thread(store_watches.finish_run, db, run.id, status="failed")
            continue
        new = await asyncio.to_thread(store_watches.json_report, db, job.id)
        prior = await asyncio.to_thread(store_watches.previous_succeeded_run, db, run)
        old = await asyncio.to_thread(store_watches.json_report, db, prior[1].id) if prior else None
        new_report = json.loads(new) if new else {}
        # The first run is compared with an empty baseline, so what it found is listed.
        old_report = json.loads(old) if old is not None else {**new_report, "references": [], "summary": {}}
        since = prior[0].scheduled_for.date() if prior else None
        try:
            diff = diff_reports(old_report, new_report, since=since).to_dict()
        except Exception as exc:  # noqa: BLE001 - a report the diff refuses must not wedge the run
            log.error("watch %s run %s: cannot diff: %s", watch.id, run.id, exc)
            await asyncio.to_thread(store_watches.finish_run, db, run.id, status="failed")
            continue
        delivery = None
        if watch.webhook_url and watch.webhook_secret and _should_notify(watch.notify, diff, prior is None):
            body = json.dumps(_payload(watch, run, job, diff, public_url), ensure_ascii=False).encode("utf-8")
            delivery = {"id": run.id, "url": watch.webhook_url, "payload": body}
        await asyncio.to_thread(store_watches.finish_run, db, run.id, status="done",
                                previous_run_id=prior[0].id if prior else None, diff=diff, delivery=delivery)
        keep = int(_env_number(KEEP_RUNS_ENV, 100))
        await asyncio.to_thread(store_watches.prune_runs, db, watch.id, keep)
    return len(claimed)


async def tick(db: Database, wake: Callable[[], None] | None = None, public_url: str | None = None,
               deliveries: asyncio.Event | None = None) -> tuple[int, int]:
    """One scheduler step: create due runs and their jobs, finalise finished runs."""
    created = await asyncio.to_thread(store_watches.create_due_runs, db)
    jobs = await asyncio.to_thread(store_watches.ensure_jobs, db)
    if jobs and wake is not None:
        wake()
    finalized = await finalize_ready_runs(db, public_url)
    if finalized and deliveries is not None:
        deliveries.set()
    return len(created), finalized


async def scheduler_loop(db: Database, wake: Callable[[], None] | None = None,
                         interval_s: float | None = None, public_url: str | None = None,
                         policy: AddressPolicy | None = None, delivery: DeliveryPolicy | None = None) -> None:
    """Forever: :func:`tick`, then sleep ``interval_s`` (``AUDITOR_WATCH_INTERVAL``, default 5 s).

    Beside it runs :func:`auditor.watch.delivery.delivery_loop`, the embedded runner's webhook job
    kind, woken as soon as a tick finalised a run.
    """
    from auditor.watch.delivery import delivery_loop

    interval = interval_s or 5.0
    woken = asyncio.Event()
    sender = asyncio.create_task(delivery_loop(db, woken, interval, policy, delivery), name="auditor-webhooks")
    try:
        while True:
            try:
                await tick(db, wake, public_url, woken)
            except Exception:  # noqa: BLE001 - keep scheduling through store hiccups
                log.exception("watch scheduler step failed")
            await asyncio.sleep(interval)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
