"""The two JSON forms of a stored event (pure, no I/O): :class:`EventPublic` (what the API
returns, :func:`event_to_public`) and the writable form (:func:`writable_of`, what PATCH merges
into). Never raises on odd server data; see :mod:`calgate.domain.ical_read` for what it becomes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Component
from pydantic import ValidationError

from calgate.domain.ical_parse import first, floating_zone, master_event, text_of, time_of
from calgate.domain.ical_read import (
    CLASS_IN,
    STATUS_IN,
    TRANSP_IN,
    ReadEvent,
    attendees_of,
    categories_of,
    enum_of,
    exdates_of,
    model_or_none,
    organizer_of,
    prioritized_of,
    priority_of,
    rdates_of,
    read_event,
)
from calgate.domain.model import Alert, Attendee, EventPublic, Organizer, Recurrence
from calgate.domain.recurrence import (
    check_rrule,
    convert_until,
    rrule_from_recurrence,
    rrule_key,
    split_rrule,
)
from calgate.domain.timezones import (
    FLOATING,
    EventZone,
    Time,
    format_duration,
    format_public,
    format_utc,
    is_date,
    parse_time,
    zone_of,
)


def public_time(value: Time) -> str:
    return format_public(value)


def local_time(value: Time, zone: EventZone) -> str:
    """A time as a local time of ``zone`` (the writable form), with its offset when it
    cannot be one (an aware time in a floating event)."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        return value.isoformat()
    if zone.tz is None:
        return format_public(value)
    return zone.wall_clock(value).isoformat()


def _timestamp(event: Component, *names: str) -> str | None:
    for name in names:
        value = time_of(first(event, name))
        if isinstance(value, datetime):
            return format_utc(value)
    return None


def _sequence(event: Component) -> int:
    value = first(event, "SEQUENCE")
    try:
        return max(int(value), 0) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def public_of(
    read: ReadEvent,
    *,
    event_id: str,
    calendar_id: str,
    etag: str | None,
    recurrence_id: str | None = None,
    series_fields: bool = True,
    modified: bool = False,
) -> EventPublic:
    """The :class:`EventPublic` of one read VEVENT. ``series_fields=False`` leaves out the
    recurrence rule, EXDATEs and RDATEs (for expanded occurrences)."""
    event = read.component
    times = read.times
    zone = times.zone
    recurrence = None
    if series_fields and read.recurrence is not None:
        rec = dict(read.recurrence)
        if read.until is not None:
            rec["until"] = public_time(read.until)
        recurrence = model_or_none(Recurrence, rec)
    organizer = organizer_of(event)
    data: dict[str, Any] = {
        "id": event_id,
        "calendar_id": calendar_id,
        "uid": text_of(event, "UID"),
        "etag": etag,
        "created": _timestamp(event, "CREATED"),
        "updated": _timestamp(event, "LAST-MODIFIED", "DTSTAMP"),
        "sequence": _sequence(event),
        "recurrence_id": recurrence_id,
        "modified": modified,
        "title": text_of(event, "SUMMARY"),
        "description": text_of(event, "DESCRIPTION"),
        "location": text_of(event, "LOCATION"),
        "start": public_time(times.start) if times.start is not None else None,
        "end": public_time(times.end) if times.end is not None else None,
        "duration": format_duration(times.duration) if times.duration is not None else None,
        "time_zone": zone.label,
        "all_day": is_date(times.start) if times.start is not None else False,
        "floating": isinstance(times.start, datetime) and zone.floating,
        "status": enum_of(event, "STATUS", STATUS_IN),
        "transparency": enum_of(event, "TRANSP", TRANSP_IN),
        "privacy": enum_of(event, "CLASS", CLASS_IN),
        "priority": priority_of(event),
        "prioritized": prioritized_of(event),
        "url": text_of(event, "URL"),
        "categories": categories_of(event),
        "organizer": Organizer.model_validate(organizer) if organizer else None,
        "attendees": [Attendee.model_validate(x) for x in attendees_of(event)],
        "alerts": [
            a
            for a in (
                model_or_none(
                    Alert, {"trigger": x.trigger, "action": x.action, "description": x.description}
                )
                for x in read.alerts
            )
            if a
        ],
        "recurrence": recurrence,
        "rrule": read.rrule if series_fields else None,
        "excluded_dates": [public_time(x) for x in exdates_of(event)] if series_fields else [],
        "recurrence_dates": [public_time(x) for x in rdates_of(event)] if series_fields else [],
    }
    try:
        return EventPublic.model_validate(data)
    except ValidationError:  # pragma: no cover - every field above is sanitised
        return EventPublic(id=event_id, calendar_id=calendar_id, etag=etag)


def event_to_public(
    cal: Calendar, *, event_id: str, calendar_id: str, etag: str | None, floating_tz: str
) -> EventPublic:
    """The API form of a stored event: its master VEVENT (see the module docstring for what
    odd data becomes). ``floating_tz`` (an IANA name) is the zone floating times are compared
    in, for ordering an end before its start."""
    event = master_event(cal)
    if event is None:
        return EventPublic(id=event_id, calendar_id=calendar_id, etag=etag)
    read = read_event(event, floating_zone(floating_tz))
    recurrence_id = None
    if "RECURRENCE-ID" in event:
        rid = time_of(first(event, "RECURRENCE-ID"))
        recurrence_id = public_time(rid) if rid is not None else None
    return public_of(
        read,
        event_id=event_id,
        calendar_id=calendar_id,
        etag=etag,
        recurrence_id=recurrence_id,
        modified=recurrence_id is not None,
    )


def writable_of(read: ReadEvent) -> dict[str, Any]:
    """The stored event in the writable JSON form (camelCase, absent fields left out).

    Times are local times of the event's zone (so a PATCH of ``timeZone`` alone keeps the
    wall-clock time), and every field reads back to what is stored: putting this form back
    through the writer changes nothing.
    """
    event = read.component
    times = read.times
    zone = times.zone
    out: dict[str, Any] = {}
    for key, name in (
        ("title", "SUMMARY"),
        ("description", "DESCRIPTION"),
        ("location", "LOCATION"),
    ):
        value = text_of(event, name)
        if value is not None:
            out[key] = value
    start = times.start
    if start is None:
        return out
    out["start"] = local_time(start, zone)
    if is_date(start):
        out["allDay"] = True
    elif zone.floating:
        out["floating"] = True
    else:
        out["timeZone"] = zone.label
    if times.duration is not None and times.dtend is None:
        if is_date(start):
            out["duration"] = format_duration(timedelta(days=max(times.duration.days, 1)))
        else:
            out["duration"] = format_duration(max(times.duration, timedelta(0)))
    elif times.end is not None and times.end != start:
        end = times.end
        out["end"] = local_time(end, zone if _same_zone(end, zone) else FLOATING)
    elif not is_date(start):
        out["duration"] = "PT0S"
    for key, name, table in (
        ("status", "STATUS", STATUS_IN),
        ("transparency", "TRANSP", TRANSP_IN),
        ("privacy", "CLASS", CLASS_IN),
    ):
        value = enum_of(event, name, table)
        if value is not None:
            out[key] = value
    priority = priority_of(event)
    if priority is not None:
        out["priority"] = priority
    if prioritized_of(event):
        out["prioritized"] = True
    url = text_of(event, "URL")
    if url is not None:
        out["url"] = url
    cats = categories_of(event)
    if cats:
        out["categories"] = cats
    organizer = organizer_of(event)
    if organizer is not None:
        out["organizer"] = {k: v for k, v in organizer.items() if v is not None}
    attendees = []
    for attendee in attendees_of(event):
        attendees.append(_camel({k: v for k, v in attendee.items() if v is not None}))
    if attendees:
        out["attendees"] = attendees
    if read.alerts:
        out["alerts"] = [
            {"trigger": a.trigger, "action": a.action}
            | ({"description": a.description} if a.description is not None else {})
            for a in read.alerts
        ]
    if read.rrule is not None:
        rec = _writable_recurrence(read, zone)
        if rec is not None:
            out["recurrence"] = rec
        elif _rrule_valid(read.rrule):
            out["rrule"] = read.rrule
    exdates = exdates_of(event)
    if exdates:
        out["excludedDates"] = [local_time(x, zone) for x in exdates]
    rdates = rdates_of(event)
    if rdates:
        out["recurrenceDates"] = [local_time(x, zone) for x in rdates]
    return out


def _same_zone(value: datetime | date, zone: EventZone) -> bool:
    if not isinstance(value, datetime) or value.tzinfo is None or zone.tz is None:
        return True
    if value.tzinfo is zone.tz:
        return True
    return zone_of(value, None).label == zone.label


def _camel(data: dict[str, Any]) -> dict[str, Any]:
    return {
        ("participationStatus" if k == "participation_status" else k): v for k, v in data.items()
    }


def _rrule_valid(text: str) -> bool:
    """Whether a stored rule may go into the writable form: one a client could not send is
    left out, and the writer keeps it (a PATCH must not fail on what a server stored)."""
    try:
        check_rrule(text)
    except ValueError:
        return False
    return True


def _writable_recurrence(read: ReadEvent, zone: EventZone) -> dict[str, Any] | None:
    """The recurrence object, when writing it back gives the stored rule's meaning."""
    if read.recurrence is None or read.rrule is None or read.times.start is None:
        return None
    rec = dict(read.recurrence)
    until = None
    if read.until is not None:
        if is_date(read.until) != is_date(read.times.start):
            return None
        rec["until"] = local_time(read.until, zone)
        until = convert_until(parse_time(rec["until"]), read.times.start, zone)
    try:
        split_rrule(read.rrule)
    except ValueError:
        return None
    if rrule_key(rrule_from_recurrence(rec, until), zone) != rrule_key(read.rrule, zone):
        return None
    return rec


__all__ = ["event_to_public", "local_time", "public_of", "public_time", "writable_of"]
