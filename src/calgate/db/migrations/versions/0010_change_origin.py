"""Who made an indexed object's last change: "api", "caldav" or "clearing" (for webhooks'
``origin``); rows from before stay NULL until they next change.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indexed_events") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indexed_events") as batch:
        batch.drop_column("origin")
