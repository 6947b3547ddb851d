"""Sources, calendars and API tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("username", sa.String(200)),
        sa.Column("auth_type", sa.String(16), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary),
        sa.Column("capabilities", sa.JSON, nullable=False),
        sa.Column("created", TZ, nullable=False),
    )
    op.create_table(
        "calendars",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "source_id",
            sa.String(64),
            sa.ForeignKey("sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("href", sa.String(2000), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("created", TZ, nullable=False),
        sa.Column("updated", TZ, nullable=False),
        sa.UniqueConstraint("source_id", "href", name="uq_calendars_source_href"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("calendars", sa.JSON),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created", TZ, nullable=False),
        sa.Column("revoked", TZ),
        sa.Column("from_env", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tokens")
    op.drop_table("calendars")
    op.drop_table("sources")
