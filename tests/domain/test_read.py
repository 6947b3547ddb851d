"""Reading stored objects (event_to_public, parse_ical, uid_of): odd server data never raises."""

from __future__ import annotations

import pytest

from calgate.domain.ical_events import parse_ical, patch_event, replace_event, uid_of
from calgate.errors import InvalidInput

from .helpers import LATER, content_lines, ics, master, public, vevent


def test_rfc5545_3_6_1_no_dtend_date_time_is_instant() -> None:
    pub = public(vevent("DTSTART:20260301T090000Z"))
    assert pub.start == pub.end == "2026-03-01T09:00:00Z"
    assert pub.duration is None


def test_rfc5545_3_6_1_no_dtend_date_lasts_one_day() -> None:
    pub = public(vevent("DTSTART;VALUE=DATE:20260301"))
    assert (pub.start, pub.end, pub.all_day) == ("2026-03-01", "2026-03-02", True)


def test_rfc5545_3_8_2_5_duration_instead_of_dtend() -> None:
    pub = public(vevent("DTSTART;TZID=Europe/Berlin:20260301T090000", "DURATION:PT1H30M"))
    assert (pub.end, pub.duration) == ("2026-03-01T10:30:00+01:00", "PT1H30M")
    pub = public(vevent("DTSTART;VALUE=DATE:20260301", "DURATION:P3D"))
    assert (pub.end, pub.duration) == ("2026-03-04", "P3D")


def test_rfc5545_3_3_6_duration_hours_are_elapsed_time_across_dst() -> None:
    pub = public(vevent("DTSTART;TZID=Europe/Berlin:20260329T013000", "DURATION:PT2H"))
    assert pub.end == "2026-03-29T04:30:00+02:00"


def test_rfc5545_3_3_5_floating_time_has_no_zone() -> None:
    pub = public(vevent("DTSTART:20260301T090000", "DTEND:20260301T100000"))
    assert (pub.start, pub.end, pub.time_zone, pub.floating) == (
        "2026-03-01T09:00:00",
        "2026-03-01T10:00:00",
        None,
        True,
    )


def test_tzid_without_vtimezone_naming_an_iana_zone_is_resolved() -> None:
    pub = public(vevent("DTSTART;TZID=America/Chicago:20260301T090000"))
    assert (pub.start, pub.time_zone, pub.floating) == (
        "2026-03-01T09:00:00-06:00",
        "America/Chicago",
        False,
    )


def test_windows_tzid_without_vtimezone_is_read_as_its_iana_zone() -> None:
    pub = public(vevent("DTSTART;TZID=W. Europe Standard Time:20260301T090000"))
    assert (pub.start, pub.time_zone) == ("2026-03-01T09:00:00+01:00", "Europe/Berlin")


def test_unknown_tzid_without_vtimezone_is_a_local_time_keeping_the_tzid() -> None:
    cal = vevent(
        'DTSTART;TZID="(UTC+01:00) Somewhere odd":20260301T090000',
        'DTEND;TZID="(UTC+01:00) Somewhere odd":20260301T100000',
        "DTSTAMP:20260101T000000Z",
    )
    pub = public(cal)
    assert (pub.start, pub.end, pub.time_zone, pub.floating) == (
        "2026-03-01T09:00:00",
        "2026-03-01T10:00:00",
        "(UTC+01:00) Somewhere odd",
        False,
    )
    before = cal.to_ical()
    replace_event(cal, pub.to_write(), default_tz="UTC", now=LATER)
    assert cal.to_ical() == before
    patch_event(cal, {"start": "2026-03-01T08:00:00"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "DTSTART") == [
        'DTSTART;TZID="(UTC+01:00) Somewhere odd":20260301T080000'
    ]


def test_a_calendars_own_vtimezone_is_used_not_one_parsed_earlier() -> None:
    def custom(offset: str) -> str:
        return "\r\n".join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//t//t//EN",
                "BEGIN:VTIMEZONE",
                "TZID:Calgate Test Zone",
                "BEGIN:STANDARD",
                "DTSTART:19700101T000000",
                f"TZOFFSETFROM:{offset}",
                f"TZOFFSETTO:{offset}",
                "END:STANDARD",
                "END:VTIMEZONE",
                "BEGIN:VEVENT",
                "UID:x",
                "DTSTART;TZID=Calgate Test Zone:20260301T090000",
                "END:VEVENT",
                "END:VCALENDAR",
                "",
            ]
        )

    first = parse_ical(custom("+0500"))
    second = parse_ical(custom("-0300"))
    assert public(first).start == "2026-03-01T09:00:00+05:00"
    assert public(second).start == "2026-03-01T09:00:00-03:00"
    third = vevent("DTSTART;TZID=Calgate Test Zone:20260301T090000")
    assert (public(third).start, public(third).time_zone) == (
        "2026-03-01T09:00:00",
        "Calgate Test Zone",
    )


def test_broken_rrule_is_reported_raw_without_recurrence() -> None:
    pub = public(vevent("DTSTART:20260301T090000Z", "RRULE:FREQ=FORTNIGHTLY;BYDAY=XX"))
    assert pub.recurrence is None
    assert pub.rrule is not None and "FORTNIGHTLY" in pub.rrule


def test_rrule_with_parts_the_object_cannot_hold_is_raw_only() -> None:
    pub = public(vevent("DTSTART:20260301T090000Z", "RRULE:FREQ=MINUTELY;BYSECOND=0,30;COUNT=4"))
    assert pub.recurrence is None
    assert pub.rrule == "FREQ=MINUTELY;COUNT=4;BYSECOND=0,30"


def test_missing_uid_dtstamp_and_dtstart_give_nulls() -> None:
    cal = ics("BEGIN:VEVENT", "SUMMARY:bare", "END:VEVENT")
    pub = public(cal)
    assert (pub.uid, pub.updated, pub.created, pub.start, pub.end, pub.title) == (
        None,
        None,
        None,
        None,
        None,
        "bare",
    )
    assert uid_of(cal) is None


def test_unknown_enumeration_values_and_bad_priority_read_as_null() -> None:
    pub = public(
        vevent(
            "DTSTART:20260301T090000Z",
            "STATUS:X-MAYBE",
            "CLASS:X-SECRET",
            "TRANSP:SEMI",
            "PRIORITY:42",
        )
    )
    assert (pub.status, pub.privacy, pub.transparency, pub.priority) == (None, None, None, None)


def test_dtend_before_dtstart_reads_as_an_instant() -> None:
    pub = public(vevent("DTSTART:20260301T090000Z", "DTEND:20260301T080000Z"))
    assert pub.end == pub.start


def test_dtend_of_another_value_type_is_ignored() -> None:
    pub = public(vevent("DTSTART;VALUE=DATE:20260301", "DTEND:20260301T100000Z"))
    assert (pub.start, pub.end) == ("2026-03-01", "2026-03-02")


def test_created_and_updated_are_utc() -> None:
    pub = public(
        vevent(
            "DTSTART:20260301T090000Z",
            "CREATED:20260101T100000Z",
            "DTSTAMP:20260102T100000Z",
            "LAST-MODIFIED;TZID=Europe/Berlin:20260103T120000",
        )
    )
    assert (pub.created, pub.updated) == ("2026-01-01T10:00:00Z", "2026-01-03T11:00:00Z")


def test_only_overrides_stored_reads_the_first_with_its_recurrence_id() -> None:
    cal = ics(
        "BEGIN:VEVENT",
        "UID:s",
        "RECURRENCE-ID;TZID=Europe/Berlin:20260302T090000",
        "DTSTART;TZID=Europe/Berlin:20260302T100000",
        "SUMMARY:moved",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:s",
        "RECURRENCE-ID;TZID=Europe/Berlin:20260309T090000",
        "DTSTART;TZID=Europe/Berlin:20260309T110000",
        "END:VEVENT",
    )
    pub = public(cal)
    assert (pub.title, pub.recurrence_id, pub.start) == (
        "moved",
        "2026-03-02T09:00:00+01:00",
        "2026-03-02T10:00:00+01:00",
    )


def test_master_is_the_vevent_without_recurrence_id() -> None:
    cal = ics(
        "BEGIN:VEVENT",
        "UID:s",
        "RECURRENCE-ID:20260302T090000Z",
        "DTSTART:20260302T100000Z",
        "SUMMARY:override",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:s",
        "DTSTART:20260301T090000Z",
        "RRULE:FREQ=DAILY",
        "SUMMARY:series",
        "END:VEVENT",
    )
    pub = public(cal)
    assert (pub.title, pub.recurrence_id, pub.rrule) == ("series", None, "FREQ=DAILY")
    assert uid_of(cal) == "s"


def test_an_object_without_vevent_gives_an_empty_event() -> None:
    pub = public(ics("BEGIN:VTODO", "UID:t", "END:VTODO"))
    assert (pub.id, pub.start, pub.title) == ("ev", None, None)


def test_attendee_without_a_usable_address_is_not_shown_but_kept() -> None:
    cal = vevent(
        "DTSTART:20260301T090000Z",
        "DTSTAMP:20260101T000000Z",
        "ATTENDEE;CN=Room:MAILTO:Meeting Room@example.org",
        "ATTENDEE;CN=Ann:mailto:ann@example.org",
    )
    pub = public(cal)
    assert [a.email for a in pub.attendees] == ["ann@example.org"]
    patch_event(cal, {"attendees": [{"email": "bob@example.org"}]}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "ATTENDEE") == [
        "ATTENDEE:mailto:bob@example.org",
        "ATTENDEE;CN=Room:MAILTO:Meeting Room@example.org",
    ]


def test_alarm_with_unknown_action_is_not_shown_but_kept_by_a_list_of_alerts() -> None:
    cal = vevent(
        "DTSTART:20260301T090000Z",
        "DTSTAMP:20260101T000000Z",
        "BEGIN:VALARM",
        "ACTION:PROCEDURE",
        "TRIGGER:-PT1M",
        "END:VALARM",
    )
    assert public(cal).alerts == []
    patch_event(cal, {"alerts": [{"trigger": "-PT10M"}]}, default_tz="UTC", now=LATER)
    assert [str(a["ACTION"]) for a in master(cal).walk("VALARM")] == ["PROCEDURE", "DISPLAY"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
    ],
)
def test_parse_ical_raises_invalid_input_on_text_that_is_not_one_vcalendar(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_ical(text)


def test_parse_ical_keeps_broken_properties_readable() -> None:
    cal = vevent("DTSTART:2026garbage", "SUMMARY:still here")
    pub = public(cal)
    assert (pub.start, pub.title) == (None, "still here")
