"""A VTIMEZONE read alone, as a calendar client reads it, checked against zoneinfo.

The offsets come from the definition only: its STANDARD and DAYLIGHT onsets (DTSTART, RRULE,
RDATE) expanded with dateutil, the latest onset at or before an instant giving TZOFFSETTO; and,
as a second reader, icalendar's own zone built from the VTIMEZONE (dateutil's ``tzical``),
never from the TZID's IANA name.
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component
from icalendar.timezone import tzp

LAST_YEAR = 2100  # onsets are expanded up to here

# the local times of the events the contract checks: 2027 winter and summer, 2037, 2045
EVENT_TIMES = [
    datetime(2027, 1, 15, 10, 0),
    datetime(2027, 7, 15, 10, 0),
    datetime(2037, 1, 15, 10, 0),
    datetime(2037, 7, 15, 10, 0),
    datetime(2045, 1, 15, 10, 0),
    datetime(2045, 7, 15, 10, 0),
]


class Definition:
    """The offsets one VTIMEZONE gives, from its own onsets."""

    def __init__(self, vtimezone: Component) -> None:
        self.tzid = str(vtimezone["TZID"])
        found: list[tuple[datetime, timedelta]] = []
        for part in vtimezone.subcomponents:
            start = part["DTSTART"].dt.replace(tzinfo=None)
            before, after = part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td
            walls = [start]
            for rule in _all(part.get("RRULE")):
                text = rule.to_ical().decode()
                walls += rrulestr(text, dtstart=start).between(
                    start, datetime(LAST_YEAR, 1, 1), inc=True
                )
            for rdate in _all(part.get("RDATE")):
                walls += [d.dt.replace(tzinfo=None) for d in rdate.dts]
            found += [(wall - before, after) for wall in set(walls)]
        found.sort()
        self._onsets = [utc for utc, _ in found]
        self._offsets = [after for _, after in found]
        self.offsets = set(self._offsets)
        self._zone = vtimezone.to_tz(tzp, lookup_tzid=False)

    def at(self, utc: datetime) -> timedelta | None:
        """The offset in force at the naive UTC time ``utc`` (None before the first onset)."""
        i = bisect.bisect_right(self._onsets, utc) - 1
        return self._offsets[i] if i >= 0 else None

    def of_local(self, wall: datetime) -> list[timedelta]:
        """The offsets a local time can have: one, unless it is skipped or repeated."""
        return sorted(o for o in self.offsets if self.at(wall - o) == o)

    def icalendar_offset(self, wall: datetime) -> timedelta | None:
        return wall.replace(tzinfo=self._zone).utcoffset()


def _all(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def definitions(text: str | bytes) -> dict[str, Definition]:
    """Every VTIMEZONE of an iCalendar object, by TZID."""
    cal = Calendar.from_ical(text)
    return {str(tz["TZID"]): Definition(tz) for tz in cal.walk("VTIMEZONE")}


def wrong_local_offsets(
    definition: Definition, zone: str, walls: list[datetime]
) -> list[tuple[datetime, object, timedelta | None]]:
    """The local times whose offset, read from the definition alone, is not zoneinfo's:
    (time, what the definition gives, zoneinfo's offset)."""
    tz = ZoneInfo(zone)
    wrong: list[tuple[datetime, object, timedelta | None]] = []
    for wall in walls:
        want = wall.replace(tzinfo=tz).utcoffset()
        own, client = definition.of_local(wall), definition.icalendar_offset(wall)
        if own != [want] or client != want:
            wrong.append((wall, (own, client), want))
    return wrong


def wrong_instants(
    definition: Definition, zone: str, first: date, last: date, step: timedelta
) -> list[datetime]:
    """UTC instants from ``first`` to ``last`` (every ``step``, at noon UTC) at which the
    definition's offset is not zoneinfo's."""
    tz = ZoneInfo(zone)
    wrong = []
    moment, end = (
        datetime.combine(first, datetime.min.time()),
        datetime.combine(last, datetime.min.time()),
    )
    moment += timedelta(hours=12)
    while moment < end:
        if definition.at(moment) != moment.replace(tzinfo=UTC).astimezone(tz).utcoffset():
            wrong.append(moment)
        moment += step
    return wrong
