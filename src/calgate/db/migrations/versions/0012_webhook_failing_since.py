"""Webhook failure tracking: ``webhook_endpoints.failing_since`` (when the current run of
failed attempts began, so 5 days of it disables the endpoint) and
``webhook_deliveries.last_attempt_at`` (shown in the deliveries list). Both NULL for rows from
before.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("failing_since", TZ, nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("last_attempt_at", TZ, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("last_attempt_at")
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("failing_since")
