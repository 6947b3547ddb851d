"""The stored object of one event, parsed, for every read that needs more than the JSON form
(occurrences, JSCalendar): from the index (synced first when stale), else from the server for
an event the index does not know yet."""

from __future__ import annotations

import logging

from icalendar import Calendar

from calgate.domain import ical_events as ical
from calgate.errors import InvalidInput, NotFound
from calgate.index import lookups
from calgate.services import writing
from calgate.services.context import CalendarContext

log = logging.getLogger(__name__)


def stored_object(ctx: CalendarContext, event_id: str) -> tuple[Calendar, str | None]:
    """The stored object (parsed) and its ETag: from the index, else from the server."""
    ctx.runtime.indexer.ensure_fresh(ctx.calendar, ctx.source)
    with ctx.runtime.db.session() as session:
        found = lookups.live_event(session, calendar_id=ctx.calendar.id, event_id=event_id)
    if found is not None and found.ical:
        try:
            return ical.parse_ical(found.ical), found.etag
        except InvalidInput:
            log.warning("indexed copy of %s is not iCalendar; reading the server", event_id)
    obj = ctx.fetch(ctx.href_for(event_id))
    cal = writing.parse_remote(obj)
    if cal is None:
        raise NotFound(f"event {event_id!r} exists but cannot be read as iCalendar")
    return cal, obj.etag
