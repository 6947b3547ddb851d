"""Published feeds: a calendar's events at a secret URL (only its SHA-256 kept), in full or as
busy time, over a window around the day they are read.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "calendar_id",
            sa.String(64),
            sa.ForeignKey("calendars.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("detail", sa.String(8), nullable=False),
        sa.Column("past_days", sa.Integer, nullable=False),
        sa.Column("future_days", sa.Integer, nullable=False),
        sa.Column("created", TZ, nullable=False),
        sa.Column("created_by_token_id", sa.String(32), nullable=True),
        sa.Column("last_read", TZ, nullable=True),
    )
    op.create_index("ix_feeds_calendar", "feeds", ["calendar_id"])


def downgrade() -> None:
    op.drop_index("ix_feeds_calendar", "feeds")
    op.drop_table("feeds")
