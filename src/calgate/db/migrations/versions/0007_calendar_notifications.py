"""calendars.notifications: when clearing mails the organizers ("template": only with the
calendar's own template, as the room-booking tool does; "always": the calendar's template,
else calgate's default one; "off": never). Existing calendars get "template".

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(
            sa.Column("notifications", sa.String(16), nullable=False, server_default="template")
        )


def downgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("notifications")
