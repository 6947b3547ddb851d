"""Shared builders for the event-domain tests (plain functions, no fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar

from calgate.domain.ical_events import build_calendar, event_to_public, parse_ical
from calgate.domain.model import EventPublic, EventWrite

NOW = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 1, 12, 30, tzinfo=UTC)
BERLIN = "Europe/Berlin"


def body(**fields: Any) -> EventWrite:
    return EventWrite.model_validate(fields)


def build(default_tz: str = BERLIN, **fields: Any) -> Calendar:
    return build_calendar(body(**fields), uid="uid-1", default_tz=default_tz, now=NOW)


def public(cal: Calendar, floating_tz: str = BERLIN) -> EventPublic:
    return event_to_public(
        cal, event_id="ev", calendar_id="cal", etag='"1"', floating_tz=floating_tz
    )


def ics(*lines: str) -> Calendar:
    """A VCALENDAR around ``lines`` (CRLF-joined), parsed with calgate's parser."""
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//test//EN", *lines])
    return parse_ical(text + "\r\nEND:VCALENDAR\r\n")


def vevent(*lines: str, uid: str = "odd-1") -> Calendar:
    return ics("BEGIN:VEVENT", f"UID:{uid}", *lines, "END:VEVENT")


def master(cal: Calendar) -> Any:
    return next(e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e)


def content_lines(cal: Calendar, name: str) -> list[str]:
    """The unfolded content lines of one property in the VEVENTs, as serialised."""
    text = b"".join(e.to_ical() for e in cal.walk("VEVENT")).decode().replace("\r\n ", "")
    return [line for line in text.split("\r\n") if line.split(";")[0].split(":")[0] == name]
