"""Scheduled job leases: one row per job and subject (``clear:room-a``, ``sync:room-a``) so
that several calgate processes on one database run each scheduled pass once per interval.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("claimed_by", sa.String(32)),
        sa.Column("claimed_until", TZ),
        sa.Column("last_run", TZ),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
