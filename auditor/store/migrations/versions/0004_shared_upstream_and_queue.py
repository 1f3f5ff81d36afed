"""Shared upstream limiter and response cache; procrastinate's queue schema on PostgreSQL.

``upstream_limits`` and ``response_cache`` are created on both backends (one history), though only
PostgreSQL workers use them. On PostgreSQL this revision also installs procrastinate's schema
(``procrastinate_jobs``, its functions and triggers) from the installed procrastinate package,
so ``auditor db upgrade`` is the only setup step a deployment needs. Upgrading procrastinate to a
release with schema changes needs a later revision that applies procrastinate's own migration
scripts (``procrastinate schema --migrations-path`` lists them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upstream_limits",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=True),
        sa.Column("next_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recent", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_upstream_limits")),
    )
    op.create_table(
        "response_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.Float(), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_response_cache")),
    )
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # exec_driver_sql: the schema text is sent as is (no bind-parameter parsing of its '%' or ':').
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs,"
                   " procrastinate_workers CASCADE")
    op.drop_table("response_cache")
    op.drop_table("upstream_limits")
