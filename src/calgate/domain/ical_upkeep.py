"""The upkeep after an edit of a calendar object (pure, no I/O): the UTC stamp time, replacing a
stamp property, and the VTIMEZONEs (one for every TZID used, none that an edit stopped using).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Component
from icalendar.cal.timezone import Timezone

from calgate.domain.ical_parse import first, time_of, vtimezones
from calgate.domain.timezones import UTC, is_aware


def utc_now(now: datetime) -> datetime:
    moment = now if is_aware(now) else now.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def used_tzids(cal: Calendar) -> set[str]:
    try:
        return {str(t) for t in cal.get_used_tzids()}
    except Exception:
        return set()


def sync_vtimezones(cal: Calendar, event: Component, used_before: set[str] | None) -> None:
    """VTIMEZONEs: drop the ones an edit stopped using, add every missing one (TZIDs that are
    not known zones cannot get one)."""
    used = used_tzids(cal)
    if used_before is not None and used_before - used:
        unused = used_before - used
        cal.subcomponents = [
            c
            for c in cal.subcomponents
            if not (getattr(c, "name", None) == "VTIMEZONE" and str(c.get("TZID")) in unused)
        ]
    missing = used - set(vtimezones(cal)) - {"UTC"}
    if not missing:
        return
    first_date = Timezone.DEFAULT_FIRST_DATE
    last_date = Timezone.DEFAULT_LAST_DATE
    start = time_of(first(event, "DTSTART"))
    if start is not None:
        day = start.date() if isinstance(start, datetime) else start
        # clamped: an event near the end of the calendar (year 9998) still gets its zone
        first_date = min(first_date, max(day, date.min + timedelta(days=366)) - timedelta(days=366))
        last_date = max(last_date, min(day, date.max - timedelta(days=732)) + timedelta(days=732))
    position = len([c for c in cal.subcomponents if getattr(c, "name", None) == "VTIMEZONE"])
    for tzid in sorted(missing):
        try:
            vtimezone = Timezone.from_tzid(tzid, first_date=first_date, last_date=last_date)
        except Exception:
            vtimezone = None  # not a zone calgate knows: nothing to add
        if vtimezone is None:
            continue
        cal.subcomponents.insert(position, vtimezone)
        position += 1


def replace_prop(event: Component, name: str, value: Any) -> None:
    event.pop(name, None)
    event.add(name, value)


__all__ = ["replace_prop", "sync_vtimezones", "used_tzids", "utc_now"]
