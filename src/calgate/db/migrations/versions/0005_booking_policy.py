"""calendars: the booking policy (overlap, autoClear) and the notification template.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(
            sa.Column("overlap", sa.String(16), nullable=False, server_default="allow")
        )
        batch.add_column(
            sa.Column("auto_clear", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("notification_template", sa.Text))
        batch.add_column(sa.Column("notification_subject", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        for name in ("notification_subject", "notification_template", "auto_clear", "overlap"):
            batch.drop_column(name)
