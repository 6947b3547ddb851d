"""Times and time zones of the event domain (pure, no I/O).

Input rules (the JSON form -> iCalendar):

- ``2026-03-29`` is a date (an all-day event); anything with a ``T`` is a date-time.
- A date-time with an offset and no ``timeZone`` is stored in UTC; with a ``timeZone`` it is
  converted into that zone. A local date-time is read in ``timeZone``, else in the calendar's
  default zone, unless the event is floating.
- Local times that do not exist (spring forward) or exist twice (fall back) use zoneinfo's
  ``fold=0``, which is what RFC 5545 3.3.5 asks: a missing time is read with the offset before
  the gap, a repeated time is its first occurrence. The wall-clock time is stored as given.

Output: zoned ``2026-03-29T09:00:00+02:00``, UTC ``2026-03-29T07:00:00Z``, floating
``2026-03-29T09:00:00``, all-day ``2026-03-29``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calgate.errors import FieldError, UnknownTimeZone

Time = date | datetime

UTC_LABEL = "UTC"

_DURATION = re.compile(
    r"(?P<sign>[+-])?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


@lru_cache(maxsize=512)
def zone_or_none(name: str) -> ZoneInfo | None:
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def is_iana_zone(name: str) -> bool:
    return zone_or_none(name) is not None


def resolve_zone(name: str, *, pointer: str | None = "#/timeZone") -> ZoneInfo:
    """The IANA zone called ``name``; :class:`UnknownTimeZone` naming ``pointer`` otherwise."""
    zone = zone_or_none(name)
    if zone is None:
        detail = f"Unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin'."
        raise UnknownTimeZone(detail, [FieldError(detail, pointer)] if pointer else [])
    return zone


def parse_time(text: str) -> Time:
    """An ISO 8601 date (``2026-03-29``) or date-time (with or without offset).

    Seconds are the finest unit iCalendar keeps, so fractions of a second are dropped.
    Raises ValueError.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty date")
    if "T" not in value.upper() and " " not in value:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value).replace(microsecond=0)


# Python's calendar ends at the years 1 and 9999; an event keeps a year clear of both, so the
# arithmetic done on it (UTC conversion, VTIMEZONE spans, the index horizon) cannot overflow.
FIRST_EVENT_YEAR = 2
LAST_EVENT_YEAR = 9998


def check_event_year(value: Time) -> None:
    """ValueError when an event time lies outside the years calgate stores."""
    if not FIRST_EVENT_YEAR <= value.year <= LAST_EVENT_YEAR:
        raise ValueError(
            f"{value.isoformat()} is outside the years calgate stores events in "
            f"({FIRST_EVENT_YEAR:04d} to {LAST_EVENT_YEAR})"
        )


# The instants a listing window, an instance listing or a walk is clamped to: a window reaching
# past them (``0001-01-01T00:00:00+14:00``, ``9999-12-31T23:59:59-14:00``) asks for nothing
# calgate stores there, and clamped, its arithmetic cannot overflow.
EARLIEST = datetime(FIRST_EVENT_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_EVENT_YEAR + 1, 1, 1, tzinfo=UTC)


def clamped_utc(value: datetime) -> datetime:
    """An aware ``value`` in UTC, moved into [EARLIEST, LATEST] (a time within hours of the
    years 1 and 9999, which UTC cannot even hold, becomes the nearer end)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return EARLIEST if value.year < LAST_EVENT_YEAR // 2 else LATEST
    return min(max(utc, EARLIEST), LATEST)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 / RFC 5545 duration (``PT1H30M``, ``P1D``, ``-PT15M``). Raises ValueError.

    Years and months are refused: they have no fixed length.
    """
    match = _DURATION.fullmatch(text.strip().upper())
    parts = match.groupdict() if match else {}
    if not match or not any(parts[k] for k in ("weeks", "days", "hours", "minutes", "seconds")):
        raise ValueError(f"not an ISO 8601 duration such as 'PT1H30M' or 'P1D': {text!r}")
    if "T" in text.upper() and not any(parts[k] for k in ("hours", "minutes", "seconds")):
        raise ValueError(f"a 'T' must be followed by hours, minutes or seconds: {text!r}")
    try:
        delta = timedelta(
            weeks=int(parts["weeks"] or 0),
            days=int(parts["days"] or 0),
            hours=int(parts["hours"] or 0),
            minutes=int(parts["minutes"] or 0),
            seconds=int(parts["seconds"] or 0),
        )
    except OverflowError:
        raise ValueError(f"the duration {text!r} is longer than any calendar can hold") from None
    return -delta if parts["sign"] == "-" else delta


def format_duration(delta: timedelta) -> str:
    """``PT1H30M``, ``P1D``, ``-PT15M``, ``PT0S``: days and a time part, never weeks."""
    sign = "-" if delta < timedelta(0) else ""
    total = int(abs(delta).total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}P"
    if days:
        out += f"{days}D"
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if clock:
        out += "T" + clock
    elif not days:
        out += "T0S"
    return out


def is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def is_utc(value: datetime) -> bool:
    tz = value.tzinfo
    if tz is None:
        return False
    if tz is UTC or (isinstance(tz, ZoneInfo) and tz.key in ("UTC", "Etc/UTC", "Etc/Zulu")):
        return True
    return type(tz) is timezone and value.utcoffset() == timedelta(0)


def instant(value: Time, floating_tz: tzinfo) -> datetime:
    """An aware datetime for ``value``: dates at midnight and floating times in ``floating_tz``."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=floating_tz)
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=floating_tz)
    return value


def add_duration(value: Time, delta: timedelta) -> Time:
    """``value + delta`` as RFC 5545 3.3.6 counts: days are nominal (the same wall-clock time
    on another day), hours, minutes and seconds are elapsed time (across a DST change)."""
    if not isinstance(value, datetime) or not is_aware(value):
        return value + delta
    sign = -1 if delta < timedelta(0) else 1
    days = timedelta(days=abs(delta).days)
    exact = abs(delta) - days
    assert value.tzinfo is not None
    wall = value + sign * days
    return (wall.astimezone(UTC) + sign * exact).astimezone(value.tzinfo)


def format_public(value: Time) -> str:
    """The API form of a stored time (see the module docstring)."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if not is_aware(value):
        return value.replace(tzinfo=None).isoformat()
    if is_utc(value):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    assert value.tzinfo is not None
    # Normalise through UTC so a stored wall time inside a DST gap shows the real instant.
    return value.astimezone(UTC).astimezone(value.tzinfo).isoformat()


def format_utc(value: Time) -> str:
    """``2026-03-29T07:00:00Z`` for CREATED / LAST-MODIFIED (floating read as UTC)."""
    return format_public(instant(value, UTC).astimezone(UTC))


@dataclass(frozen=True)
class EventZone:
    """The zone an event's times are written in.

    ``label`` is the API's ``timeZone`` (an IANA name, ``UTC``, or a stored TZID calgate cannot
    resolve); ``tz`` the tzinfo to compute with (None: floating, or an unresolvable TZID);
    ``tzid`` the TZID parameter to write (None for UTC ``Z`` and floating).
    """

    label: str | None
    tz: tzinfo | None
    tzid: str | None

    @property
    def floating(self) -> bool:
        return self.label is None

    def wall_clock(self, value: datetime) -> datetime:
        """The naive local time of ``value`` in this zone (as stored, for this zone's values)."""
        if value.tzinfo is None or self.tz is None or value.tzinfo is self.tz:
            return value.replace(tzinfo=None)
        return value.astimezone(self.tz).replace(tzinfo=None)

    def localize(self, naive: datetime) -> datetime:
        """A local time in this zone (``fold=0``); stays naive when the zone has no tzinfo."""
        return naive if self.tz is None else naive.replace(tzinfo=self.tz, fold=0)


FLOATING = EventZone(None, None, None)
UTC_ZONE = EventZone(UTC_LABEL, UTC, None)


def iana_zone(name: str, *, pointer: str | None = "#/timeZone") -> EventZone:
    if name == UTC_LABEL:
        return UTC_ZONE
    zone = resolve_zone(name, pointer=pointer)
    return EventZone(zone.key, zone, zone.key)


def provider_zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone a stored TZID names, looked up the way icalendar does (the IANA name, a
    Windows name, the Olson tail of a ``/vendor/Europe/Berlin`` id), but without icalendar's
    process-wide cache of other calendars' VTIMEZONEs."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    cleaned = tzid.strip("/")
    candidates = [cleaned]
    if cleaned in WINDOWS_TO_OLSON:
        candidates.append(WINDOWS_TO_OLSON[cleaned])
    if tzid.startswith("/"):
        parts = cleaned.split("/")
        candidates.extend("/".join(parts[i:]) for i in range(1, len(parts)))
    candidates.append(tzid)
    for candidate in candidates:
        zone = zone_or_none(candidate)
        if zone is not None:
            return zone
    return None


def label_for_tzid(tzid: str) -> str:
    """The ``timeZone`` shown for a stored TZID: the IANA name it stands for when known
    (``W. Europe Standard Time`` -> ``Europe/Berlin``), else the TZID itself."""
    zone = provider_zone(tzid)
    return zone.key if zone is not None else tzid


def zone_of(value: Time | None, tzid: str | None) -> EventZone:
    """The zone of a stored DTSTART value and its TZID parameter."""
    if not isinstance(value, datetime):
        return FLOATING
    if tzid:
        tz = value.tzinfo if is_aware(value) else None
        if tzid.upper() in ("UTC", "Z") and tz is not None:
            return UTC_ZONE
        return EventZone(label_for_tzid(tzid), tz, tzid)
    if not is_aware(value):
        return FLOATING
    if is_utc(value):
        return UTC_ZONE
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo):
        return EventZone(tz.key, tz, tz.key)
    from icalendar.timezone import tzid_from_dt

    name = tzid_from_dt(value) or UTC_LABEL
    return EventZone(label_for_tzid(name), tz, name)


__all__ = [
    "EARLIEST",
    "FIRST_EVENT_YEAR",
    "FLOATING",
    "LAST_EVENT_YEAR",
    "LATEST",
    "UTC",
    "UTC_LABEL",
    "UTC_ZONE",
    "EventZone",
    "Time",
    "add_duration",
    "check_event_year",
    "clamped_utc",
    "format_duration",
    "format_public",
    "format_utc",
    "iana_zone",
    "instant",
    "is_aware",
    "is_date",
    "is_iana_zone",
    "is_utc",
    "label_for_tzid",
    "parse_duration",
    "parse_time",
    "provider_zone",
    "resolve_zone",
    "zone_of",
    "zone_or_none",
]
