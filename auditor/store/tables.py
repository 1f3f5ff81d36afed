"""The store's tables (SQLAlchemy 2 declarative); the only state shared between processes.

Migrations in ``auditor/store/migrations`` create exactly these tables; ``tests/service`` checks
that the migrated schema and this metadata agree, so a column added here without a migration fails.

Tables:
  tenants            who owns jobs; every token belongs to one tenant
  tokens             bearer tokens, stored as SHA-256 of the secret (the secret is shown once)
  jobs               one audit each: status, lease (embedded runner), progress, summary, outcome
  documents          the uploaded bytes of a job (deleted with the job)
  reports            rendered bytes per format, written once in the transaction that finishes the job
  idempotency_keys   ``Idempotency-Key`` header per tenant -> the job it created
  workers            heartbeats of running workers (``/readyz`` checks one is fresh)
  web_sessions       browser sign-ins (auditor.web): a session cookie's hash -> the API token it came from
  watches            scheduled re-audits: a stored document, cron + time zone, webhook, notify policy
  watch_runs         one per (watch, scheduled time), unique: each links the audit job and the stored diff
  webhook_deliveries every delivery of a run's notification, with each attempt
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE_STATUSES = ("queued", "running")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on both backends (SQLite stores naive text, PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use auditor.store.tables.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    """Hex SHA-256 of the secret. A fast hash is enough: the secret has 256 random bits, not a password's."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Job(Base):
    __tablename__ = "jobs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Insertion order: claim order (oldest first) and list order (newest first, cursor = seq)."""
    id: Mapped[str] = mapped_column(String(36), unique=True)
    """Public id (random UUID), the one URLs carry; seq is never shown."""
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    filename: Mapped[str] = mapped_column(String(255))
    """The uploaded name, for display only (reports carry it); never used as a path."""
    fail_on: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """A problem object (RFC 9457 members) when the job failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Times a worker claimed the job; a job past the limit fails instead of looping forever."""
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    progress_sources: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """Per-source state (``pubmed``, ``crossref``, ``retraction_watch``) as the audit pipeline last
    reported it (:mod:`auditor.source_progress`); saved with each heartbeat and at the end."""
    flagged_references: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """References of a succeeded audit that are flagged (:func:`auditor.outcome.flagged_references`),
    stored at finish so the list's ``flagged`` filter is a query, independent of ``fail_on``."""

    __table_args__ = (
        Index("ix_jobs_tenant_seq", "tenant_id", "seq"),
        Index("ix_jobs_status_seq", "status", "seq"),
    )


class StoredDocument(Base):
    __tablename__ = "documents"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class StoredReport(Base):
    __tablename__ = "reports"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(16), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 over the request (document bytes, name, fail_on): a reused key with another body is refused."""
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """``embedded`` (a serve process's runner) or another engine's name (e.g. ``procrastinate``)."""
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebSession(Base):
    """A browser sign-in: the cookie holds a random secret, this row its SHA-256 and the token it came from.

    A session acts for its token: it ends at sign-out (``ended_at``), at ``expires_at``, and the moment
    that token is revoked (the lookup joins ``tokens`` every request), so no cookie outlives its token.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
# ---------------------------------------------------------------------------------------------
# Watches (issue 12): scheduled re-audits of a stored document, their runs and webhook deliveries.

WATCH_NOTIFY = ("changes", "always", "retractions")
RUN_STATUSES = ("pending", "finalizing", "done", "failed")


class Watch(Base):
    __tablename__ = "watches"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    """Display name only; never a path."""
    document: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    notify: Mapped[str] = mapped_column(String(16), default="changes")
    fail_on: Mapped[str] = mapped_column(String(200))
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """HMAC key for deliveries; must be readable to sign, so it is shown once and stored as is."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """The latest scheduled time that was given a run; the next due time is after it."""
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """None while paused."""
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Skipped by every scheduler; a manual run still runs. Resuming skips the ticks missed meanwhile."""

    __table_args__ = (
        Index("ix_watches_tenant_seq", "tenant_id", "seq"),
        Index("ix_watches_next_run_at", "next_run_at"),
    )


class WatchRun(Base):
    __tablename__ = "watch_runs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    watch_id: Mapped[str] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    """The schedule tick this run is for (the request time for a manual run); unique per watch."""
    trigger: Mapped[str] = mapped_column(String(16))
    """``schedule`` or ``manual``."""
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalize_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    previous_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The diff's summary line ("2 cited works retracted since 2026-11-01")."""
    flags_gained: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("watch_id", "scheduled_for", name="uq_watch_runs_watch_id_scheduled_for"),
        Index("ix_watch_runs_watch_seq", "watch_id", "seq"),
        Index("ix_watch_runs_status", "status"),
    )


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    """The delivery id sent as ``X-Auditor-Delivery`` (receivers deduplicate on it)."""
    run_id: Mapped[str] = mapped_column(ForeignKey("watch_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Every attempt so far, appended as each one ends (what the run's page shows)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="failed", index=True)
    """``pending`` (waiting for a sender), ``sending`` (claimed, under a lease), ``delivered``, ``failed``."""
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The JSON body, fixed when the run finished, so every attempt and every re-run sends the same bytes."""
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# The shared limiter and cache tables live in their own module; importing it here puts them on
# Base.metadata wherever the store is used (migrations, schema checks).
from auditor.store import shared_tables as _shared_tables  # noqa: E402,F401
