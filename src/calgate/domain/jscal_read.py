"""Reading one stored iCalendar object as an RFC 8984 JSCalendar ``Event`` (pure, no I/O).

Never raises on odd stored data: what cannot be read is left out. The mapping follows RFC 8984
and, where RFC 8984 leaves the choice open, draft-ietf-calext-jscalendar-icalendar as calcard
implements it (``tests/oracles/test_calcard_jscalendar.py`` checks the agreement):

=========================================  ================================================
iCalendar                                  JSCalendar
=========================================  ================================================
UID                                        ``uid``
SUMMARY (its LANGUAGE)                     ``title`` (``locale``)
DESCRIPTION / STYLED-DESCRIPTION;FMTTYPE   ``description`` (+ ``descriptionContentType``)
DTSTART                                    ``start`` (LocalDateTime), ``timeZone`` (IANA name,
                                           ``Etc/UTC`` for UTC, null when floating or a DATE)
DTSTART;VALUE=DATE                         ``start`` at ``T00:00:00``, ``showWithoutTime``
DTEND (other TZID) / DURATION              ``duration`` (``endTimeZone``, unless an end location
                                           says it); PT0S is left out
STATUS, TRANSP, CLASS                      ``status``, ``freeBusyStatus``, ``privacy``
                                           (CONFIDENTIAL -> ``secret``)
PRIORITY, SEQUENCE, COLOR                  ``priority``, ``sequence``, ``color``
CREATED; LAST-MODIFIED, else DTSTAMP       ``created``; ``updated`` (UTCDateTime)
METHOD (of the VCALENDAR)                  ``method`` (lowercase)
CATEGORIES / CONCEPT                       ``keywords`` / ``categories`` ({value: true})
RELATED-TO;RELTYPE                         ``relatedTo`` ({uid: Relation})
LOCATION, GEO, VLOCATION                   ``locations`` (+ ``mainLocationId`` for a
                                           LOCATION;DERIVED=TRUE; a VLOCATION's
                                           X-JSCAL-RELATIVE-TO / X-JSCAL-TIME-ZONE:
                                           ``relativeTo`` / ``timeZone``)
CONFERENCE                                 ``virtualLocations``
ATTENDEE / ORGANIZER                       ``participants`` (the address as ``sendTo``
                                           ``{"imip": "mailto:.."}``, another URI as
                                           ``{"other": ..}``; EMAIL, else a mailto: address,
                                           as ``email``; CUTYPE ``kind``), the ORGANIZER as
                                           ``replyTo`` (RFC 8984 4.4.4); ``roles`` always
                                           (RFC 8984 4.4.6): no ROLE is ``attendee``, the
                                           ORGANIZER's participant ``owner`` (calcard leaves
                                           them out)
ATTACH / IMAGE / LINK                      ``links`` (URL is not converted, as calcard)
VALARM                                     ``alerts`` (Offset / AbsoluteTrigger, ``action``
                                           display or email, ``acknowledged``)
VTIMEZONE of a TZID that is no IANA name    ``timeZones`` (``/`` + TZID, RFC 8984 4.7.2)
JSPROP;JSPTR (VEVENT, VALARM)              the property at that pointer (see
                                           :mod:`calgate.domain.jscal_props`)
RRULE / EXRULE                             ``recurrenceRules`` / ``excludedRecurrenceRules``
EXDATE / RDATE / RECURRENCE-ID VEVENTs     ``recurrenceOverrides`` keyed by the recurrence id
                                           as a LocalDateTime in the event's time zone:
                                           ``{"excluded": true}``, ``{}`` (a PERIOD: its
                                           ``duration``), a PatchObject of what differs
=========================================  ================================================

Ids of participants, locations, virtual locations and links are the JSID parameter (or
property) when present, else calcard's UUIDv5 of the value (namespace :data:`JSCAL_NAMESPACE`),
so they are the same at every read; alerts without JSID are ``k1``, ``k2``... in stored order.

An override VEVENT with a DTSTART is a whole instance (RFC 5545 3.8.4.4), so a property the
master has and the override lacks is patched to null; one without DTSTART (not valid iCalendar,
but what calcard writes) only patches what it holds. A TZID calgate cannot resolve and the
object does not define is shown as ``timeZone`` as stored.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken, vUnknown

from calgate.domain import jscal_props
from calgate.domain.ical_parse import (
    events_of,
    first,
    floating_zone,
    master_event,
    props,
    text_of,
    time_of,
    tzid_of,
    vtimezones,
)
from calgate.domain.ical_read import (
    STATUS_IN,
    TRANSP_IN,
    alarms_of,
    categories_of,
    priority_of,
    read_times,
)
from calgate.domain.timezones import (
    FLOATING,
    UTC,
    EventZone,
    Time,
    format_duration,
    format_utc,
    instant,
    is_aware,
    is_date,
    provider_zone,
    zone_of,
)

# calcard's namespace for the UUIDv5 ids of participants, locations and links.
JSCAL_NAMESPACE = uuid.UUID("7f1e1965-ae73-4454-b088-232c90730ce2")

CLASS = {"PUBLIC": "public", "PRIVATE": "private", "CONFIDENTIAL": "secret"}
ROLES = {
    "CHAIR": "chair",
    "REQ-PARTICIPANT": "required",
    "OPT-PARTICIPANT": "optional",
    "NON-PARTICIPANT": "informational",
    "OWNER": "owner",
}
PARTSTAT = {
    "NEEDS-ACTION": "needs-action",
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
    "DELEGATED": "delegated",
}
CUTYPE = {
    "INDIVIDUAL": "individual",
    "GROUP": "group",
    "RESOURCE": "resource",
    "ROOM": "location",
}
ACTION = {"DISPLAY": "display", "EMAIL": "email"}
FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"}
_NDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INT_PARTS = {
    "BYMONTHDAY": "byMonthDay",
    "BYYEARDAY": "byYearDay",
    "BYWEEKNO": "byWeekNo",
    "BYHOUR": "byHour",
    "BYMINUTE": "byMinute",
    "BYSECOND": "bySecond",
    "BYSETPOS": "bySetPosition",
}
# RFC 8984 4.3.5: properties a recurrence override must not patch.
NOT_PATCHED = frozenset(
    {
        "@type",
        "uid",
        "method",
        "privacy",
        "prodId",
        "recurrenceId",
        "recurrenceIdTimeZone",
        "recurrenceRules",
        "excludedRecurrenceRules",
        "recurrenceOverrides",
        "relatedTo",
        "replyTo",
        "sentBy",
        "timeZones",
    }
)


def stable_id(value: str) -> str:
    """calcard's id for a value without JSID (UUIDv5, the same at every read)."""
    return str(uuid.uuid5(JSCAL_NAMESPACE, value))


def to_jscalendar(cal: Calendar, *, floating_tz: str) -> dict[str, Any]:
    """The JSCalendar Event of one stored object: its master VEVENT with its overrides.

    An object holding only overrides is shown as its first instance (with ``recurrenceId``).
    """
    ftz = floating_zone(floating_tz)
    master = master_event(cal)
    if master is None:
        return {"@type": "Event"}
    method = _method(cal)
    if "RECURRENCE-ID" in master:
        return custom_zones(_instance(master, ftz, method), cal)
    uid = text_of(master, "UID")
    overrides = [e for e in events_of(cal) if "RECURRENCE-ID" in e and text_of(e, "UID") == uid]
    return custom_zones(_series(master, overrides, ftz, method), cal)


def override_key(master: Component, override: Component, *, floating_tz: str) -> str | None:
    """The ``recurrenceOverrides`` key the reader gives ``override`` of ``master`` (its
    RECURRENCE-ID as a LocalDateTime in the master's zone), None when it has none."""
    ftz = floating_zone(floating_tz)
    rid = time_of(first(override, "RECURRENCE-ID"))
    if rid is None:
        return None
    return _local(rid, read_times(master, ftz).zone, ftz)


def to_jscalendar_entries(cal: Calendar, *, floating_tz: str) -> list[dict[str, Any]]:
    """Every series of a VCALENDAR that may hold several UIDs (an import, a subscription):
    one Event per master with its overrides, an Event per override whose master is missing."""
    ftz = floating_zone(floating_tz)
    method = _method(cal)
    order: list[str | None] = []
    by_uid: dict[str | None, list[Component]] = {}
    out: list[dict[str, Any]] = []
    for event in events_of(cal):
        uid = text_of(event, "UID")
        if uid is None:
            out.append(_one(event, [], ftz, method))
            continue
        if uid not in by_uid:
            order.append(uid)
        by_uid.setdefault(uid, []).append(event)
    for uid in order:
        events = by_uid[uid]
        masters = [e for e in events if "RECURRENCE-ID" not in e]
        instances = [e for e in events if "RECURRENCE-ID" in e]
        if masters:
            out.append(_series(masters[0], instances, ftz, method))
            out.extend(_series(m, [], ftz, method) for m in masters[1:])
        else:
            out.extend(_instance(e, ftz, method) for e in instances)
    return [custom_zones(event, cal) for event in out]


# --- custom time zones (RFC 8984 4.7.2) ------------------------------------------------------

_ZONE_MEMBERS = ("timeZone", "endTimeZone", "recurrenceIdTimeZone")


def custom_zones(out: dict[str, Any], cal: Calendar) -> dict[str, Any]:
    """``out`` with each TZID that is no IANA (or Windows) name and has a VTIMEZONE in ``cal``
    shown as a ``timeZones`` key, ``/`` and the TZID, defined by that VTIMEZONE: RFC 8984
    allows a ``timeZone`` only to be an IANA name or such a key."""
    own = vtimezones(cal)
    zones: dict[str, Any] = {}

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


def time_zone_json(vtimezone: Component) -> dict[str, Any]:
    """A VTIMEZONE as an RFC 8984 TimeZone: its STANDARD and DAYLIGHT parts as TimeZoneRules
    (RRULE ``recurrenceRules``, RDATE ``recurrenceOverrides``, TZNAME ``names``)."""
    out: dict[str, Any] = {"@type": "TimeZone", "tzId": str(vtimezone["TZID"])}
    _utc(out, "updated", vtimezone, "LAST-MODIFIED")
    _text(out, "url", vtimezone, "TZURL")
    _utc(out, "validUntil", vtimezone, "TZUNTIL")
    for part in vtimezone.subcomponents:
        kind = {"STANDARD": "standard", "DAYLIGHT": "daylight"}.get(str(part.name))
        start = time_of(first(part, "DTSTART"))
        before, after = _offset(first(part, "TZOFFSETFROM")), _offset(first(part, "TZOFFSETTO"))
        if kind is None or not isinstance(start, datetime) or before is None or after is None:
            continue
        rule: dict[str, Any] = {
            "@type": "TimeZoneRule",
            "start": start.replace(tzinfo=None).isoformat(),
            "offsetFrom": before,
            "offsetTo": after,
        }
        # an UNTIL is UTC: shown as the wall-clock time before the change, like ``start``
        wall = timezone(first(part, "TZOFFSETFROM").td)
        rules = [r for r in (_rule(p, FLOATING, wall) for p in props(part, "RRULE")) if r]
        if rules:
            rule["recurrenceRules"] = rules
        dates = [getattr(d, "dt", None) for p in props(part, "RDATE") for d in _dts(p)]
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


def group(events: list[dict[str, Any]], *, cal: Calendar | None = None) -> dict[str, Any]:
    """A JSCalendar Group of ``events``, with the VCALENDAR's own properties when given."""
    out: dict[str, Any] = {"@type": "Group"}
    if cal is not None:
        _text(out, "uid", cal, "UID")
        _text(out, "prodId", cal, "PRODID")
        name = first(cal, "NAME")
        if name is not None and str(name):
            out["title"] = str(name)
            language = _param(name, "LANGUAGE")
            if language:
                out["locale"] = language
        _text(out, "description", cal, "DESCRIPTION")
        _text(out, "source", cal, "SOURCE")
        _text(out, "color", cal, "COLOR")
        _utc(out, "created", cal, "CREATED")
        _utc(out, "updated", cal, "LAST-MODIFIED")
        keywords = categories_of(cal)
        if keywords:
            out["keywords"] = dict.fromkeys(keywords, True)
    out["entries"] = events
    return out


# --- one VEVENT ------------------------------------------------------------------------------


def _one(event: Component, overrides: list[Component], ftz: tzinfo, method: str | None) -> Any:
    if "RECURRENCE-ID" in event:
        return _instance(event, ftz, method)
    return _series(event, overrides, ftz, method)


def _series(
    master: Component, overrides: list[Component], ftz: tzinfo, method: str | None
) -> dict[str, Any]:
    out = _event(master, ftz, method)
    zone = read_times(master, ftz).zone
    found = _overrides(master, overrides, out, zone, ftz)
    if found:
        out["recurrenceOverrides"] = found
    return out


def _instance(event: Component, ftz: tzinfo, method: str | None) -> dict[str, Any]:
    """An override whose master is not stored: an Event of its own, naming its recurrence id."""
    out = _event(event, ftz, method)
    prop = first(event, "RECURRENCE-ID")
    rid = time_of(prop)
    if rid is not None:
        rid_zone = zone_of(rid, tzid_of(prop))
        out["recurrenceId"] = _local(rid, rid_zone, ftz)
        label = _zone_label(rid_zone)
        if label is not None:
            out["recurrenceIdTimeZone"] = label
    return out


def _event(event: Component, ftz: tzinfo, method: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "Event"}
    _text(out, "uid", event, "UID")
    summary = first(event, "SUMMARY")
    if summary is not None and not isinstance(summary, vBroken):
        out["title"] = str(summary)
        language = _param(summary, "LANGUAGE")
        if language:
            out["locale"] = language
    _description(out, event)
    _times(out, event, ftz)
    _enum(out, "status", event, "STATUS", STATUS_IN)
    _enum(out, "freeBusyStatus", event, "TRANSP", TRANSP_IN)
    _enum(out, "privacy", event, "CLASS", CLASS)
    priority = priority_of(event)
    if priority is not None and "PRIORITY" in event:
        out["priority"] = priority
    sequence = _int(first(event, "SEQUENCE"))
    if sequence is not None and sequence >= 0:
        out["sequence"] = sequence
    _text(out, "color", event, "COLOR")
    _utc(out, "created", event, "CREATED")
    if not _utc(out, "updated", event, "LAST-MODIFIED"):
        _utc(out, "updated", event, "DTSTAMP")
    if method:
        out["method"] = method
    keywords = categories_of(event)
    if keywords:
        out["keywords"] = dict.fromkeys(keywords, True)
    concepts = [str(c).strip() for c in props(event, "CONCEPT") if str(c).strip()]
    if concepts:
        out["categories"] = dict.fromkeys(concepts, True)
    _related(out, event)
    _locations(out, event)
    locations = (out.get("locations") or {}).values()
    ends = [loc.get("timeZone") for loc in locations if loc.get("relativeTo") == "end"]
    if out.get("endTimeZone") in ends:  # said once, by RFC 8984's relativeTo-end location
        del out["endTimeZone"]
    _virtual_locations(out, event)
    _participants(out, event)
    _links(out, event)
    _alerts(out, event)
    _rules(out, event, "RRULE", "recurrenceRules", ftz)
    _rules(out, event, "EXRULE", "excludedRecurrenceRules", ftz)
    jscal_props.apply(out, event)
    return out


def _description(out: dict[str, Any], event: Component) -> None:
    styled = first(event, "STYLED-DESCRIPTION")
    if styled is not None and str(styled):
        out["description"] = _str(styled)
        out["descriptionContentType"] = _param(styled, "FMTTYPE") or "text/html"
        return
    _text(out, "description", event, "DESCRIPTION")


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


# --- times -----------------------------------------------------------------------------------


def _zone_label(zone: EventZone) -> str | None:
    if zone.label is None:
        return None
    return "Etc/UTC" if zone.label == "UTC" else zone.label


def _local(value: Time, zone: EventZone, ftz: tzinfo) -> str:
    """A stored time as a LocalDateTime in ``zone`` (floating: in the calendar's zone)."""
    if not isinstance(value, datetime):
        return f"{value.isoformat()}T00:00:00"
    if is_aware(value):
        target = zone.tz if zone.tz is not None else (None if zone.label else ftz)
        if target is not None:
            value = value.astimezone(target)
    return value.replace(tzinfo=None, microsecond=0).isoformat()


def _times(out: dict[str, Any], event: Component, ftz: tzinfo) -> None:
    times = read_times(event, ftz)
    start = times.start
    if start is None:
        if times.duration is not None and times.duration > timedelta(0):
            out["duration"] = format_duration(times.duration)
        return
    out["start"] = _local(start, times.zone, ftz)
    out["timeZone"] = _zone_label(times.zone)
    if is_date(start):
        out["showWithoutTime"] = True
    span: timedelta | None = None
    dtend = times.dtend
    if dtend is not None and is_date(dtend) == is_date(start):
        if isinstance(start, datetime) and isinstance(dtend, datetime):
            span = instant(dtend, ftz) - instant(start, ftz)
            end_prop = first(event, "DTEND")
            end_label = _zone_label(zone_of(dtend, tzid_of(end_prop)))
            if end_label is not None and end_label != out["timeZone"]:
                out["endTimeZone"] = end_label
        else:
            span = dtend - start
    elif times.duration is not None:
        span = times.duration
    if span is not None and span > timedelta(0):
        out["duration"] = format_duration(span)


# --- people and places -----------------------------------------------------------------------


def send_to(address: str) -> dict[str, str]:
    """RFC 8984 ``sendTo`` / ``replyTo`` for a calendar user address: ``imip`` takes a
    ``mailto:`` URI only (4.4.4), any other URI is ``other``."""
    return {"imip" if address.lower().startswith("mailto:") else "other": address}


def mail_address(uri: str) -> str | None:
    """The e-mail address of a ``mailto:`` URI (None for another URI)."""
    if not uri.lower().startswith("mailto:"):
        return None
    return uri[len("mailto:") :].strip() or None


def address_in(methods: Any) -> str | None:
    """The address of a ``sendTo`` / ``replyTo`` map: ``imip``, else ``other``, else the first
    method with a text value (a vendor's)."""
    if not isinstance(methods, dict):
        return None
    for key in ("imip", "other", *methods):
        value = methods.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def participant_address(part: dict[str, Any]) -> str | None:
    """Where a participant is reached, in every spelling calgate reads: RFC 8984's ``sendTo``,
    JSCalendar 2.0's ``calendarAddress``, and (neither given) ``email`` as a mailto: address,
    as EGroupware sends participants."""
    found = part.get("calendarAddress")
    if isinstance(found, str) and found.strip():
        return found.strip()
    found = address_in(part.get("sendTo"))
    if found is not None:
        return found
    email = part.get("email")
    return f"mailto:{email.strip()}" if isinstance(email, str) and email.strip() else None


def _person(prop: Any, address: str) -> dict[str, Any]:
    """What an ATTENDEE or ORGANIZER says of a person: address, name, e-mail, kind."""
    part: dict[str, Any] = {"@type": "Participant", "sendTo": send_to(address)}
    _param_to(part, "name", prop, "CN")
    email = _param(prop, "EMAIL") or mail_address(address)
    if email:
        part["email"] = email
    kind = CUTYPE.get((_param(prop, "CUTYPE") or "").upper())
    if kind:
        part["kind"] = kind
    return part


def _participants(out: dict[str, Any], event: Component) -> None:
    found: dict[str, dict[str, Any]] = {}
    by_address: dict[str, str] = {}
    for prop in props(event, "ATTENDEE"):
        address = str(prop).strip()
        if not address or isinstance(prop, vBroken):
            continue
        pid = _param(prop, "JSID") or stable_id(address)
        if pid in found:
            continue
        part = _person(prop, address)
        roles = {ROLES[r] for r in _params(prop, "ROLE") if r in ROLES}
        if not _params(prop, "ROLE"):
            roles = {"attendee"}  # RFC 8984 4.4.6: roles is mandatory; no ROLE: an attendee
        if roles:
            part["roles"] = dict.fromkeys(sorted(roles), True)
        status = PARTSTAT.get((_param(prop, "PARTSTAT") or "").upper())
        if status:
            part["participationStatus"] = status
        if (_param(prop, "RSVP") or "").upper() == "TRUE":
            part["expectReply"] = True
        for name, key in (("DELEGATED-TO", "delegatedTo"), ("DELEGATED-FROM", "delegatedFrom")):
            addresses = [a for a in _params(prop, name, upper=False) if a]
            if addresses:
                part[key] = {stable_id(a): True for a in addresses}
        _param_to(part, "sentBy", prop, "SENT-BY")
        found[pid] = part
        by_address.setdefault(address.lower(), pid)
    organizer = first(event, "ORGANIZER")
    address = "" if organizer is None else str(organizer).strip()
    if address and not isinstance(organizer, vBroken):
        out["replyTo"] = send_to(address)
        has_owner = any("owner" in p.get("roles", {}) for p in found.values())
        same = by_address.get(address.lower())
        if same is not None:  # the organizer attends: one participant, the owner
            cn = _param(organizer, "CN")
            if cn and "name" not in found[same]:
                found[same]["name"] = cn
            owned = {**found[same].get("roles", {}), "owner": True}
            found[same]["roles"] = dict(sorted(owned.items()))
        elif not has_owner:  # calcard: an OWNER attendee stands for the organizer
            part = _person(organizer, address)
            part["roles"] = {"owner": True}  # RFC 8984 4.4.6: roles is mandatory
            found[_param(organizer, "JSID") or stable_id(address)] = part
    if found:
        out["participants"] = found


def geo_uri(prop: Any) -> str | None:
    """A GEO property as the ``geo:`` URI the reader shows (None: unreadable)."""
    try:
        return f"geo:{float(prop.latitude)!r},{float(prop.longitude)!r}"
    except Exception:
        return None


# RFC 9073 has no property for a Location's relativeTo and timeZone: calgate's own names.
RELATIVE_TO = "X-JSCAL-RELATIVE-TO"
TIME_ZONE = "X-JSCAL-TIME-ZONE"


def vlocation_of(comp: Component) -> dict[str, Any]:
    """One RFC 9073 VLOCATION as a JSCalendar Location."""
    loc: dict[str, Any] = {"@type": "Location"}
    _text(loc, "name", comp, "NAME")
    _text(loc, "description", comp, "DESCRIPTION")
    types = [t.strip().lower() for t in _texts(comp, "LOCATION-TYPE") if t.strip()]
    if types:
        loc["locationTypes"] = dict.fromkeys(types, True)
    coordinates = first(comp, "COORDINATES")
    geo = first(comp, "GEO")
    if coordinates is not None and str(coordinates):
        loc["coordinates"] = _str(coordinates)
    elif geo is not None and geo_uri(geo):
        loc["coordinates"] = geo_uri(geo)
    relative = (text_of(comp, RELATIVE_TO) or "").strip().lower()
    if relative in ("start", "end"):
        loc["relativeTo"] = relative
    _text(loc, "timeZone", comp, TIME_ZONE)
    return loc


def vlocation_id(comp: Component) -> str | None:
    """The id the reader gives a VLOCATION."""
    return _vlocation_id(comp, vlocation_of(comp))


def _vlocation_id(comp: Component, loc: dict[str, Any]) -> str | None:
    key = loc.get("name") or loc.get("coordinates") or text_of(comp, "UID")
    return text_of(comp, "JSID") or (stable_id(key) if key else None)


def vlocation_ids(event: Component) -> frozenset[str]:
    """The ids of the locations the reader makes of ``event``'s VLOCATION components."""
    found: dict[str, Any] = {}
    _locations(found, event, vlocations_only=True)
    return frozenset(found.get("locations") or {})


def _locations(out: dict[str, Any], event: Component, *, vlocations_only: bool = False) -> None:
    found: dict[str, dict[str, Any]] = {}
    for comp in event.subcomponents:
        if getattr(comp, "name", None) != "VLOCATION":
            continue
        loc = vlocation_of(comp)
        lid = _vlocation_id(comp, loc)
        if lid is not None and lid not in found:
            found[lid] = loc
    if vlocations_only:
        out["locations"] = found
        return
    main = None
    for prop in props(event, "LOCATION"):
        name = str(prop).strip()
        if not name or isinstance(prop, vBroken):
            continue
        lid = _param(prop, "JSID") or stable_id(name)
        found.setdefault(lid, {"@type": "Location", "name": name})
        if (_param(prop, "DERIVED") or "").upper() == "TRUE" and main is None:
            main = lid
    for prop in props(event, "GEO"):
        uri = geo_uri(prop)
        if uri is None:
            continue
        geo_id = _param(prop, "JSID")
        if geo_id is None and any(v.get("coordinates") == uri for v in found.values()):
            continue  # the coordinates of a VLOCATION, repeated for clients that read GEO
        if geo_id is None:  # no JSID: the place of the one LOCATION, else a place of its own
            plain = [k for k, v in found.items() if "coordinates" not in v]
            geo_id = plain[0] if len(plain) == 1 else stable_id(uri)
        found.setdefault(geo_id, {"@type": "Location"})["coordinates"] = uri
    if found:
        out["locations"] = found
    if main is not None:
        out["mainLocationId"] = main


def _virtual_locations(out: dict[str, Any], event: Component) -> None:
    found: dict[str, dict[str, Any]] = {}
    for prop in props(event, "CONFERENCE"):
        uri = str(prop).strip()
        if not uri or isinstance(prop, vBroken):
            continue
        loc: dict[str, Any] = {"@type": "VirtualLocation", "uri": uri}
        _param_to(loc, "name", prop, "LABEL")
        features = [f.lower() for f in _params(prop, "FEATURE")]
        if features:
            loc["features"] = dict.fromkeys(features, True)
        found.setdefault(_param(prop, "JSID") or stable_id(uri), loc)
    if found:
        out["virtualLocations"] = found


def _links(out: dict[str, Any], event: Component) -> None:
    found: dict[str, dict[str, Any]] = {}
    for name in ("LINK", "ATTACH", "IMAGE"):
        for prop in props(event, name):
            if isinstance(prop, vBroken):
                continue
            content_type = _param(prop, "FMTTYPE")
            if (_param(prop, "VALUE") or "").upper() == "BINARY":
                data = prop.to_ical()
                data = data.decode("ascii", "replace") if isinstance(data, bytes) else str(data)
                href = f"data:{content_type or ''};base64,{data}"
            else:
                href = str(prop).strip()
            if not href:
                continue
            link: dict[str, Any] = {"@type": "Link", "href": href}
            if content_type:
                link["contentType"] = content_type
            _param_to(link, "title", prop, "LABEL")
            size = _int(_param(prop, "SIZE"))
            if size is not None:
                link["size"] = size
            display = [d.lower() for d in _params(prop, "DISPLAY")]
            if name == "IMAGE" and display:
                link["display"] = dict.fromkeys(display, True)
            if name == "LINK":
                _param_to(link, "rel", prop, "LINKREL")
            found.setdefault(_param(prop, "JSID") or stable_id(href), link)
    if found:
        out["links"] = found


def _related(out: dict[str, Any], event: Component) -> None:
    found: dict[str, dict[str, Any]] = {}
    for prop in props(event, "RELATED-TO"):
        uid = str(prop).strip()
        if not uid:
            continue
        relation: dict[str, Any] = found.setdefault(uid, {"@type": "Relation"})
        for reltype in _params(prop, "RELTYPE"):
            relation.setdefault("relation", {})[reltype.lower()] = True
    if found:
        out["relatedTo"] = found


def _alerts(out: dict[str, Any], event: Component) -> None:
    alarms = alarms_of(event)
    ids = [text_of(a, "JSID") or f"k{n}" for n, a in enumerate(alarms, 1)]
    by_uid = {text_of(a, "UID"): i for a, i in zip(alarms, ids, strict=True) if "UID" in a}
    found: dict[str, dict[str, Any]] = {}
    for alarm, aid in zip(alarms, ids, strict=True):
        alert: dict[str, Any] = {"@type": "Alert"}
        trigger = _trigger(first(alarm, "TRIGGER"))
        if trigger is not None:
            alert["trigger"] = trigger
        action = ACTION.get((text_of(alarm, "ACTION") or "").strip().upper())
        if action:
            alert["action"] = action
        _utc(alert, "acknowledged", alarm, "ACKNOWLEDGED")
        _related(alert, alarm)
        if "relatedTo" in alert:  # a snoozed alarm names its parent by UID; JSCalendar by id
            alert["relatedTo"] = {by_uid.get(k, k): v for k, v in alert["relatedTo"].items()}
        jscal_props.apply(alert, alarm)
        found.setdefault(aid, alert)
    if found:
        out["alerts"] = found


def _trigger(prop: Any) -> dict[str, Any] | None:
    if prop is None or isinstance(prop, vBroken):
        return None
    try:
        value = prop.dt
    except Exception:
        return None
    if isinstance(value, timedelta):
        trigger = {"@type": "OffsetTrigger", "offset": format_duration(value)}
        related = _param(prop, "RELATED")
        if related and related.upper() in ("START", "END"):
            trigger["relativeTo"] = related.lower()
        return trigger
    if isinstance(value, datetime):
        return {"@type": "AbsoluteTrigger", "when": format_utc(value.replace(microsecond=0))}
    return None


# --- recurrence ------------------------------------------------------------------------------


def _rules(out: dict[str, Any], event: Component, name: str, key: str, ftz: tzinfo) -> None:
    times = read_times(event, ftz)
    rules = [r for r in (_rule(p, times.zone, ftz) for p in props(event, name)) if r]
    if rules:
        out[key] = rules


def _rule(prop: Any, zone: EventZone, ftz: tzinfo) -> dict[str, Any] | None:
    if isinstance(prop, vBroken) or not hasattr(prop, "get"):
        return None
    try:
        parts = {str(k).upper(): (v if isinstance(v, list) else [v]) for k, v in prop.items()}
        freq = str(parts["FREQ"][0]).upper()
        if freq not in FREQUENCIES:
            return None
        rule: dict[str, Any] = {"@type": "RecurrenceRule", "frequency": freq.lower()}
        if "INTERVAL" in parts:
            rule["interval"] = int(parts["INTERVAL"][0])
        for part, key in (("RSCALE", "rscale"), ("SKIP", "skip"), ("WKST", "firstDayOfWeek")):
            if part in parts:
                rule[key] = _token(parts[part][0]).lower()
        days = []
        for item in parts.get("BYDAY", []):
            match = _NDAY.fullmatch(_token(item).strip().upper())
            if match is None:
                return None
            nday: dict[str, Any] = {"@type": "NDay", "day": match[2].lower()}
            if match[1]:
                nday["nthOfPeriod"] = int(match[1])
            days.append(nday)
        if days:
            rule["byDay"] = days
        if parts.get("BYMONTH"):
            rule["byMonth"] = [_token(m).strip() for m in parts["BYMONTH"]]
        for part, key in _INT_PARTS.items():
            if parts.get(part):
                rule[key] = [int(v) for v in parts[part]]
        if "COUNT" in parts:
            rule["count"] = int(parts["COUNT"][0])
        if "UNTIL" in parts:
            until = parts["UNTIL"][0]
            if not isinstance(until, date):
                return None
            rule["until"] = _local(until, zone, ftz)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return rule


def _overrides(
    master: Component,
    overrides: list[Component],
    base: dict[str, Any],
    zone: EventZone,
    ftz: tzinfo,
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for prop in props(master, "RDATE"):
        for item in _dts(prop):
            value = getattr(item, "dt", None)
            end: Any = None
            if isinstance(value, tuple) and len(value) == 2:
                value, end = value
            if not isinstance(value, date):
                continue
            patch: dict[str, Any] = {}
            span = end if isinstance(end, timedelta) else None
            if isinstance(end, datetime) and isinstance(value, datetime):
                span = instant(end, ftz) - instant(value, ftz)
            if span is not None and span > timedelta(0):
                duration = format_duration(span)
                if duration != base.get("duration", "PT0S"):
                    patch["duration"] = duration
            found[_local(value, zone, ftz)] = patch
    for override in overrides:
        rid = time_of(first(override, "RECURRENCE-ID"))
        if rid is None:
            continue
        key = _local(rid, zone, ftz)
        found[key] = _patch(base, _event(override, ftz, None), key, "DTSTART" in override)
    # RFC 5545 3.8.5.1: EXDATE removes an instance, also one an RDATE or override adds.
    for prop in props(master, "EXDATE"):
        for item in _dts(prop):
            value = time_of(item)
            if value is not None:
                found[_local(value, zone, ftz)] = {"excluded": True}
    return found


def _patch(base: dict[str, Any], instance: dict[str, Any], key: str, whole: bool) -> dict[str, Any]:
    """What ``instance`` changes of ``base`` at recurrence id ``key`` (top-level members)."""
    if instance.get("start") == key and instance.get("timeZone") == base.get("timeZone"):
        instance.pop("start")  # an instance starts at its recurrence id unless patched
        instance.pop("timeZone", None)
    base = {k: v for k, v in base.items() if k != "start"}
    patch = {k: v for k, v in instance.items() if k not in NOT_PATCHED and base.get(k) != v}
    if whole:
        for k in base:
            if k not in NOT_PATCHED and k not in instance and k not in ("timeZone",):
                patch[k] = None
    return patch


# --- small readers ---------------------------------------------------------------------------


def _method(cal: Calendar) -> str | None:
    method = (text_of(cal, "METHOD") or "").strip().lower()
    return method or None


def _param(prop: Any, name: str) -> str | None:
    params = getattr(prop, "params", None) or {}
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def _params(prop: Any, name: str, *, upper: bool = True) -> list[str]:
    """The values of a multi-valued parameter (ROLE=CHAIR,REQ-PARTICIPANT)."""
    params = getattr(prop, "params", None) or {}
    value = params.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    out = [str(v).strip() for v in items if str(v).strip()]
    return [v.upper() for v in out] if upper else out


def _param_to(out: dict[str, Any], key: str, prop: Any, name: str) -> None:
    value = _param(prop, name)
    if value:
        out[key] = value


def _str(prop: Any) -> str:
    """A TEXT value; icalendar leaves the escapes of a property it does not know."""
    return _unescape(str(prop)) if isinstance(prop, vUnknown) else str(prop)


def _text(out: dict[str, Any], key: str, comp: Component, name: str) -> None:
    value = first(comp, name)
    if value is not None and not isinstance(value, vBroken) and str(value) != "":
        out[key] = _str(value)


def _texts(comp: Component, name: str) -> list[str]:
    out: list[str] = []
    for prop in props(comp, name):
        items = getattr(prop, "cats", None)
        out.extend(str(i) for i in (items if items is not None else str(prop).split(",")))
    return out


def _utc(out: dict[str, Any], key: str, comp: Component, name: str) -> bool:
    value = time_of(first(comp, name))
    if not isinstance(value, datetime):
        return False
    out[key] = format_utc(value if is_aware(value) else value.replace(tzinfo=UTC))
    return True


def _enum(out: dict[str, Any], key: str, comp: Component, name: str, table: dict[str, str]) -> None:
    value = text_of(comp, name)
    found = table.get(value.strip().upper()) if value else None
    if found:
        out[key] = found


def _dts(prop: Any) -> list[Any]:
    """The values of an RDATE / EXDATE; none when it is broken."""
    if isinstance(prop, vBroken):
        return []
    try:
        return list(prop.dts or [])
    except Exception:
        return []


def _token(value: Any) -> str:
    """An RRULE part as written (str() of icalendar's enum values is their Python name)."""
    to_ical = getattr(value, "to_ical", None)
    if to_ical is not None:
        raw = to_ical()
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    return str(value)


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, vBroken):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


__all__ = [
    "JSCAL_NAMESPACE",
    "geo_uri",
    "group",
    "override_key",
    "stable_id",
    "to_jscalendar",
    "to_jscalendar_entries",
    "vlocation_id",
    "vlocation_ids",
    "vlocation_of",
]
