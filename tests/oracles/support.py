"""Shared by the oracle tests: where the data is, one-event calendars, and the agreement counts
that ``summary.py`` prints at the end of every run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from icalendar import Calendar, Component

from calgate.domain.expand import iter_occurrences
from calgate.domain.ical_parse import parse_ical

DATA = Path(__file__).parent / "data"

# Suite name -> one line such as "libical: 140/146 agree, 6 documented".
SUMMARY: dict[str, str] = {}


def report(suite: str, line: str) -> None:
    SUMMARY[suite] = line
    print(line)


def one_event(*lines: str) -> Calendar:
    """A parsed VCALENDAR with one VEVENT made of ``lines`` (DTSTART, RRULE, ...)."""
    body = "\r\n".join(["UID:oracle", "DTSTAMP:20000101T000000Z", *lines])
    return parse_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate//oracles//EN\r\n"
        f"BEGIN:VEVENT\r\n{body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def starts(cal: Calendar, *, after: datetime, floating_tz: str) -> Iterator[date | datetime]:
    """DTSTART of every occurrence calgate gives, in its order."""
    for occ in iter_occurrences(cal, after=after, floating_tz=floating_tz):
        yield occ["DTSTART"].dt


def dtstart_of(event: Component) -> date | datetime:
    return event["DTSTART"].dt
