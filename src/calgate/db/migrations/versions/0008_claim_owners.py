"""Idempotency claims name their process and the event id chosen before the write; the
``processes`` table holds each running process's heartbeat, so a claim left by a process that
was killed can be resolved instead of answering 409 for good.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("owner", sa.String(32), nullable=True))
        batch.add_column(sa.Column("event_id", sa.String(400), nullable=True))
    op.create_table(
        "processes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("host", sa.String(64), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_processes_seen", "processes", ["seen"])


def downgrade() -> None:
    op.drop_index("ix_processes_seen", "processes")
    op.drop_table("processes")
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("event_id")
        batch.drop_column("owner")
