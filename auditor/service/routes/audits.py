"""``/v1/audits``: submit, read status, fetch the report, cancel/delete, list."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from auditor.errors import ConfigError
from auditor.jobs.handoff import HANDOFF
from auditor.outcome import DEFAULT_FAIL_ON, parse_fail_on
from auditor.reports.render import FORMATS, MEDIA_TYPES
from auditor.store import jobs as store_jobs
from auditor.store.tables import ACTIVE_STATUSES
from auditor.store.tokens import TOKEN_PREFIX, Principal, hash_secret

from ..auth import bearer, principal
from ..context import context
from ..problems import PROBLEM_MEDIA_TYPE, ProblemError
from ..schemas import AuditList, AuditStatus, Status, decode_cursor, encode_cursor
from ..uploads import display_name, parse_upload, read_limited

router = APIRouter(prefix="/v1/audits", tags=["audits"])

Format = Literal["json", "html", "sarif", "text"]
ACCEPT_TO_FORMAT = {"application/json": "json", "text/html": "html", "application/sarif+json": "sarif",
                    "text/plain": "text"}

_PROBLEM = {"content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "description": "a problem document (RFC 9457)"}
ERRORS: dict[int | str, dict[str, Any]] = {"4XX": _PROBLEM, "5XX": _PROBLEM}


def _job_or_404(request: Request, job_id: str, who: Principal) -> Any:
    job = store_jobs.get_job(context(request).db, job_id, who.tenant_id)
    if job is None:
        raise ProblemError(404, f"no audit {job_id}", slug="not-found")
    return job


def _status_response(request: Request, job: Any, status_code: int = 200,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body = AuditStatus.of(job).model_dump(mode="json")
    headers = dict(headers or {})
    if job.status in ACTIVE_STATUSES:
        headers.setdefault("Retry-After", str(context(request).settings.retry_after_s))
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.post("", status_code=202, response_model=AuditStatus, responses=ERRORS,
             summary="Submit a document for audit")
def submit_audit(
    request: Request,
    file: Annotated[UploadFile, File(description="the document (text or Markdown; type decided by content)")],
    who: Annotated[Principal, Depends(principal)],
    fail_on: Annotated[str | None, Form(description=f"verdicts/flags that fail (default {DEFAULT_FAIL_ON})")] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255,
                                                  description="a retried submission with this key returns "
                                                  "the same job")] = None,
) -> JSONResponse:
    ctx = context(request)
    try:
        policy = parse_fail_on(fail_on if fail_on is not None and fail_on.strip() else DEFAULT_FAIL_ON)
    except ConfigError as exc:
        raise ProblemError(422, str(exc).replace("--fail-on", "fail_on"), slug="validation-error",
                           title="Invalid request") from None
    data = read_limited(file.file, ctx.settings.max_upload_bytes)
    name = display_name(file.filename)
    parsed = parse_upload(data, name, ctx.settings.max_references)
    if ctx.runs_jobs:
        HANDOFF.offer(data, name, parsed)  # this process's worker, if it runs the job, need not parse it again
    try:
        job, created = store_jobs.submit(
            ctx.db, tenant_id=who.tenant_id, filename=name, data=data, fail_on=",".join(sorted(policy)) or "none",
            total=len(parsed.references), idempotency_key=idempotency_key,
            max_active=ctx.settings.max_active_jobs, within=ctx.queue.enqueue_in_transaction)
    except store_jobs.IdempotencyMismatch:
        raise ProblemError(422, "this Idempotency-Key was already used for a different request",
                           slug="idempotency-key-reused", title="Idempotency key reused") from None
    except store_jobs.TooManyActiveJobs as exc:
        retry = str(ctx.settings.busy_retry_after_s)
        raise ProblemError(429, str(exc), slug="too-many-jobs", title="Too many active jobs",
                           headers={"Retry-After": retry}, limit=exc.limit) from None
    if created:
        ctx.queue.enqueue(job.id)
    location = f"/v1/audits/{job.id}"
    return _status_response(request, job, 202, {"Location": location})


@router.get("", response_model=AuditList, responses=ERRORS, summary="List audits, newest first")
def list_audits(
    request: Request,
    who: Annotated[Principal, Depends(principal)],
    status: Status | None = None,
    flagged: Annotated[bool | None, Query(description="true: only succeeded audits with a flagged reference "
                                          "(verdict minor, major or not_found, or a retracted, corrected or "
                                          "expression_of_concern flag; fail_on plays no part); false: only "
                                          "succeeded audits with none")] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AuditList:
    before = None
    if cursor is not None:
        before = decode_cursor(cursor)
        if before is None:
            raise ProblemError(422, "cursor: not a cursor this service issued", slug="validation-error",
                               title="Invalid request")
    jobs, next_seq = store_jobs.list_jobs(context(request).db, who.tenant_id, status=status, before_seq=before,
                                          limit=limit, flagged=flagged)
    return AuditList(items=[AuditStatus.of(j) for j in jobs],
                     next_cursor=encode_cursor(next_seq) if next_seq is not None else None)


@router.get("/{job_id}", response_model=AuditStatus, responses=ERRORS, summary="Status of one audit")
async def get_audit(request: Request, job_id: str,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> JSONResponse:
    # The poll every client repeats: one thread hop and, with a token, one query for token and job.
    return _status_response(request, await run_in_threadpool(_status_job, request, job_id, credentials))


def _status_job(request: Request, job_id: str, credentials: HTTPAuthorizationCredentials | None) -> Any:
    ctx = context(request)
    secret = credentials.credentials if credentials is not None else None
    if not ctx.settings.auth or secret is None or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return _job_or_404(request, job_id, principal(request, credentials))  # cookie, --no-auth, bad token
    valid, job = store_jobs.job_for_token(ctx.db, hash_secret(secret), job_id)
    if not valid:
        principal(request, credentials)  # raises the same 401 as every other route
    if job is None:
        raise ProblemError(404, f"no audit {job_id}", slug="not-found")
    return job


def _negotiate(accept: str | None) -> str | None:
    """The format the Accept header prefers (q-values honoured); json for */* or no header."""
    if not accept or not accept.strip():
        return "json"
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        media = media.lower()
        if q <= 0:
            continue
        fmt = ACCEPT_TO_FORMAT.get(media) or ("json" if media in ("*/*", "application/*") else
                                              "text" if media == "text/*" else None)
        if fmt is not None and (best is None or (q, -position) > (best[0], best[1])):
            best = (q, -position, fmt)
    return best[2] if best else None


@router.get("/{job_id}/report", responses={
    200: {"content": {MEDIA_TYPES[f].split(";")[0]: {} for f in FORMATS},
          "description": "the report, byte for byte what `auditor check --format F` writes"},
    **ERRORS}, response_class=Response, summary="The finished audit's report")
def get_report(
    request: Request, job_id: str, who: Annotated[Principal, Depends(principal)],
    format: Annotated[Format | None, Query(description="overrides Accept")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    fmt = format or _negotiate(accept)
    if fmt is None:
        raise ProblemError(406, "acceptable: " + ", ".join(ACCEPT_TO_FORMAT) + " (or use ?format=)",
                           slug="not-acceptable")
    job = _job_or_404(request, job_id, who)
    if job.status != "succeeded":
        active = job.status in ACTIVE_STATUSES
        headers = {"Retry-After": str(context(request).settings.retry_after_s)} if active else None
        raise ProblemError(409, f"the audit is {job.status}; a report exists once it has succeeded",
                           slug="report-not-ready", title="Report not ready", headers=headers,
                           job_status=job.status)
    stored = store_jobs.get_report(context(request).db, job.id, fmt)
    if stored is None:
        raise ProblemError(404, f"no {fmt} report for audit {job_id}", slug="not-found")
    etag = f'"{stored.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable", "Vary": "Accept, Authorization"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(stored.body, media_type=stored.media_type, headers=headers)


@router.delete("/{job_id}", status_code=204, responses={
    200: {"model": AuditStatus, "description": "a queued audit was cancelled"},
    202: {"model": AuditStatus, "description": "a running audit is being cancelled"},
    204: {"description": "a finished audit was deleted with its document and reports"},
    **ERRORS}, response_class=Response, summary="Cancel a queued/running audit, or delete a finished one")
def delete_audit(request: Request, job_id: str, who: Annotated[Principal, Depends(principal)]) -> Response:
    action, job = store_jobs.cancel_or_delete(context(request).db, job_id, who.tenant_id)
    if action == "missing":
        raise ProblemError(404, f"no audit {job_id}", slug="not-found")
    if action == "deleted":
        return Response(status_code=204)
    return _status_response(request, job, 200 if action == "cancelled" else 202)
