"""Webhook deliveries become durable jobs: status, lease, and the signed body to send.

Revision ID: 0006_webhook_jobs
Revises: 0004 (0004_shared_upstream_and_queue.py)
Create Date: 2026-12-01

A delivery row is created, ``pending``, in the transaction that finishes its run; a sender claims it
(``sending`` with a lease), records every attempt as it happens, and ends it ``delivered`` or
``failed``. Rows from before this revision were delivered inline: their status follows ``delivered``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_webhook_jobs"
down_revision = "0005_watch_pause"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="failed"))
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_status"), ["status"], unique=False)
    op.execute(sa.text("UPDATE webhook_deliveries SET status = 'delivered' WHERE delivered"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_status"))
        batch_op.drop_column("finished_at")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("payload")
        batch_op.drop_column("status")
