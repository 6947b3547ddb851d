"""Listings answered from the index: candidates by interval (each object's first start and
last end, open-ended for endless rules), occurrences from the materialized table inside the
horizon and expanded live outside it, filters, order and cursor pagination.

Items are returned as the JSON text the index stored, so a month of occurrences is a database
read and a string join, not thousands of objects built and validated again.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import Connection, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarSyncRow, IndexedEventRow, OccurrenceRow
from calgate.domain import ical_events as ical
from calgate.domain.expand import too_many_occurrences
from calgate.domain.timezones import instant
from calgate.errors import InvalidInput
from calgate.index.materialize import SEP, occurrence_bounds, public_json

OrderBy = Literal["start", "created", "updated"]
# what the read functions read through: a session, or (reads only, cheaper) a connection
Reader = Session | Connection
_FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
_UNSTAMPED = (_FAR_PAST, _FAR_PAST)


@dataclass(frozen=True)
class Query:
    calendar_id: str
    start: datetime
    end: datetime
    expand: bool
    floating_tz: str
    q: str | None = None
    category: str | None = None
    status: str | None = None
    attendee: str | None = None
    order_by: OrderBy = "start"
    limit: int = 250
    max_items: int = 5000

    def fingerprint(self) -> str:
        parts = [
            self.calendar_id,
            self.start.isoformat(),
            self.end.isoformat(),
            str(self.expand),
            self.q,
            self.category,
            self.status,
            self.attendee,
            self.order_by,
        ]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Page:
    items: list[str]  # JSON texts
    next_page_token: str | None


class _Item(NamedTuple):  # a tuple: one per row or occurrence, made fast
    start: datetime
    created: datetime
    updated: datetime
    key: str
    json: str


def _overlap(start_col: Any, end_col: Any, start: datetime, end: datetime) -> Any:
    """RFC 4791 9.9: starts before the window ends, and ends after it starts (or, for a
    zero-length item, starts inside it)."""
    return and_(
        start_col < end, or_(end_col > start, and_(end_col == start_col, start_col >= start))
    )


# The columns a listing reads: plain rows, not ORM objects (building ~1,000 full objects was
# most of a month's listing time at 10,000 events); the raw iCalendar is fetched only for
# series expanded outside the horizon.
_COLUMNS = (
    IndexedEventRow.event_id,
    IndexedEventRow.calendar_id,
    IndexedEventRow.etag,
    IndexedEventRow.public_json,
    IndexedEventRow.recurring,
    IndexedEventRow.first_start,
    IndexedEventRow.created,
    IndexedEventRow.updated,
    IndexedEventRow.mat_from,
    IndexedEventRow.mat_until,
)


def _ical_of(session: Reader, row: Any) -> str:
    text = session.scalar(
        select(IndexedEventRow.ical).where(
            IndexedEventRow.calendar_id == row.calendar_id,
            IndexedEventRow.event_id == row.event_id,
        )
    )
    return text or ""


def _in_window() -> tuple[Any, ...]:
    """A live row that may overlap the window: the conditions every listing starts from, with
    the calendar and the window as bound parameters (so the statement is built once)."""
    row = IndexedEventRow
    start, end = (
        bindparam("start", type_=row.first_start.type),
        bindparam("end", type_=row.first_start.type),
    )
    return (
        row.calendar_id == bindparam("calendar_id"),
        row.deleted.is_(False),
        row.public_json.is_not(None),
        or_(row.first_start.is_(None), row.first_start < end),
        or_(
            row.last_end.is_(None),
            row.last_end > start,
            and_(row.last_end == row.first_start, row.first_start >= start),
        ),
    )


_CANDIDATES = select(*_COLUMNS).where(*_in_window())
# ordered by start, a listing reads no creation or update times
_BY_START = tuple(c for c in _COLUMNS if c.key not in ("created", "updated"))
_CANDIDATES_BY_START = select(*_BY_START).where(*_in_window())


def _candidates(session: Reader, query: Query, columns: tuple[Any, ...] = _COLUMNS) -> list[Any]:
    row = IndexedEventRow
    if columns is not _COLUMNS:
        statement = select(*columns).where(*_in_window())
    else:
        statement = _CANDIDATES_BY_START if query.order_by == "start" else _CANDIDATES
    cond = []
    if query.q:
        cond.append(row.search_text.contains(query.q.lower(), autoescape=True))
    if query.category:
        cond.append(row.categories.contains(SEP + query.category.lower() + SEP, autoescape=True))
    if query.status:
        cond.append(row.status == query.status)
    if query.attendee:
        email = query.attendee.lower().removeprefix("mailto:")
        cond.append(row.attendees.contains(SEP + email + SEP, autoescape=True))
    if cond:
        statement = statement.where(*cond)
    window = {"calendar_id": query.calendar_id, "start": query.start, "end": query.end}
    return list(session.execute(statement, window))


def _covered(row: Any, query: Query) -> bool:
    return (
        row.mat_from is not None
        and row.mat_until is not None
        and instant(row.mat_from, UTC) <= query.start
        and query.end <= instant(row.mat_until, UTC)
    )


def _stamps(row: Any) -> tuple[datetime, datetime]:
    created = instant(row.created, UTC) if row.created else _FAR_PAST
    updated = instant(row.updated, UTC) if row.updated else created
    return created, updated


def _live(session: Reader, row: Any, query: Query, budget: int) -> list[tuple[datetime, str]]:
    """Occurrences outside the materialized horizon: expand the stored object now."""
    return [(start, text) for start, _, text in _live_bounded(session, row, query, budget)]


def _live_bounded(
    session: Reader, row: Any, query: Query, budget: int
) -> list[tuple[datetime, datetime, str]]:
    """``_live`` with each occurrence's end as well (unreadable bounds: the window start)."""
    try:
        cal = ical.parse_ical(_ical_of(session, row))
    except InvalidInput:
        return []
    events = ical.expand(
        cal,
        start=query.start,
        end=query.end,
        floating_tz=query.floating_tz,
        event_id=row.event_id,
        calendar_id=row.calendar_id,
        etag=row.etag,
        max_items=budget,
    )
    out = []
    for occ in events:
        bounds = occurrence_bounds(occ, query.floating_tz)
        start, end = bounds if bounds else (query.start, query.start)
        out.append((start, end, public_json(occ)))
    return out


def _live_overlaps(session: Reader, row: Any, query: Query) -> bool:
    """A series outside its materialized horizon: whether any occurrence overlaps, live.
    (Covered series are answered for all at once in ``_collect``.)"""
    try:
        cal = ical.parse_ical(_ical_of(session, row))
    except InvalidInput:
        return False
    return ical.overlaps(cal, start=query.start, end=query.end, floating_tz=query.floating_tz)


def _collect(session: Reader, query: Query) -> list[_Item]:
    rows = _candidates(session, query)
    items: list[_Item] = []
    # once per row, not once per occurrence (thousands of datetime copies otherwise), and only
    # for an order that reads them
    stamps = {r.event_id: _stamps(r) for r in rows} if query.order_by != "start" else {}
    covered_ids = {r.event_id for r in rows if r.recurring and _covered(r, query)}
    series_covered = [r for r in rows if r.event_id in covered_ids]
    overlapping: set[str] = set()
    if not query.expand and series_covered:
        # one query for every covered series, not one each
        occ = OccurrenceRow
        overlapping = set(
            session.scalars(
                select(occ.event_id)
                .where(
                    occ.calendar_id == query.calendar_id,
                    occ.event_id.in_([r.event_id for r in series_covered]),
                    _overlap(occ.start, occ.end, query.start, query.end),
                )
                .distinct()
            )
        )
    if query.expand and series_covered:
        by_id = {r.event_id: r for r in series_covered}
        occ = OccurrenceRow
        found = session.execute(
            select(occ.event_id, occ.start, occ.public_json).where(
                occ.calendar_id == query.calendar_id,
                occ.event_id.in_(list(by_id)),
                _overlap(occ.start, occ.end, query.start, query.end),
            )
        )
        for event_id, start, text in found:
            created, updated = stamps.get(event_id, _UNSTAMPED)
            items.append(_Item(instant(start, UTC), created, updated, event_id, text))
            if len(items) > query.max_items:
                raise too_many_occurrences(query.max_items)
    for row in rows:
        created, updated = stamps.get(row.event_id, _UNSTAMPED)
        first = instant(row.first_start, UTC) if row.first_start else query.start
        if not row.recurring:
            items.append(_Item(first, created, updated, row.event_id, row.public_json or "{}"))
        elif not query.expand:
            covered = row.event_id in covered_ids
            if (covered and row.event_id in overlapping) or (
                not covered and _live_overlaps(session, row, query)
            ):
                items.append(_Item(first, created, updated, row.event_id, row.public_json or "{}"))
        elif row.event_id not in covered_ids:
            budget = query.max_items - len(items)
            for start, text in _live(session, row, query, budget):
                items.append(_Item(start, created, updated, row.event_id, text))
        if query.expand and len(items) > query.max_items:
            raise too_many_occurrences(query.max_items)
    return items


def _sorted(items: list[_Item], order_by: OrderBy) -> list[_Item]:
    if order_by == "start":
        return sorted(items, key=lambda i: (i.start, i.key))
    if order_by == "created":
        return sorted(items, key=lambda i: (i.created, i.start, i.key), reverse=True)
    return sorted(items, key=lambda i: (i.updated, i.start, i.key), reverse=True)


def encode_page_token(offset: int, query: Query) -> str:
    raw = json.dumps({"o": offset, "f": query.fingerprint()}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str, query: Query) -> int:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, fingerprint = int(raw["o"]), raw["f"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput.field(
            "nextPageToken", "this page token is not one calgate made"
        ) from exc
    if fingerprint != query.fingerprint() or offset < 0:
        raise InvalidInput.field(
            "nextPageToken", "this page token belongs to a listing with other parameters"
        )
    return offset


def list_page(session: Reader, query: Query, *, page_token: str | None) -> Page:
    offset = decode_page_token(page_token, query) if page_token else 0
    items = _sorted(_collect(session, query), query.order_by)
    chunk = items[offset : offset + query.limit]
    more = offset + query.limit < len(items)
    token = encode_page_token(offset + query.limit, query) if more else None
    return Page([i.json for i in chunk], token)


def ids_overlapping(
    session: Reader, *, calendar_id: str, start: datetime, end: datetime, floating_tz: str
) -> list[str]:
    """The ids of the live events with an occurrence overlapping [start, end) (the listing's
    rule, series not expanded), sorted."""
    query = Query(
        calendar_id=calendar_id, start=start, end=end, expand=False, floating_tz=floating_tz
    )
    return sorted({item.key for item in _collect(session, query)})


# -- one event --------------------------------------------------------------------------------
class SyncTimes(NamedTuple):
    """A calendar's last sync and last noted read (``Indexer.ensure_fresh`` decides on them)."""

    last_synced: datetime | None
    last_read: datetime | None


class StoredEvent(NamedTuple):
    """One event's JSON and ETag as the index holds them (None: not there), and the calendar's
    sync times read with them."""

    json: str | None
    etag: str | None
    times: SyncTimes


_EVENT_AND_TIMES = (
    select(
        CalendarSyncRow.last_synced,
        CalendarSyncRow.last_read,
        IndexedEventRow.public_json,
        IndexedEventRow.etag,
    )
    .select_from(
        CalendarSyncRow.__table__.outerjoin(
            IndexedEventRow.__table__,
            and_(
                IndexedEventRow.calendar_id == CalendarSyncRow.calendar_id,
                IndexedEventRow.event_id == bindparam("event_id"),
                IndexedEventRow.deleted.is_(False),
            ),
        )
    )
    .where(CalendarSyncRow.calendar_id == bindparam("calendar_id"))
)


def stored_event(session: Reader, *, calendar_id: str, event_id: str) -> StoredEvent | None:
    """One event's stored JSON with the calendar's sync times, in one read (the request path's
    ``GET`` of one event); None while the calendar has no sync state."""
    found = session.execute(
        _EVENT_AND_TIMES, {"calendar_id": calendar_id, "event_id": event_id}
    ).first()
    if found is None:
        return None
    times = SyncTimes(found.last_synced, found.last_read)
    return StoredEvent(found.public_json, found.etag, times)


# -- items with their own bounds (free/busy, conflicts) ------------------------------------
@dataclass(frozen=True)
class Timed:
    """One item overlapping a window, occurrences of a series one by one, with its own start
    and end (aware UTC; all-day and floating ones placed in the calendar's zone)."""

    start: datetime
    end: datetime
    event_id: str
    json: str


def timed_items(
    session: Reader,
    *,
    calendar_id: str,
    start: datetime,
    end: datetime,
    floating_tz: str,
    max_items: int,
) -> list[Timed]:
    """Every item of a calendar overlapping [start, end) by the listing's rule (RFC 4791 9.9),
    series expanded: from the materialized occurrences inside the horizon, live outside it.
    More than ``max_items`` is a 422 naming the limit, as for expanded listings."""
    query = Query(
        calendar_id=calendar_id,
        start=start,
        end=end,
        expand=True,
        floating_tz=floating_tz,
        max_items=max_items,
    )
    rows = _candidates(session, query, (*_COLUMNS, IndexedEventRow.last_end))
    covered = [r.event_id for r in rows if r.recurring and _covered(r, query)]
    out: list[Timed] = []
    if covered:
        occ = OccurrenceRow
        found = session.execute(
            select(occ.event_id, occ.start, occ.end, occ.public_json).where(
                occ.calendar_id == calendar_id,
                occ.event_id.in_(covered),
                _overlap(occ.start, occ.end, start, end),
            )
        )
        out.extend(Timed(instant(s, UTC), instant(e, UTC), i, t) for i, s, e, t in found)
    covered_ids = set(covered)
    for row in rows:
        if len(out) > max_items:
            raise too_many_occurrences(max_items)
        if not row.recurring:
            if row.first_start is None:
                continue  # no readable start: not placed in time
            first = instant(row.first_start, UTC)
            last = instant(row.last_end, UTC) if row.last_end else first
            out.append(Timed(first, max(first, last), row.event_id, row.public_json or "{}"))
        elif row.event_id not in covered_ids:
            for s, e, text in _live_bounded(session, row, query, max_items - len(out)):
                out.append(Timed(s, e, row.event_id, text))
    if len(out) > max_items:
        raise too_many_occurrences(max_items)
    return out
