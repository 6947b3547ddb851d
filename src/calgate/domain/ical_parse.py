"""Parsing stored iCalendar text, and small readers of parsed components (pure, no I/O).

:func:`parse_ical` also makes every TZID read with its IANA zone or else the object's own
VTIMEZONE (see :func:`_bind_own_timezones`), so what an object means never depends on what was
parsed before, nor on a stored definition of an IANA zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from typing import Any

from icalendar import Calendar, Component
from icalendar.cal.timezone import Timezone
from icalendar.prop import vBroken

from calgate.domain.timezones import UTC, Time, is_utc, provider_zone, zone_or_none
from calgate.errors import FieldError, InvalidInput


def parse_ical(text: str) -> Calendar:
    """Parse one VCALENDAR; :class:`InvalidInput` when the text is not one."""
    try:
        # icalendar may warn (GloballyUniqueTZIDGuessed) about a vendor-prefixed TZID; that
        # guess is what calgate wants. The warning is filtered once, process-wide, by
        # `calgate serve` and the test configuration: catch_warnings here would not be
        # thread-safe.
        parsed = Calendar.from_ical(text)
    except Exception as exc:
        detail = f"Not valid iCalendar data: {exc}"
        raise InvalidInput(detail, [FieldError(detail)]) from exc
    if not isinstance(parsed, Calendar) or parsed.name != "VCALENDAR":
        detail = "Not an iCalendar object: expected BEGIN:VCALENDAR"
        raise InvalidInput(detail, [FieldError(detail)])
    _bind_own_timezones(parsed)
    return parsed


def vtimezones(cal: Calendar) -> dict[str, Timezone]:
    """TZID -> the object's own VTIMEZONE for it (the last, where a TZID is defined twice)."""
    return {
        str(comp["TZID"]): comp
        for comp in cal.subcomponents
        if isinstance(comp, Timezone) and "TZID" in comp
    }


def vtimezone_zone(vtimezone: Timezone) -> tzinfo:
    """The zone a VTIMEZONE defines, built from it alone: never icalendar's process-wide cache
    of the first VTIMEZONE it parsed with that TZID. Raises what icalendar raises for one it
    cannot use."""
    from icalendar.timezone import tzp

    zone: tzinfo = vtimezone.to_tz(tzp, lookup_tzid=False)  # unannotated in icalendar
    return zone


def _bind_own_timezones(cal: Calendar) -> None:
    """Read every TZID with this calendar's own VTIMEZONEs.

    icalendar keeps the first VTIMEZONE it ever parsed for a custom TZID in a process-wide
    cache, so without this an object's times would depend on what other (possibly other
    users') calendars were parsed before. Here a custom TZID is read with the VTIMEZONE of the
    same object; a TZID naming an IANA zone (an IANA name, ``/Europe/Berlin``, a Windows
    name, ``/vendor/.../Europe/Berlin``: :func:`provider_zone`) with that zone, never with its
    VTIMEZONE, which may be wrong (cut short by a server, or ending in 2038); anything else
    as a local time.
    """
    own: dict[str, tzinfo] = {}
    for tzid, vtimezone in vtimezones(cal).items():
        if provider_zone(tzid) is not None:
            continue  # a TZID naming an IANA zone is read with it, never with its VTIMEZONE
        try:
            zone: tzinfo | None = vtimezone_zone(vtimezone)
        except Exception:  # a VTIMEZONE that cannot be used: its TZID reads as local time
            zone = None
        if zone is not None:
            own[tzid] = zone
    for tzid, prop in zoned_props(cal):
        _rebind(prop, tzid, own)


def zoned_props(cal: Calendar) -> Iterator[tuple[str, Any]]:
    """(TZID, property) for every property with a TZID parameter, outside the VTIMEZONEs."""
    for comp in cal.walk():
        if comp.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        for value in comp.values():
            for prop in value if isinstance(value, list) else [value]:
                tzid = tzid_of(prop)
                if tzid is not None:
                    yield tzid, prop


def _rebind(prop: Any, tzid: str, own: dict[str, tzinfo]) -> None:
    if isinstance(prop, vBroken):
        return
    target: tzinfo | None = own.get(tzid)
    if target is None:
        target = provider_zone(tzid)
    holders = getattr(prop, "dts", None)
    for holder in holders if isinstance(holders, list) else [prop]:
        value = getattr(holder, "dt", None)
        if isinstance(value, tuple):
            holder.dt = tuple(_with_tz(v, target) for v in value)
        elif isinstance(value, datetime):
            holder.dt = _with_tz(value, target)


def _with_tz(value: Any, target: tzinfo | None) -> Any:
    if not isinstance(value, datetime) or value.tzinfo is target or is_utc(value):
        return value
    return value.replace(tzinfo=target)


def props(component: Component, name: str) -> list[Any]:
    """Every value of a property that may appear more than once."""
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def first(component: Component, name: str) -> Any:
    found = props(component, name)
    return found[0] if found else None


def text_of(component: Component, name: str) -> str | None:
    value = first(component, name)
    return None if value is None else str(value)


def dt_of(prop: Any) -> Any:
    """A date-like property's value (``.dt``: a date, date-time, duration...); None when the
    property is absent, broken or unreadable."""
    if prop is None or isinstance(prop, vBroken):
        return None
    try:
        return prop.dt
    except Exception:
        return None


def time_of(prop: Any) -> Time | None:
    """The date / date-time of a DTSTART-like property; None when absent or broken."""
    value = dt_of(prop)
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value if isinstance(value, date) else None


def tzid_of(prop: Any) -> str | None:
    params = getattr(prop, "params", None)
    if not params:
        return None
    tzid = params.get("TZID")
    return str(tzid) if tzid else None


def empty_like(cal: Calendar) -> Calendar:
    """A VCALENDAR with ``cal``'s properties and no components (for filtered copies)."""
    copy = Calendar()
    for name, value in cal.items():
        copy[name] = value
    return copy


def events_of(cal: Component) -> list[Component]:
    return [c for c in cal.subcomponents if getattr(c, "name", None) == "VEVENT"]


def master_event(cal: Component) -> Component | None:
    """The VEVENT without RECURRENCE-ID; the first VEVENT when only overrides exist."""
    events = events_of(cal)
    for event in events:
        if "RECURRENCE-ID" not in event:
            return event
    return events[0] if events else None


def uid_of(cal: Component) -> str | None:
    for event in events_of(cal):
        uid = text_of(event, "UID")
        if uid:
            return uid
    for comp in cal.subcomponents:
        uid = text_of(comp, "UID")
        if uid:
            return uid
    return None


def floating_zone(name: str) -> tzinfo:
    """The tzinfo for reading floating times; UTC when ``name`` is not a known zone."""
    return zone_or_none(name) or UTC


__all__ = [
    "dt_of",
    "empty_like",
    "events_of",
    "first",
    "floating_zone",
    "master_event",
    "parse_ical",
    "props",
    "text_of",
    "time_of",
    "tzid_of",
    "uid_of",
    "vtimezone_zone",
    "vtimezones",
    "zoned_props",
]
