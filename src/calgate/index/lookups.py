"""Single-object reads of the index, each named for what it answers (keyword-only, no commit):
the live copy of one event, the event that holds a UID, the stored texts of a page of events,
the ETag and status of every live event. Listings over windows are :mod:`calgate.index.queries`;
writes are :mod:`calgate.index.store`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import IndexedEventRow


@dataclass(frozen=True)
class LiveEvent:
    """The index's copy of one live (not deleted) event."""

    ical: str | None  # the stored object as the server holds it
    public_json: str | None  # the API's JSON form, materialized (None: not readable)
    etag: str | None


def live_event(session: Session, *, calendar_id: str, event_id: str) -> LiveEvent | None:
    """The live event ``event_id`` of the calendar, or None when the index has none."""
    row = session.execute(
        select(IndexedEventRow.ical, IndexedEventRow.public_json, IndexedEventRow.etag).where(
            IndexedEventRow.calendar_id == calendar_id,
            IndexedEventRow.event_id == event_id,
            IndexedEventRow.deleted.is_(False),
        )
    ).first()
    return None if row is None else LiveEvent(row.ical, row.public_json, row.etag)


def event_with_uid(session: Session, *, calendar_id: str, uid: str) -> str | None:
    """The id of the live event whose UID is ``uid`` in the calendar, if any."""
    found: str | None = session.scalar(
        select(IndexedEventRow.event_id).where(
            IndexedEventRow.calendar_id == calendar_id,
            IndexedEventRow.uid == uid,
            IndexedEventRow.deleted.is_(False),
        )
    )
    return found


def stored_texts(
    session: Session, *, calendar_id: str, event_ids: Iterable[str]
) -> dict[str, str | None]:
    """event id -> the stored iCalendar text of each of ``event_ids`` the index holds."""
    rows = session.execute(
        select(IndexedEventRow.event_id, IndexedEventRow.ical).where(
            IndexedEventRow.calendar_id == calendar_id,
            IndexedEventRow.event_id.in_(list(event_ids)),
        )
    )
    return {event_id: text for event_id, text in rows}


def live_etags_and_status(
    session: Session, *, calendar_id: str
) -> dict[str, tuple[str | None, str | None]]:
    """event id -> (ETag, STATUS) of every live event of the calendar."""
    rows = session.execute(
        select(IndexedEventRow.event_id, IndexedEventRow.etag, IndexedEventRow.status).where(
            IndexedEventRow.calendar_id == calendar_id,
            IndexedEventRow.deleted.is_(False),
        )
    )
    return {event_id: (etag, status) for event_id, etag, status in rows}
