"""Reading one stored VEVENT into Python values (pure, no I/O). Never raises on odd data.

What odd data becomes:

- a floating DTSTART: local times, ``timeZone`` null, ``floating`` true;
- DURATION instead of DTEND: ``end`` = start + duration and ``duration`` set;
- no DTEND and no DURATION (RFC 5545 3.6.1): a date-time event ends when it starts, a date
  event lasts one day; an end before the start is shown as the start;
- a TZID without VTIMEZONE: resolved when it names an IANA (or Windows) zone, else the times are
  shown as local times with ``timeZone`` the TZID string (computations read them as floating);
- a broken or unmodelled RRULE, or one a client could not send (RFC 5545 3.3.10 forbids the
  combination): ``rrule`` raw, ``recurrence`` null;
- an RDATE with PERIOD values: each period shown by its start;
- unknown STATUS / CLASS / TRANSP / ROLE / PARTSTAT values, broken PRIORITY: null;
- missing UID / DTSTAMP / DTSTART: null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from icalendar import Component
from icalendar.prop import vBroken
from pydantic import ValidationError

from calgate.domain.ical_parse import first, props, text_of, time_of, tzid_of
from calgate.domain.model import Attendee, Organizer, Recurrence
from calgate.domain.recurrence import recurrence_from_rrule
from calgate.domain.timezones import (
    UTC,
    EventZone,
    Time,
    add_duration,
    format_duration,
    format_public,
    instant,
    is_date,
    zone_of,
)

STATUS_IN = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "cancelled"}
TRANSP_IN = {"OPAQUE": "busy", "TRANSPARENT": "free"}
CLASS_IN = {"PUBLIC": "public", "PRIVATE": "private", "CONFIDENTIAL": "confidential"}
ROLE_IN = {
    "CHAIR": "chair",
    "REQ-PARTICIPANT": "required",
    "OPT-PARTICIPANT": "optional",
    "NON-PARTICIPANT": "non-participant",
}
PARTSTAT_IN = {
    "NEEDS-ACTION": "needs-action",
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
    "DELEGATED": "delegated",
}
ACTION_IN = {"DISPLAY": "display", "EMAIL": "email", "AUDIO": "audio"}


@dataclass
class Times:
    """The times of one VEVENT as stored, and the end they mean."""

    start: Time | None
    zone: EventZone
    end: Time | None
    dtend: Time | None = None
    duration: timedelta | None = None

    @property
    def span(self) -> timedelta | None:
        if self.start is None or self.end is None or is_date(self.start) != is_date(self.end):
            return None
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            return instant(self.end, UTC) - instant(self.start, UTC)
        return self.end - self.start


def read_times(event: Component, floating_tz: tzinfo = UTC) -> Times:
    start_prop = first(event, "DTSTART")
    start = time_of(start_prop)
    zone = zone_of(start, tzid_of(start_prop))
    dtend = time_of(first(event, "DTEND"))
    duration_prop = first(event, "DURATION")
    duration = None
    if duration_prop is not None and not isinstance(duration_prop, vBroken):
        try:
            value = duration_prop.dt
        except Exception:
            value = None
        duration = value if isinstance(value, timedelta) else None
    times = Times(start, zone, None, dtend, duration)
    if start is None:
        times.end = dtend
        return times
    times.end = effective_end(start, dtend, duration, zone, floating_tz)
    return times


def effective_end(
    start: Time,
    dtend: Time | None,
    duration: timedelta | None,
    zone: EventZone,
    floating_tz: tzinfo,
) -> Time:
    """Where an event starting at ``start`` ends (RFC 5545 3.6.1): DTEND of the same value type,
    else start + DURATION, else a date-time event ends when it starts and a date event lasts a
    day. An end before the start (for dates: not after it) is read as that default."""
    end: Time | None = None
    if dtend is not None and is_date(dtend) == is_date(start):
        end = dtend
    elif duration is not None:
        if is_date(start):
            end = start + timedelta(days=max(duration.days, 1))
        else:
            end = add_duration(start, duration)
    if is_date(start):
        if end is None or end <= start:
            end = start + timedelta(days=1)
        return end
    tz = zone.tz or floating_tz
    if end is None or instant(end, tz) < instant(start, tz):
        end = start
    return end


def enum_of(component: Component, name: str, table: dict[str, str]) -> str | None:
    value = text_of(component, name)
    return None if value is None else table.get(value.strip().upper())


def priority_of(event: Component) -> int | None:
    value = first(event, "PRIORITY")
    if value is None or isinstance(value, vBroken):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 9 else None


PRIORITIZED = "X-CALGATE-PRIORITIZED"


def prioritized_of(event: Component) -> bool:
    """calgate's booking priority flag (clearing keeps a prioritized booking)."""
    return (text_of(event, PRIORITIZED) or "").strip().upper() == "TRUE"


def categories_of(event: Component) -> list[str]:
    out: list[str] = []
    for prop in props(event, "CATEGORIES"):
        cats = getattr(prop, "cats", None)
        if cats is None:
            out.extend(c for c in str(prop).split(",") if c)
        else:
            out.extend(str(c) for c in cats)
    return out


def address_of(value: Any) -> str:
    text = str(value).strip()
    return text[len("mailto:") :] if text.lower().startswith("mailto:") else text


def _param(value: Any, name: str) -> str | None:
    params = getattr(value, "params", None) or {}
    found = params.get(name)
    if found is None:
        return None
    if isinstance(found, list):
        found = ",".join(str(f) for f in found)
    return str(found)


def organizer_of(event: Component) -> dict[str, Any] | None:
    """The ORGANIZER as ``{email, name}``; None when absent or not a usable address."""
    value = first(event, "ORGANIZER")
    if value is None:
        return None
    found = {"email": address_of(value), "name": _param(value, "CN")}
    return found if model_or_none(Organizer, found) is not None else None


def rsvp_of(value: Any) -> bool | None:
    rsvp = _param(value, "RSVP")
    if rsvp is None:
        return None
    return {"TRUE": True, "FALSE": False}.get(rsvp.strip().upper())


def attendee_of(value: Any) -> dict[str, Any]:
    role = _param(value, "ROLE")
    partstat = _param(value, "PARTSTAT")
    return {
        "email": address_of(value),
        "name": _param(value, "CN"),
        "role": ROLE_IN.get(role.upper()) if role else None,
        "participation_status": PARTSTAT_IN.get(partstat.upper()) if partstat else None,
        "rsvp": rsvp_of(value),
    }


def showable_attendee(value: Any) -> bool:
    """Whether an ATTENDEE has an address the API can show (others are kept untouched)."""
    return model_or_none(Attendee, attendee_of(value)) is not None


def attendees_of(event: Component) -> list[dict[str, Any]]:
    return [attendee_of(v) for v in props(event, "ATTENDEE") if showable_attendee(v)]


@dataclass(frozen=True)
class ReadAlert:
    """A VALARM calgate can show; ``key`` (trigger, action) matches it against a sent alert."""

    trigger: str
    action: str
    description: str | None
    key: tuple[Any, ...]


def alert_of(alarm: Component, times: Times) -> ReadAlert | None:
    """The API form of a VALARM, or None when it cannot be one (unknown ACTION, no TRIGGER,
    relative to an end that has no fixed distance from the start)."""
    action = ACTION_IN.get((text_of(alarm, "ACTION") or "").strip().upper())
    trigger = first(alarm, "TRIGGER")
    if action is None or trigger is None or isinstance(trigger, vBroken):
        return None
    try:
        value = trigger.dt
    except Exception:
        return None
    description = text_of(alarm, "DESCRIPTION")
    if isinstance(value, timedelta):
        if (_param(trigger, "RELATED") or "START").upper() == "END":
            span = times.span
            if span is None:
                return None
            value = span + value
        return ReadAlert(format_duration(value), action, description, ("rel", value, action))
    if isinstance(value, datetime):
        moment = instant(value, UTC).astimezone(UTC)
        return ReadAlert(
            format_public(moment), action, description, ("abs", moment.replace(tzinfo=None), action)
        )
    return None


def alarms_of(event: Component) -> list[Component]:
    return [c for c in event.subcomponents if getattr(c, "name", None) == "VALARM"]


def exdates_of(event: Component) -> list[Time]:
    out: list[Time] = []
    for prop in props(event, "EXDATE"):
        if isinstance(prop, vBroken):
            continue
        for item in getattr(prop, "dts", []) or []:
            value = time_of(item)
            if value is not None:
                out.append(value)
    return out


def rdate_start(item: Any) -> Time | None:
    """When one RDATE value occurs: the date / date-time, or the start of a PERIOD."""
    try:
        value = item.dt
    except Exception:
        return None
    if isinstance(value, tuple):
        value = value[0] if value else None
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value if isinstance(value, date) else None


def rdates_of(event: Component) -> list[Time]:
    """The RDATE values (a PERIOD by its start), in stored order; broken ones left out."""
    out: list[Time] = []
    for prop in props(event, "RDATE"):
        if isinstance(prop, vBroken):
            continue
        for item in getattr(prop, "dts", []) or []:
            value = rdate_start(item)
            if value is not None:
                out.append(value)
    return out


def rrule_text_of(event: Component) -> str | None:
    """The first RRULE as text (re-serialised when parsed, raw when broken)."""
    prop = first(event, "RRULE")
    if prop is None:
        return None
    if isinstance(prop, vBroken):
        return str(prop)
    try:
        raw = prop.to_ical()
    except Exception:
        return str(prop)
    return raw.decode() if isinstance(raw, bytes) else str(raw)


@dataclass
class ReadEvent:
    """One VEVENT read into Python values (the shared step of every output form)."""

    component: Component
    times: Times
    rrule: str | None
    recurrence: dict[str, Any] | None
    until: Time | None
    alerts: list[ReadAlert] = field(default_factory=list)


def read_event(event: Component, floating_tz: tzinfo = UTC) -> ReadEvent:
    times = read_times(event, floating_tz)
    rrule = rrule_text_of(event)
    recurrence = None
    until = None
    if rrule is not None:
        found = recurrence_from_rrule(rrule)
        if found is not None:
            recurrence, until = found
            if recurrence is not None and not _recurrence_ok(recurrence):
                recurrence, until = None, None
    alerts = [a for a in (alert_of(al, times) for al in alarms_of(event)) if a is not None]
    return ReadEvent(event, times, rrule, recurrence, until, alerts)


def _recurrence_ok(rec: dict[str, Any]) -> bool:
    try:
        Recurrence.model_validate(rec)
    except ValidationError:
        return False
    return True


def model_or_none(cls: Any, data: dict[str, Any]) -> Any:
    try:
        return cls.model_validate(data)
    except ValidationError:
        return None


__all__ = [
    "ACTION_IN",
    "CLASS_IN",
    "PARTSTAT_IN",
    "PRIORITIZED",
    "ROLE_IN",
    "STATUS_IN",
    "TRANSP_IN",
    "ReadAlert",
    "ReadEvent",
    "Times",
    "address_of",
    "alarms_of",
    "alert_of",
    "attendee_of",
    "attendees_of",
    "categories_of",
    "effective_end",
    "enum_of",
    "exdates_of",
    "model_or_none",
    "organizer_of",
    "prioritized_of",
    "priority_of",
    "rdate_start",
    "rdates_of",
    "read_event",
    "read_times",
    "rrule_text_of",
    "showable_attendee",
]
