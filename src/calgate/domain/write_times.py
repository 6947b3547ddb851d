"""What a body's times mean in the event's zone (pure, no I/O): the input rules.

- ``start`` with an offset and no ``timeZone`` is stored in UTC; a local ``start`` with
  ``timeZone`` keeps that zone; an offset with ``timeZone`` is converted into that zone; a local
  ``start`` with neither is in the calendar's default zone, unless ``floating``. A date is an
  all-day event. A ``timeZone`` equal to the stored one keeps the stored TZID and VTIMEZONE
  (``W. Europe Standard Time`` stays while the body says ``Europe/Berlin``).
- ``end`` (and ``excludedDates``, ``recurrenceDates``, ``until``, absolute alert triggers) is
  read in the event's zone when local. ``end`` must be after ``start``.
- ``excludedDates`` and ``recurrenceDates`` take the value type of ``start``: a date in a
  timed event means that day at the start's time, a date-time in an all-day event its day.
- A rule's UNTIL must not be before ``start``; a raw ``rrule``'s UNTIL must have the value type
  RFC 5545 3.3.10 asks for (a date for all-day, UTC for a zoned start, local for floating).
- A timed event without ``end`` or ``duration`` lasts one hour, an all-day event one day;
  hours of a duration are elapsed time, days are calendar days (RFC 5545 3.3.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from icalendar import vDDDTypes

from calgate.domain.ical_parse import floating_zone
from calgate.domain.model import Alert, EventWrite
from calgate.domain.recurrence import (
    convert_until,
    parse_until,
    rrule_from_recurrence,
    split_rrule,
    time_key,
    until_text,
)
from calgate.domain.rrule_start import never_occurs
from calgate.domain.timezones import (
    FLOATING,
    UTC,
    UTC_ZONE,
    EventZone,
    Time,
    add_duration,
    check_event_year,
    format_public,
    iana_zone,
    instant,
    is_aware,
    is_date,
    parse_duration,
    parse_time,
)
from calgate.errors import FieldError, InvalidInput

PRODID = "-//calgate//calgate//EN"
DEFAULT_TIMED_DURATION = timedelta(hours=1)
ALL_DAY_DURATION = timedelta(days=1)


def bad(pointer: str, detail: str) -> InvalidInput:
    """An :class:`InvalidInput` with one error at ``pointer``."""
    return InvalidInput(detail, [FieldError(detail, pointer)])


@dataclass
class DesiredTimes:
    """The times a body asks for, converted into the event's zone."""

    zone: EventZone
    start: Time
    end: Time  # the effective end
    end_mode: str  # "end", "duration" or "default"
    duration: timedelta | None


def _zone_for(
    label: str,
    stored: EventZone | None,
    *,
    pointer: str | None,
    known: Mapping[str, EventZone] | None = None,
) -> EventZone:
    if stored is not None and stored.label == label:
        return stored
    if known and label in known:
        return known[label]
    return iana_zone(label, pointer=pointer)


def _into_zone(
    value: datetime, zone: EventZone, pointer: str, *, is_start: bool = False
) -> datetime:
    """A sent date-time in the event's zone: local times read there, offsets converted.

    In an event whose stored TZID calgate cannot resolve, a time with an offset other than the
    start is kept as a UTC time.
    """
    if not is_aware(value):
        return zone.localize(value)
    if zone.tz is None:
        if zone.floating:
            raise bad(pointer, "a floating event needs local times without an offset")
        if not is_start:
            return value.astimezone(UTC)
        raise bad(
            pointer,
            f"the event's time zone {zone.label!r} is unknown to calgate: send a local time",
        )
    return value.astimezone(zone.tz)


def desired_times(
    body: EventWrite,
    *,
    default_tz: str,
    stored: EventZone | None,
    known: Mapping[str, EventZone] | None = None,
) -> DesiredTimes:
    """``known``: zones besides IANA's a ``timeZone`` may name (JSCalendar's ``timeZones``)."""
    start_in = parse_time(body.start)
    if body.time_zone is not None:
        zone_named = _zone_for(body.time_zone, stored, pointer="#/timeZone", known=known)
    else:
        zone_named = None
    if is_date(start_in):
        zone = FLOATING
        start: Time = start_in
    else:
        assert isinstance(start_in, datetime)
        if body.floating:
            zone = FLOATING
        elif zone_named is not None:
            zone = zone_named
        elif is_aware(start_in):
            zone = UTC_ZONE
        else:
            zone = _zone_for(default_tz, stored, pointer=None)
        start = _into_zone(start_in, zone, "#/start", is_start=True)
    duration = None
    if body.end is not None:
        end_in = parse_time(body.end)
        end: Time = end_in
        if isinstance(end_in, datetime):
            end = _into_zone(end_in, zone, "#/end")
        mode = "end"
        if _order(end, zone, default_tz) <= _order(start, zone, default_tz):
            raise bad("#/end", "end must be after start")
    elif body.duration is not None:
        duration = parse_duration(body.duration)
        end = _ended(start, duration, "#/duration")
        mode = "duration"
    else:
        end = add_duration(start, ALL_DAY_DURATION if is_date(start) else DEFAULT_TIMED_DURATION)
        mode = "default"
    return DesiredTimes(zone, start, end, mode, duration)


def _ended(start: Time, duration: timedelta, pointer: str) -> Time:
    """``start + duration``, refused when it leaves the years calgate stores."""
    try:
        end = add_duration(start, duration)
        check_event_year(end)
    except (OverflowError, ValueError):
        raise bad(pointer, "the event would end outside the years calgate stores") from None
    return end


def _order(value: Time, zone: EventZone, default_tz: str) -> datetime:
    """A comparable moment (unresolvable and floating times read in the default zone)."""
    return instant(value, zone.tz or floating_zone(default_tz)).astimezone(UTC)


def time_prop(value: Time, zone: EventZone) -> vDDDTypes:
    prop = vDDDTypes(value)
    if isinstance(value, datetime) and zone.tzid and zone.label != UTC_ZONE.label:
        prop.params["TZID"] = zone.tzid
    return prop


def start_key(value: Time | None, zone: EventZone) -> Any:
    """What a DTSTART means: its zone (as the API names it) and its instant (local time when
    floating). A wall-clock time inside a DST gap and the real time it stands for are equal."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return ("date", value)
    return ("datetime", zone.label, time_key(value, zone))


def end_key(value: Time | None, zone: EventZone) -> Any:
    return None if value is None else time_key(value, zone)


def desired_rrule(body: EventWrite, times: DesiredTimes) -> str | None:
    if body.rrule is not None:
        return body.rrule
    if body.recurrence is None:
        return None
    rec = body.recurrence.model_dump(by_alias=True, exclude_none=True)
    until = None
    if body.recurrence.until is not None:
        until = convert_until(parse_time(body.recurrence.until), times.start, times.zone)
    return rrule_from_recurrence(rec, until)


def check_rule_times(rule: str, times: DesiredTimes, *, raw: bool, default_tz: str) -> None:
    """The checks of a rule that need the start: that it occurs at all (a rule that never
    does, like BYMONTHDAY=30 with BYMONTH=2, is refused at ``#/rrule`` or ``#/recurrence``),
    and RFC 5545 3.3.10's of its UNTIL: :class:`InvalidInput`
    at ``#/rrule`` (``raw``) or ``#/recurrence/until``. The ``recurrence`` object's ``until``
    was converted to the right value type already; a raw rule is written as sent, so its
    UNTIL must have that type."""
    reason = never_occurs(rule, times.start)
    if reason is not None:
        raise bad(
            "#/rrule" if raw else "#/recurrence",
            f"{reason}: the series would be its start alone. Fix the rule, or send no rule "
            "for a single event",
        )
    pointer = "#/rrule" if raw else "#/recurrence/until"
    try:
        text = split_rrule(rule).get("UNTIL")
        until = parse_until(text) if text is not None else None
    except ValueError:
        return  # the rule's own validation reports it
    if text is None or until is None:
        return
    start, zone = times.start, times.zone
    if raw:
        problem = _until_type_problem(text, until, start, zone)
        if problem is not None:
            raise bad(pointer, problem)
    if isinstance(start, datetime) != isinstance(until, datetime):
        return  # not reached (converted or refused above); no order between the two
    if isinstance(start, datetime):
        assert isinstance(until, datetime)
        before = _order(until, zone, default_tz) < _order(start, zone, default_tz)
    else:
        before = until < start
    if before:
        name = f"UNTIL={text}" if raw else "until"
        raise bad(
            pointer,
            f"{name} is before the start ({format_public(start)}), so the series would never "
            "occur: send an end of the series on or after the start, or leave it out",
        )


def _until_type_problem(text: str, until: Time, start: Time, zone: EventZone) -> str | None:
    if not isinstance(start, datetime):
        if isinstance(until, datetime):
            return f"UNTIL={text} must be a date like {until:%Y%m%d}, because the event is all-day"
        return None
    if not isinstance(until, datetime):
        example = f"{until:%Y%m%d}T235959" + ("" if zone.floating else "Z")
        return f"UNTIL={text} must be a date-time like {example}, because start has a time"
    if zone.floating and is_aware(until):
        return (
            f"UNTIL={text} must be a local time without Z, like {until:%Y%m%dT%H%M%S}, "
            "because the event is floating"
        )
    if not zone.floating and not is_aware(until):
        example = until_text(zone.localize(until)) if zone.tz is not None else f"{text}Z"
        return f"UNTIL={text} must be in UTC because start has a time zone: send UNTIL={example}"
    return None


def exdate_value(text: str, times: DesiredTimes, pointer: str) -> Time:
    """A sent EXDATE or RDATE value with the value type of the start (see the module
    docstring), in the event's zone."""
    value = parse_time(text)
    start = times.start
    if not isinstance(start, datetime):
        if isinstance(value, datetime):
            return times.zone.wall_clock(value).date() if times.zone.tz else value.date()
        return value
    if not isinstance(value, datetime):
        value = datetime.combine(value, times.zone.wall_clock(start).time())
    return _into_zone(value, times.zone, pointer)


def stored_date_key(value: Time, times: DesiredTimes) -> tuple[Any, ...]:
    """The key of a stored EXDATE / RDATE value as :func:`exdate_value` would make it from its
    written-back form, so a stored value of another type than the start (another client's)
    equals what a PUT of the read form sends. Never raises."""
    start = times.start
    try:
        if not isinstance(start, datetime):
            if isinstance(value, datetime):
                value = times.zone.wall_clock(value).date() if times.zone.tz else value.date()
        elif not isinstance(value, datetime):
            value = datetime.combine(value, times.zone.wall_clock(start).time())
    except (ValueError, OverflowError):
        pass
    return time_key(value, times.zone)


def alert_key(alert: Alert, times: DesiredTimes, default_tz: str) -> tuple[Any, ...]:
    action = alert.action
    try:
        return ("rel", parse_duration(alert.trigger), action)
    except ValueError:
        pass
    moment = parse_time(alert.trigger)
    assert isinstance(moment, datetime)
    if not is_aware(moment):
        tz = times.zone.tz or iana_zone(default_tz, pointer=None).tz or UTC
        moment = moment.replace(tzinfo=tz)
    return ("abs", moment.astimezone(UTC).replace(tzinfo=None), action)


__all__ = [
    "ALL_DAY_DURATION",
    "DEFAULT_TIMED_DURATION",
    "PRODID",
    "DesiredTimes",
    "alert_key",
    "bad",
    "check_rule_times",
    "desired_rrule",
    "desired_times",
    "end_key",
    "exdate_value",
    "start_key",
    "stored_date_key",
    "time_prop",
]
