"""The local index: sync state, indexed events with tombstones, materialized occurrences,
idempotency keys.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _calendar_fk() -> sa.Column[str]:
    return sa.Column(
        "calendar_id",
        sa.String(64),
        sa.ForeignKey("calendars.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "calendar_sync",
        sa.Column(
            "calendar_id",
            sa.String(64),
            sa.ForeignKey("calendars.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sync_token", sa.Text),
        sa.Column("ctag", sa.Text),
        sa.Column("last_synced", TZ),
        sa.Column("last_read", TZ),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("floor", sa.Integer, nullable=False),
        sa.Column("touched", sa.JSON, nullable=False),
    )
    op.create_table(
        "indexed_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _calendar_fk(),
        sa.Column("event_id", sa.String(400), nullable=False),
        sa.Column("href", sa.String(2000), nullable=False),
        sa.Column("uid", sa.String(1000)),
        sa.Column("etag", sa.String(400)),
        sa.Column("ical", sa.Text),
        sa.Column("public_json", sa.Text),
        sa.Column("search_text", sa.Text),
        sa.Column("categories", sa.Text),
        sa.Column("attendees", sa.Text),
        sa.Column("status", sa.String(32)),
        sa.Column("first_start", TZ),
        sa.Column("last_end", TZ),
        sa.Column("recurring", sa.Boolean, nullable=False),
        sa.Column("mat_from", TZ),
        sa.Column("mat_until", TZ),
        sa.Column("created", TZ),
        sa.Column("updated", TZ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("created_seq", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.UniqueConstraint("calendar_id", "event_id", name="uq_indexed_events_calendar_event"),
    )
    op.create_index(
        "ix_indexed_events_window", "indexed_events", ["calendar_id", "deleted", "first_start"]
    )
    op.create_index("ix_indexed_events_seq", "indexed_events", ["calendar_id", "seq"])
    op.create_table(
        "occurrences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _calendar_fk(),
        sa.Column("event_id", sa.String(400), nullable=False),
        sa.Column("start", TZ, nullable=False),
        sa.Column("end", TZ, nullable=False),
        sa.Column("public_json", sa.Text, nullable=False),
    )
    op.create_index("ix_occurrences_window", "occurrences", ["calendar_id", "start", "end"])
    op.create_index("ix_occurrences_event", "occurrences", ["calendar_id", "event_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("token_id", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("calendar_id", sa.String(64), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_index("ix_idempotency_keys_created", "idempotency_keys", ["created"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("occurrences")
    op.drop_table("indexed_events")
    op.drop_table("calendar_sync")
