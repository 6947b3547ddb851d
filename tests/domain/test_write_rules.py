"""The input time rules and what a new VCALENDAR holds (build_calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calgate.domain.ical_events import PRODID, build_calendar
from calgate.errors import InvalidInput, UnknownTimeZone

from .helpers import BERLIN, NOW, body, build, content_lines, master, public

BERLIN_TZ = ZoneInfo(BERLIN)


def test_new_calendar_has_version_prodid_and_one_vevent_with_stamps() -> None:
    cal = build(start="2026-03-29T09:00:00", title="Hi")
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == PRODID
    events = cal.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == "uid-1"
    assert int(event["SEQUENCE"]) == 0
    for name in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
        assert event[name].dt == NOW
    assert content_lines(cal, "DTSTAMP") == ["DTSTAMP:20260110T080000Z"]


def test_offset_without_time_zone_is_stored_in_utc() -> None:
    cal = build(start="2026-03-29T09:00:00+02:00", end="2026-03-29T10:00:00+02:00")
    assert content_lines(cal, "DTSTART") == ["DTSTART:20260329T070000Z"]
    assert content_lines(cal, "DTEND") == ["DTEND:20260329T080000Z"]
    pub = public(cal)
    assert (pub.start, pub.time_zone) == ("2026-03-29T07:00:00Z", "UTC")


def test_local_start_with_time_zone_keeps_its_zone() -> None:
    cal = build(start="2026-03-29T09:00:00", timeZone="America/New_York")
    assert content_lines(cal, "DTSTART") == ["DTSTART;TZID=America/New_York:20260329T090000"]
    pub = public(cal)
    assert (pub.start, pub.time_zone) == ("2026-03-29T09:00:00-04:00", "America/New_York")


def test_offset_with_time_zone_is_converted_into_that_zone() -> None:
    cal = build(start="2026-03-29T07:00:00Z", timeZone=BERLIN)
    assert content_lines(cal, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20260329T090000"]


def test_local_start_without_zone_uses_the_calendars_default_zone() -> None:
    cal = build(default_tz="Asia/Tokyo", start="2026-03-29T09:00:00")
    assert content_lines(cal, "DTSTART") == ["DTSTART;TZID=Asia/Tokyo:20260329T090000"]


def test_utc_default_zone_writes_z_times() -> None:
    cal = build(default_tz="UTC", start="2026-03-29T09:00:00")
    assert content_lines(cal, "DTSTART") == ["DTSTART:20260329T090000Z"]


def test_floating_keeps_a_local_time_without_zone() -> None:
    cal = build(start="2026-03-29T09:00:00", floating=True)
    assert content_lines(cal, "DTSTART") == ["DTSTART:20260329T090000"]
    assert content_lines(cal, "DTEND") == ["DTEND:20260329T100000"]
    pub = public(cal)
    assert (pub.start, pub.time_zone, pub.floating) == ("2026-03-29T09:00:00", None, True)
    assert not cal.walk("VTIMEZONE")


def test_unknown_time_zone_is_422_pointing_at_time_zone() -> None:
    with pytest.raises(UnknownTimeZone) as info:
        build(start="2026-03-29T09:00:00", timeZone="Mars/Olympus_Mons")
    assert info.value.status == 422
    assert [e.pointer for e in info.value.errors] == ["#/timeZone"]


def test_windows_names_are_not_accepted_as_input_zones() -> None:
    with pytest.raises(UnknownTimeZone):
        build(start="2026-03-29T09:00:00", timeZone="W. Europe Standard Time")


def test_date_start_means_all_day_with_a_one_day_default_end() -> None:
    cal = build(start="2026-03-29")
    assert content_lines(cal, "DTSTART") == ["DTSTART;VALUE=DATE:20260329"]
    assert content_lines(cal, "DTEND") == ["DTEND;VALUE=DATE:20260330"]
    pub = public(cal)
    assert (pub.start, pub.end, pub.all_day, pub.time_zone) == (
        "2026-03-29",
        "2026-03-30",
        True,
        None,
    )


def test_all_day_end_is_exclusive_and_must_be_after_start() -> None:
    cal = build(start="2026-03-29", end="2026-03-31", allDay=True)
    assert master(cal)["DTEND"].dt == date(2026, 3, 31)
    with pytest.raises(InvalidInput) as info:
        build(start="2026-03-29", end="2026-03-29")
    assert [e.pointer for e in info.value.errors] == ["#/end"]


def test_timed_event_without_end_or_duration_lasts_one_hour() -> None:
    cal = build(start="2026-03-29T09:00:00", timeZone=BERLIN)
    assert master(cal)["DTEND"].dt == datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN_TZ)


def test_end_before_or_at_start_is_422_pointing_at_end() -> None:
    for end in ("2026-03-29T09:00:00", "2026-03-29T08:00:00"):
        with pytest.raises(InvalidInput) as info:
            build(start="2026-03-29T09:00:00", end=end, timeZone=BERLIN)
        assert [e.pointer for e in info.value.errors] == ["#/end"]


def test_local_end_is_read_in_the_events_zone() -> None:
    cal = build(start="2026-03-29T07:00:00Z", end="2026-03-29T08:00:00")
    assert master(cal)["DTEND"].dt == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    cal = build(start="2026-03-29T09:00:00", end="2026-03-29T17:00:00+00:00", timeZone=BERLIN)
    assert content_lines(cal, "DTEND") == ["DTEND;TZID=Europe/Berlin:20260329T190000"]


def test_floating_event_rejects_an_end_with_offset() -> None:
    with pytest.raises(InvalidInput) as info:
        build(start="2026-03-29T09:00:00", end="2026-03-29T10:00:00Z", floating=True)
    assert [e.pointer for e in info.value.errors] == ["#/end"]


def test_duration_is_stored_as_duration() -> None:
    cal = build(start="2026-03-29T09:00:00", duration="PT1H30M", timeZone=BERLIN)
    assert content_lines(cal, "DURATION") == ["DURATION:PT1H30M"]
    assert "DTEND" not in master(cal)
    pub = public(cal)
    assert (pub.end, pub.duration) == ("2026-03-29T10:30:00+02:00", "PT1H30M")


def test_zero_duration_makes_an_instant_without_dtend() -> None:
    cal = build(start="2026-03-29T09:00:00", duration="PT0S", timeZone=BERLIN)
    event = master(cal)
    assert "DTEND" not in event and "DURATION" not in event
    pub = public(cal)
    assert pub.end == pub.start


def test_rfc5545_3_3_5_nonexistent_local_time_uses_the_offset_before_the_gap() -> None:
    # 2026-03-29 02:30 does not exist in Berlin (clocks jump 02:00 -> 03:00).
    cal = build(start="2026-03-29T02:30:00", timeZone=BERLIN)
    assert content_lines(cal, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20260329T023000"]
    pub = public(cal)
    assert pub.start == "2026-03-29T03:30:00+02:00"  # 01:30Z, the real instant
    assert datetime.fromisoformat(pub.start).astimezone(UTC) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    assert datetime.fromisoformat(pub.end or "") - datetime.fromisoformat(pub.start) == timedelta(
        hours=1
    )


def test_rfc5545_3_3_5_ambiguous_local_time_is_its_first_occurrence() -> None:
    # 2026-10-25 02:30 happens twice in Berlin; the first one is 02:30+02:00 (00:30Z).
    cal = build(start="2026-10-25T02:30:00", timeZone=BERLIN)
    pub = public(cal)
    assert pub.start == "2026-10-25T02:30:00+02:00"


def test_end_across_the_autumn_change_is_real_elapsed_time() -> None:
    cal = build(start="2026-10-25T01:00:00", end="2026-10-25T04:00:00", timeZone=BERLIN)
    pub = public(cal)
    start = datetime.fromisoformat(pub.start or "")
    end = datetime.fromisoformat(pub.end or "")
    assert end - start == timedelta(hours=4)  # 01:00+02:00 -> 04:00+01:00


def test_every_write_has_a_vtimezone_per_tzid() -> None:
    cal = build(
        start="2026-03-29T09:00:00",
        end="2026-03-29T12:00:00-04:00",
        timeZone=BERLIN,
        excludedDates=["2026-04-05"],
        recurrence={"frequency": "weekly"},
    )
    assert cal.get_missing_tzids() == set()
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [BERLIN]
    assert content_lines(cal, "EXDATE") == ["EXDATE;TZID=Europe/Berlin:20260405T090000"]


def test_vtimezone_covers_events_long_before_1970() -> None:
    cal = build(start="1950-06-01T09:00:00", timeZone=BERLIN)
    assert cal.get_missing_tzids() == set()
    first = min(sub["DTSTART"].dt for sub in cal.walk("VTIMEZONE")[0].subcomponents)
    assert first.year <= 1950


def test_modelled_fields_are_written() -> None:
    cal = build(
        start="2026-03-29T09:00:00",
        timeZone=BERLIN,
        title="Planning",
        description="Line 1\nLine 2, with comma",
        location="Room 1",
        status="tentative",
        transparency="free",
        privacy="confidential",
        priority=3,
        url="https://example.com/x?a=1",
        categories=["work", "a,b"],
        organizer={"email": "boss@example.com", "name": "The Boss"},
        attendees=[
            {
                "email": "ann@example.com",
                "name": "Ann",
                "role": "optional",
                "participationStatus": "accepted",
                "rsvp": True,
            },
            {"email": "urn:uuid:room-1"},
        ],
    )
    event = master(cal)
    assert str(event["SUMMARY"]) == "Planning"
    assert str(event["DESCRIPTION"]) == "Line 1\nLine 2, with comma"
    assert (str(event["STATUS"]), str(event["TRANSP"]), str(event["CLASS"])) == (
        "TENTATIVE",
        "TRANSPARENT",
        "CONFIDENTIAL",
    )
    assert int(event["PRIORITY"]) == 3
    assert content_lines(cal, "ORGANIZER") == ['ORGANIZER;CN="The Boss":mailto:boss@example.com']
    assert content_lines(cal, "ATTENDEE") == [
        "ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;ROLE=OPT-PARTICIPANT;RSVP=TRUE:mailto:ann@example.com",
        "ATTENDEE:urn:uuid:room-1",
    ]
    assert content_lines(cal, "CATEGORIES") == ["CATEGORIES:work,a\\,b"]
    pub = public(cal)
    assert pub.categories == ["work", "a,b"]
    assert pub.attendees[1].email == "urn:uuid:room-1"


def test_alerts_become_valarms() -> None:
    cal = build(
        start="2026-03-29T09:00:00",
        timeZone=BERLIN,
        title="Dentist",
        alerts=[
            {"trigger": "-PT15M"},
            {"trigger": "2026-03-28T18:00:00", "action": "email", "description": "Tomorrow!"},
            {"trigger": "-P1D", "action": "audio"},
        ],
    )
    alarms = master(cal).walk("VALARM")
    assert [str(a["ACTION"]) for a in alarms] == ["DISPLAY", "EMAIL", "AUDIO"]
    assert str(alarms[0]["DESCRIPTION"]) == "Dentist"
    # an absolute trigger is stored in UTC (RFC 5545 3.8.6.3); a local one is read in the zone
    assert alarms[1]["TRIGGER"].dt == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)
    assert [a.trigger for a in public(cal).alerts] == ["-PT15M", "2026-03-28T17:00:00Z", "-P1D"]


def test_build_never_reads_the_clock() -> None:
    a = build_calendar(body(start="2026-03-29"), uid="u", default_tz=BERLIN, now=NOW)
    b = build_calendar(body(start="2026-03-29"), uid="u", default_tz=BERLIN, now=NOW)
    assert a.to_ical() == b.to_ical()
