"""Times as JSCalendar shows them: a stored time as a LocalDateTime in the event's zone, the
zone's label, and an event's ``start`` / ``timeZone`` / ``duration`` / ``endTimeZone``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from icalendar import Component

from calgate.domain.ical_parse import (
    first,
    tzid_of,
)
from calgate.domain.ical_read import (
    read_times,
)
from calgate.domain.jscal_types import JsEvent
from calgate.domain.timezones import (
    EventZone,
    Time,
    format_duration,
    instant,
    is_aware,
    is_date,
    zone_of,
)

# --- times -----------------------------------------------------------------------------------


def zone_label(zone: EventZone) -> str | None:
    if zone.label is None:
        return None
    return "Etc/UTC" if zone.label == "UTC" else zone.label


def local_time(value: Time, zone: EventZone, ftz: tzinfo) -> str:
    """A stored time as a LocalDateTime in ``zone`` (floating: in the calendar's zone)."""
    if not isinstance(value, datetime):
        return f"{value.isoformat()}T00:00:00"
    if is_aware(value):
        target = zone.tz if zone.tz is not None else (None if zone.label else ftz)
        if target is not None:
            value = value.astimezone(target)
    return value.replace(tzinfo=None, microsecond=0).isoformat()


def copy_times(out: JsEvent, event: Component, ftz: tzinfo) -> None:
    times = read_times(event, ftz)
    start = times.start
    if start is None:
        if times.duration is not None and times.duration > timedelta(0):
            out["duration"] = format_duration(times.duration)
        return
    out["start"] = local_time(start, times.zone, ftz)
    out["timeZone"] = zone_label(times.zone)
    if is_date(start):
        out["showWithoutTime"] = True
    span: timedelta | None = None
    dtend = times.dtend
    if dtend is not None and is_date(dtend) == is_date(start):
        if isinstance(start, datetime) and isinstance(dtend, datetime):
            span = instant(dtend, ftz) - instant(start, ftz)
            end_prop = first(event, "DTEND")
            end_label = zone_label(zone_of(dtend, tzid_of(end_prop)))
            if end_label is not None and end_label != out["timeZone"]:
                out["endTimeZone"] = end_label
        else:
            span = dtend - start
    elif times.duration is not None:
        span = times.duration
    if span is not None and span > timedelta(0):
        out["duration"] = format_duration(span)
