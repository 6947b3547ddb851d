"""Which calendars the background loop keeps fresh: those read recently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from calgate.db.models import CalendarRow, CalendarSyncRow, SourceRow
from calgate.db.session import Database


def recently_read(db: Database, *, within: timedelta) -> list[tuple[CalendarRow, SourceRow]]:
    since = datetime.now(UTC) - within
    query = (
        select(CalendarRow, SourceRow)
        .join(SourceRow, SourceRow.id == CalendarRow.source_id)
        .join(CalendarSyncRow, CalendarSyncRow.calendar_id == CalendarRow.id)
        .where(CalendarSyncRow.last_read >= since)
    )
    with db.session() as session:
        return [(c, s) for c, s in session.execute(query)]
