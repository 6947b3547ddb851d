"""Where an event lies in time, for the index's interval query (pure, no I/O).

``first_start`` is the earliest start of any of its components, ``last_end`` the latest end of
any occurrence, or None for a rule without an end (or one too long to walk): such events are
candidates for every window after ``first_start``. A span that cannot be read at all has both
None and is a candidate for every window: odd data is shown, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from icalendar import Calendar

from calgate.domain.expand import expand
from calgate.domain.ical_parse import events_of, floating_zone, props
from calgate.domain.ical_read import read_times
from calgate.domain.timezones import UTC, instant, parse_time
from calgate.errors import InvalidInput

_RULE_HORIZON = timedelta(days=366 * 200)


@dataclass(frozen=True)
class Span:
    first_start: datetime | None
    last_end: datetime | None
    recurring: bool


def _bounded(rule: object) -> bool:
    try:
        return "COUNT" in rule or "UNTIL" in rule  # type: ignore[operator]
    except TypeError:
        return False


def _public_instant(text: str | None, ftz: tzinfo) -> datetime | None:
    if not text:
        return None
    try:
        return instant(parse_time(text), ftz).astimezone(UTC)
    except ValueError:
        return None


def event_span(cal: Calendar, *, floating_tz: str, probe_limit: int = 5000) -> Span:
    ftz = floating_zone(floating_tz)
    events = events_of(cal)
    recurring = any("RRULE" in ev or "RDATE" in ev or "RECURRENCE-ID" in ev for ev in events)
    starts: list[datetime] = []
    ends: list[datetime] = []
    for event in events:
        times = read_times(event, ftz)
        if times.start is None:
            continue
        starts.append(instant(times.start, ftz).astimezone(UTC))
        if times.end is not None:
            ends.append(instant(times.end, ftz).astimezone(UTC))
    if not starts:
        return Span(None, None, recurring)
    first = min(starts)
    last = max(ends) if ends else first
    rules = [rule for event in events for rule in props(event, "RRULE")]
    if not rules:
        return Span(first, last, recurring)
    if not all(_bounded(rule) for rule in rules):
        return Span(first, None, True)
    try:
        occurrences = expand(
            cal,
            start=first,
            end=first + _RULE_HORIZON,
            floating_tz=floating_tz,
            event_id="span",
            calendar_id="span",
            etag=None,
            max_items=probe_limit,
        )
    except InvalidInput:
        return Span(first, None, True)
    for occ in occurrences:
        end = _public_instant(occ.end, ftz) or _public_instant(occ.start, ftz)
        if end is not None and end > last:
            last = end
    return Span(first, last, True)
