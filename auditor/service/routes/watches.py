"""``/v1/watches``: register a document for scheduled re-audits, read its runs and their diffs.

Same rules as ``/v1/audits``: bearer token, tenant scoping (another tenant's watch is a 404),
problem+json for every error, upload limits and content sniffing. An invalid cron expression, time
zone or webhook URL is a 422 whose ``detail`` gives the reason. A webhook URL is checked for SSRF
here (resolved now) and again at every delivery.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response
from fastapi import UploadFile as Upload
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from auditor.errors import ConfigError
from auditor.outcome import DEFAULT_FAIL_ON, parse_fail_on
from auditor.store import watches as store_watches
from auditor.store.tables import WATCH_NOTIFY, Job, Watch, WatchRun
from auditor.store.tokens import Principal
from auditor.watch.diff_render import render_diff_html, render_diff_text
from auditor.watch.schedule import Schedule, ScheduleError
from auditor.watch.webhooks import AddressPolicy, WebhookRefused, check_target

from ..auth import principal
from ..context import context
from ..problems import ProblemError
from ..uploads import display_name, parse_upload, read_limited
from .audits import ERRORS

router = APIRouter(prefix="/v1/watches", tags=["watches"])
Notify = Literal["changes", "always", "retractions"]


class WatchOut(BaseModel):
    id: str
    filename: str
    sha256: str
    cron: str
    timezone: str
    notify: Notify
    fail_on: list[str]
    webhook_url: str | None
    webhook_secret: str | None = Field(None, description="only in the answer that created it: keep it to verify "
                                       "signatures; it is never shown again")
    created_at: datetime
    updated_at: datetime
    next_run_at: datetime | None = Field(description="null while paused")
    last_scheduled_for: datetime | None
    paused: bool = Field(description="a paused watch is skipped by every scheduler; run now still runs it, and "
                         "resuming does not fire the runs missed meanwhile")
    links: dict[str, str]

    @classmethod
    def of(cls, w: Watch, secret: str | None = None) -> WatchOut:
        path = f"/v1/watches/{w.id}"
        return cls(id=w.id, filename=w.filename, sha256=w.sha256, cron=w.cron, timezone=w.timezone,
                   notify=w.notify, fail_on=[v for v in w.fail_on.split(",") if v] or ["none"],  # type: ignore[arg-type]
                   webhook_url=w.webhook_url, webhook_secret=secret, created_at=w.created_at,
                   updated_at=w.updated_at, next_run_at=w.next_run_at, last_scheduled_for=w.last_scheduled_for,
                   paused=bool(w.paused), links={"self": path, "runs": f"{path}/runs", "run_now": f"{path}/run"})


class WatchList(BaseModel):
    items: list[WatchOut]


class WatchPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cron: str | None = Field(None, max_length=200)
    timezone: str | None = Field(None, max_length=64)
    webhook_url: str | None = Field(None, max_length=2048, description="empty string removes the webhook")
    notify: Notify | None = None
    fail_on: str | None = Field(None, max_length=200)
    paused: StrictBool | None = Field(None, description="true pauses the schedule; false resumes it from the next "
                                "scheduled time after now (missed runs are not fired)")


class Delivery(BaseModel):
    id: str = Field(description="also the X-Auditor-Delivery header: the same on every attempt (deduplicate on it)")
    url: str
    status: Literal["pending", "sending", "delivered", "failed"] = Field(
        description="a delivery is a job of its own, sent after the run is done")
    delivered: bool
    attempts: list[dict[str, Any]]
    created_at: datetime
    finished_at: datetime | None = None


class RunOut(BaseModel):
    id: str
    watch_id: str
    scheduled_for: datetime
    trigger: Literal["schedule", "manual"]
    status: Literal["pending", "finalizing", "done", "failed"]
    job_id: str | None
    job_status: str | None
    created_at: datetime
    finished_at: datetime | None
    summary: str | None = Field(description="the diff's summary line, once done")
    flags_gained: dict[str, int] | None
    notified: bool
    deliveries: list[Delivery] = Field(default_factory=list, description="every webhook delivery, each attempt")
    links: dict[str, str]

    @classmethod
    def of(cls, run: WatchRun, job: Job | None, deliveries: list[Any] | None = None) -> RunOut:
        base = f"/v1/watches/{run.watch_id}/runs/{run.id}"
        links = {"diff": f"{base}/diff"}
        if job is not None:
            links["audit"] = f"/v1/audits/{job.id}"
            links["report"] = f"/v1/audits/{job.id}/report"
        return cls(id=run.id, watch_id=run.watch_id, scheduled_for=run.scheduled_for,
                   trigger=run.trigger, status=run.status, job_id=run.job_id,  # type: ignore[arg-type]
                   job_status=job.status if job else None, created_at=run.created_at, finished_at=run.finished_at,
                   summary=run.summary, flags_gained=run.flags_gained, notified=run.notified,
                   deliveries=[Delivery(id=d.id, url=d.url, status=d.status, delivered=d.delivered,
                                        attempts=d.attempts, created_at=d.created_at, finished_at=d.finished_at)
                               for d in deliveries or []],
                   links=links)


class RunList(BaseModel):
    items: list[RunOut]


def _invalid(detail: str) -> ProblemError:
    return ProblemError(422, detail, slug="validation-error", title="Invalid request")


def _schedule(cron: str, timezone: str) -> Schedule:
    try:
        return Schedule.parse(cron, timezone)
    except ScheduleError as exc:
        raise _invalid(str(exc)) from None


def _fail_on(value: str | None) -> str:
    try:
        policy = parse_fail_on(value if value is not None and value.strip() else DEFAULT_FAIL_ON)
    except ConfigError as exc:
        raise _invalid(str(exc).replace("--fail-on", "fail_on")) from None
    return ",".join(sorted(policy))


def _webhook(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    try:
        asyncio.run(check_target(url.strip(), AddressPolicy.from_env()))
    except WebhookRefused as exc:
        raise _invalid(f"webhook_url: {exc}") from None
    return url.strip()


def _watch_or_404(request: Request, watch_id: str, who: Principal) -> Watch:
    watch = store_watches.get_watch(context(request).db, watch_id, who.tenant_id)
    if watch is None:
        raise ProblemError(404, f"no watch {watch_id}", slug="not-found")
    return watch


@router.post("", status_code=201, response_model=WatchOut, responses=ERRORS, summary="Watch a document")
def create_watch(
    request: Request,
    file: Annotated[Upload, File(description="the document to re-audit on the schedule")],
    who: Annotated[Principal, Depends(principal)],
    cron: Annotated[str, Form(max_length=200, description="5 fields: minute hour day-of-month month weekday")],
    timezone: Annotated[str, Form(max_length=64, description="IANA time zone of the cron fields")] = "UTC",
    webhook_url: Annotated[str | None, Form(max_length=2048)] = None,
    notify: Annotated[Notify, Form()] = "changes",
    fail_on: Annotated[str | None, Form(max_length=200)] = None,
) -> JSONResponse:
    ctx = context(request)
    schedule = _schedule(cron, timezone)
    policy = _fail_on(fail_on)
    url = _webhook(webhook_url)
    data = read_limited(file.file, ctx.settings.max_upload_bytes)
    name = display_name(file.filename)
    parse_upload(data, name, ctx.settings.max_references)
    created = store_watches.create_watch(
        ctx.db, tenant_id=who.tenant_id, filename=name, data=data, cron=schedule.cron, timezone=schedule.timezone,
        notify=notify, fail_on=policy, webhook_url=url, sha256=hashlib.sha256(data).hexdigest())
    body = WatchOut.of(created.watch, created.secret).model_dump(mode="json")
    return JSONResponse(body, status_code=201, headers={"Location": f"/v1/watches/{created.watch.id}"})


@router.get("", response_model=WatchList, responses=ERRORS, summary="List watches, newest first")
def list_watches(request: Request, who: Annotated[Principal, Depends(principal)],
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> WatchList:
    return WatchList(items=[WatchOut.of(w) for w in store_watches.list_watches(context(request).db, who.tenant_id,
                                                                               limit)])


@router.get("/{watch_id}", response_model=WatchOut, responses=ERRORS, summary="One watch")
def get_watch(request: Request, watch_id: str, who: Annotated[Principal, Depends(principal)]) -> WatchOut:
    return WatchOut.of(_watch_or_404(request, watch_id, who))


@router.patch("/{watch_id}", response_model=WatchOut, responses=ERRORS, summary="Change a watch")
def patch_watch(request: Request, watch_id: str, patch: WatchPatch,
                who: Annotated[Principal, Depends(principal)]) -> WatchOut:
    current = _watch_or_404(request, watch_id, who)
    changes: dict[str, Any] = {}
    if patch.cron is not None or patch.timezone is not None:
        schedule = _schedule(patch.cron or current.cron, patch.timezone or current.timezone)
        changes.update(cron=schedule.cron, timezone=schedule.timezone)
    if patch.webhook_url is not None:
        changes["webhook_url"] = _webhook(patch.webhook_url)
    if patch.notify is not None:
        assert patch.notify in WATCH_NOTIFY
        changes["notify"] = patch.notify
    if patch.fail_on is not None:
        changes["fail_on"] = _fail_on(patch.fail_on)
    if patch.paused is not None:
        changes["paused"] = patch.paused
    watch, secret = store_watches.update_watch(context(request).db, watch_id, who.tenant_id, changes)
    if watch is None:
        raise ProblemError(404, f"no watch {watch_id}", slug="not-found")
    return WatchOut.of(watch, secret)


@router.delete("/{watch_id}", status_code=204, response_class=Response, responses=ERRORS,
               summary="Stop watching (runs and deliveries are deleted; their audits stay)")
def delete_watch(request: Request, watch_id: str, who: Annotated[Principal, Depends(principal)]) -> Response:
    if not store_watches.delete_watch(context(request).db, watch_id, who.tenant_id):
        raise ProblemError(404, f"no watch {watch_id}", slug="not-found")
    return Response(status_code=204)


@router.get("/{watch_id}/runs", response_model=RunList, responses=ERRORS, summary="Runs, newest first")
def list_runs(request: Request, watch_id: str, who: Annotated[Principal, Depends(principal)],
              limit: Annotated[int, Query(ge=1, le=200)] = 50) -> RunList:
    watch = _watch_or_404(request, watch_id, who)
    db = context(request).db
    return RunList(items=[RunOut.of(r, j, store_watches.deliveries(db, r.id))
                          for r, j in store_watches.list_runs(db, watch.id, limit)])


@router.post("/{watch_id}/run", status_code=202, response_model=RunOut, responses=ERRORS,
             summary="Run now (outside the schedule)")
def run_now(request: Request, watch_id: str, who: Annotated[Principal, Depends(principal)]) -> JSONResponse:
    ctx = context(request)
    watch = _watch_or_404(request, watch_id, who)
    run = store_watches.run_now(ctx.db, watch)
    for job_id in store_watches.ensure_jobs(ctx.db):
        ctx.queue.enqueue(job_id)
    found = store_watches.get_run(ctx.db, watch.id, run.id)
    assert found is not None
    body = RunOut.of(*found).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/watches/{watch.id}/runs/{run.id}",
                                                        "Retry-After": str(ctx.settings.retry_after_s)})


@router.get("/{watch_id}/runs/{run_id}", response_model=RunOut, responses=ERRORS, summary="One run")
def get_run(request: Request, watch_id: str, run_id: str, who: Annotated[Principal, Depends(principal)]) -> RunOut:
    watch = _watch_or_404(request, watch_id, who)
    db = context(request).db
    found = store_watches.get_run(db, watch.id, run_id)
    if found is None:
        raise ProblemError(404, f"no run {run_id}", slug="not-found")
    return RunOut.of(found[0], found[1], store_watches.deliveries(db, run_id))


@router.get("/{watch_id}/runs/{run_id}/diff", response_class=Response, responses={
    200: {"content": {"application/json": {}, "text/html": {}, "text/plain": {}},
          "description": "what changed since the previous successful run"}, **ERRORS},
    summary="The run's diff against the previous run")
def get_diff(request: Request, watch_id: str, run_id: str, who: Annotated[Principal, Depends(principal)],
             format: Annotated[Literal["json", "html", "text"], Query()] = "json") -> Response:
    watch = _watch_or_404(request, watch_id, who)
    found = store_watches.get_run(context(request).db, watch.id, run_id)
    if found is None:
        raise ProblemError(404, f"no run {run_id}", slug="not-found")
    run = found[0]
    if run.diff is None:
        retry = {"Retry-After": str(context(request).settings.retry_after_s)}
        raise ProblemError(409, f"the run is {run.status}; its diff exists once it is done", slug="diff-not-ready",
                           title="Diff not ready", headers=retry)
    if format == "json":
        return JSONResponse(run.diff)
    diff = _diff_from_dict(run.diff)
    if format == "html":
        return Response(render_diff_html(diff), media_type="text/html; charset=utf-8")
    return Response(render_diff_text(diff), media_type="text/plain; charset=utf-8")


def _diff_from_dict(data: dict[str, Any]) -> Any:
    from auditor.watch.diff import ReportDiff

    return ReportDiff.from_dict(data)
