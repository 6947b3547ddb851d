"""The change feed of one calendar: what changed since a token, from a freshly synced index
(calgate's JSON form at GET .../changes; JSCalendar's at a list with ``syncToken``)."""

from __future__ import annotations

from calgate.index.changes import ChangePage, changes_since
from calgate.services.context import CalendarContext


def changes_page(ctx: CalendarContext, *, since: str | None, limit: int) -> ChangePage:
    """The changes after ``since`` (None: every live event), at most ``limit``."""
    ctx.runtime.indexer.ensure_fresh(ctx.calendar, ctx.source)
    with ctx.runtime.db.session() as session:
        return changes_since(session, calendar_id=ctx.calendar.id, since=since, limit=limit)
