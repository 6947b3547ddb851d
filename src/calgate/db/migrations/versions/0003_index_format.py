"""calendar_sync.index_format: the materialized form an index was built with, so an upgrade
that changes the JSON form re-materializes old rows from their stored iCalendar.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_sync") as batch:
        batch.add_column(sa.Column("index_format", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("calendar_sync") as batch:
        batch.drop_column("index_format")
