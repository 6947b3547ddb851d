"""Reads for whole-calendar exports and published feeds: the calendar's change-feed position
(what a feed's ETag names), the earliest start it holds (how far back VTIMEZONEs must reach),
and the stored texts of its live objects in id order, a page at a time (an export of 10,000
events never holds them all)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select

from calgate.db.models import CalendarSyncRow, IndexedEventRow
from calgate.index.queries import Reader

PAGE = 200  # objects read per query


def position(session: Reader, *, calendar_id: str) -> tuple[int, int]:
    """(epoch, seq) of the calendar's change feed: every change of the index moves it."""
    row = session.execute(
        select(CalendarSyncRow.epoch, CalendarSyncRow.seq).where(
            CalendarSyncRow.calendar_id == calendar_id
        )
    ).first()
    return (0, 0) if row is None else (row.epoch, row.seq)


def earliest_start(session: Reader, *, calendar_id: str) -> datetime | None:
    """The earliest first start of the calendar's live objects."""
    found: datetime | None = session.scalar(
        select(func.min(IndexedEventRow.first_start)).where(
            IndexedEventRow.calendar_id == calendar_id, IndexedEventRow.deleted.is_(False)
        )
    )
    return found


_LIVE_TEXTS = (
    select(IndexedEventRow.event_id, IndexedEventRow.ical)
    .where(IndexedEventRow.deleted.is_(False), IndexedEventRow.ical.is_not(None))
    .order_by(IndexedEventRow.event_id)
)


def texts_after(
    session: Reader, *, calendar_id: str, after: str | None, limit: int = PAGE
) -> list[tuple[str, str]]:
    """(event id, stored text) of live objects with ids after ``after``, in id order."""
    query = _LIVE_TEXTS.where(IndexedEventRow.calendar_id == calendar_id)
    if after is not None:
        query = query.where(IndexedEventRow.event_id > after)
    return [(r.event_id, r.ical) for r in session.execute(query.limit(limit))]


def texts_of(
    session: Reader, *, calendar_id: str, event_ids: Sequence[str]
) -> list[tuple[str, str]]:
    """(event id, stored text) of those of ``event_ids`` still live, in id order."""
    query = _LIVE_TEXTS.where(
        IndexedEventRow.calendar_id == calendar_id, IndexedEventRow.event_id.in_(list(event_ids))
    )
    return [(r.event_id, r.ical) for r in session.execute(query)]


def chunks(ids: Sequence[str], size: int = PAGE) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
