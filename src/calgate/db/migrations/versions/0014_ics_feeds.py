"""Subscribed iCalendar feeds: one row per source of kind ``ics`` (its conditional-GET
validators, the hash of the last body, how the last refreshes went).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ics_feeds",
        sa.Column(
            "source_id",
            sa.String(64),
            sa.ForeignKey("sources.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("refresh_interval", sa.Integer),
        sa.Column("feed_interval", sa.Integer),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("last_success_at", TZ),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", TZ),
        sa.Column("next_refresh_at", TZ, nullable=False),
    )
    op.create_index("ix_ics_feeds_next_refresh_at", "ics_feeds", ["next_refresh_at"])


def downgrade() -> None:
    op.drop_index("ix_ics_feeds_next_refresh_at", table_name="ics_feeds")
    op.drop_table("ics_feeds")
