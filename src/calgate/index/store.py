"""Repository functions over the index tables (keyword-only, one concept each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from calgate.db.models import CalendarSyncRow, IndexedEventRow, OccurrenceRow
from calgate.index.materialize import FORMAT, Materialized


def sync_state(session: Session, *, calendar_id: str, for_update: bool = False) -> CalendarSyncRow:
    """The calendar's sync row, made on first use. ``for_update`` locks it (PostgreSQL) so two
    processes never hand out the same change numbers."""
    query = select(CalendarSyncRow).where(CalendarSyncRow.calendar_id == calendar_id)
    if for_update:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        row = CalendarSyncRow(
            calendar_id=calendar_id, epoch=1, seq=0, floor=0, touched=[], index_format=FORMAT
        )
        session.add(row)
        session.flush()
    return row


def known_etags(
    session: Session, *, calendar_id: str, hrefs: set[str] | None = None
) -> dict[str, str | None]:
    """href -> etag of the live (not deleted) objects the index holds: all of them, or only
    those among ``hrefs`` (an incremental sync needs no more than its delta names)."""
    query = select(IndexedEventRow.href, IndexedEventRow.etag).where(
        IndexedEventRow.calendar_id == calendar_id, IndexedEventRow.deleted.is_(False)
    )
    if hrefs is not None:
        found: dict[str, str | None] = {}
        chunk = sorted(hrefs)
        for i in range(0, len(chunk), 500):
            part = query.where(IndexedEventRow.href.in_(chunk[i : i + 500]))
            found.update({href: etag for href, etag in session.execute(part)})
        return found
    return {href: etag for href, etag in session.execute(query)}


_CHUNK = 500  # ids per IN (...) query: far below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Put:
    """One object for :func:`put_objects`."""

    event_id: str
    href: str
    etag: str | None
    ical: str
    fields: Materialized
    origin: str | None = "caldav"


def put_object(
    session: Session,
    state: CalendarSyncRow,
    *,
    event_id: str,
    href: str,
    etag: str | None,
    ical: str,
    fields: Materialized,
    origin: str | None,
) -> None:
    """Enter one object (``origin``: who changed it, see ``IndexedEventRow.origin``; None keeps
    the row's, for a rewrite of the index's own format)."""
    put_objects(session, state, [Put(event_id, href, etag, ical, fields, origin)])


def put_objects(session: Session, state: CalendarSyncRow, objects: Sequence[Put]) -> None:
    """:func:`put_object` for many: the rows they replace read in a few queries and the new
    ones inserted in batches at the end, not a query and a flush per object (a first sync of
    10,000 objects)."""
    ids = [put.event_id for put in objects]
    found: dict[str, IndexedEventRow] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(IndexedEventRow).where(
            IndexedEventRow.calendar_id == state.calendar_id, IndexedEventRow.event_id.in_(chunk)
        )
        found.update((row.event_id, row) for row in session.scalars(query))
    with session.no_autoflush:
        for put in objects:
            found[put.event_id] = _put(
                session,
                state,
                found.get(put.event_id),
                event_id=put.event_id,
                href=put.href,
                etag=put.etag,
                ical=put.ical,
                fields=put.fields,
                origin=put.origin,
            )


def _put(
    session: Session,
    state: CalendarSyncRow,
    row: IndexedEventRow | None,
    *,
    event_id: str,
    href: str,
    etag: str | None,
    ical: str,
    fields: Materialized,
    origin: str | None,
) -> IndexedEventRow:
    if origin is not None and row is not None and not row.deleted and etag and row.etag == etag:
        # the object as the index has it already: no change for the feed. (Two processes on
        # one store: one's sync may enter an object the other wrote before its writer does;
        # the writer knows who changed it, a sync only that it is there.)
        if origin != "caldav":
            row.origin = origin
        return row
    state.seq += 1
    had_occurrences = row is not None and row.recurring
    if row is None or row.deleted:
        if row is None:
            row = IndexedEventRow(calendar_id=state.calendar_id, event_id=event_id)
            session.add(row)
        row.created_seq = state.seq
    row.href, row.etag, row.ical, row.deleted, row.seq = href, etag, ical, False, state.seq
    if origin is not None:
        row.origin = origin
    for name in (
        "uid",
        "public_json",
        "search_text",
        "categories",
        "attendees",
        "status",
        "first_start",
        "last_end",
        "recurring",
        "created",
        "updated",
        "mat_from",
        "mat_until",
    ):
        setattr(row, name, getattr(fields, name))
    if had_occurrences:
        _drop_occurrences(session, calendar_id=state.calendar_id, event_id=event_id)
    session.add_all(
        OccurrenceRow(
            calendar_id=state.calendar_id,
            event_id=event_id,
            start=o.start,
            end=o.end,
            public_json=o.public_json,
        )
        for o in fields.occurrences
    )
    return row


def delete_object(session: Session, state: CalendarSyncRow, *, event_id: str, origin: str) -> bool:
    """Leave a tombstone for the change feed; False when the index had no live object."""
    row = session.scalar(
        select(IndexedEventRow).where(
            IndexedEventRow.calendar_id == state.calendar_id,
            IndexedEventRow.event_id == event_id,
            IndexedEventRow.deleted.is_(False),
        )
    )
    if row is None:
        return False
    state.seq += 1
    row.deleted, row.seq, row.ical, row.public_json, row.etag = True, state.seq, None, None, None
    row.origin = origin
    _drop_occurrences(session, calendar_id=state.calendar_id, event_id=event_id)
    return True


def _drop_occurrences(session: Session, *, calendar_id: str, event_id: str) -> None:
    session.execute(
        delete(OccurrenceRow).where(
            OccurrenceRow.calendar_id == calendar_id, OccurrenceRow.event_id == event_id
        )
    )


def mark_synced(
    session: Session,
    state: CalendarSyncRow,
    *,
    at: datetime,
    sync_token: str | None,
    ctag: str | None,
    checked: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Record a finished sync; ``checked`` are touched hrefs it verified (others may have
    been touched by a write that ran meanwhile, and stay)."""
    state.last_synced, state.sync_token, state.ctag = at, sync_token, ctag
    state.touched = [h for h in (state.touched or []) if h not in checked]
    state.last_error = state.last_error_at = None


def note_sync_failure(session: Session, *, calendar_id: str, reason: str, at: datetime) -> None:
    """A sync that failed: why, kept until one works again (the index stays as it was)."""
    state = sync_state(session, calendar_id=calendar_id, for_update=True)
    state.last_error, state.last_error_at = reason[:2000], at


def touch(state: CalendarSyncRow, href: str) -> None:
    if href not in (state.touched or []):
        state.touched = [*(state.touched or []), href]


def touch_all(state: CalendarSyncRow, hrefs: Sequence[str]) -> None:
    """:func:`touch` for many (one new list, not one per href)."""
    known = state.touched or []
    seen = set(known)
    new = [h for h in dict.fromkeys(hrefs) if h not in seen]
    if new:
        state.touched = [*known, *new]


def mark_read(session: Session, *, calendar_id: str, at: datetime) -> None:
    session.execute(
        update(CalendarSyncRow)
        .where(CalendarSyncRow.calendar_id == calendar_id)
        .values(last_read=at)
    )


def wipe(session: Session, *, calendar_id: str) -> CalendarSyncRow:
    """Forget a calendar's index (``calgate reindex``): a new epoch, so change-feed tokens
    from before answer 410 and clients resync."""
    state = sync_state(session, calendar_id=calendar_id, for_update=True)
    session.execute(delete(OccurrenceRow).where(OccurrenceRow.calendar_id == calendar_id))
    session.execute(delete(IndexedEventRow).where(IndexedEventRow.calendar_id == calendar_id))
    new_epoch(state)
    state.sync_token = state.ctag = state.last_synced = None
    state.touched = []
    state.index_format = FORMAT
    return state


def new_epoch(state: CalendarSyncRow) -> None:
    """Break the change feed's continuity: tokens from before answer 410 and webhook endpoints
    get one ``calendar.resync_required``, so feed readers read the calendar again."""
    state.epoch += 1
    state.floor = state.seq


def stale_rows(
    session: Session, *, calendar_id: str, after_id: int, limit: int
) -> list[tuple[int, str, str, str | None, str]]:
    """(row id, event id, href, etag, iCalendar) of live rows, in id order from ``after_id``:
    the batches a format upgrade re-materializes."""
    query = (
        select(
            IndexedEventRow.id,
            IndexedEventRow.event_id,
            IndexedEventRow.href,
            IndexedEventRow.etag,
            IndexedEventRow.ical,
        )
        .where(
            IndexedEventRow.calendar_id == calendar_id,
            IndexedEventRow.deleted.is_(False),
            IndexedEventRow.id > after_id,
            IndexedEventRow.ical.is_not(None),
        )
        .order_by(IndexedEventRow.id)
        .limit(limit)
    )
    return [(r.id, r.event_id, r.href, r.etag, r.ical) for r in session.execute(query)]
