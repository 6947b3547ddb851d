"""Events on one calendar: create, read, list a window, replace, patch, delete.

Writes go to the CalDAV server first, conditionally (If-None-Match on create, If-Match with the
ETag calgate just read on edits, so a change made underneath is never overwritten); the answer
is built from what was written and the server's new ETag.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from icalendar import Calendar

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain import ical_events as ical
from calgate.domain import series_edit
from calgate.domain.ids import id_from_href, is_plain_id, resource_name_from_id
from calgate.domain.input_limits import InputLimits
from calgate.domain.timezones import clamped_utc
from calgate.errors import InvalidInput, NotFound, PreconditionFailed
from calgate.index import queries
from calgate.runtime import Runtime
from calgate.schemas.events import EventPublic, EventWrite
from calgate.services import booking
from calgate.settings import Settings
from calgate.upstream import CalDAVConnection, RemoteObject

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass
class CalendarContext:
    """Everything an event operation needs about its calendar."""

    runtime: Runtime
    calendar: CalendarRow
    source: SourceRow

    @property
    def conn(self) -> CalDAVConnection:
        return self.runtime.connection(self.source).about(f"calendar {self.calendar.id!r}")

    @property
    def url(self) -> str:
        url = self.runtime.calendar_url(self.calendar, self.source)
        return url if url.endswith("/") else url + "/"

    @property
    def tz(self) -> str:
        return self.calendar.time_zone

    @property
    def limits(self) -> InputLimits:
        return input_limits(self.runtime.settings)

    def href_for(self, event_id: str) -> str:
        name = resource_name_from_id(event_id)
        if name is None:
            raise self.no_event(event_id)
        return urljoin(self.url, name)

    def no_event(self, event_id: str) -> NotFound:
        return NotFound(f"no event with id {event_id!r} in calendar {self.calendar.id!r}")

    def fetch(self, href: str, *, as_stored: bool = False) -> RemoteObject:
        """The stored object at ``href``; a missing one is a NotFound naming the event (the
        server's address stays out of the answer)."""
        try:
            return self.conn.get(href, as_stored=as_stored)
        except NotFound as exc:
            raise self.no_event(id_from_href(href)) from exc

    def public(self, cal: Calendar, href: str, etag: str | None) -> EventPublic:
        return ical.event_to_public(
            cal,
            event_id=id_from_href(href),
            calendar_id=self.calendar.id,
            etag=etag,
            floating_tz=self.tz,
        )


def input_limits(settings: Settings) -> InputLimits:
    """What one event may hold (docs/operations.md, "Input limits")."""
    return InputLimits(
        text_chars=settings.max_text_chars,
        long_text_chars=settings.max_long_text_chars,
        attendees=settings.max_attendees,
        categories=settings.max_categories,
        alerts=settings.max_alerts,
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


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
def _parse_remote(obj: RemoteObject) -> Calendar | None:
    """Odd data a server hands back never fails a request: it is logged and left out."""
    try:
        return ical.parse_ical(obj.ical)
    except InvalidInput:
        log.warning("skipping unparseable object %s", obj.href)
        return None


def get_event(ctx: CalendarContext, event_id: str) -> EventPublic:
    """Straight from the server (edits read this way, to edit the current object)."""
    obj = ctx.fetch(ctx.href_for(event_id))
    cal = _parse_remote(obj)
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


def list_from_server(
    ctx: CalendarContext, win: Window, *, expand: bool, max_items: int
) -> list[EventPublic]:
    items: list[EventPublic] = []
    # The server reads dates and floating times in its own zone, which need not be the
    # calendar's zone in calgate: ask for a day more on each side, then decide here.
    pad = timedelta(days=1)
    for obj in ctx.conn.query(ctx.url, start=win.start - pad, end=win.end + pad):
        cal = _parse_remote(obj)
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
def _serialize(cal: Calendar) -> str:
    """Keep the stored property order: an edit should change what it changes, nothing else."""
    return cal.to_ical(sorted=False).decode()


def create_event(
    ctx: CalendarContext, body: EventWrite, *, event_id: str | None = None
) -> EventPublic:
    uid = event_id or str(uuid.uuid4())
    cal = ical.build_calendar(body, uid=uid, default_tz=ctx.tz, now=_now())
    return store_new(ctx, uid, cal)


def store_new(
    ctx: CalendarContext,
    event_id: str,
    cal: Calendar,
    *,
    text: str | None = None,
    held_by: str | None = None,
) -> EventPublic:
    """PUT a new object (If-None-Match: *; ``text``: exactly this, else ``cal`` serialized),
    index it, and answer with it. Under the calendar's booking policy (``held_by``: an event
    whose time the new one takes over, as a split's new part does)."""
    href = ctx.href_for(event_id)
    text = text if text is not None else _serialize(cal)
    with booking.guard(ctx, event_id, cal, held_by=held_by):
        stored = ctx.conn.write(href, text, if_none_match=True)
        ctx.runtime.indexer.record_write(
            ctx.calendar, href=href, etag=stored.etag, ical=stored.ical
        )
    return ctx.public(_as_stored(cal, text, stored), href, stored.etag)


def adopt_written(ctx: CalendarContext, event_id: str) -> EventPublic | None:
    """The event a create wrote before its process died without answering (an Idempotency-Key
    taken over): read from the server and entered into the index as a write of calgate's own,
    so it lists at once; None when it was never written."""
    href = ctx.href_for(event_id)
    try:
        obj = ctx.fetch(href)
    except NotFound:
        return None
    cal = _parse_remote(obj)
    if cal is None:
        raise NotFound(f"event {event_id!r} exists but cannot be read as iCalendar")
    ctx.runtime.indexer.record_write(ctx.calendar, href=href, etag=obj.etag, ical=obj.ical)
    return ctx.public(cal, obj.href, obj.etag)


def _as_stored(cal: Calendar, sent: str, stored: RemoteObject) -> Calendar:
    """The object the server holds: ``cal`` unless the server changed what was sent."""
    if stored.ical == sent:
        return cal
    return _parse_remote(stored) or cal


# An entity tag (RFC 9110 section 8.8.3): optional ``W/``, then a quoted opaque-tag, which may
# hold commas, so a list is read tag by tag rather than split at commas.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def _etag_matches(header: str, etag: str | None) -> bool:
    """Whether an If-Match header holds for the object whose current ETag is ``etag``.

    ``*`` matches any existing object. Otherwise RFC 9110 section 13.1.1 asks for the strong
    comparison (section 8.8.3.2): a listed tag matches when neither it nor ``etag`` is weak and
    their opaque-tags are equal. Weak comparison would be wrong here: If-Match is there to stop
    lost updates, and a weak tag may stay the same across a change (one made from a timestamp,
    say), so ``W/"x"`` in If-Match never matches, not even ``W/"x"``.

    Servers that weaken tags do so for an encoded transfer (Cyrus: ``W/"x"`` on a gzipped GET
    of the object PUT called ``"x"``). That is undone where it happens: ``CalDAVConnection.get``
    asks for the identity coding and falls back to the strong ``DAV:getetag`` of the same
    version, so ``etag`` is the tag calgate handed out from the PUT, the listing or the sync,
    and calgate can edit its own objects. A server with no strong tag at all gets 412s rather
    than a guess."""
    if header.strip() == "*":
        return True
    if etag is None:
        return False
    current = _ENTITY_TAG.fullmatch(etag)
    if current is None:  # a server's unquoted tag: only the very same text matches
        return etag.strip() in (t.strip() for t in header.split(","))
    if current.group(1):
        return False
    tags = _ENTITY_TAG.findall(header)
    return any(not weak and opaque == current.group(2) for weak, opaque in tags)


def _load_for_edit(
    ctx: CalendarContext, href: str, if_match: str | None
) -> tuple[Calendar, str | None]:
    """The stored object (and its ETag, which the edit's own PUT sends as If-Match), once the
    client's If-Match holds for it (``_etag_matches``)."""
    obj = ctx.fetch(href)
    if if_match is not None and not _etag_matches(if_match, obj.etag):
        if obj.etag is not None and obj.etag.startswith("W/"):
            raise PreconditionFailed(
                f"If-Match cannot be checked: the server gives this event only a weak ETag "
                f"({obj.etag})"
            )
        raise PreconditionFailed(
            f"the event changed since you read it (If-Match {if_match}, current ETag {obj.etag})"
        )
    cal = _parse_remote(obj)
    if cal is None:
        raise InvalidInput.field(
            "id", "the stored object is not valid iCalendar; it cannot be edited"
        )
    return cal, obj.etag


def check_put_create(event_id: str, if_match: str | None) -> None:
    """A PUT to an absent id creates, unless If-Match expected an event or the id is odd."""
    if if_match is not None:
        raise PreconditionFailed(f"If-Match was sent but event {event_id!r} does not exist")
    if not is_plain_id(event_id):
        raise InvalidInput.field(
            "id", "a new event's id must be 1-200 letters, digits, '-', '_' or '.'"
        )


def check_put_replace(event_id: str, if_none_match: str | None) -> None:
    if if_none_match is not None and if_none_match.strip() == "*":
        raise PreconditionFailed(f"event {event_id!r} already exists (If-None-Match: *)")


def replace_event(
    ctx: CalendarContext,
    event_id: str,
    body: EventWrite,
    *,
    if_match: str | None,
    if_none_match: str | None,
) -> tuple[EventPublic, bool]:
    """PUT: replace, or create with the client's id when absent. Returns (event, created)."""
    href = ctx.href_for(event_id)
    try:
        cal, etag = _load_for_edit(ctx, href, if_match)
    except NotFound:
        check_put_create(event_id, if_match)
        return create_event(ctx, body, event_id=event_id), True
    check_put_replace(event_id, if_none_match)
    if _is_series(cal):
        cal = series_edit.edit_all(cal, body=body, default_tz=ctx.tz, now=_now())
    else:
        cal = ical.replace_event(cal, body, default_tz=ctx.tz, now=_now())
    new_etag = _put_edit(ctx, href, cal, etag)
    return ctx.public(cal, href, new_etag), False


def patch_event(
    ctx: CalendarContext, event_id: str, patch: dict[str, Any], *, if_match: str | None
) -> EventPublic:
    href = ctx.href_for(event_id)
    cal, etag = _load_for_edit(ctx, href, if_match)
    if _is_series(cal):
        cal = series_edit.edit_all(cal, patch=patch, default_tz=ctx.tz, now=_now())
    else:
        cal = ical.patch_event(cal, patch, default_tz=ctx.tz, now=_now())
    new_etag = _put_edit(ctx, href, cal, etag)
    return ctx.public(cal, href, new_etag)


def _is_series(cal: Calendar) -> bool:
    """A master with overrides or EXDATEs: an edit of it must carry them along
    (:func:`calgate.domain.series_edit.edit_all`)."""
    master = ical.master_event(cal)
    if master is None or "RECURRENCE-ID" in master:
        return False
    return "EXDATE" in master or any(
        "RECURRENCE-ID" in e for e in ical.events_of(cal) if e is not master
    )


def _put_edit(
    ctx: CalendarContext, href: str, cal: Calendar, etag: str | None, *, text: str | None = None
) -> str | None:
    """Write an edit conditionally (``text``: exactly this, else ``cal`` serialized). When the
    server says the object changed underneath (its own 412), the index is refreshed before the
    412 goes back to the client."""
    text = text if text is not None else _serialize(cal)
    with booking.guard(ctx, id_from_href(href), cal):
        try:
            stored = ctx.conn.write(href, text, if_match=etag)
        except PreconditionFailed:
            ctx.runtime.indexer.sync(ctx.calendar, ctx.source)
            raise
        ctx.runtime.indexer.record_write(
            ctx.calendar, href=href, etag=stored.etag, ical=stored.ical
        )
    return stored.etag


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
    except NotFound as exc:
        ctx.runtime.indexer.record_delete(ctx.calendar, href=href)
        raise ctx.no_event(event_id) from exc
    ctx.runtime.indexer.record_delete(ctx.calendar, href=href)
