"""What the index stores for one calendar object: query fields, the API form, and the
occurrences of a recurring event inside a horizon around now (pure, no I/O)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calgate.domain import ical_events as ical
from calgate.domain.ical_parse import floating_zone
from calgate.domain.model import EventPublic
from calgate.domain.span import event_span
from calgate.domain.timezones import UTC, instant, parse_time
from calgate.errors import InvalidInput

# The materialized form's version: raise it when the JSON form or the stored fields change.
# An index built with an older one is re-materialized from its stored iCalendar on the next
# sync (no server round trip). 2: occurrences say ``modified``; ``recurrenceDates``.
# 3: ``prioritized``.
FORMAT = 3
HORIZON_BEFORE = timedelta(days=400)
HORIZON_AFTER = timedelta(days=800)
SEP = "\x1f"  # joins list values in one text column; never in checked input


@dataclass
class Occurrence:
    start: datetime
    end: datetime
    public_json: str


@dataclass
class Materialized:
    uid: str | None
    public_json: str | None
    search_text: str | None
    categories: str | None
    attendees: str | None
    status: str | None
    first_start: datetime | None
    last_end: datetime | None
    recurring: bool
    created: datetime | None
    updated: datetime | None
    mat_from: datetime | None = None
    mat_until: datetime | None = None
    occurrences: list[Occurrence] = field(default_factory=list)


def public_json(event: EventPublic) -> str:
    return event.model_dump_json(by_alias=True)


def _stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def occurrence_bounds(event: EventPublic, floating_tz: str) -> tuple[datetime, datetime] | None:
    ftz = floating_zone(floating_tz)
    try:
        start = instant(parse_time(event.start or ""), ftz).astimezone(UTC)
        end = instant(parse_time(event.end or event.start or ""), ftz).astimezone(UTC)
    except ValueError:
        return None
    return start, max(start, end)


def materialize(
    ical_text: str,
    *,
    event_id: str,
    calendar_id: str,
    etag: str | None,
    floating_tz: str,
    now: datetime,
    max_occurrences: int,
) -> Materialized:
    """Never raises for what a server stored: an object that cannot be parsed, or holds no
    VEVENT (a task, a journal entry, an empty calendar, which CalDAV clients store beside
    events), is indexed with no fields: it shows up nowhere but the change feed."""
    try:
        cal = ical.parse_ical(ical_text)
    except InvalidInput:
        return Materialized(None, None, None, None, None, None, None, None, False, None, None)
    if not any(c.name == "VEVENT" for c in cal.subcomponents):
        return Materialized(None, None, None, None, None, None, None, None, False, None, None)
    public = ical.event_to_public(
        cal, event_id=event_id, calendar_id=calendar_id, etag=etag, floating_tz=floating_tz
    )
    span = event_span(cal, floating_tz=floating_tz)
    text = SEP.join(x for x in (public.title, public.description, public.location) if x)
    out = Materialized(
        uid=ical.uid_of(cal),
        public_json=public_json(public),
        search_text=text.lower() or None,
        categories=SEP + SEP.join(c.lower() for c in public.categories) + SEP
        if public.categories
        else None,
        attendees=SEP + SEP.join(a.email.lower() for a in public.attendees) + SEP
        if public.attendees
        else None,
        status=public.status,
        first_start=span.first_start,
        last_end=span.last_end,
        recurring=span.recurring,
        created=_stamp(public.created),
        updated=_stamp(public.updated),
    )
    if span.recurring:
        lo, hi = now - HORIZON_BEFORE, now + HORIZON_AFTER
        try:
            occurrences = ical.expand(
                cal,
                start=lo,
                end=hi,
                floating_tz=floating_tz,
                event_id=event_id,
                calendar_id=calendar_id,
                etag=etag,
                max_items=max_occurrences,
            )
        except InvalidInput:
            return out  # too dense to keep: listings expand this one live
        for occ in occurrences:
            bounds = occurrence_bounds(occ, floating_tz)
            if bounds is not None:
                out.occurrences.append(Occurrence(bounds[0], bounds[1], public_json(occ)))
        out.mat_from, out.mat_until = lo, hi
    return out


def loads(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}
