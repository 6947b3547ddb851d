"""Writing RFC 8984 JSCalendar ``Event`` objects into iCalendar (pure, no I/O).

The JSCalendar object is turned into calgate's simple write form (:class:`EventWrite`) for
what that form models (times, title, description, location, status, free/busy, privacy,
priority, keywords, the recurrence rule, excluded and extra dates, alerts), so the in-place
rules of :mod:`calgate.domain.ical_write` apply unchanged: a property is rewritten only when
its meaning changes, and what JSCalendar does not model survives. Participants, links and the
ids of participants / locations / alerts / links are written here.

Mapping decisions:

- ``start`` + ``timeZone``: ``null`` (or absent) is floating, ``Etc/UTC`` / ``UTC`` is a UTC
  (``Z``) time; ``showWithoutTime`` makes a DATE start (its time must be midnight). A
  ``timeZone`` naming a ``timeZones`` key (RFC 8984 4.7.2) is that definition as the object's
  VTIMEZONE (kept byte for byte when it is the stored one).
- ``duration`` (default ``PT0S``) becomes DURATION (a stored DTEND stays when the end does not
  move); an all-day event without a duration lasts one day.
- JSCalendar defaults (``status`` confirmed, ``freeBusyStatus`` busy, ``privacy`` public,
  ``priority`` 0, ``participationStatus`` needs-action, ``expectReply`` false) equal an absent
  iCalendar property / parameter: a stored absence or a stored default both stay as they are.
- One LOCATION holds one location: more than one named location is refused. Its
  ``coordinates`` (a ``geo:`` URI) are GEO; without coordinates there, the one location with
  coordinates only (none of a stored VLOCATION) is GEO. Other coordinates are lost.
- ``locale`` is SUMMARY's LANGUAGE (the reader reads it there only; no title: lost).
- Participants as RFC 8984 spells them and as JSCalendar 2.0 does: the address is ``sendTo``
  (``imip``, else ``other``), else ``calendarAddress``, else ``email`` as a mailto: address
  (EGroupware sends only ``email``). ``email`` is the EMAIL parameter (RFC 7986) of its
  ATTENDEE, or of the ORGANIZER for the participant that is the ORGANIZER alone (as the reader
  reads it), unless it is the mailto: address's own, which needs none. ``replyTo`` (else
  ``organizerCalendarAddress``) is the ORGANIZER; without either, the ``owner``'s address.
- ``virtualLocations``: CONFERENCE (RFC 7986; ``uri``, LABEL from ``name``, FEATURE from
  ``features``); a stored CONFERENCE is found by its URI and kept while its meaning stays.
  As for links, an absent ``virtualLocations`` keeps every CONFERENCE; ``{}`` removes them.
- An address without a scheme gets ``mailto:`` only when it is an e-mail address (holds
  ``@``); other text (a stored ``ORGANIZER:mailto``) is written as sent, as the reader shows it.
- ``links``: the link whose ``href`` is the stored URL stays URL; a link that is a stored LINK
  or IMAGE stays as stored (one no longer named is removed); other links are ATTACH (never a
  new URL: the reader does not show URL, as calcard, so the link would be lost). An absent
  ``links`` keeps every URL, ATTACH, LINK and IMAGE (attachments are precious and many
  JSCalendar producers do not send them); ``links: {}`` removes them.
- Ids: a client id the reader would not derive back is stored as a ``JSID`` parameter
  (ATTENDEE, ORGANIZER, LOCATION, GEO, CONFERENCE, URL, ATTACH) or property (VALARM).
- A participant that is the organizer and holds nothing of an ATTENDEE (no roles,
  participation status or reply) is no ATTENDEE unless one is stored (the reader shows an
  ORGANIZER alone so); its name is the ORGANIZER's CN. ``kind`` is CUTYPE.
- An alert matches a stored VALARM JSCalendar shows without action (none, AUDIO): it stays.
- A stored RRULE the reader cannot show stays when ``recurrenceRules`` is absent.
- ``recurrenceOverrides``: ``{"excluded": true}`` is an EXDATE, ``{}`` an RDATE (and so is the
  patch the reader shows for a stored RDATE PERIOD, ``{"duration": ..}``), any other
  patch an override VEVENT (a copy of the master at that occurrence with the patch applied,
  RFC 8984 section 4.3.5); stored overrides are found by the reader's key, those not named any
  more are removed (one an EXDATE already hid stays while its key stays excluded). A patched
  date the rule does not make also gets an RDATE.
- ``uid`` must be the event's; ``created``, ``updated``, ``prodId``, ``method`` are the
  server's and ignored, as are unknown (vendor) properties. ``sequence`` is SEQUENCE as sent,
  but never lower than stored, and one higher than stored when the event changed.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from icalendar import (
    Alarm,
    Calendar,
    Component,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vGeo,
    vRecur,
    vText,
    vUri,
)
from icalendar.parser import Parameters
from icalendar.prop import vBroken
from pydantic import ValidationError

from calgate.domain import jscal_props
from calgate.domain.addresses import address_problem, line_problem, uri_problem
from calgate.domain.ical_parse import (
    first,
    floating_zone,
    master_event,
    props,
    text_of,
    tzid_of,
    vtimezone_zone,
    vtimezones,
)
from calgate.domain.ical_read import (
    CLASS_IN,
    STATUS_IN,
    TRANSP_IN,
    address_of,
    alarms_of,
    alert_of,
    categories_of,
    enum_of,
    priority_of,
    read_times,
)
from calgate.domain.ical_write import (
    _Editor,
    _finish,
    _new_alarm,
    _stamp,
    _used_tzids,
    _utc_now,
    new_object,
)
from calgate.domain.instance_edit import new_override
from calgate.domain.jscal_lenient import as_rfc8984
from calgate.domain.jscal_patch import apply_patch
from calgate.domain.jscal_read import (
    RELATIVE_TO,
    TIME_ZONE,
    address_in,
    custom_zones,
    geo_uri,
    mail_address,
    override_key,
    participant_address,
    send_to,
    stable_id,
    time_zone_json,
    to_jscalendar,
    vlocation_id,
    vlocation_ids,
    vlocation_of,
)
from calgate.domain.model import EventWrite, check_text, invalid_input_from
from calgate.domain.recurrence import (
    MAX_COUNT,
    MAX_INTERVAL,
    RULE_PARTS,
    check_rrule,
    convert_until,
    until_text,
)
from calgate.domain.series import Series, calendar_with
from calgate.domain.timezones import (
    FLOATING,
    UTC_LABEL,
    UTC_ZONE,
    EventZone,
    Time,
    format_duration,
    iana_zone,
    instant,
    is_date,
    parse_duration,
    parse_time,
    zone_or_none,
)
from calgate.domain.write_times import DesiredTimes, alert_key, time_prop
from calgate.errors import Conflict, FieldError, InvalidInput, UnknownTimeZone, pointer_token

_LOCAL_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_UTC_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_UTC_NAMES = frozenset({"Etc/UTC", "UTC", "Etc/Zulu", "Etc/GMT", "GMT"})
# The zones of the object being replaced, by the label the reader shows (a custom TZID with its
# own VTIMEZONE shows as stored): such a timeZone is accepted back, so PUT of GET works.
_STORED_ZONES: ContextVar[dict[str, EventZone]] = ContextVar("stored_zones", default={})  # noqa: B039


def _zone_named(name: str) -> EventZone:
    if name in _UTC_NAMES and name in ("Etc/UTC", "UTC"):
        return UTC_ZONE
    stored = _STORED_ZONES.get().get(name)
    return stored if stored is not None else iana_zone(name)


def _is_stored(zone: str) -> bool:
    return zone in _STORED_ZONES.get()


def _stored_zones(cal: Calendar, default_tz: str) -> dict[str, EventZone]:
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


_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?")


def _custom_zones(
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
    match = _OFFSET.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a UTC offset like +0100")
    sign, hours, minutes, seconds = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    return -delta if sign == "-" else delta


def _vtimezone(tzid: str, definition: dict[str, Any], key: str) -> Timezone:
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
                text = _checked_rule([*parts, *_rule_parts(found)], at)
                part.add("RRULE", vRecur.from_ical(text))
            for moment in rule.get("recurrenceOverrides") or {}:
                part.add("RDATE", datetime.fromisoformat(moment))
            for name in rule.get("names") or {}:
                part.add("TZNAME", name)
            for comment in rule.get("comments") or []:
                part.add("COMMENT", comment)
            vtimezone.add_component(part)
    return vtimezone


def _place(cal: Calendar, vtimezones: list[Timezone]) -> None:
    """Each VTIMEZONE the object uses in place of the stored one of its TZID, or before the
    first VEVENT; ones it does not use are not added."""
    used = _used_tzids(cal)
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


STATUSES = ("confirmed", "cancelled", "tentative")
FREE_BUSY = ("free", "busy")
PRIVACY = {"public": "public", "private": "private", "secret": "confidential"}
PARTICIPATION = ("needs-action", "accepted", "declined", "tentative", "delegated")
# "required" is what the reader shows for REQ-PARTICIPANT (calcard, the draft): an attendee.
ROLES = ("owner", "attendee", "required", "optional", "informational", "chair", "contact")
ALERT_ACTIONS = ("display", "email")
# VirtualLocation features (RFC 8984 5.1.6) -> CONFERENCE FEATURE (RFC 7986 6.3)
FEATURES = ("audio", "chat", "feed", "moderator", "phone", "screen", "video")
_GEO = re.compile(r"geo:([+-]?\d+(?:\.\d+)?),([+-]?\d+(?:\.\d+)?)(?:,[^;]*)?(?:;.*)?", re.I)
# Participant kind -> CUTYPE (the reader's mapping the other way).
KINDS = {"individual": "INDIVIDUAL", "group": "GROUP", "resource": "RESOURCE", "location": "ROOM"}
# SEQUENCE is an INTEGER (RFC 5545 3.8.7.4), a signed 32-bit number in practice.
MAX_SEQUENCE = 2**31 - 1
FREQUENCIES = ("yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly")
DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
# Properties of an override patch that belong to the series (RFC 8984 section 4.3.5).
SERIES_ONLY = frozenset(
    {
        "@type",
        "uid",
        "relatedTo",
        "prodId",
        "method",
        "recurrenceId",
        "recurrenceIdTimeZone",
        "recurrenceRules",
        "excludedRecurrenceRules",
        "recurrenceOverrides",
    }
)
# Not in SERIES_ONLY: "sequence", "created", "updated" are the server's and ignored in an
# override patch as at the top level (the reader shows an override's own SEQUENCE and
# LAST-MODIFIED there, so a PUT of what a GET returned holds them).
# RecurrenceRule member -> RRULE part.
_RULE_LISTS = (
    ("byMonthDay", "BYMONTHDAY"),
    ("byYearDay", "BYYEARDAY"),
    ("byWeekNo", "BYWEEKNO"),
    ("byHour", "BYHOUR"),
    ("byMinute", "BYMINUTE"),
    ("bySecond", "BYSECOND"),
    ("bySetPosition", "BYSETPOS"),
)
_RULE_MEMBER = {part: name for name, part in _RULE_LISTS} | {
    "FREQ": "frequency",
    "INTERVAL": "interval",
    "COUNT": "count",
    "UNTIL": "until",
    "BYDAY": "byDay",
    "BYMONTH": "byMonth",
    "WKST": "firstDayOfWeek",
}
# Simple-form field -> JSCalendar member, for errors of the simple form's own checks.
_SIMPLE_TO_JS = {
    "title": "title",
    "description": "description",
    "location": "locations",
    "start": "start",
    "duration": "duration",
    "timeZone": "timeZone",
    "categories": "keywords",
    "alerts": "alerts",
    "rrule": "recurrenceRules/0",
    "excludedDates": "recurrenceOverrides",
    "recurrenceDates": "recurrenceOverrides",
    "status": "status",
    "transparency": "freeBusyStatus",
    "privacy": "privacy",
    "priority": "priority",
}


# -- validation -------------------------------------------------------------------------------


class _Checker:
    """Collects every problem of one object, each with its JSON pointer."""

    def __init__(self, at: str = "#") -> None:
        self.at = at
        self.errors: list[FieldError] = []

    def add(self, path: str, detail: str) -> None:
        self.errors.append(FieldError(detail, f"{self.at}{path}"))

    def str_(self, obj: dict[str, Any], name: str, path: str, *, required: bool = False) -> bool:
        """Whether ``obj[name]`` is usable text (absent counts when not ``required``)."""
        if name not in obj or obj[name] is None:
            if required:
                self.add(f"{path}/{name}", f"{name} is required")
            return False
        value = obj[name]
        if not isinstance(value, str):
            self.add(f"{path}/{name}", f"{name} must be a string")
            return False
        try:
            check_text(value)
        except ValueError as exc:
            self.add(f"{path}/{name}", str(exc))
            return False
        return True

    def enum(self, obj: dict[str, Any], name: str, path: str, allowed: Any) -> None:
        value = obj.get(name)
        if value is not None and value not in allowed:
            names = ", ".join(repr(a) for a in allowed)
            self.add(f"{path}/{name}", f"{value!r} is not one of {names}")

    def bool_(self, obj: dict[str, Any], name: str, path: str) -> None:
        if obj.get(name) is not None and not isinstance(obj[name], bool):
            self.add(f"{path}/{name}", f"{name} must be true or false")

    def int_(self, value: Any, path: str, low: int, high: int, *, zero: bool = True) -> None:
        if not _is_int(value) or not low <= value <= high or (value == 0 and not zero):
            allowed = f"{low} to {high}" + ("" if zero else ", not 0")
            self.add(path, f"{value!r} must be a whole number from {allowed}")

    def type_(self, obj: dict[str, Any], path: str, expected: str) -> None:
        kind = obj.get("@type")
        if kind is not None and kind != expected:
            self.add(f"{path}/@type", f"@type must be {expected!r}, not {kind!r}")

    def objects(self, obj: dict[str, Any], name: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, pointer, value) of an ``Id[Object]`` map; bad entries are reported."""
        value = obj.get(name)
        if value is None:
            return []
        if not isinstance(value, dict):
            self.add(f"/{name}", f"{name} must be an object mapping ids to objects")
            return []
        out = []
        for key, item in value.items():
            path = f"/{name}/{pointer_token(key)}"
            if not _ID.fullmatch(key):
                self.add(path, f"{key!r} is not an id (1-255 letters, digits, '-' or '_')")
            elif not isinstance(item, dict):
                self.add(path, "must be an object")
            else:
                out.append((key, path, item))
        return out


def sequence_of(obj: dict[str, Any]) -> int | None:
    """``sequence`` as a number (None: absent or not a sequence number). EGroupware writes it
    as a string of digits (``"sequence": "1"``), which is read as that number."""
    value: Any = obj.get("sequence")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if not _is_int(value) or not 0 <= value <= MAX_SEQUENCE:
        return None
    return int(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _duration_ok(text: Any, *, signed: bool = False) -> bool:
    if not isinstance(text, str) or not text or (text[0] in "+-" and not signed):
        return False
    try:
        parse_duration(text)
    except ValueError:
        return False
    return not re.search(r"[a-z]", text)


def _local_ok(text: Any) -> bool:
    if not isinstance(text, str) or not _LOCAL_DATE_TIME.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


# Where a JSCalendar string is iCalendar TEXT (escaped, may hold line breaks): everything else
# becomes a parameter value (CN, LANGUAGE, LABEL, FMTTYPE...), an id or a URI and is one line.
_TEXT_AT = re.compile(
    r"(?:recurrenceOverrides/[^/]+/)?(?:title|description|locations/[^/]+/(?:name|description)"
    r"|(?:virtualLocations|participants)/[^/]+/description)"
)
_URI_KEYS = frozenset({"href", "uri", "coordinates"})
_ADDRESS_KEYS = frozenset({"email", "calendarAddress", "organizerCalendarAddress"})


def _check_lines(check: _Checker, value: Any, keys: tuple[str, ...] = ()) -> None:
    """Every key is one line; every string value too unless it is TEXT (``_TEXT_AT``), inside
    ``localizations`` or a vendor property (kept as JSON, escaped); URIs hold no whitespace."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (problem := line_problem(key)) is not None:
                path = "/".join(pointer_token(k) for k in (*keys, key))
                check.add(f"/{path}", f"the key {key!r} {problem}")
            elif isinstance(key, str):
                _check_lines(check, item, (*keys, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_lines(check, item, (*keys, str(i)))
    elif isinstance(value, str) and keys:
        if keys[0] == "localizations" or any(":" in k and "/" not in k for k in keys[:1]):
            return
        if _TEXT_AT.fullmatch("/".join(keys)):
            return
        if keys[-1] in _ADDRESS_KEYS or (len(keys) >= 2 and keys[-2] in ("sendTo", "replyTo")):
            return  # _check_address
        at = "/" + "/".join(pointer_token(k) for k in keys)
        problem = uri_problem(value) if keys[-1] in _URI_KEYS else line_problem(value)
        if problem is not None:
            check.add(at, f"{keys[-1]}: {problem}")


def _check(check: _Checker, obj: Any, *, override: bool = False) -> None:
    if not isinstance(obj, dict):
        check.add("", "a JSCalendar Event must be a JSON object")
        return
    _check_lines(check, obj)
    if not override:
        check.type_(obj, "", "Event")
        if "@type" not in obj:
            pass  # tolerated: the media type says what it is
        check.str_(obj, "uid", "")
    for name in ("title", "description", "locale"):
        check.str_(obj, name, "")
    _check_address(check, obj, "organizerCalendarAddress", "")
    _check_methods(check, obj, "replyTo", "")
    if not override and obj.get("sequence") is not None and sequence_of(obj) is None:
        check.add(
            "/sequence",
            f"{obj['sequence']!r} is not a sequence number: a whole number from 0 to "
            f"{MAX_SEQUENCE} (RFC 8984 4.1.3 UnsignedInt)",
        )
    if "start" not in obj or obj["start"] is None:
        check.add("/start", "start is required (a LocalDateTime like 2026-01-05T10:00:00)")
    elif not _local_ok(obj["start"]):
        check.add("/start", f"{obj['start']!r} is not a LocalDateTime like 2026-01-05T10:00:00")
    elif obj.get("showWithoutTime") is True and not str(obj["start"]).endswith("T00:00:00"):
        check.add("/start", "an event with showWithoutTime starts at T00:00:00")
    zone = obj.get("timeZone")
    if zone is not None:
        if not isinstance(zone, str):
            check.add("/timeZone", "timeZone must be an IANA time zone name or null")
        elif (
            zone not in _UTC_NAMES
            and zone_or_none(zone) is None
            and zone not in _STORED_ZONES.get()
        ):
            check.add(
                "/timeZone",
                f"unknown time zone {zone!r}: use an IANA name like 'Europe/Berlin'",
            )
    if obj.get("duration") is not None:
        if not _duration_ok(obj["duration"]):
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
        _check_zone(check, location.get("timeZone"), f"{path}/timeZone")
        types = location.get("locationTypes")
        if types is not None and (
            not isinstance(types, dict) or any(flag is not True for flag in types.values())
        ):
            check.add(f"{path}/locationTypes", 'locationTypes must be like {"parking": true}')
    if obj.get("mainLocationId") is not None and obj["mainLocationId"] not in (
        obj.get("locations") or {}
    ):
        check.add("/mainLocationId", "mainLocationId must be the id of one of the locations")
    _check_zone(check, obj.get("endTimeZone"), "/endTimeZone")
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
    _check_participants(check, obj)
    _check_alerts(check, obj)
    _check_rules(check, obj, override)
    if not override:
        _check_time_zones(check, obj)
    if obj.get("excludedRecurrenceRules"):
        check.add("/excludedRecurrenceRules", "excludedRecurrenceRules are not supported")
    if not override:
        _check_overrides(check, obj)


def _check_zone(check: _Checker, zone: Any, path: str) -> None:
    if zone is None:
        return
    if not isinstance(zone, str) or (
        zone_or_none(zone) is None and zone not in _UTC_NAMES and zone not in _STORED_ZONES.get()
    ):
        check.add(path, f"unknown time zone {zone!r}: use an IANA name like 'Asia/Tokyo'")


# One line without control characters (stored addresses hold spaces: MAILTO:CET Room@x.edu).
_ADDRESS = re.compile(r"[^\x00-\x1f\x7f]+")
_EMAIL = re.compile(r"[^\x00-\x1f\x7f@]+@[^\x00-\x1f\x7f@]+")


def _check_address(check: _Checker, obj: dict[str, Any], name: str, path: str) -> bool:
    """A calendar address (a URI) or, for ``email``, an e-mail address: one line without
    control characters. True when ``obj[name]`` is one."""
    if not check.str_(obj, name, path):
        return False
    value = obj[name].strip()
    pattern, what = (_EMAIL, "an e-mail address") if name == "email" else (_ADDRESS, "a URI")
    if not pattern.fullmatch(value) or line_problem(value) is not None:
        check.add(f"{path}/{name}", f"{name} must be {what} on one line")
        return False
    mail = value if name == "email" else _mailto(value)
    problem = None if mail is None else address_problem(mail, spaces=True)
    if problem is not None:
        check.add(f"{path}/{name}", problem)
        return False
    return True


def _mailto(uri: str) -> str | None:
    """The address a ``mailto:`` URI names, else None."""
    if uri[:7].lower() != "mailto:":
        return None
    return uri[7:]


def _check_methods(check: _Checker, obj: dict[str, Any], name: str, path: str) -> bool:
    """A ``sendTo`` / ``replyTo`` map (RFC 8984 4.4.4): method -> URI text. True when it
    names an address."""
    methods = obj.get(name)
    if methods is None:
        return False
    if not isinstance(methods, dict) or not all(isinstance(v, str) for v in methods.values()):
        check.add(
            f"{path}/{name}", f'{name} must be an object like {{"imip": "mailto:a@example.com"}}'
        )
        return False
    valid = [_check_address(check, methods, method, f"{path}/{name}") for method in methods]
    return all(valid) and address_in(methods) is not None


def _check_participants(check: _Checker, obj: dict[str, Any]) -> None:
    for _, path, person in check.objects(obj, "participants"):
        check.type_(person, path, "Participant")
        check.str_(person, "name", path)
        reported = len(check.errors)
        has_address = _check_address(check, person, "email", path)
        has_address |= _check_address(check, person, "calendarAddress", path)
        has_address |= _check_methods(check, person, "sendTo", path)
        if not has_address and len(check.errors) == reported:
            check.add(
                f"{path}/sendTo",
                'a participant needs an address: sendTo like {"imip": "mailto:a@example.com"}, '
                "or email",
            )
        roles = person.get("roles")
        if roles is not None:
            if not isinstance(roles, dict) or not roles:
                check.add(f"{path}/roles", 'roles must be an object like {"attendee": true}')
            else:
                for role, flag in roles.items():
                    if role not in ROLES and ":" not in role:  # a vendor's role has a colon
                        check.add(f"{path}/roles/{pointer_token(role)}", f"unknown role {role!r}")
                    elif flag is not True:
                        check.add(
                            f"{path}/roles/{pointer_token(role)}", "a role's value must be true"
                        )
        check.enum(person, "participationStatus", path, PARTICIPATION)
        check.bool_(person, "expectReply", path)


def _check_alerts(check: _Checker, obj: dict[str, Any]) -> None:
    for _, path, alert in check.objects(obj, "alerts"):
        check.type_(alert, path, "Alert")
        check.enum(alert, "action", path, ALERT_ACTIONS)
        trigger = alert.get("trigger")
        if not isinstance(trigger, dict):
            check.add(f"{path}/trigger", "trigger is required: an OffsetTrigger or AbsoluteTrigger")
            continue
        kind = trigger.get("@type")
        if kind == "OffsetTrigger":
            if not _duration_ok(trigger.get("offset"), signed=True):
                check.add(f"{path}/trigger/offset", "offset must be a duration like -PT15M")
            check.enum(trigger, "relativeTo", f"{path}/trigger", ("start", "end"))
        elif kind == "AbsoluteTrigger":
            when = trigger.get("when")
            if not isinstance(when, str) or not _UTC_DATE_TIME.fullmatch(when):
                check.add(
                    f"{path}/trigger/when", "when must be a UTC time like 2026-01-05T09:45:00Z"
                )
        else:
            check.add(f"{path}/trigger/@type", "@type must be 'OffsetTrigger' or 'AbsoluteTrigger'")


def _check_rules(check: _Checker, obj: dict[str, Any], override: bool) -> None:
    rules = obj.get("recurrenceRules")
    if rules is None:
        return
    if not isinstance(rules, list):
        check.add("/recurrenceRules", "recurrenceRules must be a list of RecurrenceRule objects")
        return
    if len(rules) > 1:
        check.add("/recurrenceRules/1", "calgate stores one recurrence rule per event")
    for i, rule in enumerate(rules[:1]):
        _check_rule(check, rule, f"/recurrenceRules/{i}")


def _check_time_zones(check: _Checker, obj: dict[str, Any]) -> None:
    """RFC 8984 4.7.2: keys start with ``/`` and are no IANA names; each TimeZone has rules
    with a start and the offsets either side of it (``+0100``)."""
    zones = obj.get("timeZones")
    if zones is None:
        return
    if not isinstance(zones, dict):
        check.add("/timeZones", "timeZones must map ids like '/My zone' to TimeZone objects")
        return
    for key, zone in zones.items():
        path = f"/timeZones/{pointer_token(key)}"
        if not key.startswith("/") or zone_or_none(key.strip("/")) is not None:
            check.add(path, f"{key!r}: a custom time zone's id starts with '/' and is no IANA name")
            continue
        if not isinstance(zone, dict):
            check.add(path, "must be a TimeZone object")
            continue
        check.type_(zone, path, "TimeZone")
        check.str_(zone, "tzId", path)
        check.str_(zone, "url", path)
        rules = [(kind, zone.get(kind)) for kind in ("standard", "daylight")]
        if not any(isinstance(r, list) and r for _, r in rules):
            check.add(path, "a TimeZone needs at least one standard or daylight rule")
        for kind, found in rules:
            if found is not None and not isinstance(found, list):
                check.add(f"{path}/{kind}", f"{kind} must be a list of TimeZoneRule objects")
                continue
            for i, rule in enumerate(found or []):
                _check_zone_rule(check, rule, f"{path}/{kind}/{i}")


def _check_zone_rule(check: _Checker, rule: Any, path: str) -> None:
    if not isinstance(rule, dict):
        check.add(path, "must be a TimeZoneRule object")
        return
    check.type_(rule, path, "TimeZoneRule")
    if not _local_ok(rule.get("start")):
        check.add(f"{path}/start", "start is required: a LocalDateTime like 1970-03-29T02:00:00")
    for name in ("offsetFrom", "offsetTo"):
        if not isinstance(rule.get(name), str) or not _OFFSET.fullmatch(rule[name]):
            check.add(f"{path}/{name}", f"{name} is required: a UTC offset like +0100 or -0530")
    found = rule.get("recurrenceRules")
    if found is not None and not isinstance(found, list):
        check.add(f"{path}/recurrenceRules", "recurrenceRules must be a list")
    for j, item in enumerate(found if isinstance(found, list) else []):
        _check_rule(check, item, f"{path}/recurrenceRules/{j}")
    dates = rule.get("recurrenceOverrides")
    if dates is not None and not isinstance(dates, dict):
        check.add(f"{path}/recurrenceOverrides", "recurrenceOverrides must map LocalDateTimes")
    for moment, patch in (dates if isinstance(dates, dict) else {}).items():
        if not _local_ok(moment) or patch != {}:
            at = f"{path}/recurrenceOverrides/{pointer_token(moment)}"
            check.add(at, "a time zone's override is a LocalDateTime with {} (an RDATE)")
    names = rule.get("names")
    if names is not None and (
        not isinstance(names, dict) or any(v is not True for v in names.values())
    ):
        check.add(f"{path}/names", 'names must be like {"CEST": true}')
    comments = rule.get("comments")
    if comments is not None and (
        not isinstance(comments, list) or not all(isinstance(c, str) for c in comments)
    ):
        check.add(f"{path}/comments", "comments must be a list of strings")


def _check_rule(check: _Checker, rule: Any, path: str) -> None:
    if not isinstance(rule, dict):
        check.add(path, "must be a RecurrenceRule object")
        return
    check.type_(rule, path, "RecurrenceRule")
    if rule.get("frequency") is None:
        check.add(f"{path}/frequency", "frequency is required")
    check.enum(rule, "frequency", path, FREQUENCIES)
    check.enum(rule, "rscale", path, ("gregorian",))
    check.enum(rule, "skip", path, ("omit",))
    check.enum(rule, "firstDayOfWeek", path, DAYS)
    for name, most in (("interval", MAX_INTERVAL), ("count", MAX_COUNT)):
        if rule.get(name) is not None:
            check.int_(rule[name], f"{path}/{name}", 1, most)
    if rule.get("until") is not None:
        if not _local_ok(rule["until"]):
            check.add(f"{path}/until", "until must be a LocalDateTime like 2026-12-31T23:59:59")
        if rule.get("count") is not None:
            check.add(f"{path}/until", "count and until cannot be used together")
    days = rule.get("byDay")
    if days is not None:
        if not isinstance(days, list):
            check.add(f"{path}/byDay", "byDay must be a list of NDay objects")
        else:
            for j, nday in enumerate(days):
                at = f"{path}/byDay/{j}"
                if not isinstance(nday, dict) or nday.get("day") not in DAYS:
                    check.add(at, 'must be an NDay like {"@type": "NDay", "day": "mo"}')
                elif nday.get("nthOfPeriod") is not None:
                    check.int_(nday["nthOfPeriod"], f"{at}/nthOfPeriod", -53, 53, zero=False)
    months = rule.get("byMonth")
    if months is not None:
        if not isinstance(months, list):
            check.add(f"{path}/byMonth", 'byMonth must be a list of strings like ["3"]')
        else:
            for j, month in enumerate(months):
                if not (isinstance(month, str) and month.isdigit() and 1 <= int(month) <= 12):
                    check.add(f"{path}/byMonth/{j}", f"{month!r} is not a month '1' to '12'")
    for name, _ in _RULE_LISTS:
        values = rule.get(name)
        if values is not None and (
            not isinstance(values, list) or not all(_is_int(v) for v in values)
        ):
            check.add(f"{path}/{name}", f"{name} must be a list of whole numbers")


def _check_overrides(check: _Checker, obj: dict[str, Any]) -> None:
    overrides = obj.get("recurrenceOverrides")
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        check.add("/recurrenceOverrides", "recurrenceOverrides must map LocalDateTimes to patches")
        return
    for key, patch in overrides.items():
        path = f"/recurrenceOverrides/{pointer_token(key)}"
        if not _local_ok(key):
            check.add(path, f"{key!r} is not a LocalDateTime like 2026-01-05T10:00:00")
        if not isinstance(patch, dict):
            check.add(path, "must be a PatchObject (a JSON object)")
            continue
        for name in patch:
            if name.split("/")[0] in SERIES_ONLY:
                check.add(f"{path}/{pointer_token(name)}", f"an occurrence cannot change {name}")
        if "excluded" in patch and not isinstance(patch["excluded"], bool):
            check.add(f"{path}/excluded", "excluded must be true or false")


def _raise(errors: list[FieldError]) -> None:
    if errors:
        detail = errors[0].detail if len(errors) == 1 else f"{len(errors)} fields are invalid"
        zone = any(e.pointer and e.pointer.endswith("/timeZone") for e in errors)
        raise (UnknownTimeZone if zone and len(errors) == 1 else InvalidInput)(detail, errors)


def validate_event(obj: Any) -> None:
    """Refuse what cannot be a JSCalendar Event calgate can store: :class:`InvalidInput` with
    one :class:`FieldError` per problem, each with a JSON pointer (``#/participants/p1/roles``).
    Properties calgate does not map (``localizations``, vendor properties) are allowed and
    stored as JSPROP (:mod:`calgate.domain.jscal_props`)."""
    check = _Checker()
    _check(check, obj)
    _raise(check.errors)


# -- JSCalendar -> the simple write form ------------------------------------------------------


def _start_of(obj: dict[str, Any]) -> Time:
    value = parse_time(obj["start"])
    return (
        value.date()
        if obj.get("showWithoutTime") is True and isinstance(value, datetime)
        else value
    )


def _default_kept(
    event: Component | None, name: str, table: dict[str, str], wanted: str, default: str
) -> str | None:
    """The simple-form value for an enum whose JSCalendar default an absent property means
    too: the stored form (absent, the default, or a value calgate cannot show) stays."""
    if wanted != default or event is None:
        return wanted if wanted != default else None
    stored = text_of(event, name)
    shown = enum_of(event, name, table)
    if stored is None or shown is None:
        return None  # absent stays absent; an unknown value is kept by the editor
    return shown if shown == default else default


def _simple_body(
    obj: dict[str, Any],
    event: Component | None,
    *,
    series: bool,
    as_rdate: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The simple write form of ``obj`` (camelCase), given the stored VEVENT (None: new);
    ``as_rdate``: override keys that are stored RDATEs (see :func:`_stored_view`)."""
    start = _start_of(obj)
    body: dict[str, Any] = {"start": start.isoformat()}
    if not is_date(start):
        zone = obj.get("timeZone")
        if zone is None:
            body["floating"] = True
        elif zone in _UTC_NAMES:
            stored = read_times(event).zone.label if event is not None else None
            if stored in _UTC_NAMES:
                body["timeZone"] = stored
            elif zone in ("Etc/UTC", "UTC"):
                body["timeZone"] = UTC_LABEL
            else:  # Etc/GMT, GMT, Etc/Zulu: a TZID, which the reader shows as it is
                body["timeZone"] = zone
        else:
            body["timeZone"] = zone
    duration = parse_duration(obj["duration"]) if obj.get("duration") else timedelta(0)
    if is_date(start) and not duration:
        duration = timedelta(days=1)
    body["duration"] = format_duration(duration)
    body["title"] = obj.get("title") or None
    body["description"] = obj.get("description") or None
    main = main_location(obj)
    body["location"] = main[1].get("name") if main is not None else None
    body["status"] = _default_kept(
        event, "STATUS", STATUS_IN, obj.get("status") or "confirmed", "confirmed"
    )
    body["transparency"] = _default_kept(
        event, "TRANSP", TRANSP_IN, obj.get("freeBusyStatus") or "busy", "busy"
    )
    privacy = PRIVACY[obj.get("privacy") or "public"]
    body["privacy"] = _default_kept(event, "CLASS", CLASS_IN, privacy, "public")
    priority = obj.get("priority") or 0
    stored_priority = priority_of(event) if event is not None else None
    body["priority"] = priority if priority or stored_priority == 0 else None
    keywords = list(obj.get("keywords") or {})
    stored_keywords = categories_of(event) if event is not None else []
    body["categories"] = stored_keywords if set(stored_keywords) == set(keywords) else keywords
    body["alerts"] = [_simple_alert(alert, obj) for alert in (obj.get("alerts") or {}).values()]
    if series:
        rules = obj.get("recurrenceRules") or []
        body["rrule"] = _rrule_text(rules[0], obj, start) if rules else None
        overrides = obj.get("recurrenceOverrides") or {}
        body["excludedDates"] = [k for k, p in overrides.items() if p.get("excluded") is True]
        body["recurrenceDates"] = [k for k, p in overrides.items() if _rdate(k, p, as_rdate)]
    return body


# -- locations: one plain LOCATION (+ GEO), or RFC 9073 VLOCATIONs ------------------------------
_SIMPLE_LOCATION = frozenset({"@type", "name", "coordinates"})
_LOCATION_MEANING = (
    "name",
    "description",
    "locationTypes",
    "coordinates",
    "relativeTo",
    "timeZone",
)


def rich_locations(obj: dict[str, Any]) -> bool:
    """Whether ``obj``'s locations need VLOCATIONs: more than one, or more than a name and
    coordinates (which LOCATION and GEO hold)."""
    locations = obj.get("locations") or {}
    if len(locations) > 1:
        return True
    return any(set(loc) - _SIMPLE_LOCATION for loc in locations.values())


def main_location(obj: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The location LOCATION names: ``mainLocationId``, else the first named one that is not
    where the event ends."""
    locations = obj.get("locations") or {}
    main = obj.get("mainLocationId")
    if isinstance(main, str) and main in locations:
        return main, locations[main]
    named = [(k, loc) for k, loc in locations.items() if loc.get("name")]
    starts = [(k, loc) for k, loc in named if loc.get("relativeTo") != "end"]
    found = starts or named
    return found[0] if found else None


def end_zone(obj: dict[str, Any]) -> tuple[str, str] | None:
    """(zone, pointer) of the event's end when it differs from the start's: JSCalendar 2.0's
    ``endTimeZone``, or RFC 8984's Location with ``relativeTo: end`` (section 6.6)."""
    if obj.get("endTimeZone"):
        return obj["endTimeZone"], "#/endTimeZone"
    for key, loc in (obj.get("locations") or {}).items():
        if loc.get("relativeTo") == "end" and loc.get("timeZone"):
            return loc["timeZone"], f"#/locations/{pointer_token(key)}/timeZone"
    return None


def _location_meaning(loc: dict[str, Any]) -> dict[str, Any]:
    return {k: loc[k] for k in _LOCATION_MEANING if loc.get(k)}


def _fill_vlocation(comp: Component, loc: dict[str, Any]) -> None:
    for name in ("NAME", "DESCRIPTION", "LOCATION-TYPE", "COORDINATES", RELATIVE_TO, TIME_ZONE):
        comp.pop(name, None)
    if loc.get("name"):
        comp.add("NAME", loc["name"])
    if loc.get("description"):
        comp.add("DESCRIPTION", loc["description"])
    if loc.get("locationTypes"):
        comp.add("LOCATION-TYPE", ",".join(loc["locationTypes"]))
    if loc.get("coordinates"):
        comp.add("COORDINATES", vUri(loc["coordinates"]))
    if loc.get("relativeTo"):
        comp.add(RELATIVE_TO, loc["relativeTo"])
    if loc.get("timeZone"):
        comp.add(TIME_ZONE, loc["timeZone"])


def _new_vlocation(lid: str, loc: dict[str, Any]) -> Component:
    comp = Component.from_ical("BEGIN:VLOCATION\r\nEND:VLOCATION\r\n")
    comp.add("UID", str(uuid.uuid4()))
    _fill_vlocation(comp, loc)
    key = loc.get("name") or loc.get("coordinates")
    if not key or stable_id(key) != lid:
        comp.add("JSID", lid)
    return comp


def _plain(patch: dict[str, Any]) -> bool:
    """An override patch that only says "this date occurs" (RFC 8984: an RDATE)."""
    return not patch or patch == {"excluded": False}


def _rdate(key: str, patch: dict[str, Any], as_rdate: frozenset[str]) -> bool:
    """Whether the override at ``key`` is an RDATE: a plain patch, or the one the reader shows
    for a stored RDATE (a PERIOD shows its ``duration``), which stays as stored."""
    return patch.get("excluded") is not True and (_plain(patch) or key in as_rdate)


class _StoredView:
    """What the reader showed of the stored object before the edit, for what a PUT of it must
    keep: RDATE PERIODs (``{"duration": ..}`` patches), overrides an EXDATE hides, and an RRULE
    the reader cannot show (``shows_rules`` false)."""

    def __init__(self, cal: Calendar | None, event: Component | None, default_tz: str) -> None:
        self.rdates: dict[str, dict[str, Any]] = {}
        self.excluded: frozenset[str] = frozenset()
        self.shows_rules = True
        if cal is None or event is None:
            return
        shown = to_jscalendar(cal, floating_tz=default_tz)
        self.shows_rules = bool(shown.get("recurrenceRules"))
        whole = shown.get("recurrenceOverrides") or {}
        self.excluded = frozenset(k for k, p in whole.items() if p.get("excluded") is True)
        rule_only = to_jscalendar(calendar_with(cal, [event]), floating_tz=default_tz)
        self.rdates = {
            k: p
            for k, p in (rule_only.get("recurrenceOverrides") or {}).items()
            if p.get("excluded") is not True
        }

    def as_rdate(self, obj: dict[str, Any]) -> frozenset[str]:
        """Override keys of ``obj`` whose patch is what the reader shows for a stored RDATE."""
        overrides = obj.get("recurrenceOverrides") or {}
        return frozenset(
            k for k, p in overrides.items() if k in self.rdates and self.rdates[k] == p
        )


def _simple_alert(alert: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    trigger = alert["trigger"]
    action = alert.get("action") or "display"
    if trigger["@type"] == "AbsoluteTrigger":
        return {"trigger": trigger["when"], "action": action}
    offset = parse_duration(trigger["offset"])
    if trigger.get("relativeTo") == "end":
        # The simple form (like most clients) counts from the start: the end is start + duration.
        length = parse_duration(obj["duration"]) if obj.get("duration") else timedelta(0)
        if obj.get("showWithoutTime") is True and not length:
            length = timedelta(days=1)
        offset += length
    return {"trigger": format_duration(offset), "action": action}


def _rrule_text(rule: dict[str, Any], obj: dict[str, Any], start: Time) -> str:
    """RRULE text of a RecurrenceRule, checked like a client's raw rule (RFC 5545 3.3.10)."""
    parts = [f"FREQ={rule['frequency'].upper()}"]
    if rule.get("until") is not None:
        zone_name = obj.get("timeZone")
        zone = FLOATING
        if isinstance(start, datetime) and zone_name is not None:
            zone = UTC_ZONE if zone_name in _UTC_NAMES else _zone_named(zone_name)
        until = convert_until(parse_time(rule["until"]), start, zone)
        parts.append(f"UNTIL={until_text(until)}")
    return _checked_rule([*parts, *_rule_parts(rule)], "#/recurrenceRules/0")


def _rule_parts(rule: dict[str, Any]) -> list[str]:
    """The RRULE parts of a RecurrenceRule but FREQ and UNTIL."""
    parts = []
    if rule.get("count") is not None:
        parts.append(f"COUNT={rule['count']}")
    if rule.get("interval") not in (None, 1):
        parts.append(f"INTERVAL={rule['interval']}")
    for name, part in _RULE_LISTS:
        if rule.get(name):
            parts.append(f"{part}=" + ",".join(str(v) for v in rule[name]))
    if rule.get("byDay"):
        days = [f"{d.get('nthOfPeriod') or ''}{d['day']}".upper() for d in rule["byDay"]]
        parts.append("BYDAY=" + ",".join(days))
    if rule.get("byMonth"):
        parts.append("BYMONTH=" + ",".join(str(int(m)) for m in rule["byMonth"]))
    if rule.get("firstDayOfWeek") not in (None, "mo"):
        parts.append(f"WKST={rule['firstDayOfWeek'].upper()}")
    return parts


def _checked_rule(parts: list[str], at: str) -> str:
    """RRULE text, checked like a client's raw rule; a 422 at the member the problem names."""
    try:
        return check_rrule(";".join(parts))
    except ValueError as exc:
        message = str(exc)
        # The part the message is about is the one it names first.
        found = [(m.start(), p) for p in RULE_PARTS if (m := re.search(rf"\b{p}\b", message))]
        member = _RULE_MEMBER.get(min(found)[1]) if found else None
        raise InvalidInput.field(at + (f"/{member}" if member else ""), message) from None


def _event_write(body: dict[str, Any], *, at: str = "#") -> EventWrite:
    try:
        return EventWrite.model_validate(body)
    except ValidationError as exc:
        raise _remapped(invalid_input_from(exc), {}, at) from exc


def _remapped(exc: InvalidInput, dates: dict[str, str], at: str) -> InvalidInput:
    """``exc`` with the simple form's pointers turned into the JSCalendar object's."""
    errors = []
    for error in exc.errors:
        pointer = error.pointer or "#"
        tokens = pointer.removeprefix("#/").split("/") if pointer != "#" else []
        if tokens and tokens[0] in ("excludedDates", "recurrenceDates") and len(tokens) > 1:
            key = dates.get(f"{tokens[0]}/{tokens[1]}")
            path = f"/recurrenceOverrides/{pointer_token(key)}" if key else "/recurrenceOverrides"
        elif tokens and tokens[0] == "rrule":
            path = "/recurrenceRules/0/until"  # the simple form's rule checks left: UNTIL
        elif tokens and tokens[0] not in _SIMPLE_TO_JS:
            path = "/" + "/".join(tokens)  # already the JSCalendar object's (the editor's own)
        elif tokens:
            path = "/" + _SIMPLE_TO_JS[tokens[0]]
        else:
            path = ""
        errors.append(FieldError(error.detail, f"{at}{path}"))
    return type(exc)(exc.detail, errors)


# -- the editor -------------------------------------------------------------------------------


def _roles(person: dict[str, Any]) -> set[str]:
    roles = person.get("roles")
    return {r for r, v in roles.items() if v} if roles else {"attendee"}


def _with_scheme(address: str) -> str:
    """``address`` as a URI: an e-mail address without a scheme gets ``mailto:``; other text
    stays as it is (``mailto`` alone, as stored and read, does not become mailto:mailto)."""
    return address if ":" in address or "@" not in address else f"mailto:{address}"


def _address(person: dict[str, Any]) -> str:
    found = participant_address(person)
    assert found is not None  # validate_event made sure
    return _with_scheme(found)


def _put_email(params: Parameters, person: dict[str, Any], address: str, current: Any) -> None:
    """The EMAIL parameter (RFC 7986) for a participant's ``email``. The reader shows a mailto:
    address's own e-mail as ``email`` when there is no EMAIL, so that e-mail needs none: a
    stored EMAIL that says the same stays, one that says otherwise goes."""
    email = person.get("email") or None
    own = mail_address(address)
    if email is not None and own is not None and email.lower() == own.lower():
        email = None
    stored = _param_text(current, "EMAIL")
    if email is None and stored is not None and own is not None and stored.lower() == own.lower():
        return
    _put_text_param(params, "EMAIL", email, current)


def _geo_of(coordinates: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a ``geo:`` URI (RFC 5870), None when it is none."""
    match = _GEO.fullmatch(coordinates.strip()) if isinstance(coordinates, str) else None
    return (float(match[1]), float(match[2])) if match else None


def _param_text(value: Any, name: str) -> str | None:
    """A parameter as the reader reads it (stripped, a list joined; None: absent or empty)."""
    found = (getattr(value, "params", None) or {}).get(name)
    if isinstance(found, list):
        found = ",".join(str(f) for f in found)
    text = str(found).strip() if found is not None else ""
    return text or None


def _put_text_param(params: Parameters, name: str, wanted: str | None, current: Any) -> None:
    """Set or remove a text parameter when its meaning (as the reader reads it) changes."""
    if _param_text(current, name) == (wanted or None):
        return
    if wanted:
        params[name] = wanted
    else:
        params.pop(name, None)


def _same_address(a: Any, b: str) -> bool:
    return _address_key(a) == _address_key(b)


def _address_key(value: Any) -> str:
    """What :func:`_same_address` compares."""
    return address_of(value).lower()


def _organizer_only(person: dict[str, Any], organizer: Any) -> bool:
    """A participant that is the organizer and says nothing an ATTENDEE holds (no roles, no
    participation status, no reply expected): what the reader shows for an ORGANIZER without
    an ATTENDEE of that address, so it is no ATTENDEE (unless one is stored)."""
    if not isinstance(organizer, str) or not organizer:
        return False
    if any(person.get(k) for k in ("roles", "participationStatus", "expectReply")):
        return False
    return _same_address(_address(person), _with_scheme(organizer))


def _set_param(params: Parameters, name: str, wanted: str, default: str, known: Any) -> None:
    """Set a parameter whose absence means ``default``: an absent parameter stays absent when
    ``wanted`` is the default, and so does a value calgate cannot show."""
    current = params.get(name)
    text = str(current).upper() if current is not None else None
    if wanted == default and (text is None or text not in known):
        return
    if text != wanted:
        params[name] = wanted


def _set_cutype(params: Parameters, kind: Any) -> None:
    """CUTYPE from a participant's ``kind``: a kind calgate cannot write (``unknown``, a vendor
    one) or a CUTYPE the reader cannot show stays as stored; no kind removes a known CUTYPE."""
    current = params.get("CUTYPE")
    text = str(current).upper() if current is not None else None
    if kind is None:
        if text in KINDS.values():
            params.pop("CUTYPE")
        return
    wanted = KINDS.get(kind)
    if wanted is not None and text != wanted:
        params["CUTYPE"] = wanted


def organizer_address(obj: dict[str, Any]) -> str | None:
    """Where replies go: RFC 8984's ``replyTo`` (as the reader shows it), else JSCalendar 2.0's
    ``organizerCalendarAddress``."""
    address = address_in(obj.get("replyTo"))
    if address is None:
        found = obj.get("organizerCalendarAddress")
        address = found.strip() if isinstance(found, str) and found.strip() else None
    return address


class _JsEditor(_Editor):
    """The simple-form editor, with JSCalendar's people, links and alarms."""

    def __init__(
        self,
        event: Component,
        body: EventWrite,
        obj: dict[str, Any],
        *,
        default_tz: str,
        series: bool,
    ) -> None:
        super().__init__(event, body, default_tz=default_tz)
        self.obj = obj
        self.series = series
        self.times: DesiredTimes | None = None
        # client id -> the component / property written for it, for the JSID pass
        self.alarm_ids: dict[str, Component] = {}
        # an RRULE the reader could not show (so the client could not send it back) stays
        self.keep_unshown_rrule = False

    def _rrule(self, times: DesiredTimes) -> None:
        self.times = times
        if not self.series:
            return
        if self.keep_unshown_rrule and self.body.rrule is None and "RRULE" in self.event:
            return
        super()._rrule(times)

    def _exdates(self, times: DesiredTimes) -> None:
        if self.series:
            super()._exdates(times)

    def _rdates(self, times: DesiredTimes) -> None:
        if self.series:
            super()._rdates(times)

    def _text(self, name: str, value: str | None) -> None:
        if name == "URL":  # links are written by _links
            return
        stored = props(self.event, name)
        if value is None and stored and all(not str(v).strip() for v in stored):
            return  # an empty SUMMARY / DESCRIPTION / LOCATION shows nothing: it stays
        if name == "SUMMARY" and value is not None:
            self._summary(value)
            return
        super()._text(name, value)

    def _summary(self, title: str) -> None:
        """SUMMARY with ``locale`` as its LANGUAGE: a new title is a new SUMMARY; a new locale
        alone keeps the stored SUMMARY's other parameters."""
        current = first(self.event, "SUMMARY")
        locale = self.obj.get("locale") or None
        if text_of(self.event, "SUMMARY") != title or current is None:
            value = vText(title)
            if locale:
                value.params["LANGUAGE"] = locale
            self._set("SUMMARY", [value])
            return
        if _param_text(current, "LANGUAGE") == locale:
            return
        value = vText(str(current))
        value.params = Parameters(dict(current.params))
        _put_text_param(value.params, "LANGUAGE", locale, current)
        self._set("SUMMARY", [value])

    def apply(self) -> bool:
        super().apply()
        self._links()
        self._geo()
        self._vlocations()
        self._end_zone()
        self._conferences()
        return self.changed

    def _vlocations(self) -> None:
        """VLOCATIONs for rich locations; stored ones still shown are edited in place, others
        dropped (a location the client removed), new ones added."""
        locations = self.obj.get("locations") or {}
        shown = vlocation_ids(self.event)
        rich = rich_locations(self.obj)
        wanted = {k: v for k, v in locations.items() if rich or k in shown}
        kept: list[Any] = []
        done: set[str] = set()
        for comp in self.event.subcomponents:
            if getattr(comp, "name", None) != "VLOCATION":
                kept.append(comp)
                continue
            lid = vlocation_id(comp)
            if lid is None or lid not in wanted or lid in done:
                self.changed = True
                continue
            done.add(lid)
            if _location_meaning(vlocation_of(comp)) != _location_meaning(wanted[lid]):
                _fill_vlocation(comp, wanted[lid])
                self.changed = True
            kept.append(comp)
        for lid, loc in wanted.items():
            if lid not in done:
                kept.append(_new_vlocation(lid, loc))
                self.changed = True
        self.event.subcomponents = kept
        if rich:
            self._derived_location()

    def _derived_location(self) -> None:
        """LOCATION;DERIVED=TRUE marks the ``mainLocationId`` (as calcard reads it)."""
        value = first(self.event, "LOCATION")
        if value is None or not self.obj.get("mainLocationId"):
            return
        if (_param_text(value, "DERIVED") or "").upper() == "TRUE":
            return
        copy = vText(str(value))
        copy.params = Parameters(dict(value.params))
        copy.params["DERIVED"] = "TRUE"
        self._set("LOCATION", [copy])

    def _end_zone(self) -> None:
        """DTEND in the zone the event ends in, when that differs from the start's."""
        found = end_zone(self.obj)
        times = self.times
        if times is None or not isinstance(times.start, datetime):
            return
        if found is None:  # GET shows a stored end zone, so its absence means the start's
            stored_end = first(self.event, "DTEND")
            if stored_end is not None and tzid_of(stored_end) not in (None, times.zone.tzid):
                self._set("DTEND", [time_prop(times.end, times.zone)])
            return
        name, pointer = found
        try:
            zone = _zone_named(name)
        except UnknownTimeZone:
            raise InvalidInput.field(pointer, f"unknown time zone {name!r}") from None
        if zone.tz is None or times.zone.tz is None or zone.label == times.zone.label:
            return  # floating events have no end zone; the start's zone needs no DTEND of its own
        stored = first(self.event, "DTEND")
        if stored is not None and tzid_of(stored) == zone.tzid:
            return  # _times kept an end at the same instant: it is in this zone already
        end = instant(times.end, times.zone.tz).astimezone(zone.tz).replace(tzinfo=zone.tz)
        self._remove("DURATION")
        self._set("DTEND", [time_prop(end, zone)])

    # places
    def geo_location(self) -> tuple[str, dict[str, Any]] | None:
        """(id, Location) whose ``coordinates`` are GEO (see the module docstring)."""
        locations = self.obj.get("locations") or {}
        if rich_locations(self.obj):  # GEO for the main location; the rest in VLOCATIONs
            main = main_location(self.obj)
            return main if main is not None and main[1].get("coordinates") else None
        named = [(k, loc) for k, loc in locations.items() if loc.get("name")]
        if named and named[0][1].get("coordinates"):
            return named[0]
        skip = vlocation_ids(self.event)
        only = [
            (k, loc)
            for k, loc in locations.items()
            if loc.get("coordinates") and not loc.get("name") and k not in skip
        ]
        return only[0] if len(only) == 1 else None

    def _geo(self) -> None:
        found = self.geo_location()
        wanted = None
        if found is not None:
            wanted = _geo_of(found[1]["coordinates"])
            if wanted is None:
                raise InvalidInput.field(
                    f"#/locations/{pointer_token(found[0])}/coordinates",
                    "coordinates must be a geo: URI like geo:40.7829,-73.9654",
                )
        stored = props(self.event, "GEO")
        readable = [v for v in stored if geo_uri(v) is not None]
        if wanted is None:
            if readable:  # a GEO the reader cannot read stays
                self._set("GEO", [v for v in stored if geo_uri(v) is None])
            return
        if len(stored) == 1 and readable and _geo_of(geo_uri(readable[0])) == wanted:
            return
        value = vGeo(wanted)
        if readable:
            value.params = Parameters(dict(readable[0].params))
        self._set("GEO", [value] + [v for v in stored if geo_uri(v) is None])

    def _conferences(self) -> None:
        wanted = self.obj.get("virtualLocations")
        if wanted is None:
            return  # an absent virtualLocations keeps every CONFERENCE (as links)
        stored = props(self.event, "CONFERENCE")
        shown = [v for v in stored if str(v).strip() and not isinstance(v, vBroken)]
        by_uri: dict[str, Any] = {}
        for value in shown:
            by_uri.setdefault(str(value).strip(), value)
        result = [
            _conference(virtual, by_uri.pop(virtual["uri"].strip(), None))
            for virtual in wanted.values()
        ]
        result += [v for v in stored if not any(v is s for s in shown)]  # unreadable: kept
        if len(result) == len(stored) and all(a is b for a, b in zip(result, stored, strict=True)):
            return
        self._set("CONFERENCE", result)

    # people
    def _organizer(self) -> None:
        people = self.obj.get("participants") or {}
        address = organizer_address(self.obj)
        owner = next(((k, p) for k, p in people.items() if "owner" in _roles(p)), None)
        if address is None and owner is not None:
            address = _address(owner[1])
        if (
            owner is not None
            and address is not None
            and not _same_address(_address(owner[1]), address)
        ):
            owner = next(
                ((k, p) for k, p in people.items() if _same_address(_address(p), address)), owner
            )
        current = first(self.event, "ORGANIZER")
        if address is None:
            if current is not None:
                self._remove("ORGANIZER")
            return
        address = _with_scheme(address)
        if owner is None:
            # no owner: the participant the reader made of the ORGANIZER alone holds its name
            match = next(
                ((k, p) for k, p in people.items() if _same_address(_address(p), address)), None
            )
            if (
                match is not None
                and _organizer_only(match[1], address)
                and not any(_same_address(a, address) for a in props(self.event, "ATTENDEE"))
            ):
                owner = match
        if current is not None and _same_address(current, address):
            value = vCalAddress(str(current))
            value.params = Parameters(dict(current.params))
        else:
            value = vCalAddress(address)
        name = owner[1].get("name") if owner is not None else None
        is_owner = owner is not None and _same_address(_address(owner[1]), address)
        attends = is_owner and owner is not None and self._gets_attendee(owner[1])
        if attends and current is not None and _same_address(current, address):
            pass  # the reader shows the ATTENDEE's name: the stored ORGANIZER's CN stays
        elif name is not None:
            value.params["CN"] = name
        elif owner is not None and str(value.params.get("CN") or "").strip():
            value.params.pop("CN")  # an empty CN shows no name: it stays
        if is_owner and owner is not None and not attends:
            # the reader reads this participant's email and kind from the ORGANIZER
            _put_email(value.params, owner[1], address, current)
            _set_cutype(value.params, owner[1].get("kind"))
        if (
            current is not None
            and str(value) == str(current)
            and dict(value.params) == dict(current.params)
        ):
            return
        self._set("ORGANIZER", [value])

    def _gets_attendee(self, person: dict[str, Any]) -> bool:
        """Whether :meth:`_attendees` writes an ATTENDEE for ``person``."""
        if _roles(person) <= {"owner", "contact"}:
            return False
        address = _address(person)
        stored = any(_same_address(a, address) for a in props(self.event, "ATTENDEE"))
        return stored or not _organizer_only(person, organizer_address(self.obj))

    def _attendees(self) -> None:
        stored = props(self.event, "ATTENDEE")
        by_address: dict[str, Any] = {}
        for value in stored:
            by_address.setdefault(address_of(value).lower(), value)
        result = []
        organizer = organizer_address(self.obj)
        for person in (self.obj.get("participants") or {}).values():
            roles = _roles(person)
            if roles <= {"owner", "contact"}:
                continue  # the organizer only (or a contact): no ATTENDEE
            address = _address(person)
            current = by_address.pop(address_of(address).lower(), None)
            if current is None and _organizer_only(person, organizer):
                continue
            result.append(self._js_attendee(person, roles, address, current))
        if len(result) == len(stored) and all(a is b for a, b in zip(result, stored, strict=True)):
            return
        self.event.pop("ATTENDEE", None)
        for value in result:
            self.event.add("ATTENDEE", value)
        self.changed = True

    def _js_attendee(
        self, person: dict[str, Any], roles: set[str], address: str, current: Any
    ) -> Any:
        value = vCalAddress(str(current) if current is not None else address)
        params = Parameters(dict(current.params)) if current is not None else value.params
        if person.get("name") is not None:
            params["CN"] = person["name"]
        else:
            params.pop("CN", None)
        role = (
            "CHAIR"
            if "chair" in roles
            else "OPT-PARTICIPANT"
            if "optional" in roles
            else "NON-PARTICIPANT"
            if "informational" in roles
            else "REQ-PARTICIPANT"
        )
        known_roles = ("CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT")
        _set_param(params, "ROLE", role, "REQ-PARTICIPANT", known_roles)
        status = (person.get("participationStatus") or "needs-action").upper()
        _set_param(params, "PARTSTAT", status, "NEEDS-ACTION", [s.upper() for s in PARTICIPATION])
        rsvp = "TRUE" if person.get("expectReply") else "FALSE"
        _set_param(params, "RSVP", rsvp, "FALSE", ("TRUE", "FALSE"))
        _set_cutype(params, person.get("kind"))
        _put_email(params, person, address, current)
        if current is not None and dict(params) == dict(current.params):
            return current
        value.params = params
        return value

    # alarms: only what JSCalendar can show is replaced, other VALARMs (AUDIO, unknown) stay
    def _alerts(self, times: DesiredTimes) -> None:
        wanted = list(self.body.alerts)
        ids = list((self.obj.get("alerts") or {}).keys())
        read_times = self.read.times
        used: set[int] = set()
        new: list[Component] = []

        def modelled(alarm: Component) -> bool:
            shown = alert_of(alarm, read_times)
            return shown is not None and shown.action in ALERT_ACTIONS

        def shown_key(alarm: Component) -> Any:
            shown = _shown_alert(alarm, read_times)
            return shown.key if shown is not None else None

        for alert_id, alert in zip(ids, wanted, strict=True):
            key = alert_key(alert, times, self.default_tz)
            match = next(
                (
                    alarm
                    for alarm in alarms_of(self.event)
                    if id(alarm) not in used and shown_key(alarm) == key
                ),
                None,
            )
            if match is None:
                match = _new_alarm(alert, key, self.body.title)
                new.append(match)
                self.changed = True
            used.add(id(match))
            self.alarm_ids[alert_id] = match
        kept = [
            c
            for c in self.event.subcomponents
            if getattr(c, "name", None) != "VALARM" or id(c) in used or not modelled(c)
        ]
        if len(kept) != len(self.event.subcomponents):
            self.changed = True
        self.event.subcomponents = kept + new

    # links
    def _links(self) -> None:
        links = self.obj.get("links")
        if links is None:
            return
        url = first(self.event, "URL")
        attaches = props(self.event, "ATTACH")
        by_href = {str(a): a for a in attaches if not _binary(a)}
        # LINK and IMAGE (RFC 9253, 7986) are read as links: a named one stays as stored
        others = {
            name: [v for v in props(self.event, name) if not isinstance(v, vBroken)]
            for name in ("LINK", "IMAGE")
        }
        shown_others = {
            str(v).strip() for values in others.values() for v in values if not _binary(v)
        }
        wanted_url: Any = None
        new_attach: list[Any] = []
        new_links: list[Any] = []
        for _, link in links.items():
            href = link["href"]
            if href in shown_others:
                continue
            if url is not None and wanted_url is None and str(url) == href:
                wanted_url = url
                continue
            if href in by_href:
                new_attach.append(by_href.pop(href))
                continue
            if link.get("rel") and link["rel"] != "enclosure":
                new_links.append(_new_link(link))  # RFC 9253 LINK: its LINKREL reads back
                continue
            new_attach.append(_new_attach(link))  # not URL: the reader does not show URL
        result = new_attach + [a for a in attaches if _binary(a)]  # inline data is unmodelled
        if wanted_url is not url:
            self._remove("URL")
            if wanted_url is not None:
                self.event.add("URL", wanted_url)
            self.changed = True
        if len(result) != len(attaches) or any(
            a is not b for a, b in zip(result, attaches, strict=True)
        ):
            self.event.pop("ATTACH", None)
            for value in result:
                self.event.add("ATTACH", value)
            self.changed = True
        hrefs = {link["href"] for link in links.values()}
        for name, values in others.items():
            kept = [v for v in values if _binary(v) or str(v).strip() in hrefs]
            if name == "LINK":
                kept += new_links
            if len(kept) != len(values):
                self.event.pop(name, None)
                for value in kept:
                    self.event.add(name, value)
                self.changed = True


def _conference(virtual: dict[str, Any], current: Any) -> Any:
    """The CONFERENCE for a VirtualLocation: ``current`` (the stored one of its URI) when its
    meaning stays, else a copy with its other parameters kept."""
    value = vUri(virtual["uri"].strip())
    if current is None:
        value.params["VALUE"] = "URI"  # RFC 7986 6.3: CONFERENCE is a URI
    else:
        value.params = Parameters(dict(current.params))
    _put_text_param(value.params, "LABEL", virtual.get("name"), current)
    features = sorted(f for f, on in (virtual.get("features") or {}).items() if on)
    stored = (_param_text(current, "FEATURE") or "").split(",") if current is not None else []
    if {f.strip().lower() for f in stored if f.strip()} != set(features):
        if features:
            value.params["FEATURE"] = [f.upper() for f in features]
        else:
            value.params.pop("FEATURE", None)
    if current is not None and dict(value.params) == dict(current.params):
        return current
    return value


def _shown_alert(alarm: Component, times: Any) -> Any:
    """:func:`alert_of` of ``alarm`` as the JSCalendar reader shows it: a VALARM without ACTION
    or with one JSCalendar does not show (AUDIO, unknown) is an alert without ``action``, a
    display alert, so a PUT of it finds the stored VALARM (which stays as it is)."""
    found = alert_of(alarm, times)
    action = (text_of(alarm, "ACTION") or "").strip().lower()
    if action in ALERT_ACTIONS:
        return found
    probe = Alarm()
    for name, value in alarm.items():
        probe[name] = value
    probe["ACTION"] = vText("DISPLAY")
    return alert_of(probe, times)


def _binary(value: Any) -> bool:
    params = getattr(value, "params", None) or {}
    return str(params.get("VALUE", "")).upper() == "BINARY" or "ENCODING" in params


def _new_attach(link: dict[str, Any]) -> Any:
    value = vUri(link["href"])
    if link.get("contentType"):
        value.params["FMTTYPE"] = link["contentType"]
    if link.get("title"):
        value.params["LABEL"] = link["title"]
    if _is_int(link.get("size")) and link["size"] >= 0:
        value.params["SIZE"] = str(link["size"])
    return value


def _new_link(link: dict[str, Any]) -> Any:
    """A LINK (RFC 9253) for a link with a ``rel`` other than enclosure."""
    value = _new_attach(link)
    value.params["LINKREL"] = link["rel"]
    value.params["VALUE"] = "URI"
    return value


# -- ids --------------------------------------------------------------------------------------


def _reader_ids(cal: Calendar, event: Component, default_tz: str) -> dict[str, Any] | None:
    """What the JSCalendar reader shows for ``event`` (for the ids it derives)."""
    shown = to_jscalendar(calendar_with(cal, [event]), floating_tz=default_tz)
    return shown if isinstance(shown, dict) else None


def _set_jsid(value: Any, wanted: str | None) -> Any:
    """``value`` (a property) with JSID ``wanted`` (None: without); the same object when it
    already is."""
    params = getattr(value, "params", None)
    if params is None or params.get("JSID") == wanted:
        return value
    if wanted is None and "JSID" not in params:
        return value
    if wanted is None:
        params.pop("JSID")
    else:
        params["JSID"] = wanted
    return value


def _store_ids(cal: Calendar, editor: _JsEditor, default_tz: str) -> None:
    """Make every client id read back: a JSID where the reader would derive another id."""
    obj, event = editor.obj, editor.event
    shown = _reader_ids(cal, event, default_tz)
    has_reader = shown is not None
    before = {
        kind: (shown or {}).get(kind) or {}
        for kind in ("participants", "alerts", "links", "locations", "virtualLocations")
    }

    def derived(kind: str, match: Any) -> str | None:
        for key, item in before[kind].items():
            if isinstance(item, dict) and match(item):
                return key
        return None

    # participants: ATTENDEE and ORGANIZER by address (each side indexed once: an event has
    # up to max_attendees of them)
    shown_ids: dict[str, str] = {}
    for key, item in before["participants"].items():
        if isinstance(item, dict):
            shown_ids.setdefault(_address_key(participant_address(item) or ""), key)
    by_address: dict[str, list[Any]] = {}
    for name in ("ATTENDEE", "ORGANIZER"):
        for value in props(event, name):
            by_address.setdefault(_address_key(value), []).append(value)
    for pid, person in (obj.get("participants") or {}).items():
        address = _address_key(_address(person))
        for value in by_address.get(address, ()):
            _jsid_prop(editor, value, pid, shown_ids.get(address), has_reader)
    # alarms: a JSID property
    for alert_id, alarm in editor.alarm_ids.items():
        stored = text_of(alarm, "JSID")
        if stored == alert_id:
            continue
        got = _alert_id_shown(before["alerts"], alarm, editor) if has_reader else None
        if got == alert_id and stored is None:
            continue
        alarm.pop("JSID", None)
        alarm.add("JSID", alert_id)
        editor.changed = True
    # the location LOCATION names (the reader derives the id from the name without a JSID)
    main = main_location(obj)
    value = first(event, "LOCATION")
    if main is not None and main[1].get("name") and value is not None:
        got = stable_id(str(value).strip()) if rich_locations(obj) else None
        if got is None:
            got = derived("locations", lambda item: True)
        _jsid_text(editor, "LOCATION", value, main[0], got, has_reader or got is not None)
    # the GEO: its location's id, as read once LOCATION holds its JSID
    geo = editor.geo_location()
    values = props(event, "GEO")
    if geo is not None and len(values) >= 1 and geo_uri(values[0]) is not None:
        after = _reader_ids(cal, event, default_tz) if has_reader else None
        uri = geo_uri(values[0])
        got = next(
            (
                k
                for k, item in ((after or {}).get("locations") or {}).items()
                if isinstance(item, dict) and item.get("coordinates") == uri
            ),
            None,
        )
        _jsid_prop(editor, values[0], geo[0], got, after is not None)
    # virtual locations: CONFERENCE by URI
    for virtual_id, virtual in (obj.get("virtualLocations") or {}).items():
        uri = virtual["uri"].strip()
        got = derived("virtualLocations", lambda item, u=uri: item.get("uri") == u)
        for value in props(event, "CONFERENCE"):
            if str(value).strip() == uri:
                _jsid_prop(editor, value, virtual_id, got, has_reader)
    # links: URL and ATTACH by href
    for link_id, link in (obj.get("links") or {}).items():
        got = derived("links", lambda item, h=link["href"]: item.get("href") == h)
        for name in ("URL", "ATTACH", "LINK", "IMAGE"):
            for value in props(event, name):
                if str(value).strip() == link["href"]:
                    _jsid_prop(editor, value, link_id, got, has_reader)


def _alert_id_shown(shown: dict[str, Any], alarm: Component, editor: _JsEditor) -> str | None:
    """The id the reader gives ``alarm``: its trigger and action matched (before any JSID)."""
    found = _shown_alert(alarm, editor.read.times)
    if found is None:
        return None
    for key, item in shown.items():
        trigger = item.get("trigger") if isinstance(item, dict) else None
        if not isinstance(trigger, dict):
            continue
        try:
            if trigger.get("@type") == "OffsetTrigger":
                same = found.key[0] == "rel" and parse_duration(trigger["offset"]) == found.key[1]
            else:
                when = parse_time(trigger["when"])
                same = (
                    found.key[0] == "abs"
                    and isinstance(when, datetime)
                    and (when.replace(tzinfo=None) == found.key[1])
                )
        except (KeyError, ValueError, TypeError):
            continue
        if same and (item.get("action") or "display") == found.action:
            return key
    return None


def _jsid_prop(editor: _JsEditor, value: Any, wanted: str, got: str | None, reader: bool) -> None:
    stored = value.params.get("JSID") if getattr(value, "params", None) is not None else None
    if stored == wanted or (stored is None and reader and got == wanted):
        return
    _set_jsid(value, wanted)
    editor.changed = True


def _jsid_text(
    editor: _JsEditor, name: str, value: Any, wanted: str, got: str | None, reader: bool
) -> None:
    stored = value.params.get("JSID") if getattr(value, "params", None) is not None else None
    if stored == wanted or (stored is None and reader and got == wanted):
        return
    copy = vText(str(value))
    copy.params = Parameters(dict(value.params))
    copy.params["JSID"] = wanted
    editor.event.pop(name)
    editor.event.add(name, copy)
    editor.changed = True


# -- overrides --------------------------------------------------------------------------------


def _override_obj(
    obj: dict[str, Any], key: str, patch: dict[str, Any], organizer: Any
) -> dict[str, Any]:
    """The occurrence at ``key`` as a whole Event: the master with ``start`` there, patched.
    Its ``replyTo`` is ``organizer`` (an ORGANIZER value or None): RFC 8984 4.3.5 does not let
    an override patch ``replyTo``, the series' organizer is the occurrence's."""
    base = {
        k: v
        for k, v in obj.items()
        if k
        not in (
            "recurrenceRules",
            "recurrenceOverrides",
            "excludedRecurrenceRules",
            "organizerCalendarAddress",
        )
    }
    base["start"] = key
    base["replyTo"] = send_to(str(organizer).strip()) if organizer is not None else None
    at = f"#/recurrenceOverrides/{pointer_token(key)}"
    patched = apply_patch(base, {k: v for k, v in patch.items() if k != "excluded"}, at=at)
    check = _Checker()
    _check(check, patched, override=True)
    if check.errors:
        _raise([_in_patch(e, patch, at) for e in check.errors])
    return patched


def _in_patch(error: FieldError, patch: dict[str, Any], at: str) -> FieldError:
    """An error of a patched occurrence, pointing at the patch key that caused it."""
    tokens = (error.pointer or "#").removeprefix("#").strip("/").split("/")
    for key in patch:
        key_tokens = [pointer_token(t) for t in key.split("/")]
        if tokens[: len(key_tokens)] == key_tokens:
            rest = "/".join(tokens[len(key_tokens) :])
            return FieldError(
                error.detail, f"{at}/{pointer_token(key)}" + (f"/{rest}" if rest else "")
            )
    return FieldError(error.detail, at)


def _occurrence_rid(series: Series, key: str) -> Time:
    parsed = parse_time(key)
    if isinstance(series.start, datetime):
        return series.as_stored(parsed)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def _write_overrides(
    cal: Calendar,
    master: Component,
    obj: dict[str, Any],
    *,
    default_tz: str,
    view: _StoredView,
    organizer_changed: bool,
) -> tuple[list[Component], bool]:
    """Create, edit and remove override VEVENTs. Returns (the new or changed overrides,
    whether any was removed). A stored override is found by the key the reader gave it (its
    RECURRENCE-ID may be stored in another form than the master's DTSTART), and one an EXDATE
    already hid stays while the key stays excluded. ``organizer_changed``: the edit changed
    the master's ORGANIZER, which the overrides then take too."""
    overrides = obj.get("recurrenceOverrides") or {}
    as_rdate = view.as_rdate(obj)
    series = Series.of(cal, default_tz)
    by_key: dict[str, Any] = {}
    for rid_key, event in series.overrides.items():
        shown = override_key(master, event, floating_tz=default_tz)
        if shown is not None:
            by_key.setdefault(shown, rid_key)
    wanted: dict[Any, tuple[str, Time, dict[str, Any]]] = {}
    hidden: set[Any] = set()
    for key, patch in overrides.items():
        if patch.get("excluded") is True:
            if key in view.excluded and key in by_key:
                hidden.add(by_key[key])
            continue
        if _rdate(key, patch, as_rdate):
            continue
        rid = _occurrence_rid(series, key)
        wanted[by_key.get(key, series.key(rid))] = (key, rid, patch)
    removed = False
    for rid_key, event in list(series.overrides.items()):
        if rid_key not in wanted and rid_key not in hidden:
            cal.subcomponents = [c for c in cal.subcomponents if c is not event]
            del series.overrides[rid_key]
            removed = True
    touched: list[Component] = []
    for rid_key, (key, rid, patch) in wanted.items():
        existing = series.overrides.get(rid_key)
        # a stored override keeps its own ORGANIZER (none, say) while the series' stays
        if existing is not None and not organizer_changed:
            organizer = first(existing, "ORGANIZER")
        else:
            organizer = first(master, "ORGANIZER")
        patched = _override_obj(obj, key, patch, organizer)
        at = f"#/recurrenceOverrides/{pointer_token(key)}"
        event = existing if existing is not None else new_override(series, rid)
        body = _event_write(_simple_body(patched, event, series=False), at=at)
        editor = _JsEditor(event, body, patched, default_tz=default_tz, series=False)
        try:
            changed = editor.apply()
        except InvalidInput as exc:
            raise _remapped(exc, {}, at) from None
        _store_ids(cal, editor, default_tz)
        if existing is None:
            last = max(
                i for i, c in enumerate(cal.subcomponents) if getattr(c, "name", None) == "VEVENT"
            )
            cal.subcomponents.insert(last + 1, event)
            series.overrides[rid_key] = event
        if existing is None or changed or editor.changed:
            touched.append(event)
    return touched, removed


def _missing_rdates(
    cal: Calendar, obj: dict[str, Any], default_tz: str, view: _StoredView
) -> list[str]:
    """Patched dates the rule does not make (they need an RDATE to occur). A stored override
    found by its key keeps what it had: the stored RDATE there, none when there was none (its
    RECURRENCE-ID may have another form than the rule's dates)."""
    as_rdate = view.as_rdate(obj)
    overrides = obj.get("recurrenceOverrides") or {}
    series = Series.of(cal, default_tz)
    stored = {
        override_key(series.master, event, floating_tz=default_tz)
        for event in series.overrides.values()
    }
    out = []
    for key, patch in overrides.items():
        if patch.get("excluded") is True or _rdate(key, patch, as_rdate):
            continue
        if key in stored:
            if key in view.rdates:
                out.append(key)
            continue
        if series.generated_at(_occurrence_rid(series, key)) is None:
            out.append(key)
    return out


# -- public functions -------------------------------------------------------------------------


def _sequence(event: Component) -> int:
    try:
        return max(int(first(event, "SEQUENCE") or 0), 0)
    except (TypeError, ValueError):
        return 0


def _organizer_text(event: Component) -> str | None:
    value = first(event, "ORGANIZER")
    return None if value is None else value.to_ical().decode()


def _sequence_after(event: Component, obj: dict[str, Any], *, new: bool, changed: bool) -> int:
    """SEQUENCE once ``obj`` is written: the client's ``sequence`` where it sent one, but never
    lower than the stored one, and one higher than that when the event changed (RFC 5545
    3.8.7.4: it only ever grows)."""
    stored = _sequence(event)
    floor = stored + 1 if changed and not new else stored
    sent = sequence_of(obj)
    return floor if sent is None else max(sent, floor)


def write_event(
    cal: Calendar | None, obj: dict[str, Any], *, uid: str, default_tz: str, now: datetime
) -> Calendar:
    """Create (``cal`` None) or replace (PUT) the event ``obj`` describes; see the module
    docstring. A replace edits ``cal`` in place and returns it; SEQUENCE, DTSTAMP and
    LAST-MODIFIED move only when something changed."""
    stored = _stored_zones(cal, default_tz) if cal is not None else {}
    defined, placed = _custom_zones(cal, obj, stored)
    known = _STORED_ZONES.set({**stored, **defined})
    try:
        return _write_event(cal, obj, uid=uid, default_tz=default_tz, now=now, placed=placed)
    finally:
        _STORED_ZONES.reset(known)


def _write_event(
    cal: Calendar | None,
    obj: dict[str, Any],
    *,
    uid: str,
    default_tz: str,
    now: datetime,
    placed: list[Timezone],
) -> Calendar:
    obj = as_rfc8984(obj)
    validate_event(obj)
    stamp = _utc_now(now)
    if cal is None:
        cal, event = new_object(uid=uid, now=now)
        used_before: set[str] | None = None
        new = True
    else:
        found = master_event(cal)
        if found is None or "RECURRENCE-ID" in found:
            raise Conflict("The stored calendar object holds no master VEVENT to edit")
        event = found
        uid = text_of(event, "UID") or uid
        used_before = _used_tzids(cal)
        new = False
    if obj.get("uid") is not None and obj["uid"] != uid:
        raise InvalidInput.field("#/uid", f"uid must stay {uid!r}; a new uid is a new event")
    view = _StoredView(None if new else cal, None if new else event, default_tz)
    as_rdate = view.as_rdate(obj)
    simple = _simple_body(obj, None if new else event, series=True, as_rdate=as_rdate)
    dates = {f"excludedDates/{i}": k for i, k in enumerate(simple["excludedDates"])}
    dates |= {f"recurrenceDates/{i}": k for i, k in enumerate(simple["recurrenceDates"])}
    body = _event_write(simple)
    organizer_before = _organizer_text(event)
    editor = _JsEditor(event, body, obj, default_tz=default_tz, series=True)
    editor.known_zones = dict(_STORED_ZONES.get())
    editor.keep_unshown_rrule = not new and not view.shows_rules
    try:
        editor.apply()
        extra = (
            _missing_rdates(cal, obj, default_tz, view) if obj.get("recurrenceOverrides") else []
        )
        if extra and editor.times is not None:
            dates |= {
                f"recurrenceDates/{i}": k for i, k in enumerate(simple["recurrenceDates"] + extra)
            }
            editor.body = body.model_copy(
                update={"recurrence_dates": list(body.recurrence_dates) + extra}
            )
            editor._rdates(editor.times)
    except InvalidInput as exc:
        raise _remapped(exc, dates, "#") from None
    _store_ids(cal, editor, default_tz)
    kept = jscal_props.write(event, obj)
    touched, removed = _write_overrides(
        cal,
        event,
        obj,
        default_tz=default_tz,
        view=view,
        organizer_changed=_organizer_text(event) != organizer_before,
    )
    changed = editor.changed or kept or removed or bool(touched)
    sequence = _sequence_after(event, obj, new=new, changed=changed)
    if sequence != _sequence(event):
        _stamp(event, "SEQUENCE", sequence)
        changed = True
    if changed and not new:
        _stamp(event, "DTSTAMP", stamp)
        _stamp(event, "LAST-MODIFIED", stamp)
    elif "DTSTAMP" not in event:
        event.add("DTSTAMP", stamp)
    for override in touched:
        _stamp(override, "SEQUENCE", max(_sequence(override) + (0 if new else 1), _sequence(event)))
        _stamp(override, "DTSTAMP", stamp)
        _stamp(override, "LAST-MODIFIED", stamp)
    _place(cal, placed)
    _finish(cal, event, used_before if changed or placed else None)
    return cal


__all__ = ["validate_event", "write_event"]
