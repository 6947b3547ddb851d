"""Custom time zones (RFC 8984 4.7.2): a TZID that is no IANA name and has a VTIMEZONE is shown
as a ``timeZones`` key defined by that VTIMEZONE as a TimeZone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar, Component

from calgate.domain.ical_parse import (
    first,
    props,
    time_of,
    vtimezones,
)
from calgate.domain.jscal_read.rules import rule_json
from calgate.domain.jscal_read.values import copy_text, copy_utc, dates_of
from calgate.domain.jscal_types import JsEvent, JsObject, JsTimeZone
from calgate.domain.timezones import (
    FLOATING,
    provider_zone,
)

# --- custom time zones (RFC 8984 4.7.2) ------------------------------------------------------

_ZONE_MEMBERS = ("timeZone", "endTimeZone", "recurrenceIdTimeZone")


def custom_zones(out: JsEvent, cal: Calendar) -> JsEvent:
    """``out`` with each TZID that is no IANA (or Windows) name and has a VTIMEZONE in ``cal``
    shown as a ``timeZones`` key, ``/`` and the TZID, defined by that VTIMEZONE: RFC 8984
    allows a ``timeZone`` only to be an IANA name or such a key."""
    own = vtimezones(cal)
    zones: dict[str, JsTimeZone] = {}

    def named(label: Any) -> Any:
        if not isinstance(label, str) or label not in own or provider_zone(label) is not None:
            return label
        key = label if label.startswith("/") else f"/{label}"
        if key not in zones:
            definition = time_zone_json(own[label])
            if "standard" not in definition and "daylight" not in definition:
                return label  # no rule calgate can read defines nothing: shown as stored
            zones[key] = definition
        return key

    overrides = (out.get("recurrenceOverrides") or {}).values()
    for obj in (out, *(p for p in overrides if isinstance(p, dict))):
        for member in _ZONE_MEMBERS:
            if member in obj:
                obj[member] = named(obj[member])
        for loc in (obj.get("locations") or {}).values():
            if isinstance(loc, dict) and "timeZone" in loc:
                loc["timeZone"] = named(loc["timeZone"])
    if zones:
        out["timeZones"] = zones
    return out


def _offset(prop: Any) -> str | None:
    delta = getattr(prop, "td", None)
    if not isinstance(delta, timedelta):
        return None
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def time_zone_json(vtimezone: Component) -> JsTimeZone:
    """A VTIMEZONE as an RFC 8984 TimeZone: its STANDARD and DAYLIGHT parts as TimeZoneRules
    (RRULE ``recurrenceRules``, RDATE ``recurrenceOverrides``, TZNAME ``names``)."""
    out: JsTimeZone = {"@type": "TimeZone", "tzId": str(vtimezone["TZID"])}
    copy_utc(out, "updated", vtimezone, "LAST-MODIFIED")
    copy_text(out, "url", vtimezone, "TZURL")
    copy_utc(out, "validUntil", vtimezone, "TZUNTIL")
    for part in vtimezone.subcomponents:
        kind = {"STANDARD": "standard", "DAYLIGHT": "daylight"}.get(str(part.name))
        start = time_of(first(part, "DTSTART"))
        before, after = _offset(first(part, "TZOFFSETFROM")), _offset(first(part, "TZOFFSETTO"))
        if kind is None or not isinstance(start, datetime) or before is None or after is None:
            continue
        rule: JsObject = {
            "@type": "TimeZoneRule",
            "start": start.replace(tzinfo=None).isoformat(),
            "offsetFrom": before,
            "offsetTo": after,
        }
        # an UNTIL is UTC: shown as the wall-clock time before the change, like ``start``
        wall = timezone(first(part, "TZOFFSETFROM").td)
        rules = [r for r in (rule_json(p, FLOATING, wall) for p in props(part, "RRULE")) if r]
        if rules:
            rule["recurrenceRules"] = rules
        dates = [getattr(d, "dt", None) for p in props(part, "RDATE") for d in dates_of(p)]
        if any(isinstance(d, datetime) for d in dates):
            rule["recurrenceOverrides"] = {
                d.replace(tzinfo=None).isoformat(): {} for d in dates if isinstance(d, datetime)
            }
        names = [str(n) for n in props(part, "TZNAME") if str(n)]
        if names:
            rule["names"] = dict.fromkeys(names, True)
        comments = [str(c) for c in props(part, "COMMENT") if str(c)]
        if comments:
            rule["comments"] = comments
        out.setdefault(kind, []).append(rule)
    return out
