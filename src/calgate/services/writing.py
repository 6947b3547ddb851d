"""The write pipeline every representation uses (calgate's JSON, JSCalendar, raw iCalendar):
load the stored object for an edit once the client's If-Match holds, PUT conditionally under
the calendar's booking policy, enter what was written into the index, and answer from it.

Writes go to the CalDAV server first, conditionally (``If-None-Match: *`` on create,
``If-Match`` with the ETag calgate just read on edits, so a change made underneath is never
overwritten). The answer (:class:`Written`) is what the server now holds: the JSON form the
index materialized from it, and the text just written for the other forms, so nothing is built
twice or read back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar

from calgate.domain import ical_events as ical
from calgate.domain.ids import id_from_href, is_plain_id
from calgate.domain.model import EventPublic
from calgate.errors import InvalidInput, NotFound, PreconditionFailed
from calgate.services import booking
from calgate.services.context import CalendarContext
from calgate.upstream import RemoteObject

log = logging.getLogger(__name__)


def now() -> datetime:
    """A write's timestamp (DTSTAMP, LAST-MODIFIED): UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)


def serialize(cal: Calendar) -> str:
    """Keep the stored property order: an edit should change what it changes, nothing else."""
    return str(cal.to_ical(sorted=False).decode())


def parse_remote(obj: RemoteObject) -> Calendar | None:
    """Odd data a server hands back never fails a request: it is logged and left out."""
    try:
        return ical.parse_ical(obj.ical)
    except InvalidInput:
        log.warning("skipping unparseable object %s", obj.href)
        return None


@dataclass(frozen=True)
class Written:
    """One event as a write left it: the object (``cal``), its ETag, the stored text as the
    index holds it (``text``: what was sent when the server stored it unchanged, else what it
    read back; None when nothing was written) and the JSON form the index materialized from it
    (``public_json``; None: built from ``cal``, as an edit the server changed answers)."""

    ctx: CalendarContext
    href: str
    cal: Calendar
    etag: str | None
    text: str | None = None
    public_json: str | None = None

    @property
    def id(self) -> str:
        return id_from_href(self.href)

    @property
    def calendar_id(self) -> str:
        return self.ctx.calendar.id

    def event(self) -> EventPublic:
        """The event in calgate's JSON form, as a model (built from ``cal``)."""
        return self.ctx.public(self.cal, self.href, self.etag)

    def json(self) -> str:
        """The event in calgate's JSON form, as the index materialized it."""
        if self.public_json is not None:
            return self.public_json
        return self.event().model_dump_json(by_alias=True)


def _recorded(
    ctx: CalendarContext,
    href: str,
    cal: Calendar,
    sent: str,
    stored: RemoteObject,
    *,
    edit: bool,
) -> Written:
    """Enter ``stored`` (the server's answer to the PUT of ``sent``) into the index. When the
    server changed what was sent, a create answers with what it holds and an edit with what
    it asked for (as calgate always has)."""
    fields = ctx.runtime.indexer.record_write(
        ctx.calendar, href=href, etag=stored.etag, ical=stored.ical, origin=ctx.origin
    )
    if stored.ical == sent:
        return Written(ctx, href, cal, stored.etag, stored.ical, fields.public_json)
    if edit:
        return Written(ctx, href, cal, stored.etag, stored.ical)
    held = parse_remote(stored) or cal
    return Written(ctx, href, held, stored.etag, stored.ical, fields.public_json)


def put_new(
    ctx: CalendarContext,
    event_id: str,
    cal: Calendar,
    *,
    text: str | None = None,
    held_by: str | None = None,
) -> Written:
    """PUT a new object (If-None-Match: *; ``text``: exactly this, else ``cal`` serialized),
    index it, and answer with it. Under the calendar's booking policy (``held_by``: an event
    whose time the new one takes over, as a split's new part does)."""
    href = ctx.href_for(event_id)
    sent = text if text is not None else serialize(cal)
    with booking.guard(ctx, event_id, cal, held_by=held_by):
        stored = ctx.conn.write(href, sent, if_none_match=True)
        return _recorded(ctx, href, cal, sent, stored, edit=False)


def put_edit(
    ctx: CalendarContext, href: str, cal: Calendar, etag: str | None, *, text: str | None = None
) -> Written:
    """Write an edit conditionally (``If-Match: etag``; ``text``: exactly this, else ``cal``
    serialized). When the server says the object changed underneath (its own 412), the index
    is refreshed before the 412 goes back to the client."""
    sent = text if text is not None else serialize(cal)
    with booking.guard(ctx, id_from_href(href), cal):
        try:
            stored = ctx.conn.write(href, sent, if_match=etag)
        except PreconditionFailed:
            ctx.runtime.indexer.sync(ctx.calendar, ctx.source)
            raise
        return _recorded(ctx, href, cal, sent, stored, edit=True)


def unchanged(ctx: CalendarContext, href: str, cal: Calendar, etag: str | None) -> Written:
    """An edit that changed nothing: the loaded object, not written."""
    return Written(ctx, href, cal, etag)


def adopt_written(ctx: CalendarContext, event_id: str) -> Written | None:
    """The event a create wrote before its process died without answering (an Idempotency-Key
    taken over): read from the server and entered into the index as a write of calgate's own,
    so it lists at once; None when it was never written."""
    href = ctx.href_for(event_id)
    try:
        obj = ctx.fetch(href)
    except NotFound:
        return None
    cal = parse_remote(obj)
    if cal is None:
        raise NotFound(f"event {event_id!r} exists but cannot be read as iCalendar")
    fields = ctx.runtime.indexer.record_write(
        ctx.calendar, href=href, etag=obj.etag, ical=obj.ical, origin=ctx.origin
    )
    return Written(ctx, obj.href, cal, obj.etag, obj.ical, fields.public_json)


# An entity tag (RFC 9110 section 8.8.3): optional ``W/``, then a quoted opaque-tag, which may
# hold commas, so a list is read tag by tag rather than split at commas.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag_matches(header: str, etag: str | None) -> bool:
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


def load_for_edit(
    ctx: CalendarContext, href: str, if_match: str | None
) -> tuple[Calendar, str | None]:
    """The stored object (and its ETag, which the edit's own PUT sends as If-Match), once the
    client's If-Match holds for it (:func:`etag_matches`)."""
    obj = ctx.fetch(href)
    if if_match is not None and not etag_matches(if_match, obj.etag):
        if obj.etag is not None and obj.etag.startswith("W/"):
            raise PreconditionFailed(
                f"If-Match cannot be checked: the server gives this event only a weak ETag "
                f"({obj.etag})"
            )
        raise PreconditionFailed(
            f"the event changed since you read it (If-Match {if_match}, current ETag {obj.etag})"
        )
    cal = parse_remote(obj)
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
    """A PUT to an existing id replaces, unless ``If-None-Match: *`` asked for a create."""
    if if_none_match is not None and if_none_match.strip() == "*":
        raise PreconditionFailed(f"event {event_id!r} already exists (If-None-Match: *)")
