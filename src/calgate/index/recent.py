"""Which calendars the background loop keeps fresh: those read recently, and those a webhook
endpoint watches (so changes made on their servers are delivered within
``webhook_sync_interval``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from calgate.db.models import CalendarRow, CalendarSyncRow, SourceRow, WebhookEndpointRow
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


def watched(db: Database) -> list[tuple[CalendarRow, SourceRow]]:
    """The calendars an enabled webhook endpoint covers (one without ``calendars``: every
    calendar)."""
    with db.session() as session:
        covered = session.scalars(
            select(WebhookEndpointRow.calendars).where(WebhookEndpointRow.enabled.is_(True))
        ).all()
        if not covered:
            return []
        query = select(CalendarRow, SourceRow).join(
            SourceRow, SourceRow.id == CalendarRow.source_id
        )
        if all(ids is not None for ids in covered):
            names = {cal for ids in covered if ids is not None for cal in ids}
            query = query.where(CalendarRow.id.in_(sorted(names)))
        return [(c, s) for c, s in session.execute(query.order_by(CalendarRow.id))]
