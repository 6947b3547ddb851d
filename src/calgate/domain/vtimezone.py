"""The VTIMEZONEs calgate writes for IANA zones, in the form calendar clients emit (pure, no I/O).

A zone with daylight saving time now gets one STANDARD and one DAYLIGHT, each with a yearly
RRULE from the first change of its current rule on; a zone without it now gets one STANDARD
with its current offset. Earlier changes are written, each as a component of its own, only
from the year before the earliest time the definition must serve (an event's) on. There is no
multi-valued RDATE (a Radicale round trip keeps only its first value) and no last year
(icalendar's ``Timezone.from_tzid`` stops at 2038). The rules and changes come from zoneinfo,
recognised and checked by :mod:`calgate.domain.zone_changes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from calgate.domain.timezones import provider_zone
from calgate.domain.zone_changes import FLOOR_YEAR, Change, changes_from, year_start, zone_changes


@dataclass(frozen=True)
class _Part:
    """One STANDARD or DAYLIGHT to write: a change, and the yearly rule repeating it."""

    change: Change
    daylight: bool
    name: str | None
    rule: str | None = None


@lru_cache(maxsize=1024)
def _parts(key: str, needed_year: int) -> tuple[_Part, ...]:
    zone = ZoneInfo(key)
    found = zone_changes(key)
    changes, since = found.changes, found.since

    def part(change: Change, daylight: bool | None = None, rule: str | None = None) -> _Part:
        local = datetime.fromtimestamp(change.at, zone)
        if daylight is None:
            dst = local.dst()
            daylight = dst is not None and dst > timedelta(0)
        return _Part(change, daylight, local.tzname(), rule)

    if needed_year < FLOOR_YEAR:  # the changes before the floor year, then all since
        earlier = [*changes_from(key, needed_year, until=changes[0].at), *changes[1:since]]
    else:
        needed = year_start(needed_year)
        first = max((i for i, c in enumerate(changes) if c.wall <= needed), default=0)
        earlier = list(changes[first:since])
    history = [part(c) for c in earlier]
    if not found.rules:
        return (*history, part(changes[since], daylight=False))
    # of the two rules, the one to the larger offset is the DAYLIGHT (also where tzdata calls
    # the winter offset the daylight one, as for Europe/Dublin)
    larger = max(first.after for first, _ in found.rules)
    current = [part(first, first.after == larger, rule) for first, rule in found.rules]
    return (*history, *current)


def iana_vtimezone(tzid: str, earliest: date) -> Timezone:
    """A VTIMEZONE called ``tzid`` for the IANA zone the name stands for (an IANA name, a
    Windows name or a ``/vendor/Area/City`` id, as :func:`provider_zone` reads it), true for
    every time from the year before ``earliest`` on.

    ``ValueError`` when ``tzid`` names no zone zoneinfo knows.
    """
    zone = provider_zone(tzid)
    if zone is None:
        raise ValueError(f"Unknown time zone {tzid!r}")
    vtimezone = Timezone()
    vtimezone.add("TZID", tzid)
    for part in _parts(zone.key, max(earliest.year - 1, 1)):
        component = TimezoneDaylight() if part.daylight else TimezoneStandard()
        component.add("TZOFFSETFROM", timedelta(seconds=part.change.before))
        component.add("TZOFFSETTO", timedelta(seconds=part.change.after))
        if part.name:
            component.add("TZNAME", part.name)
        component.add("DTSTART", part.change.wall)
        if part.rule is not None:
            component.add("RRULE", vRecur.from_ical(part.rule))
        vtimezone.add_component(component)
    return vtimezone


__all__ = ["FLOOR_YEAR", "iana_vtimezone"]
