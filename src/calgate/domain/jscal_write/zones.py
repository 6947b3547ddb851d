"""Time zones of a JSCalendar write: the zones the stored object names (accepted back by the
label the reader shows), the ``timeZones`` an object defines (RFC 8984 4.7.2) as VTIMEZONEs,
and placing those VTIMEZONEs in the calendar. The zones known besides IANA's are passed along
explicitly as a :data:`Zones` mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from icalendar import (
    Calendar,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vRecur,
)

from calgate.domain.ical_parse import (
    floating_zone,
    vtimezone_zone,
    vtimezones,
)
from calgate.domain.ical_read import (
    read_times,
)
from calgate.domain.ical_upkeep import used_tzids
from calgate.domain.jscal_read import (
    custom_zones,
    time_zone_json,
)
from calgate.domain.jscal_types import JsTimeZone
from calgate.domain.jscal_write.rules import checked_rule, rule_parts
from calgate.domain.jscal_write.terms import UTC_OFFSET
from calgate.domain.timezones import (
    UTC_ZONE,
    EventZone,
    iana_zone,
)
from calgate.errors import InvalidInput, pointer_token

UTC_NAMES = frozenset({"Etc/UTC", "UTC", "Etc/Zulu", "Etc/GMT", "GMT"})
# Zones a ``timeZone`` may name besides IANA's, by label: those of the object being replaced
# (by the label the reader shows: a custom TZID with its own VTIMEZONE shows as stored, so PUT
# of GET works) and those the object's ``timeZones`` define.
Zones = Mapping[str, EventZone]


def zone_named(name: str, zones: Zones) -> EventZone:
    """The zone ``name`` means: UTC, one of ``zones``, else the IANA zone of that name."""
    if name in UTC_NAMES and name in ("Etc/UTC", "UTC"):
        return UTC_ZONE
    stored = zones.get(name)
    return stored if stored is not None else iana_zone(name)


def stored_zones(cal: Calendar, default_tz: str) -> dict[str, EventZone]:
    """By the labels the reader may show: the TZID, and for a custom one with its own
    VTIMEZONE also the ``timeZones`` key (``/`` and the TZID)."""
    zones: dict[str, EventZone] = {}
    ftz = floating_zone(default_tz)
    for event in cal.subcomponents:
        if getattr(event, "name", None) == "VEVENT":
            zone = read_times(event, ftz).zone
            if zone.label is not None and zone.tz is not None:
                zones.setdefault(zone.label, zone)
                shown = custom_zones({"timeZone": zone.label}, cal)["timeZone"]
                zones.setdefault(shown, zone)
    return zones


def defined_zones(
    cal: Calendar | None, obj: Any, stored: dict[str, EventZone]
) -> tuple[dict[str, EventZone], list[Timezone]]:
    """The zones ``obj``'s ``timeZones`` define (by key), and the VTIMEZONEs to place: none
    for a definition the object already stores exactly (its VTIMEZONE stays byte for byte).
    Definitions that cannot be built are left out (the check reports them)."""
    zones: dict[str, EventZone] = {}
    placed: list[Timezone] = []
    defined = obj.get("timeZones") if isinstance(obj, dict) else None
    if not isinstance(defined, dict):
        return zones, placed
    own = {} if cal is None else vtimezones(cal)
    for key, definition in defined.items():
        if not isinstance(key, str) or not isinstance(definition, dict):
            continue
        named = definition.get("tzId")
        tzid: str = named if isinstance(named, str) else key[1:]
        current = own.get(tzid)
        if current is not None and key in stored and time_zone_json(current) == definition:
            zones[key] = stored[key]
            continue
        try:
            vtimezone = _vtimezone(tzid, definition, key)
            zones[key] = EventZone(tzid, vtimezone_zone(vtimezone), tzid)
        except (InvalidInput, KeyError, TypeError, ValueError):
            continue
        placed.append(vtimezone)
    return zones, placed


def _offset_delta(text: str) -> timedelta:
    match = UTC_OFFSET.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a UTC offset like +0100")
    sign, hours, minutes, seconds = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    return -delta if sign == "-" else delta


def _vtimezone(tzid: str, definition: JsTimeZone, key: str) -> Timezone:
    """An RFC 8984 TimeZone as a VTIMEZONE (the reader's mapping the other way)."""
    vtimezone = Timezone()
    vtimezone.add("TZID", tzid)
    if definition.get("url"):
        vtimezone.add("TZURL", definition["url"])
    for member, name in (("updated", "LAST-MODIFIED"), ("validUntil", "TZUNTIL")):
        if definition.get(member):
            vtimezone.add(name, datetime.fromisoformat(definition[member].replace("Z", "+00:00")))
    for kind, part_class in (("standard", TimezoneStandard), ("daylight", TimezoneDaylight)):
        for i, rule in enumerate(definition.get(kind) or []):
            part = part_class()
            start = datetime.fromisoformat(rule["start"])
            before = _offset_delta(rule["offsetFrom"])
            part.add("DTSTART", start)
            part.add("TZOFFSETFROM", before)
            part.add("TZOFFSETTO", _offset_delta(rule["offsetTo"]))
            for j, found in enumerate(rule.get("recurrenceRules") or []):
                parts = [f"FREQ={found['frequency'].upper()}"]
                if found.get("until") is not None:  # a wall-clock time before the change: UTC
                    until = datetime.fromisoformat(found["until"]) - before
                    parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}Z")
                at = f"#/timeZones/{pointer_token(key)}/{kind}/{i}/recurrenceRules/{j}"
                text = checked_rule([*parts, *rule_parts(found)], at)
                part.add("RRULE", vRecur.from_ical(text))
            for moment in rule.get("recurrenceOverrides") or {}:
                part.add("RDATE", datetime.fromisoformat(moment))
            for name in rule.get("names") or {}:
                part.add("TZNAME", name)
            for comment in rule.get("comments") or []:
                part.add("COMMENT", comment)
            vtimezone.add_component(part)
    return vtimezone


def place_vtimezones(cal: Calendar, vtimezones: list[Timezone]) -> None:
    """Each VTIMEZONE the object uses in place of the stored one of its TZID, or before the
    first VEVENT; ones it does not use are not added."""
    used = used_tzids(cal)
    for vtimezone in vtimezones:
        tzid = str(vtimezone["TZID"])
        if tzid not in used:
            continue
        subs = cal.subcomponents
        at = next(
            (i for i, c in enumerate(subs) if c.name == "VTIMEZONE" and str(c.get("TZID")) == tzid),
            None,
        )
        if at is not None:
            subs[at] = vtimezone
        else:
            first_event = next((i for i, c in enumerate(subs) if c.name == "VEVENT"), len(subs))
            subs.insert(first_event, vtimezone)
