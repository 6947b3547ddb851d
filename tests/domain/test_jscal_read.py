"""The JSCalendar (RFC 8984) reading of stored iCalendar objects."""

from __future__ import annotations

from typing import Any

import pytest

from calgate.domain.ical_parse import parse_ical
from calgate.domain.jscal_read import (
    group,
    override_key,
    stable_id,
    to_jscalendar,
    to_jscalendar_entries,
    vlocation_ids,
)

ZONE = "Europe/Berlin"


def read(*lines: str, extra: str = "") -> dict[str, Any]:
    body = "\r\n".join(["UID:u1", "DTSTAMP:20240101T000000Z", *lines])
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        f"BEGIN:VEVENT\r\n{body}\r\nEND:VEVENT\r\n{extra}END:VCALENDAR\r\n"
    )
    return to_jscalendar(parse_ical(text), floating_tz=ZONE)


def test_zoned_event_with_end() -> None:
    event = read(
        "SUMMARY:Planning",
        "DTSTART;TZID=Europe/Berlin:20260329T090000",
        "DTEND;TZID=Europe/Berlin:20260329T103000",
    )
    assert event == {
        "@type": "Event",
        "uid": "u1",
        "title": "Planning",
        "start": "2026-03-29T09:00:00",
        "timeZone": "Europe/Berlin",
        "duration": "PT1H30M",
        "updated": "2024-01-01T00:00:00Z",
    }


def test_floating_utc_and_all_day() -> None:
    floating = read("DTSTART:20260329T090000", "DURATION:PT45M")
    assert (floating["start"], floating["timeZone"], floating["duration"]) == (
        "2026-03-29T09:00:00",
        None,
        "PT45M",
    )
    utc = read("DTSTART:20260329T070000Z")
    assert (utc["start"], utc["timeZone"]) == ("2026-03-29T07:00:00", "Etc/UTC")
    assert "duration" not in utc  # RFC 8984 default PT0S
    day = read("DTSTART;VALUE=DATE:20260329", "DTEND;VALUE=DATE:20260331")
    assert day["start"] == "2026-03-29T00:00:00"
    assert day["timeZone"] is None
    assert day["showWithoutTime"] is True
    assert day["duration"] == "P2D"


def test_end_in_another_zone() -> None:
    event = read(
        "DTSTART;TZID=Europe/Berlin:20241017T130000", "DTEND;TZID=Asia/Bangkok:20241018T040000"
    )
    assert (event["duration"], event["endTimeZone"]) == ("PT10H", "Asia/Bangkok")


def test_enums_and_scalars() -> None:
    event = read(
        "DTSTART:20260329T070000Z",
        "STATUS:TENTATIVE",
        "TRANSP:TRANSPARENT",
        "CLASS:CONFIDENTIAL",
        "PRIORITY:3",
        "SEQUENCE:2",
        "COLOR:maroon",
        "CREATED:20240101T101010Z",
        "LAST-MODIFIED:20240202T101010Z",
        "CATEGORIES:Work,Travel",
        "LOCATION:Room 1",
        "DESCRIPTION:Bring notes\\; and pens",
    )
    assert event["status"] == "tentative"
    assert event["freeBusyStatus"] == "free"
    assert event["privacy"] == "secret"
    assert (event["priority"], event["sequence"], event["color"]) == (3, 2, "maroon")
    assert event["created"] == "2024-01-01T10:10:10Z"
    assert event["updated"] == "2024-02-02T10:10:10Z"  # LAST-MODIFIED before DTSTAMP
    assert event["keywords"] == {"Work": True, "Travel": True}
    assert event["locations"] == {stable_id("Room 1"): {"@type": "Location", "name": "Room 1"}}
    assert event["description"] == "Bring notes; and pens"


def test_recurrence_rule() -> None:
    event = read(
        "DTSTART;TZID=Europe/Berlin:20240101T010000",
        "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=-1MO,TU;BYMONTH=1,3;BYSETPOS=1;WKST=SU;"
        "UNTIL=20240930T120000Z",
    )
    assert event["recurrenceRules"] == [
        {
            "@type": "RecurrenceRule",
            "frequency": "monthly",
            "interval": 2,
            "firstDayOfWeek": "su",
            "byDay": [
                {"@type": "NDay", "day": "mo", "nthOfPeriod": -1},
                {"@type": "NDay", "day": "tu"},
            ],
            "byMonth": ["1", "3"],
            "bySetPosition": [1],
            "until": "2024-09-30T14:00:00",
        }
    ]


SERIES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Standup\r\n"
    "LOCATION:Room 1\r\n"
    "DTSTART;TZID=Europe/Berlin:20240101T090000\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY\r\n"
    "EXDATE;TZID=Europe/Berlin:20240103T090000\r\n"
    "RDATE;TZID=Europe/Berlin:20240106T100000\r\n"
    "RDATE;VALUE=PERIOD:20240107T100000Z/PT1H\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Standup (moved)\r\n"
    "RECURRENCE-ID:20240102T080000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20240102T113000\r\nDURATION:PT15M\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Standup\r\n"
    "LOCATION:Room 1\r\n"
    "RECURRENCE-ID;TZID=Europe/Berlin:20240104T090000\r\n"
    "DTSTART;TZID=Europe/Berlin:20240104T090000\r\nDURATION:PT15M\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_series_with_overrides_exdate_and_rdates() -> None:
    event = to_jscalendar(parse_ical(SERIES), floating_tz=ZONE)
    assert event["start"] == "2024-01-01T09:00:00"
    assert event["recurrenceOverrides"] == {
        # a whole override (it has DTSTART): what it lacks is removed for that instance
        "2024-01-02T09:00:00": {
            "title": "Standup (moved)",
            "start": "2024-01-02T11:30:00",
            "locations": None,
        },
        "2024-01-03T09:00:00": {"excluded": True},
        "2024-01-04T09:00:00": {},  # an override equal to its occurrence
        "2024-01-06T10:00:00": {},
        "2024-01-07T11:00:00": {"duration": "PT1H"},
    }


def test_override_without_master_is_an_instance() -> None:
    text = SERIES.replace("RRULE:FREQ=DAILY\r\n", "").split("BEGIN:VEVENT", 2)
    cal = parse_ical(text[0] + "BEGIN:VEVENT" + text[2])
    entries = to_jscalendar_entries(cal, floating_tz=ZONE)
    assert [e["recurrenceId"] for e in entries] == ["2024-01-02T08:00:00", "2024-01-04T09:00:00"]
    assert entries[0]["recurrenceIdTimeZone"] == "Etc/UTC"
    assert to_jscalendar(cal, floating_tz=ZONE) == entries[0]
    assert group(entries)["entries"] == entries


def test_attendees_and_organizer() -> None:
    event = read(
        "DTSTART:20260329T070000Z",
        "ORGANIZER;CN=Olga:mailto:olga@example.com",
        "ATTENDEE;ROLE=CHAIR,REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:olga@example.com",
        "ATTENDEE;CN=Bob;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CUTYPE=ROOM:"
        "mailto:bob@example.com",
        "ATTENDEE;JSID=p3;ROLE=NON-PARTICIPANT:mailto:carol@example.com",
    )
    assert event["replyTo"] == {"imip": "mailto:olga@example.com"}  # RFC 8984 4.4.4
    assert event["participants"] == {
        stable_id("mailto:olga@example.com"): {
            "@type": "Participant",
            "sendTo": {"imip": "mailto:olga@example.com"},
            "email": "olga@example.com",
            "name": "Olga",
            "roles": {"chair": True, "owner": True, "required": True},
            "participationStatus": "accepted",
        },
        stable_id("mailto:bob@example.com"): {
            "@type": "Participant",
            "sendTo": {"imip": "mailto:bob@example.com"},
            "email": "bob@example.com",
            "name": "Bob",
            "kind": "location",
            "roles": {"optional": True},
            "participationStatus": "needs-action",
            "expectReply": True,
        },
        "p3": {
            "@type": "Participant",
            "sendTo": {"imip": "mailto:carol@example.com"},
            "email": "carol@example.com",
            "roles": {"informational": True},
        },
    }
    # calcard's ids (tests/oracles/data/calcard/jscalendar/005_participant.txt)
    assert stable_id("mailto:foo@example.com") == "59eb121c-e8f2-558a-9049-ef750a5976bd"


def test_alarms() -> None:
    alarms = (
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
        "BEGIN:VALARM\r\nACTION:EMAIL\r\nTRIGGER;RELATED=END:PT5M\r\nJSID:mail\r\nEND:VALARM\r\n"
        "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER;VALUE=DATE-TIME:20260329T060000Z\r\n"
        "ACKNOWLEDGED:20260329T060100Z\r\nEND:VALARM"
    )
    event = read("DTSTART:20260329T070000Z", alarms)
    assert event["alerts"] == {
        "k1": {
            "@type": "Alert",
            "trigger": {"@type": "OffsetTrigger", "offset": "-PT15M"},
            "action": "display",
        },
        "mail": {
            "@type": "Alert",
            "trigger": {"@type": "OffsetTrigger", "offset": "PT5M", "relativeTo": "end"},
            "action": "email",
        },
        "k3": {
            "@type": "Alert",
            "trigger": {"@type": "AbsoluteTrigger", "when": "2026-03-29T06:00:00Z"},
            "acknowledged": "2026-03-29T06:01:00Z",
        },
    }


def test_ids_are_stable_across_reads() -> None:
    lines = ("DTSTART:20260329T070000Z", "ATTENDEE:mailto:a@example.com", "LOCATION:Hall")
    assert read(*lines) == read(*lines)


@pytest.mark.parametrize(
    "lines",
    [
        ("DTSTART:garbage",),
        ("DTSTART:20260329T070000Z", "RRULE:FREQ=SOMETIMES"),
        ("DTSTART:20260329T070000Z", "RRULE:garbage;;"),
        (
            "DTSTART:20260329T070000Z",
            "EXDATE;VALUE=DATE:20260330",
            "RDATE;VALUE=PERIOD:20260401T100000Z/20260401T090000Z",
        ),
        ("DTSTART:20260329T070000Z", "PRIORITY:high", "SEQUENCE:x", "GEO:a;b"),
        ("DTSTART:20260329T070000Z", "DTEND:20260328T070000Z"),
        ("DTSTART;TZID=Nowhere/Land:20260329T070000", "CREATED:bad"),
        ("DTSTART:20260329T070000Z", "BEGIN:VALARM\r\nTRIGGER;VALUE=DATE:20260329\r\nEND:VALARM"),
        ("ATTENDEE:", "ORGANIZER:", "LOCATION:", "ATTACH:"),
    ],
)
def test_odd_data_never_raises(lines: tuple[str, ...]) -> None:
    event = read(*lines)
    assert event["@type"] == "Event"
    assert event["uid"] == "u1"


def test_no_event_at_all() -> None:
    cal = parse_ical("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert to_jscalendar(cal, floating_tz=ZONE) == {"@type": "Event"}
    assert group(to_jscalendar_entries(cal, floating_tz=ZONE), cal=cal) == {
        "@type": "Group",
        "entries": [],
    }


def test_override_key_is_the_recurrence_overrides_key() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20240101T000000Z\r\n"
        "DTSTART;VALUE=DATE:20260105\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20240101T000000Z\r\n"
        "RECURRENCE-ID:20260106T120000Z\r\nDTSTART;VALUE=DATE:20260107\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    cal = parse_ical(text)
    master, override = cal.walk("VEVENT")[1], cal.walk("VEVENT")[0]
    if "RECURRENCE-ID" in master:
        master, override = override, master
    key = override_key(master, override, floating_tz=ZONE)
    assert key == "2026-01-06T13:00:00"  # a UTC time in an all-day series: in the calendar zone
    assert list(to_jscalendar(cal, floating_tz=ZONE)["recurrenceOverrides"]) == [key]
    assert override_key(master, master, floating_tz=ZONE) is None


def test_organizer_email_is_read_for_the_participant_made_of_it_alone() -> None:
    alone = read("DTSTART:20260105T100000Z", "ORGANIZER;EMAIL=s@y;CN=Sam:mailto:sam@x.example")
    (person,) = alone["participants"].values()
    assert person == {
        "@type": "Participant",
        "sendTo": {"imip": "mailto:sam@x.example"},
        "name": "Sam",
        "email": "s@y",
        "roles": {"owner": True},
    }
    # an ATTENDEE of that address is the participant: its own EMAIL (none: the mailto:
    # address's own) is what it says, and it is the owner
    both = read(
        "DTSTART:20260105T100000Z",
        "ORGANIZER;EMAIL=s@y:mailto:sam@x.example",
        "ATTENDEE:mailto:sam@x.example",
    )
    (person,) = both["participants"].values()
    assert person["email"] == "sam@x.example"
    assert person["roles"] == {"attendee": True, "owner": True}


def test_vlocation_ids_name_the_locations_of_vlocations_only() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
        "DTSTART:20260105T100000Z\r\nLOCATION:Hall\r\nGEO:1.5;2.5\r\n"
        "BEGIN:VLOCATION\r\nUID:v\r\nNAME:Park\r\nJSID:park\r\nEND:VLOCATION\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    cal = parse_ical(text)
    event = next(iter(cal.walk("VEVENT")))
    assert vlocation_ids(event) == frozenset({"park"})
    shown = to_jscalendar(cal, floating_tz=ZONE)["locations"]
    assert "park" in shown and stable_id("Hall") in shown


def test_every_participant_has_roles() -> None:
    # RFC 8984 4.4.6: roles is mandatory; no ROLE is iCalendar's REQ-PARTICIPANT, an attendee
    event = read(
        "DTSTART:20260105T100000Z",
        "ORGANIZER:mailto:sam@x.example",
        "ATTENDEE:mailto:pat@x.example",
        "ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:kim@x.example",
    )
    roles = {p["sendTo"]["imip"]: p["roles"] for p in event["participants"].values()}
    assert roles == {
        "mailto:sam@x.example": {"owner": True},
        "mailto:pat@x.example": {"attendee": True},
        "mailto:kim@x.example": {"optional": True},
    }


def test_rfc8984_4_4_4_send_to_takes_other_uris_as_other() -> None:
    event = read(
        "DTSTART:20260105T100000Z",
        "ORGANIZER:urn:uuid:0b6d-organizer",
        "ATTENDEE;EMAIL=pat@x.example:https://x.example/pat",
    )
    assert event["replyTo"] == {"other": "urn:uuid:0b6d-organizer"}
    people = {p["sendTo"].get("other"): p for p in event["participants"].values()}
    assert people["https://x.example/pat"]["email"] == "pat@x.example"
    assert "email" not in people["urn:uuid:0b6d-organizer"]


def test_organizer_kind_is_read_from_its_cutype() -> None:
    event = read("DTSTART:20260105T100000Z", "ORGANIZER;CUTYPE=RESOURCE:mailto:projector@x.example")
    (person,) = event["participants"].values()
    assert person["kind"] == "resource" and person["roles"] == {"owner": True}
