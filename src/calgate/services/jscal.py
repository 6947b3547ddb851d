"""Events as JSCalendar (RFC 8984): read, create, replace, and PATCH with a PatchObject.

The JSCalendar form is computed from the stored object (:mod:`calgate.domain.jscal_read`) and
written back into it in place (:mod:`calgate.domain.jscal_write`), so what JSCalendar does not
model survives every edit. Writes are conditional like every write.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any

from icalendar import Calendar

from calgate.domain import ical_events as ical
from calgate.domain.input_limits import check_jscalendar
from calgate.domain.jscal_patch import apply_patch
from calgate.domain.jscal_read import to_jscalendar
from calgate.domain.jscal_write import write_event
from calgate.errors import InvalidInput, NotFound
from calgate.index import lookups, queries
from calgate.services import writing
from calgate.services.change_feed import changes_page
from calgate.services.context import CalendarContext
from calgate.services.events import list_indexed
from calgate.services.ical_text import id_for_uid, new_event_id
from calgate.services.stored import stored_object


def as_jscalendar(cal: Calendar, ctx: CalendarContext, event_id: str) -> dict[str, Any]:
    """The Event, with calgate's ``id`` first (as JMAP names it) so clients can address it."""
    return {"id": event_id, **to_jscalendar(cal, floating_tz=ctx.tz)}


def get_js(ctx: CalendarContext, event_id: str) -> tuple[dict[str, Any], str | None]:
    cal, etag = stored_object(ctx, event_id)
    return as_jscalendar(cal, ctx, event_id), etag


# The Event's map-valued properties (RFC 8984 sections 4.2-4.5).
MAPS = (
    "keywords",
    "categories",
    "locations",
    "virtualLocations",
    "links",
    "participants",
    "alerts",
    "recurrenceOverrides",
    "localizations",
    "relatedTo",
    "replyTo",
)


def _uid_of(obj: Any) -> str | None:
    uid = obj.get("uid") if isinstance(obj, dict) else None
    if uid is not None and (not isinstance(uid, str) or not uid.strip()):
        raise InvalidInput.field("#/uid", "uid must be a non-empty string")
    return uid


def _body(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise InvalidInput.field("#", "a JSCalendar Event is a JSON object")
    return {k: v for k, v in obj.items() if k != "id"}  # calgate's id is the URL's


def planned_id(obj: Any) -> str:
    """The id a create of ``obj`` gives its event, chosen before the write (an
    Idempotency-Key's claim names it); an Event without a UID gets the id as UID
    (:func:`with_uid`)."""
    uid = _uid_of(_body(obj))
    return str(uuid.uuid4()) if uid is None else id_for_uid(uid)


def with_uid(obj: Any, event_id: str) -> Any:
    """``obj`` to create as the event ``event_id``: a UID-less Event gets the id as UID."""
    return obj if _uid_of(_body(obj)) is not None else {**obj, "uid": event_id}


def create_js(ctx: CalendarContext, obj: Any, *, event_id: str | None = None) -> writing.Written:
    body = _body(obj)
    check_jscalendar(body, ctx.limits)
    uid = _uid_of(body) or str(uuid.uuid4())
    event_id = new_event_id(ctx, uid, event_id)
    cal = write_event(None, {**body, "uid": uid}, uid=uid, default_tz=ctx.tz, now=writing.now())
    return writing.put_new(ctx, event_id, cal)


def replace_js(
    ctx: CalendarContext,
    event_id: str,
    obj: Any,
    *,
    if_match: str | None,
    if_none_match: str | None,
) -> tuple[writing.Written, bool]:
    body = _body(obj)
    check_jscalendar(body, ctx.limits)
    href = ctx.href_for(event_id)
    try:
        cal, etag = writing.load_for_edit(ctx, href, if_match)
    except NotFound:
        writing.check_put_create(event_id, if_match)
        return create_js(ctx, body, event_id=event_id), True
    writing.check_put_replace(event_id, if_none_match)
    stored_uid = ical.uid_of(cal)
    uid = _uid_of(body) or stored_uid or str(uuid.uuid4())
    if stored_uid is not None and uid != stored_uid:
        raise InvalidInput.field(
            "#/uid", f"this event's uid is {stored_uid!r}; a replacement must keep it"
        )
    cal = write_event(cal, {**body, "uid": uid}, uid=uid, default_tz=ctx.tz, now=writing.now())
    return writing.put_edit(ctx, href, cal, etag), False


def patch_js(
    ctx: CalendarContext, event_id: str, patch: Any, *, if_match: str | None
) -> writing.Written:
    """RFC 8984 PatchObject on the event's JSCalendar form; unchanged when the result means
    what is stored."""
    if not isinstance(patch, dict):
        raise InvalidInput.field("#", "a PatchObject is a JSON object")
    href = ctx.href_for(event_id)
    cal, etag = writing.load_for_edit(ctx, href, if_match)
    current = to_jscalendar(cal, floating_tz=ctx.tz)
    # An absent map counts as an empty one, so {"recurrenceOverrides/<date>": {...}} works on
    # an event without overrides yet (RFC 8984 1.4.9 asks the parent to exist).
    base = {**{name: {} for name in MAPS}, **current}
    wanted = {k: v for k, v in apply_patch(base, patch).items() if not (k in MAPS and v == {})}
    check_jscalendar(wanted, ctx.limits)
    if wanted.get("uid") != current.get("uid"):
        raise InvalidInput.field("#/uid", "the uid of an event cannot change")
    before = writing.serialize(cal)
    uid = str(current.get("uid") or ical.uid_of(cal) or event_id)
    cal = write_event(cal, wanted, uid=uid, default_tz=ctx.tz, now=writing.now())
    if writing.serialize(cal) == before:
        return writing.unchanged(ctx, href, cal, etag)
    return writing.put_edit(ctx, href, cal, etag)


# -- collections ------------------------------------------------------------------------------
KEEP_ALWAYS = ("@type", "id", "uid")


def select_props(obj: dict[str, Any], props: list[str] | None) -> dict[str, Any]:
    """Only the asked top-level properties (and what identifies the event)."""
    if props is None:
        return obj
    return {k: v for k, v in obj.items() if k in KEEP_ALWAYS or k in props}


@functools.lru_cache(maxsize=4096)
def _converted(text: str, floating_tz: str) -> str | None:
    """One stored object's JSCalendar form as JSON text. Cached by the exact stored text (and
    the calendar zone floating times are shown in), so a listing converts only what changed:
    parsing and converting an object costs about 1.5 ms, a cache hit a json.loads."""
    try:
        cal = ical.parse_ical(text)
    except InvalidInput:
        return None  # odd server data is left out, as in every listing
    return json.dumps(to_jscalendar(cal, floating_tz=floating_tz))


def _event_of(text: str | None, ctx: CalendarContext, event_id: str) -> dict[str, Any] | None:
    if not text:
        return None
    found = _converted(text, ctx.tz)
    return None if found is None else {"id": event_id, **json.loads(found)}


def group(entries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """An RFC 8984 Group of Events; calgate's paging members beside ``entries``."""
    return {"@type": "Group", "entries": entries, **extra}


def list_js(
    ctx: CalendarContext,
    query: queries.Query,
    *,
    page_token: str | None,
    props: list[str] | None,
) -> dict[str, Any]:
    """The events of a window (as the JSON listing selects them) as a Group."""
    page = list_indexed(ctx, query, page_token=page_token)
    ids = [json.loads(item)["id"] for item in page.items]
    with ctx.runtime.db.session() as session:
        texts = lookups.stored_texts(session, calendar_id=ctx.calendar.id, event_ids=ids)
    entries = [
        select_props(obj, props)
        for obj in (_event_of(texts.get(i), ctx, i) for i in ids)
        if obj is not None
    ]
    return group(entries, nextPageToken=page.next_page_token)


def changes_js(
    ctx: CalendarContext, *, since: str | None, limit: int, props: list[str] | None
) -> dict[str, Any]:
    """The change feed as a Group: changed (or, without a token, all) events in ``entries``,
    deleted ids in ``removed``, the next ``syncToken`` and ``moreResults``."""
    page = changes_page(ctx, since=since, limit=limit)
    entries, removed = [], []
    for change in page.changes:
        if change.kind == "deleted":
            removed.append(change.event_id)
            continue
        obj = _event_of(change.ical, ctx, change.event_id)
        if obj is not None:
            entries.append(select_props(obj, props))
    return group(entries, removed=removed, syncToken=page.token, moreResults=page.more)


__all__ = [
    "as_jscalendar",
    "changes_js",
    "create_js",
    "get_js",
    "group",
    "list_js",
    "patch_js",
    "planned_id",
    "replace_js",
    "select_props",
    "with_uid",
]
