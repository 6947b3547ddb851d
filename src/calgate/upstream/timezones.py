"""Calendar time zones as CalDAV carries them: a VCALENDAR holding one VTIMEZONE (RFC 4791
section 5.2.2), or a bare TZID (RFC 7809 ``calendar-timezone-id``)."""

from __future__ import annotations

import functools
import re

import icalendar

from calgate.errors import UnknownTimeZone

_TZID = re.compile(r"^TZID[:;](?:[^:\r\n]*:)?(.+?)\s*$", re.MULTILINE)


@functools.lru_cache(maxsize=64)
def vtimezone_calendar(tzid: str, *, prodid: str = "-//calgate//EN") -> str:
    """A VCALENDAR with the VTIMEZONE of IANA zone ``tzid``, for ``calendar-timezone``
    (``UnknownTimeZone`` for any other name)."""
    try:
        timezone = icalendar.Timezone.from_tzid(tzid)
    except ValueError as exc:
        raise UnknownTimeZone.field("#/timeZone", f"Unknown time zone {tzid!r}.") from exc
    calendar = icalendar.Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add_component(timezone)
    return str(calendar.to_ical(), "utf-8")


def tzid_of(calendar_timezone: str) -> str | None:
    """The TZID of the (first) VTIMEZONE in a ``calendar-timezone`` property value."""
    unfolded = re.sub(r"\r?\n[ \t]", "", calendar_timezone)
    match = _TZID.search(unfolded)
    return match.group(1) if match else None
