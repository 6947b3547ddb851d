"""One stored event seen as a series: its master VEVENT, its overrides, and which recurrence
ids are occurrences (pure, no I/O).

A recurrence id is compared as what it means: a date by its day, a date-time as an instant
(floating times read in the calendar's zone), so an override stored with another TZID than
the master still matches its occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from icalendar import Calendar, Component

from calgate.domain.expand import iter_occurrences
from calgate.domain.ical_parse import (
    empty_like,
    first,
    floating_zone,
    master_event,
    text_of,
    time_of,
)
from calgate.domain.ical_read import read_times
from calgate.domain.timezones import EventZone, Time, check_event_year, instant, parse_time
from calgate.errors import Conflict, InvalidInput, NotFound

RidKey = tuple[str, Any]


def rid_key(value: Time, ftz: tzinfo) -> RidKey:
    if not isinstance(value, datetime):
        return ("date", value)
    return ("at", instant(value, ftz).astimezone(UTC))


def calendar_with(cal: Calendar, events: list[Component]) -> Calendar:
    """A VCALENDAR with ``cal``'s properties and non-VEVENT components, and ``events``."""
    copy = empty_like(cal)
    for comp in cal.subcomponents:
        if getattr(comp, "name", None) != "VEVENT":
            copy.add_component(comp)
    for event in events:
        copy.add_component(event)
    return copy


def copy_event(event: Component) -> Component:
    """A deep enough copy of a VEVENT: its properties and its VALARMs."""
    copy = event.copy()
    for sub in event.subcomponents:
        sub_copy = sub.copy()
        for inner in sub.subcomponents:
            sub_copy.add_component(inner)
        copy.add_component(sub_copy)
    return copy


@dataclass
class Series:
    cal: Calendar
    master: Component
    floating_tz: str
    ftz: tzinfo
    zone: EventZone
    start: Time
    overrides: dict[RidKey, Component] = field(default_factory=dict)

    @classmethod
    def of(cls, cal: Calendar, floating_tz: str) -> Series:
        master = master_event(cal)
        if master is None or "RECURRENCE-ID" in master:
            raise Conflict("The stored object holds no series master VEVENT to work on")
        ftz = floating_zone(floating_tz)
        times = read_times(master, ftz)
        if times.start is None:
            raise Conflict("The stored event has no usable DTSTART")
        series = cls(cal, master, floating_tz, ftz, times.zone, times.start)
        uid = text_of(master, "UID")
        for event in cal.subcomponents:
            if getattr(event, "name", None) != "VEVENT" or "RECURRENCE-ID" not in event:
                continue
            rid = time_of(first(event, "RECURRENCE-ID"))
            if rid is not None and text_of(event, "UID") == uid:
                series.overrides.setdefault(series.key(rid), event)
        return series

    @property
    def uid(self) -> str | None:
        return text_of(self.master, "UID")

    @property
    def recurs(self) -> bool:
        return "RRULE" in self.master or "RDATE" in self.master

    def key(self, value: Time) -> RidKey:
        return rid_key(value, self.ftz)

    def override(self, rid: Time) -> Component | None:
        return self.overrides.get(self.key(rid))

    def rule_only(self, master: Component | None = None) -> Calendar:
        """The series without its overrides: what the rule (RRULE, RDATE, EXDATE) makes."""
        return calendar_with(self.cal, [master if master is not None else self.master])

    def generated(self, *, after: datetime | None = None) -> Iterator[tuple[Time, Component]]:
        """(recurrence id, occurrence) of what the rule makes, in order, lazily."""
        low = after if after is not None else instant(self.start, self.ftz) - timedelta(days=1)
        for occ in iter_occurrences(self.rule_only(), after=low, floating_tz=self.floating_tz):
            rid = time_of(first(occ, "RECURRENCE-ID")) or time_of(first(occ, "DTSTART"))
            if rid is not None:
                yield rid, occ

    def generated_at(self, rid: Time) -> Component | None:
        """The occurrence the rule makes at ``rid``, or None (not on the rule, or excluded)."""
        target = self.key(rid)
        moment = instant(rid, self.ftz)
        for found, occ in self.generated(after=moment - timedelta(seconds=1)):
            if self.key(found) == target:
                return occ
            if instant(found, self.ftz) > moment:
                return None
        return None

    def is_occurrence(self, rid: Time) -> bool:
        return self.override(rid) is not None or self.generated_at(rid) is not None

    def as_stored(self, value: datetime | date) -> Time:
        """A parsed recurrence id in the form of this series' DTSTART (its zone, or floating)."""
        start = self.start
        if not isinstance(start, datetime):
            return value.date() if isinstance(value, datetime) else value
        if not isinstance(value, datetime):
            raise ValueError("a date")
        if value.tzinfo is None:
            return self.zone.localize(value) if self.zone.tz is not None else value
        if self.zone.tz is None:  # a floating series: the instant, read in the calendar's zone
            return value.astimezone(self.ftz).replace(tzinfo=None)
        return value.astimezone(self.zone.tz)

    def resolve(self, text: str, *, pointer: str = "recurrenceId") -> Time:
        """The recurrence id a client named (an ISO date or date-time, local times in the
        series' zone; a date names a timed series' occurrence on that day). NotFound when
        it is not an occurrence of this series."""
        try:
            parsed = parse_time(text)
        except ValueError:
            raise InvalidInput.field(
                pointer, f"{text!r} is not an ISO 8601 date (2026-03-30) or date-time"
            ) from None
        if not self.recurs and not self.overrides:
            raise NotFound("this event does not recur; it has no instances")
        try:
            check_event_year(parsed)  # nothing is stored at the very ends of the calendar
        except ValueError:
            raise NotFound(f"{text} is not an occurrence of this series") from None
        try:
            rid = self.as_stored(parsed)
        except ValueError:
            return self._on_day(parsed, text)
        if not self.is_occurrence(rid):
            raise NotFound(f"{text} is not an occurrence of this series")
        return rid

    def _on_day(self, day: date, text: str) -> Time:
        tz = self.zone.tz or self.ftz
        low = datetime(day.year, day.month, day.day, tzinfo=tz)
        high = low + timedelta(days=1)
        found: list[Time] = [
            rid for rid in self.overrides_rids() if low <= instant(rid, self.ftz) < high
        ]
        for rid, _ in self.generated(after=low):
            moment = instant(rid, self.ftz)
            if moment >= high:
                break
            if moment >= low and self.key(rid) not in {self.key(r) for r in found}:
                found.append(rid)
        if not found:
            raise NotFound(f"this series has no occurrence on {text}")
        if len(found) > 1:
            raise InvalidInput.field(
                "recurrenceId",
                f"this series has {len(found)} occurrences on {text}; name one by its date-time",
            )
        return found[0]

    def overrides_rids(self) -> list[Time]:
        out = []
        for event in self.overrides.values():
            rid = time_of(first(event, "RECURRENCE-ID"))
            if rid is not None:
                out.append(rid)
        return out


__all__ = ["RidKey", "Series", "calendar_with", "copy_event", "rid_key"]
