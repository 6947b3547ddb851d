"""Helpers for the booking tests: iCalendar objects as other clients write them."""

from __future__ import annotations


def ics(
    uid: str,
    start: str,
    end: str,
    *,
    created: str | None = None,
    status: str | None = None,
    transp: str | None = None,
    rrule: str | None = None,
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//other client//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:Booking {uid}",
        f"ORGANIZER;CN=Org {uid}:mailto:{uid}@example.com",
    ]
    if created:
        lines.append(f"CREATED:{created}")
    if status:
        lines.append(f"STATUS:{status}")
    if transp:
        lines.append(f"TRANSP:{transp}")
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def uids_on_server(raw) -> list[str]:
    """The UIDs the CalDAV server holds, read with the caldav library."""
    return [str(e.icalendar_component["UID"]) for e in raw.events()]
