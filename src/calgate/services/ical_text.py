"""Events as ``text/calendar``: read as the server has it, write as the client sent it.

A raw write is stored as sent (after :func:`calgate.domain.ical_raw.check_object`), so tools
that need the exact object get it back byte for byte. Conditional as every write: a create is
``If-None-Match: *``, a replace ``If-Match`` with the ETag just read.
"""

from __future__ import annotations

import uuid

from calgate.domain import ical_events as ical
from calgate.domain.ical_raw import check_object
from calgate.domain.ids import is_plain_id
from calgate.domain.input_limits import check_ical_text
from calgate.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from calgate.index import lookups
from calgate.services import writing
from calgate.services.context import CalendarContext


def get_raw(ctx: CalendarContext, event_id: str) -> tuple[str, str | None]:
    """(the stored text exactly as the server sends it, its ETag)."""
    obj = ctx.fetch(ctx.href_for(event_id), as_stored=True)
    return obj.ical, obj.etag


def uid_holder(ctx: CalendarContext, uid: str) -> str | None:
    """The id of the live event with ``uid`` in this calendar, if any."""
    ctx.runtime.indexer.ensure_fresh(ctx.calendar, ctx.source)
    with ctx.runtime.db.session() as session:
        return lookups.event_with_uid(session, calendar_id=ctx.calendar.id, uid=uid)


def create_raw(ctx: CalendarContext, text: str, *, event_id: str | None = None) -> writing.Written:
    """Store a new object. Its id is its UID when that is a plain id (as CalDAV clients name
    resources), else a new one."""
    check_ical_text(text, ctx.limits)
    cal, uid = check_object(text)
    return writing.put_new(ctx, new_event_id(ctx, uid, event_id), cal, text=text)


def new_event_id(ctx: CalendarContext, uid: str, event_id: str | None) -> str:
    """The id of a new event with ``uid``: ``event_id`` when given, else the UID when it is a
    plain id (as CalDAV clients name resources), else a new one. A UID the calendar already
    holds is a 409 naming its event."""
    existing = uid_holder(ctx, uid)
    if existing is not None:
        raise Conflict(
            f"an event with UID {uid!r} exists in this calendar (id {existing!r}); PUT to it"
        )
    if event_id is not None:
        return event_id
    return id_for_uid(uid)


def id_for_uid(uid: str) -> str:
    """A new event's id: its UID when that is a plain id (as CalDAV clients name resources),
    else a new one."""
    return uid if is_plain_id(uid) else str(uuid.uuid4())


def planned_id(text: str) -> str:
    """The id a create of ``text`` gives its event, chosen before the write (an
    Idempotency-Key's claim names it)."""
    return id_for_uid(check_object(text)[1])


def replace_raw(
    ctx: CalendarContext,
    event_id: str,
    text: str,
    *,
    if_match: str | None,
    if_none_match: str | None,
) -> tuple[writing.Written, bool]:
    """PUT of a whole object; creates with the client's id when absent. (event, created)."""
    check_ical_text(text, ctx.limits)
    cal, uid = check_object(text)
    href = ctx.href_for(event_id)
    try:
        stored = ctx.fetch(href)
    except NotFound:
        writing.check_put_create(event_id, if_match)
        return create_raw(ctx, text, event_id=event_id), True
    writing.check_put_replace(event_id, if_none_match)
    if if_match is not None and not writing.etag_matches(if_match, stored.etag):
        raise PreconditionFailed(
            f"the event changed since you read it (If-Match {if_match}, current ETag {stored.etag})"
        )
    try:
        stored_uid = ical.uid_of(ical.parse_ical(stored.ical))
    except InvalidInput:
        stored_uid = None
    if stored_uid is not None and stored_uid != uid:
        raise InvalidInput.field(
            "#",
            f"this event's UID is {stored_uid!r}; a replacement must keep it (got {uid!r})",
        )
    return writing.put_edit(ctx, href, cal, stored.etag, text=text), False


__all__ = [
    "create_raw",
    "get_raw",
    "id_for_uid",
    "new_event_id",
    "planned_id",
    "replace_raw",
    "uid_holder",
]
