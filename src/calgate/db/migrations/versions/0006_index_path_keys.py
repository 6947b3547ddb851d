"""The index keys objects by href path (no scheme and host): the embedded store's internal
address differs per process and per start, and absolute hrefs made each process see the other's
objects as deleted (and every restart re-read the whole calendar).

Revision ID: 0006
Revises: 0005
"""

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _path(href: str) -> str:
    return urlsplit(href).path or "/"


def upgrade() -> None:
    bind = op.get_bind()
    events = sa.table("indexed_events", sa.column("id", sa.Integer), sa.column("href", sa.String))
    rows = bind.execute(sa.select(events.c.id, events.c.href)).all()
    for row_id, href in rows:
        if href and "://" in href:
            bind.execute(events.update().where(events.c.id == row_id).values(href=_path(href)))
    sync = sa.table(
        "calendar_sync", sa.column("calendar_id", sa.String), sa.column("touched", sa.JSON)
    )
    for calendar_id, touched in bind.execute(sa.select(sync.c.calendar_id, sync.c.touched)).all():
        if touched:
            keys = sorted({_path(h) for h in touched})
            bind.execute(
                sync.update().where(sync.c.calendar_id == calendar_id).values(touched=keys)
            )


def downgrade() -> None:
    """Path keys stay: calgate reads them as before (the next sync refreshes every row)."""
