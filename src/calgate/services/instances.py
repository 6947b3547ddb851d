"""Occurrences of one series: list, get one (by recurrence id or number), edit one, delete one,
and the series-wide ranges (``thisAndFollowing``, ``all``).

Reads come from the stored object (:mod:`calgate.services.stored`). Edits read the object from
the server and write it back with If-Match, like every edit (:mod:`calgate.services.writing`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from icalendar import Calendar

from calgate.domain import ical_events as ical
from calgate.domain import instance_edit, series_edit
from calgate.domain.instances import (
    InstancePage,
    Where,
    instance_at,
    list_instances,
    nth_instance,
)
from calgate.domain.model import EventPublic, EventWrite
from calgate.domain.timezones import format_public
from calgate.errors import InvalidInput
from calgate.services import writing
from calgate.services.context import CalendarContext
from calgate.services.events import delete_event
from calgate.services.stored import stored_object

Range = Literal["this", "thisAndFollowing", "all"]


def _where(ctx: CalendarContext, event_id: str, etag: str | None) -> Where:
    return Where(event_id=event_id, calendar_id=ctx.calendar.id, etag=etag)


def list_for(
    ctx: CalendarContext,
    event_id: str,
    *,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    page_token: str | None,
) -> InstancePage:
    cal, etag = stored_object(ctx, event_id)
    return list_instances(
        cal,
        start=start,
        end=end,
        limit=limit,
        page_token=page_token,
        floating_tz=ctx.tz,
        where=_where(ctx, event_id, etag),
    )


def get_one(ctx: CalendarContext, event_id: str, recurrence_id: str) -> EventPublic:
    cal, etag = stored_object(ctx, event_id)
    return instance_at(cal, recurrence_id, floating_tz=ctx.tz, where=_where(ctx, event_id, etag))


def get_nth(ctx: CalendarContext, event_id: str, n: int) -> EventPublic:
    cal, etag = stored_object(ctx, event_id)
    max_n = ctx.runtime.settings.max_expansion
    return nth_instance(cal, n, floating_tz=ctx.tz, where=_where(ctx, event_id, etag), max_n=max_n)


def _occurrence_answer(
    ctx: CalendarContext, event_id: str, cal: Calendar, rid_text: str, etag: str | None
) -> EventPublic:
    return instance_at(cal, rid_text, floating_tz=ctx.tz, where=_where(ctx, event_id, etag))


def edit_one(
    ctx: CalendarContext,
    event_id: str,
    recurrence_id: str,
    *,
    body: EventWrite | None = None,
    patch: dict[str, Any] | None = None,
    if_match: str | None,
) -> EventPublic:
    """PUT/PATCH of one occurrence: an override in the same object."""
    href = ctx.href_for(event_id)
    cal, etag = writing.load_for_edit(ctx, href, if_match)
    cal, rid, changed = instance_edit.edit_occurrence(
        cal, recurrence_id, body=body, patch=patch, default_tz=ctx.tz, now=writing.now()
    )
    if changed:
        etag = writing.put_edit(ctx, href, cal, etag).etag
    return _occurrence_answer(ctx, event_id, cal, format_public(rid), etag)


def delete_one(
    ctx: CalendarContext, event_id: str, recurrence_id: str, *, if_match: str | None
) -> None:
    """Exclude one occurrence; the whole object goes when nothing is left of it."""
    href = ctx.href_for(event_id)
    cal, etag = writing.load_for_edit(ctx, href, if_match)
    remaining, _ = instance_edit.delete_occurrence(
        cal, recurrence_id, default_tz=ctx.tz, now=writing.now()
    )
    if remaining is None:
        delete_event(ctx, event_id, if_match=etag)
        return
    writing.put_edit(ctx, href, remaining, etag)


def edit_following(
    ctx: CalendarContext,
    event_id: str,
    recurrence_id: str,
    *,
    patch: dict[str, Any],
    if_match: str | None,
) -> tuple[EventPublic, bool]:
    """Split the series at an occurrence and apply ``patch`` to the new part. Returns (the
    series that now holds the occurrence, whether it is a new event). Splitting at the first
    occurrence edits the whole series instead."""
    href = ctx.href_for(event_id)
    cal, etag = writing.load_for_edit(ctx, href, if_match)
    split = series_edit.split_series(
        cal, recurrence_id, patch, default_tz=ctx.tz, now=writing.now(), new_uid=str(uuid.uuid4())
    )
    if split.new is None:
        return writing.put_edit(ctx, href, split.old, etag).event(), False
    new_id = str(ical.uid_of(split.new) or uuid.uuid4())
    new = writing.put_new(ctx, new_id, split.new, held_by=event_id)
    new_href = new.href
    try:
        writing.put_edit(ctx, href, split.old, etag)
    except BaseException:
        # The old series changed underneath (or the server failed): take the new part back,
        # so the calendar is as it was before the request.
        try:
            ctx.conn.delete(new_href)
        finally:
            ctx.runtime.indexer.record_delete(ctx.calendar, href=new_href, origin=ctx.origin)
        raise
    return new.event(), True


def delete_following(
    ctx: CalendarContext, event_id: str, recurrence_id: str, *, if_match: str | None
) -> None:
    href = ctx.href_for(event_id)
    cal, etag = writing.load_for_edit(ctx, href, if_match)
    remaining = series_edit.end_series_before(
        cal, recurrence_id, default_tz=ctx.tz, now=writing.now()
    )
    if remaining is None:
        delete_event(ctx, event_id, if_match=etag)
        return
    writing.put_edit(ctx, href, remaining, etag)


def check_range(value: str | None) -> Range:
    if value in (None, "", "this"):
        return "this"
    if value in ("thisAndFollowing", "all"):
        return value  # type: ignore[return-value]
    raise InvalidInput.field("range", "range is one of this, thisAndFollowing, all")


__all__ = [
    "Range",
    "check_range",
    "delete_following",
    "delete_one",
    "edit_following",
    "edit_one",
    "get_nth",
    "get_one",
    "list_for",
]
