"""PUT (replace_event) and PATCH (patch_event): in-place edits that keep what calgate does not
model, and bump SEQUENCE only when something changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from icalendar import Calendar

from calgate.domain.ical_events import parse_ical, patch_event, replace_event
from calgate.errors import Conflict, InvalidInput, UnknownTimeZone

from .helpers import BERLIN, LATER, NOW, body, build, content_lines, ics, master, public

OUTLOOK = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "X-WR-CALNAME:Work",
        "BEGIN:VTIMEZONE",
        "TZID:W. Europe Standard Time",
        "BEGIN:STANDARD",
        "DTSTART:16011028T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010325T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:040000008200E00074C5B7101A82E008",
        "DTSTAMP:20260101T100000Z",
        "CREATED:20260101T100000Z",
        "LAST-MODIFIED:20260101T100000Z",
        "SEQUENCE:3",
        "SUMMARY:Team meeting",
        "DTSTART;TZID=W. Europe Standard Time:20260330T090000",
        "DTEND;TZID=W. Europe Standard Time:20260330T100000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260601T070000Z",
        "EXDATE;TZID=W. Europe Standard Time:20260406T090000",
        "STATUS:X-PENCILLED-IN",
        "X-FOO;X-BAR=baz:some value\\, kept",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        "ATTACH;FMTTYPE=application/pdf:https://example.com/a.pdf",
        'ORGANIZER;CN="Boss, The";X-ORG=1:mailto:boss@example.com',
        "ATTENDEE;CN=Alice;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;X-NUM-GUESTS=0:mailto:alice@example.com",
        "ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;X-RESPONSE-COMMENT=hi:mailto:bob@example.com",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        "DESCRIPTION:Reminder",
        "X-WR-ALARMUID:abc",
        "X-APPLE-DEFAULT-ALARM:TRUE",
        "END:VALARM",
        "BEGIN:VALARM",
        "ACTION:X-SPEAK",
        "TRIGGER:-PT5M",
        "END:VALARM",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:040000008200E00074C5B7101A82E008",
        "RECURRENCE-ID;TZID=W. Europe Standard Time:20260413T090000",
        "DTSTAMP:20260101T100000Z",
        "SUMMARY:Team meeting (moved)",
        "DTSTART;TZID=W. Europe Standard Time:20260413T110000",
        "DTEND;TZID=W. Europe Standard Time:20260413T120000",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)
KEPT = [
    "X-FOO",
    "X-MICROSOFT-CDO-BUSYSTATUS",
    "ATTACH",
    "ORGANIZER",
    "ATTENDEE",
    "STATUS",
    "DTSTART",
    "DTEND",
    "RRULE",
    "EXDATE",
    "UID",
    "CREATED",
]


def outlook() -> Calendar:
    return parse_ical(OUTLOOK)


def sequence(cal: Calendar) -> int:
    return int(master(cal)["SEQUENCE"])


def blocks(cal: Calendar, name: str) -> list[bytes]:
    return [c.to_ical() for c in cal.walk(name)]


def override(cal: Calendar) -> bytes:
    return next(e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e).to_ical()


def snapshot(cal: Calendar) -> dict[str, Any]:
    return {
        **{name: content_lines(cal, name) for name in KEPT},
        "VALARM": blocks(cal, "VALARM"),
        "VTIMEZONE": blocks(cal, "VTIMEZONE"),
        "override": override(cal),
        "X-WR-CALNAME": str(cal["X-WR-CALNAME"]),
    }


# -- no-op round trips ------------------------------------------------------------------------


def test_round_trip_build_public_put_is_a_no_op() -> None:
    cal = build(
        start="2026-03-23T09:00:00",
        timeZone=BERLIN,
        title="Standup",
        recurrence={"frequency": "monthly", "byDay": ["mo", "-1fr"], "until": "2026-06-30"},
        excludedDates=["2026-04-06"],
        alerts=[{"trigger": "-PT15M"}, {"trigger": "-P1D", "action": "email"}],
        attendees=[{"email": "ann@example.com", "role": "chair", "rsvp": False}],
        organizer={"email": "ann@example.com", "name": "Ann"},
        categories=["x"],
        priority=1,
        status="confirmed",
    )
    before = cal.to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    assert sequence(cal) == 0
    assert cal.to_ical() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"start": "2026-03-29"},
        {"start": "2026-03-29", "end": "2026-04-02"},
        {"start": "2026-03-29T09:00:00", "floating": True},
        {"start": "2026-03-29T09:00:00Z", "duration": "PT45M"},
        {"start": "2026-03-29T09:00:00", "duration": "PT0S", "timeZone": "Asia/Kolkata"},
        {"start": "2026-10-25T02:30:00", "timeZone": BERLIN},
        {"start": "2026-03-29T02:30:00", "timeZone": BERLIN, "rrule": "FREQ=DAILY;BYSECOND=0,30"},
    ],
)
def test_round_trip_of_each_time_form_is_a_no_op(fields: dict[str, Any]) -> None:
    cal = build(**fields)
    before = cal.to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="Pacific/Auckland", now=LATER)
    assert cal.to_ical() == before
    patch_event(cal, {}, default_tz="Pacific/Auckland", now=LATER)
    assert cal.to_ical() == before


def test_put_of_the_stored_form_of_an_outlook_object_changes_nothing() -> None:
    cal = outlook()
    before = cal.to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    assert cal.to_ical() == before
    assert sequence(cal) == 3


# -- a change bumps -----------------------------------------------------------------------------


def test_put_with_a_change_bumps_sequence_and_stamps() -> None:
    cal = build(start="2026-03-29T09:00:00", title="Old")
    replace_event(cal, body(start="2026-03-29T09:00:00", title="New"), default_tz=BERLIN, now=LATER)
    event = master(cal)
    assert str(event["SUMMARY"]) == "New"
    assert sequence(cal) == 1
    assert event["DTSTAMP"].dt == LATER and event["LAST-MODIFIED"].dt == LATER
    assert event["CREATED"].dt == NOW


def test_put_sets_every_modelled_field_absent_means_removed() -> None:
    cal = build(
        start="2026-03-29T09:00:00",
        title="T",
        location="L",
        description="D",
        categories=["c"],
        attendees=[{"email": "a@example.com"}],
        organizer={"email": "a@example.com"},
        url="https://x.org",
        priority=5,
        privacy="private",
        recurrence={"frequency": "daily", "count": 3},
        excludedDates=["2026-03-30"],
    )
    replace_event(cal, body(start="2026-03-29T09:00:00"), default_tz=BERLIN, now=LATER)
    event = master(cal)
    for name in (
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "CATEGORIES",
        "ATTENDEE",
        "ORGANIZER",
        "URL",
        "PRIORITY",
        "CLASS",
        "RRULE",
        "EXDATE",
    ):
        assert name not in event, name


# -- in-place preservation ---------------------------------------------------------------------


def test_put_title_keeps_unmodelled_properties_byte_identical() -> None:
    cal = outlook()
    before = snapshot(cal)
    write = public(cal).to_write().model_copy(update={"title": "Renamed"})
    replace_event(cal, write, default_tz="UTC", now=LATER)
    assert snapshot(cal) == before
    assert str(master(cal)["SUMMARY"]) == "Renamed"
    assert sequence(cal) == 4


def test_patch_title_keeps_everything_else_byte_identical() -> None:
    cal = outlook()
    before = snapshot(cal)
    patch_event(cal, {"title": "Renamed"}, default_tz="UTC", now=LATER)
    assert snapshot(cal) == before
    assert content_lines(cal, "SUMMARY")[0] == "SUMMARY:Renamed"


def test_outlook_custom_tzid_kept_when_the_body_says_the_same_zone_and_instant() -> None:
    cal = outlook()
    pub = public(cal)
    assert (pub.start, pub.time_zone) == ("2026-03-30T09:00:00+02:00", "Europe/Berlin")
    replace_event(cal, pub.to_write(), default_tz="UTC", now=LATER)
    assert (
        content_lines(cal, "DTSTART")[0] == "DTSTART;TZID=W. Europe Standard Time:20260330T090000"
    )


def test_outlook_custom_tzid_kept_when_the_time_moves_within_the_same_zone() -> None:
    cal = outlook()
    patch_event(
        cal,
        {"start": "2026-03-30T10:00:00", "end": "2026-03-30T11:30:00"},
        default_tz="UTC",
        now=LATER,
    )
    assert (
        content_lines(cal, "DTSTART")[0] == "DTSTART;TZID=W. Europe Standard Time:20260330T100000"
    )
    assert content_lines(cal, "DTEND")[0] == "DTEND;TZID=W. Europe Standard Time:20260330T113000"
    assert cal.get_missing_tzids() == set()


def test_unknown_stored_status_is_kept_when_the_body_leaves_status_out() -> None:
    cal = outlook()
    assert public(cal).status is None
    patch_event(cal, {"title": "x"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "STATUS") == ["STATUS:X-PENCILLED-IN"]
    patch_event(cal, {"status": "confirmed"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "STATUS") == ["STATUS:CONFIRMED"]


def test_attendee_matched_by_email_keeps_unknown_parameters() -> None:
    cal = outlook()
    attendees = [a.model_dump() for a in public(cal).attendees]
    attendees[1]["participationStatus"] = "accepted"
    patch_event(cal, {"attendees": attendees}, default_tz="UTC", now=LATER)
    lines = content_lines(cal, "ATTENDEE")
    assert lines[0].startswith(
        "ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE;X-NUM-GUESTS=0"
    )
    assert (
        lines[1] == "ATTENDEE;CN=Bob;PARTSTAT=ACCEPTED;X-RESPONSE-COMMENT=hi:mailto:bob@example.com"
    )


def test_attendee_dropped_from_the_list_is_removed_and_new_ones_added() -> None:
    cal = outlook()
    patch_event(
        cal,
        {
            "attendees": [
                {"email": "bob@example.com", "name": "Bob", "participationStatus": "needs-action"},
                {"email": "carol@example.com"},
            ]
        },
        default_tz="UTC",
        now=LATER,
    )
    assert content_lines(cal, "ATTENDEE") == [
        "ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;X-RESPONSE-COMMENT=hi:mailto:bob@example.com",
        "ATTENDEE:mailto:carol@example.com",
    ]


def test_organizer_name_change_keeps_its_other_parameters() -> None:
    cal = outlook()
    patch_event(cal, {"organizer": {"name": "Chief"}}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "ORGANIZER") == ["ORGANIZER;CN=Chief;X-ORG=1:mailto:boss@example.com"]


# -- alerts ---------------------------------------------------------------------------------------


def test_alerts_omitted_keep_stored_valarms() -> None:
    cal = outlook()
    before = blocks(cal, "VALARM")
    write = body(start="2026-03-30T09:00:00", timeZone="Europe/Berlin", title="Team meeting")
    assert "alerts" not in write.model_fields_set
    replace_event(cal, write, default_tz="UTC", now=LATER)
    assert blocks(cal, "VALARM") == before


def test_alerts_empty_list_removes_every_valarm() -> None:
    cal = outlook()
    patch_event(cal, {"alerts": []}, default_tz="UTC", now=LATER)
    assert blocks(cal, "VALARM") == []


def test_patch_alerts_null_removes_every_valarm() -> None:
    cal = outlook()
    patch_event(cal, {"alerts": None}, default_tz="UTC", now=LATER)
    assert blocks(cal, "VALARM") == []


def test_sent_alert_matching_a_stored_valarm_keeps_it_as_stored() -> None:
    cal = outlook()
    stored = blocks(cal, "VALARM")
    patch_event(
        cal,
        {"alerts": [{"trigger": "-PT15M"}, {"trigger": "-PT1H", "action": "audio"}]},
        default_tz="UTC",
        now=LATER,
    )
    alarms = blocks(cal, "VALARM")
    assert alarms[:2] == stored  # the matched one with its X- properties, and the X-SPEAK one
    assert b"ACTION:AUDIO" in alarms[2] and b"TRIGGER:-PT1H" in alarms[2]
    assert [a.trigger for a in public(cal).alerts] == ["-PT15M", "-PT1H"]


def test_alert_relative_to_end_is_shown_relative_to_start_and_kept() -> None:
    cal = ics(
        "BEGIN:VEVENT",
        "UID:a",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260301T090000Z",
        "DTEND:20260301T100000Z",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:x",
        "TRIGGER;RELATED=END:-PT5M",
        "END:VALARM",
        "END:VEVENT",
    )
    pub = public(cal)
    assert [a.trigger for a in pub.alerts] == ["PT55M"]
    before = cal.to_ical()
    replace_event(cal, pub.to_write(), default_tz="UTC", now=LATER)
    assert cal.to_ical() == before


# -- PATCH semantics ------------------------------------------------------------------------------


def test_rfc7396_patch_null_removes_a_field() -> None:
    cal = build(start="2026-03-29T09:00:00", title="T", location="Room 1", description="D")
    before_description = content_lines(cal, "DESCRIPTION")
    patch_event(cal, {"location": None}, default_tz=BERLIN, now=LATER)
    assert "LOCATION" not in master(cal)
    assert content_lines(cal, "DESCRIPTION") == before_description
    assert sequence(cal) == 1


def test_rfc7396_patch_objects_merge() -> None:
    cal = build(start="2026-03-29T09:00:00", recurrence={"frequency": "weekly", "byDay": ["su"]})
    patch_event(cal, {"recurrence": {"count": 5}}, default_tz=BERLIN, now=LATER)
    rec = public(cal).recurrence
    assert rec is not None and (rec.frequency, rec.by_day, rec.count) == ("weekly", ["su"], 5)


def test_patch_time_zone_alone_keeps_the_wall_clock_time() -> None:
    cal = build(
        start="2026-03-23T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "weekly"},
        excludedDates=["2026-03-30"],
    )
    patch_event(cal, {"timeZone": "America/New_York"}, default_tz=BERLIN, now=LATER)
    pub = public(cal)
    assert (pub.start, pub.end, pub.time_zone) == (
        "2026-03-23T09:00:00-04:00",
        "2026-03-23T10:00:00-04:00",
        "America/New_York",
    )
    assert pub.excluded_dates == ["2026-03-30T09:00:00-04:00"]
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"America/New_York"}


def test_patch_utc_event_to_a_zone_keeps_the_wall_clock_time() -> None:
    cal = build(start="2026-03-29T07:00:00Z")
    patch_event(cal, {"timeZone": BERLIN}, default_tz=BERLIN, now=LATER)
    assert public(cal).start == "2026-03-29T07:00:00+02:00"


def test_patch_floating_true_drops_the_zone() -> None:
    cal = build(start="2026-03-29T09:00:00", timeZone=BERLIN)
    patch_event(cal, {"floating": True}, default_tz=BERLIN, now=LATER)
    assert content_lines(cal, "DTSTART") == ["DTSTART:20260329T090000"]
    assert not cal.walk("VTIMEZONE")


def test_patch_start_to_a_date_makes_an_all_day_event() -> None:
    cal = build(start="2026-03-29T09:00:00", timeZone=BERLIN)
    patch_event(cal, {"start": "2026-04-01"}, default_tz=BERLIN, now=LATER)
    pub = public(cal)
    assert (pub.start, pub.end, pub.all_day, pub.time_zone) == (
        "2026-04-01",
        "2026-04-02",
        True,
        None,
    )


def test_patch_duration_replaces_a_stored_end() -> None:
    cal = build(start="2026-03-29T09:00:00", end="2026-03-29T12:00:00", timeZone=BERLIN)
    patch_event(cal, {"duration": "PT30M"}, default_tz=BERLIN, now=LATER)
    assert content_lines(cal, "DURATION") == ["DURATION:PT30M"] and not content_lines(cal, "DTEND")


def test_patch_moving_start_keeps_a_stored_duration() -> None:
    cal = build(start="2026-03-29T09:00:00", duration="PT2H", timeZone=BERLIN)
    patch_event(cal, {"start": "2026-03-29T15:00:00"}, default_tz=BERLIN, now=LATER)
    assert public(cal).end == "2026-03-29T17:00:00+02:00"
    assert content_lines(cal, "DURATION") == ["DURATION:PT2H"]


def test_patch_errors_point_at_the_patched_field() -> None:
    cal = build(start="2026-03-29T09:00:00", timeZone=BERLIN)
    cases = {
        "#/end": {"end": "tomorrow"},
        "#/priority": {"priority": 12},
        "#/id": {"id": "other"},
        "#/start": {"start": None},
        "#/attendees/0/email": {"attendees": [{"email": ""}]},
    }
    for pointer, patch in cases.items():
        with pytest.raises(InvalidInput) as info:
            patch_event(cal, patch, default_tz=BERLIN, now=LATER)
        assert [e.pointer for e in info.value.errors] == [pointer], patch
    with pytest.raises(InvalidInput) as info:
        patch_event(cal, {"end": "2026-03-29T08:00:00"}, default_tz=BERLIN, now=LATER)
    assert [e.pointer for e in info.value.errors] == ["#/end"]
    with pytest.raises(UnknownTimeZone) as info:
        patch_event(cal, {"timeZone": "Nowhere/Special"}, default_tz=BERLIN, now=LATER)
    assert [e.pointer for e in info.value.errors] == ["#/timeZone"]
    assert sequence(cal) == 0


def test_patch_body_must_be_an_object() -> None:
    cal = build(start="2026-03-29")
    with pytest.raises(InvalidInput):
        patch_event(cal, ["title"], default_tz=BERLIN, now=LATER)  # type: ignore[arg-type]


def test_put_on_an_object_without_vevent_is_a_conflict() -> None:
    cal = ics("BEGIN:VTODO", "UID:t", "END:VTODO")
    with pytest.raises(Conflict):
        replace_event(cal, body(start="2026-03-29"), default_tz=BERLIN, now=LATER)


# -- VTIMEZONE bookkeeping and DTSTAMP --------------------------------------------------------


def test_every_write_has_a_vtimezone_per_tzid_and_a_dtstamp() -> None:
    cal = ics(
        "BEGIN:VEVENT", "UID:no-stamp", "DTSTART;TZID=Europe/Paris:20260301T090000", "END:VEVENT"
    )
    assert cal.get_missing_tzids() == {"Europe/Paris"}
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    assert cal.get_missing_tzids() == set()
    assert master(cal)["DTSTAMP"].dt == LATER
    assert "SEQUENCE" not in master(cal)  # nothing the event says changed
    patch_event(
        cal,
        {"timeZone": "Asia/Tokyo"},
        default_tz="UTC",
        now=datetime(2026, 3, 1, tzinfo=LATER.tzinfo),
    )
    assert cal.get_missing_tzids() == set()
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert int(master(cal)["SEQUENCE"]) == 1


def test_vtimezone_still_used_by_an_override_is_kept() -> None:
    cal = outlook()
    patch_event(cal, {"timeZone": "America/New_York"}, default_tz="UTC", now=LATER)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {
        "W. Europe Standard Time",
        "America/New_York",
    }
    assert cal.get_missing_tzids() == set()


def test_patch_rrule_replaces_a_stored_recurrence_object() -> None:
    cal = build(start="2026-03-02T09:00:00Z", recurrence={"frequency": "weekly", "byDay": ["mo"]})
    patch_event(cal, {"rrule": "FREQ=DAILY;BYSECOND=0"}, default_tz=BERLIN, now=LATER)
    pub = public(cal)
    assert (pub.rrule, pub.recurrence) == ("FREQ=DAILY;BYSECOND=0", None)
    patch_event(
        cal,
        {"recurrence": {"frequency": "monthly", "byDay": ["-1fr"]}},
        default_tz=BERLIN,
        now=LATER,
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=MONTHLY;BYDAY=-1FR"]


def test_patch_accepts_snake_case_names_too() -> None:
    cal = build(start="2026-03-29T09:00:00", timeZone=BERLIN)
    patch_event(cal, {"time_zone": "Asia/Tokyo"}, default_tz=BERLIN, now=LATER)
    assert public(cal).start == "2026-03-29T09:00:00+09:00"
