"""Webhook endpoints: the URLs that receive signed deliveries, their sealed signing secrets
(and the previous one during a rotation), and the token that made each.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("calendars", sa.JSON, nullable=True),
        sa.Column("include", sa.String(16), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_token_id", sa.String(32), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary, nullable=False),
        sa.Column("previous_secret_encrypted", sa.LargeBinary, nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.String(500), nullable=True),
    )
    op.create_index("ix_webhook_endpoints_token", "webhook_endpoints", ["created_by_token_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_endpoints_token", "webhook_endpoints")
    op.drop_table("webhook_endpoints")
