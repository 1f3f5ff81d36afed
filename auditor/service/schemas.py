"""The API's JSON shapes (pydantic), which also make ``/openapi.json``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Row

from auditor.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKED
from auditor.source_progress import SOURCES
from auditor.store.tables import Job

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
Outcome = Literal["ok", "findings", "unchecked"]
OUTCOMES: dict[int, Outcome] = {EXIT_OK: "ok", EXIT_FINDINGS: "findings", EXIT_UNCHECKED: "unchecked"}


class Problem(BaseModel):
    """An RFC 9457 problem document; extension members may follow."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


SourceState = Literal["pending", "running", "done", "failed", "skipped"]


class SourceProgress(BaseModel):
    state: SourceState = Field(description="pending: not asked yet; running: asked, the audit goes on; done: "
                               "the audit finished and every answer arrived; failed: some answer could not be "
                               "had after retries (those references are unchecked); skipped: not needed, or "
                               "switched off")
    requests: int = Field(description="HTTP requests behind the answers received so far (cache hits are free)")
    errors: int = Field(description="calls that came back without (part of) their answer")


class SourcesProgress(BaseModel):
    pubmed: SourceProgress
    crossref: SourceProgress
    retraction_watch: SourceProgress = Field(description="the local Retraction Watch index: requests are its "
                                             "(at most daily) download; done once consulted")


PENDING_SOURCES = {name: {"state": "pending", "requests": 0, "errors": 0} for name in SOURCES}


class Progress(BaseModel):
    done: int = Field(description="references checked so far")
    total: int = Field(description="references in the document")
    sources: SourcesProgress | None = Field(None, description="per-source state, saved with the references "
                                            "count (about once a second) and at the end; all pending while "
                                            "queued; a failed or cancelled job keeps the last state saved; "
                                            "null for a job that ended without reporting any")


class Summary(BaseModel):
    verified: int
    minor: int
    major: int
    not_found: int
    unchecked: int


class Links(BaseModel):
    self: str
    report: str


class AuditStatus(BaseModel):
    id: str
    status: Status
    filename: str = Field(description="the uploaded name, as the report shows it")
    fail_on: list[str] = Field(description="verdicts and flags that make the outcome 'findings'")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: Progress
    summary: Summary | None = Field(description="counts per verdict once succeeded")
    flagged_references: int | None = Field(None, description="references judged minor, major or not_found, or "
                                           "carrying a retracted, corrected or expression_of_concern flag, once "
                                           "succeeded (what ?flagged= filters on; independent of fail_on)")
    outcome: Outcome | None = Field(description="what `auditor check` would exit with: ok 0, findings 1, unchecked 3")
    exit_code: int | None
    error: Problem | None = Field(description="why the job failed")
    attempts: int = Field(description="times a worker started the job (more than 1 after a crash)")
    cancel_requested: bool
    links: Links

    @classmethod
    def of(cls, job: Job | Row[Any]) -> AuditStatus:
        """From a :class:`Job`, or a row with its ``STATUS_COLUMNS`` (``auditor.store.jobs.job_for_token``)."""
        path = f"/v1/audits/{job.id}"
        return cls(
            id=job.id, status=job.status, filename=job.filename,  # type: ignore[arg-type]
            fail_on=[v for v in job.fail_on.split(",") if v],
            created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
            progress=Progress(done=job.progress_done, total=job.progress_total,
                              sources=_sources(job)),
            summary=Summary(**job.summary) if job.summary else None,
            flagged_references=job.flagged_references,
            outcome=OUTCOMES.get(job.exit_code) if job.exit_code is not None else None,
            exit_code=job.exit_code, error=Problem(**{"status": 500, "title": "Job failed", **job.error})
            if job.error else None,
            attempts=job.attempts, cancel_requested=job.cancel_requested,
            links=Links(self=path, report=f"{path}/report"),
        )


def _sources(job: Job | Row[Any]) -> SourcesProgress | None:
    if job.progress_sources:
        try:
            return SourcesProgress.model_validate(job.progress_sources)
        except ValueError:
            return None  # written by another version; the count of references still tells progress
    if job.status in ("queued", "running"):
        return SourcesProgress.model_validate(PENDING_SOURCES)
    return None


class AuditList(BaseModel):
    items: list[AuditStatus]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next (older) page; null at the end")


class Ready(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str]


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """The seq a cursor stands for, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, number = raw.partition(":")
    if prefix != "v1" or not number.isdigit() or len(number) > 18:
        return None
    return int(number)
