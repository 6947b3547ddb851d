"""Events on one calendar in calgate's JSON form: create, read, list a window, replace, patch,
delete. Every write goes through :mod:`calgate.services.writing`."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from calgate.domain import ical_events as ical
from calgate.domain import series_edit
from calgate.domain.ids import id_from_href
from calgate.domain.model import EventPublic, EventWrite
from calgate.domain.timezones import clamped_utc
from calgate.errors import InvalidInput, NotFound, PreconditionFailed
from calgate.index import queries
from calgate.index.sync import CALDAV
from calgate.services import writing
from calgate.services.context import CalendarContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


# -- windows -------------------------------------------------------------------------------
def _parse_bound(value: str | None, *, name: str, tz: str) -> datetime | None:
    """A query bound as sent: an ISO date (midnight in the calendar's zone) or date-time (local
    times in the calendar's zone), aware, not yet in UTC (it may lie outside UTC's years)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput.field(
            name, f"{name} must be an ISO 8601 date or date-time, got {value!r}"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


def parse_bound(value: str | None, *, name: str, tz: str) -> datetime | None:
    """A query bound in UTC, clamped to the years calgate stores events in (a bound at the
    very ends of the calendar, ``0001-01-01T00:00:00+14:00``, asks for nothing beyond them)."""
    parsed = _parse_bound(value, name=name, tz=tz)
    return None if parsed is None else clamped_utc(parsed)


def bounds(start: str | None, end: str | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """``start`` and ``end`` as :func:`parse_bound` reads them; 422 naming ``end`` when it is
    not after ``start`` as sent. Two bounds clamped to the same end of the calendar make a
    one-second window there (nothing is stored in it)."""
    lo_sent = _parse_bound(start, name="start", tz=tz)
    hi_sent = _parse_bound(end, name="end", tz=tz)
    if lo_sent is not None and hi_sent is not None and hi_sent <= lo_sent:
        raise InvalidInput.field("end", "end must be after start")
    lo = None if lo_sent is None else clamped_utc(lo_sent)
    hi = None if hi_sent is None else clamped_utc(hi_sent)
    if lo is not None and hi is not None and hi <= lo:
        hi = lo + timedelta(seconds=1)
    return lo, hi


def window(
    start: str | None,
    end: str | None,
    tz: str,
    *,
    max_days: int | None = None,
    today: date | None = None,
) -> Window:
    """The listing window; default: the current month in the calendar's zone. Longer than
    ``max_days`` is a 422 that names the limit."""
    lo, hi = bounds(start, end, tz)
    zone = ZoneInfo(tz)
    if lo is None:
        if hi is not None:
            raise InvalidInput.field("start", "start is required when end is given")
        day = today or datetime.now(zone).date()
        lo = datetime(day.year, day.month, 1, tzinfo=zone)
    if hi is None:
        first_next = (lo.replace(day=28) + timedelta(days=4)).replace(day=1)
        hi = first_next if start is None else lo + timedelta(days=31)
    if hi <= lo:
        raise InvalidInput.field("end", "end must be after start")
    if max_days is not None and hi - lo > timedelta(days=max_days):
        raise InvalidInput.field(
            "end", f"the window is longer than {max_days} days; ask for a shorter one"
        )
    return Window(lo.astimezone(UTC), hi.astimezone(UTC))


# -- reading -------------------------------------------------------------------------------
def get_event(ctx: CalendarContext, event_id: str) -> EventPublic:
    """Straight from the server (edits read this way, to edit the current object)."""
    obj = ctx.fetch(ctx.href_for(event_id))
    cal = writing.parse_remote(obj)
    if cal is None:
        raise NotFound(f"event {event_id!r} exists but cannot be read as iCalendar")
    return ctx.public(cal, obj.href, obj.etag)


def get_indexed(ctx: CalendarContext, event_id: str) -> tuple[str, str | None]:
    """(JSON text, ETag) of one event from the index, synced first when it is stale. An id the
    index does not know yet is looked up on the server (another client may have just made it)."""
    # the event and the calendar's sync times in one read; read again after a sync
    with ctx.runtime.db.engine.connect() as conn:
        found = queries.stored_event(conn, calendar_id=ctx.calendar.id, event_id=event_id)
    known = found.times if found is not None else None
    if ctx.runtime.indexer.ensure_fresh(ctx.calendar, ctx.source, known=known).mode != "fresh":
        with ctx.runtime.db.engine.connect() as conn:
            found = queries.stored_event(conn, calendar_id=ctx.calendar.id, event_id=event_id)
    if found is not None and found.json is not None:
        return found.json, found.etag
    event = get_event(ctx, event_id)
    return event.model_dump_json(by_alias=True), event.etag


def list_indexed(
    ctx: CalendarContext, query: queries.Query, *, page_token: str | None
) -> queries.Page:
    ctx.runtime.indexer.ensure_fresh(ctx.calendar, ctx.source)
    with ctx.runtime.db.engine.connect() as conn:  # reads only: no ORM session
        return queries.list_page(conn, query, page_token=page_token)


# What a listing asks the index (routes build it without importing the index).
ListQuery = queries.Query


def list_from_server(
    ctx: CalendarContext, win: Window, *, expand: bool, max_items: int
) -> list[EventPublic]:
    items: list[EventPublic] = []
    # The server reads dates and floating times in its own zone, which need not be the
    # calendar's zone in calgate: ask for a day more on each side, then decide here.
    pad = timedelta(days=1)
    for obj in ctx.conn.query(ctx.url, start=win.start - pad, end=win.end + pad):
        cal = writing.parse_remote(obj)
        if cal is None:
            continue
        event_id = id_from_href(obj.href)
        if expand:
            items.extend(
                ical.expand(
                    cal,
                    start=win.start,
                    end=win.end,
                    floating_tz=ctx.tz,
                    event_id=event_id,
                    calendar_id=ctx.calendar.id,
                    etag=obj.etag,
                    max_items=max_items - len(items),
                )
            )
        elif ical.overlaps(cal, start=win.start, end=win.end, floating_tz=ctx.tz):
            items.append(ctx.public(cal, obj.href, obj.etag))
    items.sort(key=lambda e: (_sort_key(e, ctx.tz), e.id))
    return items


def _sort_key(event: EventPublic, tz: str) -> datetime:
    """Start as an instant; dates and floating times are read in the calendar's zone."""
    try:
        return parse_bound(event.start, name="start", tz=tz) or _EARLIEST
    except InvalidInput:
        return _EARLIEST


_EARLIEST = datetime.min.replace(tzinfo=UTC)


# -- writing -------------------------------------------------------------------------------
def create_event(
    ctx: CalendarContext, body: EventWrite, *, event_id: str | None = None
) -> writing.Written:
    uid = event_id or str(uuid.uuid4())
    cal = ical.build_calendar(body, uid=uid, default_tz=ctx.tz, now=writing.now())
    return writing.put_new(ctx, uid, cal)


def replace_event(
    ctx: CalendarContext,
    event_id: str,
    body: EventWrite,
    *,
    if_match: str | None,
    if_none_match: str | None,
) -> tuple[writing.Written, bool]:
    """PUT: replace, or create with the client's id when absent. Returns (event, created)."""
    href = ctx.href_for(event_id)
    try:
        cal, etag = writing.load_for_edit(ctx, href, if_match)
    except NotFound:
        writing.check_put_create(event_id, if_match)
        return create_event(ctx, body, event_id=event_id), True
    writing.check_put_replace(event_id, if_none_match)
    if _is_series(cal):
        cal = series_edit.edit_all(cal, body=body, default_tz=ctx.tz, now=writing.now())
    else:
        cal = ical.replace_event(cal, body, default_tz=ctx.tz, now=writing.now())
    return writing.put_edit(ctx, href, cal, etag), False


def patch_event(
    ctx: CalendarContext, event_id: str, patch: dict[str, Any], *, if_match: str | None
) -> writing.Written:
    href = ctx.href_for(event_id)
    cal, etag = writing.load_for_edit(ctx, href, if_match)
    if _is_series(cal):
        cal = series_edit.edit_all(cal, patch=patch, default_tz=ctx.tz, now=writing.now())
    else:
        cal = ical.patch_event(cal, patch, default_tz=ctx.tz, now=writing.now())
    return writing.put_edit(ctx, href, cal, etag)


def _is_series(cal: Calendar) -> bool:
    """A master with overrides or EXDATEs: an edit of it must carry them along
    (:func:`calgate.domain.series_edit.edit_all`)."""
    master = ical.master_event(cal)
    if master is None or "RECURRENCE-ID" in master:
        return False
    return "EXDATE" in master or any(
        "RECURRENCE-ID" in e for e in ical.events_of(cal) if e is not master
    )


def delete_event(ctx: CalendarContext, event_id: str, *, if_match: str | None) -> None:
    href = ctx.href_for(event_id)
    try:
        if if_match is not None and "*" not in if_match:
            ctx.conn.delete(href, if_match=if_match)
        else:
            ctx.conn.delete(href)
    except PreconditionFailed:
        ctx.runtime.indexer.sync(ctx.calendar, ctx.source)
        raise
    except NotFound as exc:  # gone from the server already: another client deleted it
        ctx.runtime.indexer.record_delete(ctx.calendar, href=href, origin=CALDAV)
        raise ctx.no_event(event_id) from exc
    ctx.runtime.indexer.record_delete(ctx.calendar, href=href, origin=ctx.origin)
