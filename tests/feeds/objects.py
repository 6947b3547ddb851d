"""Calendar objects for the export and feed tests, dated around today (feeds' windows are)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

ICAL = "text/calendar"


def day(offset: int) -> date:
    return (datetime.now(UTC) + timedelta(days=offset)).date()


def stamp(offset: int, hour: int) -> str:
    return day(offset).strftime("%Y%m%d") + f"T{hour:02d}0000"


def wrap(*components: str) -> str:
    body = "".join(components)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate tests//EN\r\n{body}END:VCALENDAR\r\n"
    )


# strings that must never appear in a busy feed
PRIVATE = [
    "Secret board meeting",
    "Merger talk",
    "Quarterly numbers",
    "Room 42",
    "ceo@example.org",
    "boss@example.org",
    "X-PRIVATE-THING",
    "https://secret.example.org",
    "private-uid-123",
    "series-uid-456",
    "VALARM",
    "CONFIDENTIAL-CAT",
    "Lunch in the park",
]

BERLIN = "Europe/Berlin"


def private_single() -> str:
    return wrap(
        "BEGIN:VEVENT\r\nUID:private-uid-123@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID={BERLIN}:{stamp(1, 10)}\r\nDTEND;TZID={BERLIN}:{stamp(1, 11)}\r\n"
        "SUMMARY:Secret board meeting\r\nDESCRIPTION:Quarterly numbers\r\n"
        "LOCATION:Room 42\r\nORGANIZER:mailto:boss@example.org\r\n"
        "ATTENDEE;CN=The CEO:mailto:ceo@example.org\r\nURL:https://secret.example.org/x\r\n"
        "CATEGORIES:CONFIDENTIAL-CAT\r\nX-PRIVATE-THING;X-P=1:kept\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Secret board meeting\r\n"
        "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    )


def private_series() -> str:
    """Weekly, 5 times from day 2; the 2nd moved an hour later, the 3rd marked free."""
    second, third = stamp(9, 9), stamp(16, 9)
    return wrap(
        "BEGIN:VEVENT\r\nUID:series-uid-456@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID={BERLIN}:{stamp(2, 9)}\r\nDTEND;TZID={BERLIN}:{stamp(2, 10)}\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=5\r\nSUMMARY:Merger talk\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:series-uid-456@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID={BERLIN}:{second}\r\n"
        f"DTSTART;TZID={BERLIN}:{stamp(9, 10)}\r\nDTEND;TZID={BERLIN}:{stamp(9, 11)}\r\n"
        "SUMMARY:Merger talk (moved)\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:series-uid-456@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID={BERLIN}:{third}\r\n"
        f"DTSTART;TZID={BERLIN}:{third}\r\nDTEND;TZID={BERLIN}:{stamp(16, 10)}\r\n"
        "TRANSP:TRANSPARENT\r\nSUMMARY:Merger talk (optional)\r\nEND:VEVENT\r\n"
    )


def free_event() -> str:
    return wrap(
        "BEGIN:VEVENT\r\nUID:free-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{stamp(3, 12)}Z\r\nDTEND:{stamp(3, 13)}Z\r\nTRANSP:TRANSPARENT\r\n"
        "SUMMARY:Lunch in the park\r\nEND:VEVENT\r\n"
    )


def old_event() -> str:
    return wrap(
        "BEGIN:VEVENT\r\nUID:old-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{stamp(-400, 8)}Z\r\nDTEND:{stamp(-400, 9)}Z\r\nSUMMARY:Long ago\r\n"
        "END:VEVENT\r\n"
    )


def custom_zone_event() -> str:
    """A TZID no IANA zone stands for, with its own VTIMEZONE; an all-day and a floating one
    beside it in other objects."""
    return wrap(
        "BEGIN:VTIMEZONE\r\nTZID:Office Time\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        "TZOFFSETFROM:+0330\r\nTZOFFSETTO:+0330\r\nTZNAME:OT\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:office-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Office Time:{stamp(5, 9)}\r\nDTEND;TZID=Office Time:{stamp(5, 10)}\r\n"
        "SUMMARY:In office time\r\nEND:VEVENT\r\n"
    )


def all_day_event() -> str:
    start = day(6).strftime("%Y%m%d")
    end = day(7).strftime("%Y%m%d")
    return wrap(
        "BEGIN:VEVENT\r\nUID:allday-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\nSUMMARY:All day\r\n"
        "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE\r\nEND:VEVENT\r\n"
    )


def rich_series() -> str:
    """EXDATE, RDATE, an override, alarms and X- properties on master and override."""
    return wrap(
        "BEGIN:VEVENT\r\nUID:rich-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID={BERLIN}:{stamp(1, 14)}\r\nDURATION:PT1H\r\n"
        "RRULE:FREQ=DAILY;COUNT=10\r\n"
        f"EXDATE;TZID={BERLIN}:{stamp(3, 14)}\r\n"
        f"RDATE;TZID={BERLIN}:{stamp(20, 16)}\r\n"
        "SUMMARY:Daily standup\r\nX-CUSTOM-FLAG;X-WHO=team:yes\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Standup\r\nTRIGGER:-PT5M\r\n"
        "X-ALARM-THING:1\r\nEND:VALARM\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:rich-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID;TZID={BERLIN}:{stamp(4, 14)}\r\n"
        f"DTSTART;TZID={BERLIN}:{stamp(4, 15)}\r\nDURATION:PT1H\r\n"
        "SUMMARY:Daily standup (late)\r\nX-CUSTOM-FLAG:override\r\nEND:VEVENT\r\n"
    )


def floating_event() -> str:
    return wrap(
        "BEGIN:VEVENT\r\nUID:floating-1@example.org\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{stamp(8, 7)}\r\nDTEND:{stamp(8, 8)}\r\nSUMMARY:Floating\r\nEND:VEVENT\r\n"
    )


ALL = [
    private_single,
    private_series,
    free_event,
    old_event,
    custom_zone_event,
    all_day_event,
    rich_series,
    floating_event,
]


def post_raw(client, cal: str, text: str, **headers: str):
    return client.post(
        f"/api/v1/calendars/{cal}/events", content=text, headers={"Content-Type": ICAL, **headers}
    )


def seed(client, cal: str, objects=ALL) -> None:
    for make in objects:
        resp = post_raw(client, cal, make())
        assert resp.status_code == 201, resp.text
