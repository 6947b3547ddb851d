"""The upkeep after an edit of a calendar object (pure, no I/O): the UTC stamp time, replacing a
stamp property, and the VTIMEZONEs (one for every TZID used, none that an edit stopped using).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken

from calgate.domain.ical_parse import dt_of, vtimezones, zoned_props
from calgate.domain.timezones import UTC, is_aware
from calgate.domain.vtimezone import FLOOR_YEAR, iana_vtimezone


def utc_now(now: datetime) -> datetime:
    moment = now if is_aware(now) else now.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def used_tzids(cal: Calendar) -> set[str]:
    try:
        return {str(t) for t in cal.get_used_tzids()}
    except Exception:
        return set()


def sync_vtimezones(cal: Calendar, used_before: set[str] | None) -> None:
    """VTIMEZONEs: drop the ones an edit stopped using, add every missing one (TZIDs that
    name no zone calgate knows cannot get one). An added one is calgate's definition of the
    IANA zone (:func:`iana_vtimezone`), true from the year before the earliest time the object
    has in it; one the object has is kept as it is."""
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
    earliest = _earliest_days(cal)
    position = len([c for c in cal.subcomponents if getattr(c, "name", None) == "VTIMEZONE"])
    for tzid in sorted(missing):
        try:
            vtimezone = iana_vtimezone(tzid, earliest.get(tzid, _UNDATED))
        except ValueError:
            continue  # not a zone calgate knows: nothing to add
        cal.subcomponents.insert(position, vtimezone)
        position += 1


# a TZID whose every value is unreadable: defined from the first year definitions start at
_UNDATED = date(FLOOR_YEAR, 1, 1)


def _earliest_days(cal: Calendar) -> dict[str, date]:
    """TZID -> the earliest day of a time the object has in it."""
    earliest: dict[str, date] = {}
    for tzid, prop in zoned_props(cal):
        if isinstance(prop, vBroken):
            continue
        holders = getattr(prop, "dts", None)
        for holder in holders if isinstance(holders, list) else [prop]:
            value = dt_of(holder)
            if isinstance(value, tuple):  # a PERIOD: its start
                value = value[0] if value else None
            if not isinstance(value, date):
                continue
            day = value.date() if isinstance(value, datetime) else value
            if tzid not in earliest or day < earliest[tzid]:
                earliest[tzid] = day
    return earliest


def replace_prop(event: Component, name: str, value: Any) -> None:
    event.pop(name, None)
    event.add(name, value)


__all__ = ["replace_prop", "sync_vtimezones", "used_tzids", "utc_now"]
