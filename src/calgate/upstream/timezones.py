"""Calendar time zones as CalDAV carries them: a VCALENDAR holding one VTIMEZONE (RFC 4791
section 5.2.2), or a bare TZID (RFC 7809 ``calendar-timezone-id``)."""

from __future__ import annotations

import functools
import re
from datetime import date

import icalendar

from calgate.domain.vtimezone import iana_vtimezone
from calgate.errors import UnknownTimeZone

_TZID = re.compile(r"^TZID[:;](?:[^:\r\n]*:)?(.+?)\s*$", re.MULTILINE)


def vtimezone_calendar(tzid: str, *, prodid: str = "-//calgate//EN") -> str:
    """A VCALENDAR with calgate's VTIMEZONE of IANA zone ``tzid`` (true from last year on, the
    calendar's events being yet to come), for ``calendar-timezone`` (``UnknownTimeZone`` for a
    name that is no zone)."""
    return _vtimezone_calendar(tzid, prodid, date.today().year)


@functools.lru_cache(maxsize=64)
def _vtimezone_calendar(tzid: str, prodid: str, year: int) -> str:
    try:
        timezone = iana_vtimezone(tzid, date(year, 1, 1))
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
