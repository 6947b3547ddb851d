"""Validating a JSCalendar Event before it is written: :func:`validate_event` refuses what
calgate cannot store with one error per problem.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from calgate.domain.jscal_write.checker import (
    Checker,
    check_lines,
    duration_ok,
    local_ok,
    sequence_of,
)
from calgate.domain.jscal_write.checks import (
    check_address,
    check_alerts,
    check_methods,
    check_overrides,
    check_participants,
    check_rules,
    check_time_zones,
)
from calgate.domain.jscal_write.terms import FEATURES, FREE_BUSY, MAX_SEQUENCE, PRIVACY, STATUSES
from calgate.domain.jscal_write.zones import UTC_NAMES, Zones
from calgate.domain.model import check_text
from calgate.domain.timezones import (
    parse_duration,
    zone_or_none,
)
from calgate.errors import FieldError, InvalidInput, UnknownTimeZone, pointer_token


def check_event(check: Checker, obj: Any, *, override: bool = False) -> None:
    if not isinstance(obj, dict):
        check.add("", "a JSCalendar Event must be a JSON object")
        return
    check_lines(check, obj)
    if not override:
        check.type_(obj, "", "Event")
        if "@type" not in obj:
            pass  # tolerated: the media type says what it is
        check.str_(obj, "uid", "")
    for name in ("title", "description", "locale"):
        check.str_(obj, name, "")
    check_address(check, obj, "organizerCalendarAddress", "")
    check_methods(check, obj, "replyTo", "")
    if not override and obj.get("sequence") is not None and sequence_of(obj) is None:
        check.add(
            "/sequence",
            f"{obj['sequence']!r} is not a sequence number: a whole number from 0 to "
            f"{MAX_SEQUENCE} (RFC 8984 4.1.3 UnsignedInt)",
        )
    if "start" not in obj or obj["start"] is None:
        check.add("/start", "start is required (a LocalDateTime like 2026-01-05T10:00:00)")
    elif not local_ok(obj["start"]):
        check.add("/start", f"{obj['start']!r} is not a LocalDateTime like 2026-01-05T10:00:00")
    elif obj.get("showWithoutTime") is True and not str(obj["start"]).endswith("T00:00:00"):
        check.add("/start", "an event with showWithoutTime starts at T00:00:00")
    zone = obj.get("timeZone")
    if zone is not None:
        if not isinstance(zone, str):
            check.add("/timeZone", "timeZone must be an IANA time zone name or null")
        elif zone not in UTC_NAMES and zone_or_none(zone) is None and zone not in check.zones:
            check.add(
                "/timeZone",
                f"unknown time zone {zone!r}: use an IANA name like 'Europe/Berlin'",
            )
    if obj.get("duration") is not None:
        if not duration_ok(obj["duration"]):
            check.add("/duration", f"{obj['duration']!r} is not a duration like PT1H30M or P1D")
        elif obj.get("showWithoutTime") is True and parse_duration(obj["duration"]) % timedelta(
            days=1
        ):
            check.add("/duration", "an event with showWithoutTime lasts whole days (P1D, P2D)")
    check.bool_(obj, "showWithoutTime", "")
    check.enum(obj, "status", "", STATUSES)
    check.enum(obj, "freeBusyStatus", "", FREE_BUSY)
    check.enum(obj, "privacy", "", tuple(PRIVACY))
    if obj.get("priority") is not None:
        check.int_(obj["priority"], "/priority", 0, 9)
    keywords = obj.get("keywords")
    if keywords is not None:
        if not isinstance(keywords, dict):
            check.add("/keywords", 'keywords must be an object like {"work": true}')
        else:
            for word, flag in keywords.items():
                if flag is not True:
                    check.add(f"/keywords/{pointer_token(word)}", "a keyword's value must be true")
            try:
                check_text(list(keywords))
            except ValueError as exc:
                check.add("/keywords", str(exc))
    for _, path, location in check.objects(obj, "locations"):
        check.type_(location, path, "Location")
        for name in ("name", "description", "coordinates"):
            check.str_(location, name, path)
        check.enum(location, "relativeTo", path, ("start", "end"))
        check_zone(check, location.get("timeZone"), f"{path}/timeZone")
        types = location.get("locationTypes")
        if types is not None and (
            not isinstance(types, dict) or any(flag is not True for flag in types.values())
        ):
            check.add(f"{path}/locationTypes", 'locationTypes must be like {"parking": true}')
    if obj.get("mainLocationId") is not None and obj["mainLocationId"] not in (
        obj.get("locations") or {}
    ):
        check.add("/mainLocationId", "mainLocationId must be the id of one of the locations")
    check_zone(check, obj.get("endTimeZone"), "/endTimeZone")
    for _, path, virtual in check.objects(obj, "virtualLocations"):
        check.type_(virtual, path, "VirtualLocation")
        check.str_(virtual, "name", path)
        check.str_(virtual, "uri", path, required=True)
        features = virtual.get("features")
        if features is not None and not isinstance(features, dict):
            check.add(f"{path}/features", 'features must be an object like {"video": true}')
        for feature, flag in (features if isinstance(features, dict) else {}).items():
            at = f"{path}/features/{pointer_token(feature)}"
            if feature not in FEATURES:
                check.add(at, f"unknown feature {feature!r}")
            elif flag is not True:
                check.add(at, "a feature's value must be true")
    for _, path, link in check.objects(obj, "links"):
        check.type_(link, path, "Link")
        check.str_(link, "href", path, required=True)
        for name in ("contentType", "rel", "title"):
            check.str_(link, name, path)
    check_participants(check, obj)
    check_alerts(check, obj)
    check_rules(check, obj, override)
    if not override:
        check_time_zones(check, obj)
    if obj.get("excludedRecurrenceRules"):
        check.add("/excludedRecurrenceRules", "excludedRecurrenceRules are not supported")
    if not override:
        check_overrides(check, obj)


def check_zone(check: Checker, zone: Any, path: str) -> None:
    if zone is None:
        return
    if not isinstance(zone, str) or (
        zone_or_none(zone) is None and zone not in UTC_NAMES and zone not in check.zones
    ):
        check.add(path, f"unknown time zone {zone!r}: use an IANA name like 'Asia/Tokyo'")


# One line without control characters (stored addresses hold spaces: MAILTO:CET Room@x.edu).
def raise_errors(errors: list[FieldError]) -> None:
    if errors:
        detail = errors[0].detail if len(errors) == 1 else f"{len(errors)} fields are invalid"
        zone = any(e.pointer and e.pointer.endswith("/timeZone") for e in errors)
        raise (UnknownTimeZone if zone and len(errors) == 1 else InvalidInput)(detail, errors)


def validate_event(obj: Any, zones: Zones | None = None) -> None:
    """Refuse what cannot be a JSCalendar Event calgate can store: :class:`InvalidInput` with
    one :class:`FieldError` per problem, each with a JSON pointer (``#/participants/p1/roles``).
    Properties calgate does not map (``localizations``, vendor properties) are allowed and
    stored as JSPROP (:mod:`calgate.domain.jscal_props`). ``zones``: the zones a ``timeZone``
    may name besides IANA's (see :data:`Zones`)."""
    check = Checker(zones=zones)
    check_event(check, obj)
    raise_errors(check.errors)
