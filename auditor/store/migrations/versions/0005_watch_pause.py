"""Pausing watches; per-source job progress; a stored count of flagged references per audit.

* ``watches.paused``: a paused watch is skipped by every scheduler (``create_due_runs``).
* ``jobs.progress_sources``: the per-source state the audit pipeline reports while a job runs.
* ``jobs.flagged_references``: how many references of a succeeded audit are flagged
  (:func:`auditor.outcome.flagged_references`), so ``GET /v1/audits?flagged=`` is a query. Audits that
  succeeded before this revision are counted here once, from their stored JSON report.

Revision ID: 0005_watch_pause
Revises: 0004 (shared upstream and queue)
Create Date: 2026-12-01
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_watch_pause"
down_revision = "0004"
branch_labels = None
depends_on = None

FLAGGED_VERDICTS = ("minor", "major", "not_found")
"""Frozen copy of :data:`auditor.outcome.FLAGGED_VERDICTS` as of this revision (a migration must not
change when the code does)."""


def _count(report: bytes) -> int | None:
    try:
        data = json.loads(report)
        return sum(1 for ref in data.get("references", [])
                   if ref.get("verdict") in FLAGGED_VERDICTS or ref.get("flags"))
    except (ValueError, TypeError, AttributeError):
        return None


def upgrade() -> None:
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_sources", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("flagged_references", sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT r.job_id, r.body FROM reports r JOIN jobs j ON j.id = r.job_id "
                                "WHERE r.format = 'json' AND j.status = 'succeeded'")).fetchall()
    for job_id, body in rows:
        count = _count(bytes(body))
        if count is not None:
            bind.execute(sa.text("UPDATE jobs SET flagged_references = :n WHERE id = :id"), {"n": count, "id": job_id})


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("flagged_references")
        batch_op.drop_column("progress_sources")
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.drop_column("paused")
