"""Imports of ``.ics`` files: one row per import, one per object of it (services.imports).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("public_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "calendar_id",
            sa.String(64),
            sa.ForeignKey("calendars.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_id", sa.String(64)),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("on_conflict", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("claimed_by", sa.String(32)),
        sa.Column("claimed_until", TZ),
        sa.UniqueConstraint("token_id", "idempotency_key", name="uq_imports_idempotency"),
    )
    op.create_index("ix_imports_calendar", "imports", ["calendar_id", "id"])
    op.create_index("ix_imports_status", "imports", ["status"])
    op.create_table(
        "import_items",
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey("imports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("uid", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("plan", sa.JSON),
        sa.Column("outcome", sa.String(10)),
        sa.Column("reason", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("import_items")
    op.drop_table("imports")
