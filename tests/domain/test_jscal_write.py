"""Writing RFC 8984 JSCalendar Events into iCalendar (jscal_write)."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import pytest
from icalendar import Calendar

from calgate.domain.ical_parse import parse_ical
from calgate.domain.jscal_patch import apply_patch
from calgate.domain.jscal_read import to_jscalendar
from calgate.domain.jscal_write import validate_event, write_event
from calgate.errors import InvalidInput
from tests.domain.helpers import BERLIN, LATER, NOW, content_lines, ics, master

# RFC 8984 section 6 style examples.
SIMPLE = {
    "@type": "Event",
    "uid": "a8df6573-0474-496d-8496-033ad45d7fea",
    "updated": "2020-01-02T18:23:04Z",
    "title": "Some event",
    "start": "2020-01-15T13:00:00",
    "timeZone": "America/New_York",
    "duration": "PT1H",
}
ALL_DAY = {
    "@type": "Event",
    "uid": "a8df6573-0474-496d-8496-033ad45d7fea",
    "title": "April Fool's Day",
    "showWithoutTime": True,
    "start": "1900-04-01T00:00:00",
    "duration": "P1D",
    "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "yearly"}],
}
FLOATING = {
    "@type": "Event",
    "uid": "f",
    "title": "Yoga",
    "start": "2026-01-05T07:00:00",
    "duration": "PT1H",
}
SERIES: dict[str, Any] = {
    "@type": "Event",
    "uid": "s1",
    "title": "Standup",
    "start": "2026-01-05T10:00:00",
    "timeZone": BERLIN,
    "duration": "PT30M",
    "locations": {"l1": {"@type": "Location", "name": "Room 1"}},
    "participants": {
        "o": {
            "@type": "Participant",
            "name": "Olga",
            "calendarAddress": "mailto:olga@example.com",
            "roles": {"owner": True, "attendee": True},
            "participationStatus": "accepted",
        },
        "p1": {
            "@type": "Participant",
            "name": "Paul",
            "calendarAddress": "mailto:paul@example.com",
            "roles": {"attendee": True, "optional": True},
            "expectReply": True,
        },
    },
    "alerts": {
        "a1": {
            "@type": "Alert",
            "trigger": {"@type": "OffsetTrigger", "offset": "-PT15M"},
            "action": "display",
        }
    },
    "keywords": {"work": True},
    "recurrenceRules": [
        {
            "@type": "RecurrenceRule",
            "frequency": "weekly",
            "byDay": [{"@type": "NDay", "day": "mo"}],
            "until": "2026-03-01T00:00:00",
        }
    ],
    "recurrenceOverrides": {
        "2026-01-12T10:00:00": {"excluded": True},
        "2026-01-19T10:00:00": {"title": "Long standup", "duration": "PT1H"},
        "2026-01-21T10:00:00": {},
    },
}


def write(obj: dict[str, Any], cal: Calendar | None = None, **kw: Any) -> Calendar:
    return write_event(cal, obj, uid=kw.pop("uid", obj.get("uid", "u")), default_tz=BERLIN, **kw)


def lines(cal: Calendar, *names: str) -> list[str]:
    return [line for name in names for line in content_lines(cal, name)]


def overrides(cal: Calendar) -> list[Any]:
    return [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]


def pointers(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str | None]:
    return [e.pointer for e in exc.value.errors]


# -- create -----------------------------------------------------------------------------------


def test_create_simple_event() -> None:
    cal = write(SIMPLE, now=NOW)
    assert lines(cal, "DTSTART", "DURATION", "SUMMARY", "UID", "SEQUENCE", "CREATED") == [
        "DTSTART;TZID=America/New_York:20200115T130000",
        "DURATION:PT1H",
        "SUMMARY:Some event",
        "UID:a8df6573-0474-496d-8496-033ad45d7fea",
        "SEQUENCE:0",
        "CREATED:20260110T080000Z",
    ]
    assert [str(c["TZID"]) for c in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(cal["PRODID"]) and str(cal["VERSION"]) == "2.0"
    # vendor and server-managed properties stay out of the iCalendar
    assert "2020-01-02" not in cal.to_ical().decode()


def test_create_all_day_recurring() -> None:
    cal = write(ALL_DAY, now=NOW)
    assert lines(cal, "DTSTART", "DURATION", "RRULE") == [
        "DTSTART;VALUE=DATE:19000401",
        "DURATION:P1D",
        "RRULE:FREQ=YEARLY",
    ]
    assert not list(cal.walk("VTIMEZONE"))


def test_all_day_without_duration_lasts_a_day() -> None:
    obj = {k: v for k, v in ALL_DAY.items() if k != "duration"}
    assert lines(write(obj, now=NOW), "DURATION") == ["DURATION:P1D"]


def test_create_floating_and_utc() -> None:
    assert lines(write(FLOATING, now=NOW), "DTSTART") == ["DTSTART:20260105T070000"]
    utc = write({**FLOATING, "timeZone": "Etc/UTC"}, now=NOW)
    assert lines(utc, "DTSTART") == ["DTSTART:20260105T070000Z"]
    assert not list(utc.walk("VTIMEZONE"))


def test_no_duration_is_an_instant() -> None:
    cal = write({k: v for k, v in FLOATING.items() if k != "duration"}, now=NOW)
    assert lines(cal, "DTEND", "DURATION") == []


def test_create_series_with_people_alerts_and_overrides() -> None:
    cal = write(SERIES, now=NOW)
    event = master(cal)
    assert lines(Calendar.from_ical(event.to_ical()), "RRULE") == [
        "RRULE:FREQ=WEEKLY;UNTIL=20260228T230000Z;BYDAY=MO"
    ]
    assert "EXDATE;TZID=Europe/Berlin:20260112T100000" in content_lines(cal, "EXDATE")
    assert "RDATE;TZID=Europe/Berlin:20260121T100000" in content_lines(cal, "RDATE")
    assert content_lines(cal, "ORGANIZER")[0] == "ORGANIZER;CN=Olga;JSID=o:mailto:olga@example.com"
    attendees = [str(a) for a in event["ATTENDEE"]]
    assert attendees == ["mailto:olga@example.com", "mailto:paul@example.com"]
    paul = event["ATTENDEE"][1].params
    assert (paul["ROLE"], paul["RSVP"], paul["CN"]) == ("OPT-PARTICIPANT", "TRUE", "Paul")
    assert event["ATTENDEE"][0].params["PARTSTAT"] == "ACCEPTED"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm["TRIGGER"].to_ical() == b"-PT15M"
    assert str(event["LOCATION"]) == "Room 1"
    assert event["CATEGORIES"].cats == ["work"]
    [override] = overrides(cal)
    assert str(override["SUMMARY"]) == "Long standup"
    assert override["RECURRENCE-ID"].to_ical() == b"20260119T100000"
    assert override["DURATION"].to_ical() == b"PT1H"
    assert "RRULE" not in override and "EXDATE" not in override
    assert [str(a) for a in override["ATTENDEE"]] == attendees  # the master's, copied


def test_an_override_on_a_date_the_rule_does_not_make_gets_an_rdate() -> None:
    obj = copy.deepcopy(SERIES)
    obj["recurrenceOverrides"] = {"2026-01-22T10:00:00": {"title": "Extra"}}
    cal = write(obj, now=NOW)
    assert content_lines(cal, "RDATE") == ["RDATE;TZID=Europe/Berlin:20260122T100000"]
    assert [str(o["SUMMARY"]) for o in overrides(cal)] == ["Extra"]


def test_alert_relative_to_end_and_absolute() -> None:
    obj = {
        **SIMPLE,
        "alerts": {
            "e": {"trigger": {"@type": "OffsetTrigger", "offset": "-PT5M", "relativeTo": "end"}},
            "w": {"trigger": {"@type": "AbsoluteTrigger", "when": "2020-01-15T17:00:00Z"}},
        },
    }
    triggers = [a["TRIGGER"].to_ical() for a in master(write(obj, now=NOW)).walk("VALARM")]
    assert triggers == [b"PT55M", b"20200115T170000Z"]


# -- replace in place -------------------------------------------------------------------------

STORED = (
    "BEGIN:VEVENT",
    "UID:odd-1",
    "DTSTAMP:20250101T000000Z",
    "SEQUENCE:3",
    "SUMMARY:Planning",
    "DTSTART;TZID=Europe/Berlin:20260105T100000",
    "DTEND;TZID=Europe/Berlin:20260105T110000",
    "STATUS:CONFIRMED",
    "X-VENDOR-THING;X-P=1:keep me",
    "ATTACH;FMTTYPE=application/pdf;X-SIZE=12:https://example.com/a.pdf",
    "ATTENDEE;CN=Paul;JSID=p1;X-CUSTOM=yes;PARTSTAT=NEEDS-ACTION:mailto:paul@example.com",
    "BEGIN:X-CUSTOM-COMPONENT",
    "X-A:b",
    "END:X-CUSTOM-COMPONENT",
    "BEGIN:VALARM",
    "ACTION:AUDIO",
    "TRIGGER:-PT5M",
    "END:VALARM",
    "END:VEVENT",
)
STORED_OBJ: dict[str, Any] = {
    "@type": "Event",
    "uid": "odd-1",
    "title": "Planning",
    "start": "2026-01-05T10:00:00",
    "timeZone": BERLIN,
    "duration": "PT1H",
    "status": "confirmed",
    "participants": {
        "p1": {
            "@type": "Participant",
            "name": "Paul",
            "calendarAddress": "mailto:paul@example.com",
            "roles": {"attendee": True},
            "participationStatus": "needs-action",
        }
    },
}
KEPT = ("X-VENDOR-THING", "ATTACH", "X-A", "DTEND", "STATUS")


def stored() -> Calendar:
    return ics(*STORED)


def test_put_of_the_same_meaning_changes_nothing() -> None:
    cal = stored()
    before = master(cal).to_ical()
    write(STORED_OBJ, cal, now=LATER)
    assert master(cal).to_ical() == before
    # JSCalendar defaults sent explicitly mean what the absent properties mean
    obj = {**STORED_OBJ, "freeBusyStatus": "busy", "privacy": "public", "priority": 0}
    write(obj, cal, now=LATER)
    assert master(cal).to_ical() == before
    # and so does an absent status: STATUS:CONFIRMED stays
    write({k: v for k, v in STORED_OBJ.items() if k != "status"}, cal, now=LATER)
    assert master(cal).to_ical() == before


def test_replace_keeps_what_jscalendar_does_not_model_byte_for_byte() -> None:
    cal = stored()
    kept = lines(cal, *KEPT)
    obj = copy.deepcopy(STORED_OBJ)
    obj["title"] = "Planning (moved)"
    obj["participants"]["p1"]["participationStatus"] = "accepted"
    write(obj, cal, now=LATER)
    assert lines(cal, *KEPT) == kept
    assert lines(cal, "SUMMARY", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED") == [
        "SUMMARY:Planning (moved)",
        "SEQUENCE:4",
        "DTSTAMP:20260201T123000Z",
        "LAST-MODIFIED:20260201T123000Z",
    ]
    [attendee] = content_lines(cal, "ATTENDEE")
    assert "X-CUSTOM=yes" in attendee and "PARTSTAT=ACCEPTED" in attendee
    assert [str(a["ACTION"]) for a in master(cal).walk("VALARM")] == ["AUDIO"]


def test_absent_properties_are_removed_but_links_absent_keep_attachments() -> None:
    cal = stored()
    obj = {k: v for k, v in STORED_OBJ.items() if k not in ("title", "participants")}
    write({**obj, "status": "tentative"}, cal, now=LATER)
    write(obj, cal, now=LATER)
    assert lines(cal, "SUMMARY", "STATUS", "ATTENDEE") == ["STATUS:CONFIRMED"]
    assert len(content_lines(cal, "ATTACH")) == 1
    write({**obj, "links": {}}, cal, now=LATER)
    assert content_lines(cal, "ATTACH") == []


def test_a_known_link_keeps_its_attach_and_a_new_one_is_added() -> None:
    cal = stored()
    links = {
        "k1": {"@type": "Link", "href": "https://example.com/a.pdf", "rel": "enclosure"},
        "k2": {"@type": "Link", "href": "https://example.com/page"},
    }
    write({**STORED_OBJ, "links": links}, cal, now=LATER)
    attach, page = master(cal)["ATTACH"]
    assert str(attach) == "https://example.com/a.pdf"
    assert (attach.params["FMTTYPE"], attach.params["X-SIZE"]) == ("application/pdf", "12")
    # a new page link is an ATTACH, not a URL: the reader shows no URL, the link would be lost
    assert str(page) == "https://example.com/page"
    assert content_lines(cal, "URL") == []
    assert set(to_jscalendar(cal, floating_tz="Europe/Berlin")["links"]) == {"k1", "k2"}


def test_the_issue_patch_on_a_series() -> None:
    cal = write(SERIES, now=NOW)
    patch = {
        "title": "x",
        "participants/p1/participationStatus": "accepted",
        "recurrenceOverrides/2026-01-05T10:00:00": {"excluded": True},
    }
    write(apply_patch(SERIES, patch), cal, now=LATER)
    event = master(cal)
    assert str(event["SUMMARY"]) == "x"
    assert event["ATTENDEE"][1].params["PARTSTAT"] == "ACCEPTED"
    assert content_lines(cal, "EXDATE") == [
        "EXDATE;TZID=Europe/Berlin:20260105T100000,20260112T100000"
    ]
    assert int(event["SEQUENCE"]) == 1


def test_override_patch_into_participants_and_removal() -> None:
    obj = copy.deepcopy(SERIES)
    obj["recurrenceOverrides"]["2026-01-19T10:00:00"] = {
        "participants/p1/participationStatus": "declined"
    }
    cal = write(obj, now=NOW)
    [override] = overrides(cal)
    assert override["ATTENDEE"][1].params["PARTSTAT"] == "DECLINED"
    assert "PARTSTAT" not in master(cal)["ATTENDEE"][1].params
    # Excluding the date drops the override; PUT without it drops it too.
    obj["recurrenceOverrides"]["2026-01-19T10:00:00"] = {"excluded": True}
    write(obj, cal, now=LATER)
    assert overrides(cal) == []
    assert "20260119T100000" in content_lines(cal, "EXDATE")[0]


def test_unchanged_series_put_bumps_nothing_and_a_changed_override_bumps() -> None:
    cal = write(SERIES, now=NOW)
    before = cal.to_ical()
    write(SERIES, cal, now=LATER)
    assert cal.to_ical() == before
    obj = copy.deepcopy(SERIES)
    obj["recurrenceOverrides"]["2026-01-19T10:00:00"]["title"] = "Longer standup"
    write(obj, cal, now=LATER)
    [override] = overrides(cal)
    assert str(override["SUMMARY"]) == "Longer standup"
    assert int(override["SEQUENCE"]) >= 1 and int(master(cal)["SEQUENCE"]) == 1


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"@type": "Task"}, "#/@type"),
        ({"start": None}, "#/start"),
        ({"start": "2026-01-05T10:00:00Z"}, "#/start"),
        ({"timeZone": "Mars/Olympus"}, "#/timeZone"),
        ({"duration": "1 hour"}, "#/duration"),
        ({"duration": "-PT1H"}, "#/duration"),
        ({"title": 5}, "#/title"),
        ({"status": "maybe"}, "#/status"),
        ({"privacy": "confidential"}, "#/privacy"),
        ({"priority": 10}, "#/priority"),
        ({"keywords": {"a": False}}, "#/keywords/a"),
        ({"participants": {"p1": {"calendarAddress": "mailto:a@b", "roles": []}}},
         "#/participants/p1/roles"),
        ({"participants": {"p1": {"calendarAddress": "mailto:a@b", "roles": {"boss": True}}}},
         "#/participants/p1/roles/boss"),
        ({"participants": {"p1": {"name": "No address"}}}, "#/participants/p1/sendTo"),
        ({"participants": {"p1": {"sendTo": "mailto:a@b"}}}, "#/participants/p1/sendTo"),
        ({"replyTo": ["mailto:a@b"]}, "#/replyTo"),
        ({"replyTo": {"imip": "mailto:a@b\r\nX-INJECT:1"}}, "#/replyTo/imip"),
        ({"participants": {"p1": {"email": "a@b\r\nX-INJECT:1"}}}, "#/participants/p1/email"),
        ({"participants": {"p1": {"email": "not an address"}}}, "#/participants/p1/email"),
        ({"participants": {"p1": {"calendarAddress": "mailto:a@b\x00"}}},
         "#/participants/p1/calendarAddress"),
        ({"participants": {"p1": {"sendTo": {"imip": "mailto:a@b\nX:1"}}}},
         "#/participants/p1/sendTo/imip"),
        ({"organizerCalendarAddress": "mailto:a@b\r\nX:1"}, "#/organizerCalendarAddress"),
        ({"recurrenceRules": [{"frequency": "weekly", "byDay": {"day": "mo,,we"}}]},
         "#/recurrenceRules/0/byDay"),
        ({"sequence": -1}, "#/sequence"),
        ({"sequence": "1.5"}, "#/sequence"),
        ({"sequence": 2**31}, "#/sequence"),
        ({"alerts": {"a": {"trigger": {"@type": "OffsetTrigger", "offset": "soon"}}}},
         "#/alerts/a/trigger/offset"),
        ({"alerts": {"a": {"trigger": {"@type": "X"}}}}, "#/alerts/a/trigger/@type"),
        ({"recurrenceRules": [{"frequency": "often"}]}, "#/recurrenceRules/0/frequency"),
        ({"recurrenceOverrides": {"2026-01-05": {}}}, "#/recurrenceOverrides/2026-01-05"),
        ({"recurrenceOverrides": {"2026-01-05T10:00:00": {"uid": "x"}}},
         "#/recurrenceOverrides/2026-01-05T10:00:00/uid"),
    ],
)  # fmt: skip
def test_invalid_events_name_the_field(change: dict[str, Any], pointer: str) -> None:
    obj = {**SIMPLE, **change}
    with pytest.raises(InvalidInput) as exc:
        validate_event(obj)
    assert pointer in pointers(exc)
    with pytest.raises(InvalidInput):
        write(obj, now=NOW)


def test_unmapped_properties_are_kept_as_jsprop_and_read_back() -> None:
    # draft-ietf-calext-jscalendar-icalendar's JSPROP: vendor properties (top level and in a
    # link) and localizations, which iCalendar has no property for
    localized = {"de": {"title": "Besprechung, kurz"}}
    obj = {
        **SIMPLE,
        "example.com:color": "red",
        "localizations": localized,
        "links": {"l1": {"@type": "Link", "href": "https://example.com/a", "example.com:n": 2}},
    }
    cal = write(obj, now=NOW)
    assert len(content_lines(cal, "JSPROP")) == 3
    shown = to_jscalendar(cal, floating_tz=BERLIN)
    assert shown["example.com:color"] == "red" and shown["localizations"] == localized
    assert shown["links"]["l1"]["example.com:n"] == 2
    # a PUT of what a GET returned changes nothing; a change or a removal is written
    again = parse_ical(cal.to_ical().decode())
    before = again.to_ical()
    assert write(shown, again, now=LATER).to_ical() == before
    changed = {**shown, "example.com:color": "blue"}
    del changed["localizations"]
    after = to_jscalendar(write(changed, again, now=LATER), floating_tz=BERLIN)
    assert after["example.com:color"] == "blue" and "localizations" not in after
    assert after["links"]["l1"]["example.com:n"] == 2


def test_an_invalid_rule_names_the_rule_member() -> None:
    rule = {"frequency": "weekly", "byDay": [{"day": "mo", "nthOfPeriod": -1}]}
    with pytest.raises(InvalidInput) as exc:
        write({**SIMPLE, "recurrenceRules": [rule]}, now=NOW)
    assert pointers(exc) == ["#/recurrenceRules/0/byDay"]


def test_an_until_before_the_start_names_until() -> None:
    rule = {"frequency": "daily", "until": "2019-01-01T00:00:00"}
    with pytest.raises(InvalidInput) as exc:
        write({**SIMPLE, "recurrenceRules": [rule]}, now=NOW)
    assert pointers(exc) == ["#/recurrenceRules/0/until"]


def test_an_invalid_override_patch_names_its_key() -> None:
    obj = copy.deepcopy(SERIES)
    obj["recurrenceOverrides"]["2026-01-19T10:00:00"] = {"participants/p9/name": "x"}
    with pytest.raises(InvalidInput) as exc:
        write(obj, now=NOW)
    assert pointers(exc) == ["#/recurrenceOverrides/2026-01-19T10:00:00/participants~1p9~1name"]
    obj["recurrenceOverrides"]["2026-01-19T10:00:00"] = {"status": "maybe"}
    with pytest.raises(InvalidInput) as exc:
        write(obj, now=NOW)
    assert pointers(exc) == ["#/recurrenceOverrides/2026-01-19T10:00:00/status"]


def test_another_uid_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        write({**STORED_OBJ, "uid": "other"}, stored(), now=LATER)
    assert pointers(exc) == ["#/uid"]


# -- round trip through the reader, once there is one -----------------------------------------


def test_round_trip_through_the_reader() -> None:
    try:
        reader = importlib.import_module("calgate.domain.jscal_read")
    except ImportError:
        pytest.skip("calgate.domain.jscal_read is not there yet")
    cal = write(SERIES, now=NOW)
    shown = reader.to_jscalendar(cal, floating_tz=BERLIN)
    for name in ("title", "start", "timeZone", "duration", "keywords", "recurrenceRules"):
        assert name in shown, name
    assert shown["title"] == SERIES["title"]
    assert shown["start"] == SERIES["start"] and shown["timeZone"] == BERLIN
    assert set(shown["participants"]) == set(SERIES["participants"])
    assert set(shown["alerts"]) == set(SERIES["alerts"])
    assert set(shown.get("recurrenceOverrides", {})) == set(SERIES["recurrenceOverrides"])
    before = cal.to_ical()
    write(shown, cal, now=LATER)  # what was read, written back: no change
    assert cal.to_ical() == before


# -- a PUT of what a GET returned changes nothing (found by tests/oracles, fidelity) ----------


def put_back(cal: Calendar) -> tuple[bytes, Calendar]:
    """(the stored text, the object after a PUT of its own JSCalendar reading)."""
    text = cal.to_ical()
    copy_ = parse_ical(text.decode())
    js = to_jscalendar(parse_ical(text.decode()), floating_tz=BERLIN)
    return text, write(js, copy_, uid="ignored", now=LATER)


def test_put_back_keeps_an_organizer_that_is_no_attendee() -> None:
    # calcard/024: a quoted ORGANIZER value became an ATTENDEE with a quoted value
    cal = ics(
        "BEGIN:VEVENT",
        "UID:o1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        'ORGANIZER;CN=Sam:"mailto:sam@example.com"',
        "END:VEVENT",
    )
    text, after = put_back(cal)
    assert after.to_ical() == text
    assert "ATTENDEE" not in master(after)


def test_a_participant_that_is_only_the_organizer_is_no_attendee() -> None:
    obj: dict[str, Any] = {
        **FLOATING,
        "organizerCalendarAddress": "mailto:sam@example.com",
        "participants": {
            "s": {
                "@type": "Participant",
                "name": "Sam",
                "calendarAddress": "mailto:sam@example.com",
            }
        },
    }
    cal = write(obj, now=NOW)
    assert content_lines(cal, "ATTENDEE") == []
    assert content_lines(cal, "ORGANIZER") == ["ORGANIZER;CN=Sam;JSID=s:mailto:sam@example.com"]
    # with a role it is an attendee too
    obj["participants"]["s"]["roles"] = {"attendee": True}
    assert len(content_lines(write(obj, now=NOW), "ATTENDEE")) == 1


@pytest.mark.parametrize("action", [None, "AUDIO"])
def test_put_back_keeps_an_alarm_jscalendar_shows_without_action(action: str | None) -> None:
    # calcard/149, 197: a VALARM without ACTION (or AUDIO) got a second, DISPLAY, VALARM
    cal = ics(
        "BEGIN:VEVENT",
        "UID:a1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        "BEGIN:VALARM",
        *([f"ACTION:{action}"] if action else []),
        "TRIGGER;VALUE=DURATION:-PT1S",
        "END:VALARM",
        "END:VEVENT",
    )
    js = to_jscalendar(cal, floating_tz=BERLIN)
    assert js["alerts"] == {
        "k1": {"@type": "Alert", "trigger": {"@type": "OffsetTrigger", "offset": "-PT1S"}}
    }
    text, after = put_back(cal)
    assert after.to_ical() == text


def test_put_back_keeps_an_rdate_period_as_an_rdate() -> None:
    # calcard/114, icalendar issue_1633: an RDATE PERIOD became an override VEVENT
    cal = ics(
        "BEGIN:VEVENT",
        "UID:r1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "RDATE;VALUE=PERIOD:20260107T100000Z/20260107T130000Z",
        "END:VEVENT",
    )
    js = to_jscalendar(cal, floating_tz=BERLIN)
    assert js["recurrenceOverrides"] == {"2026-01-07T10:00:00": {"duration": "PT3H"}}
    text, after = put_back(cal)
    assert after.to_ical() == text
    assert overrides(after) == []


def test_put_back_keeps_an_override_its_exdate_hides() -> None:
    # calcard/197: overrides at EXDATEd dates were removed
    cal = ics(
        "BEGIN:VEVENT",
        "UID:x1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART;VALUE=DATE:20040224",
        "RECURRENCE-ID;VALUE=DATE:20040324",
        "SUMMARY:moved",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:x1",
        "DTSTAMP:20040101T000000Z",
        "DTSTART;VALUE=DATE:20040224",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=24",
        "EXDATE;VALUE=DATE:20040324",
        "END:VEVENT",
    )
    text, after = put_back(cal)
    assert after.to_ical() == text
    # a newly excluded occurrence drops its override
    js = to_jscalendar(cal, floating_tz=BERLIN)
    js["recurrenceOverrides"] = {"2004-03-24T00:00:00": {"title": "x"}}
    write(js, cal, uid="ignored", now=LATER)
    js["recurrenceOverrides"] = {"2004-04-24T00:00:00": {"excluded": True}}
    write(js, cal, uid="ignored", now=LATER)
    assert overrides(cal) == []


def test_put_back_finds_an_override_whose_recurrence_id_has_another_form() -> None:
    # calcard/175: a RECURRENCE-ID with a TZID in an all-day series; its VTIMEZONE was removed
    zone = [
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Hong_Kong",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    cal = ics(
        *zone,
        "BEGIN:VEVENT",
        "UID:h1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART;VALUE=DATE:20020610",
        "DTEND;VALUE=DATE:20020611",
        "RRULE:FREQ=YEARLY",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:h1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART;VALUE=DATE:20030609",
        "DTEND;VALUE=DATE:20030610",
        "RECURRENCE-ID;TZID=Asia/Hong_Kong:20030610T000000",
        "END:VEVENT",
    )
    text, after = put_back(cal)
    assert after.to_ical() == text


def test_put_back_keeps_an_rrule_the_reader_cannot_show() -> None:
    # calcard/161: an RRULE with escaped semicolons was removed
    cal = ics(
        "BEGIN:VEVENT",
        "UID:q1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        "RRULE:FREQ=MONTHLY\\;INTERVAL=1\\;BYDAY=1MO ",
        "END:VEVENT",
    )
    assert "recurrenceRules" not in to_jscalendar(cal, floating_tz=BERLIN)
    text, after = put_back(cal)
    assert after.to_ical() == text


def test_put_back_keeps_link_properties_and_a_rel_link_is_written_as_link() -> None:
    # icalendar rfc_9253_examples: LINKs got a URL and ATTACH copies
    cal = ics(
        "BEGIN:VEVENT",
        "UID:l1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        'LINK;LABEL=Venue;LINKREL="SOURCE";VALUE=URI:https://example.com/events',
        "LINK;LINKREL=REFERENCE;VALUE=UID:other-uid",
        "END:VEVENT",
    )
    text, after = put_back(cal)
    assert after.to_ical() == text
    js = to_jscalendar(cal, floating_tz=BERLIN)
    fresh = write({**js, "uid": "l2"}, uid="l2", now=NOW)
    back = to_jscalendar(parse_ical(fresh.to_ical().decode()), floating_tz=BERLIN)
    assert back["links"] == js["links"]
    # a link no longer named is removed
    [(first_id, first_link)] = list(js["links"].items())[:1]
    write({**js, "links": {first_id: first_link}}, cal, uid="ignored", now=LATER)
    assert len(content_lines(cal, "LINK")) == 1


def test_a_gmt_zone_reads_back_as_written() -> None:
    # calcard/269: timeZone Etc/GMT came back as Etc/UTC
    cal = write({**FLOATING, "timeZone": "Etc/GMT"}, now=NOW)
    assert to_jscalendar(cal, floating_tz=BERLIN)["timeZone"] == "Etc/GMT"
    utc = write({**FLOATING, "timeZone": "Etc/UTC"}, now=NOW)
    assert lines(utc, "DTSTART") == ["DTSTART:20260105T070000Z"]


def test_participant_kind_is_written_and_kept() -> None:
    # calcard/156, 229: kind (CUTYPE) was lost
    person = {
        "@type": "Participant",
        "calendarAddress": "mailto:room@example.com",
        "kind": "location",
    }
    cal = write({**FLOATING, "participants": {"r": person}}, now=NOW)
    assert master(cal)["ATTENDEE"].params["CUTYPE"] == "ROOM"
    assert to_jscalendar(cal, floating_tz=BERLIN)["participants"]["r"]["kind"] == "location"
    text, after = put_back(cal)
    assert after.to_ical() == text
    del person["kind"]
    write({**FLOATING, "participants": {"r": person}}, cal, uid="f", now=LATER)
    assert "CUTYPE" not in master(cal)["ATTENDEE"].params


def test_put_back_keeps_empty_text_properties() -> None:
    # calcard/219 and others: an empty SUMMARY / DESCRIPTION / LOCATION line was removed
    cal = ics(
        "BEGIN:VEVENT",
        "UID:e1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        "SUMMARY:",
        "DESCRIPTION:",
        "LOCATION:",
        "END:VEVENT",
    )
    text, after = put_back(cal)
    assert after.to_ical() == text


# -- locale, email, coordinates, virtual locations (read before, now written too) -------------


def test_locale_is_summary_language_and_a_new_locale_keeps_other_parameters() -> None:
    cal = write({**FLOATING, "locale": "de"}, now=NOW)
    assert content_lines(cal, "SUMMARY") == ["SUMMARY;LANGUAGE=de:Yoga"]
    assert to_jscalendar(cal, floating_tz=BERLIN)["locale"] == "de"
    stored = ics(
        "BEGIN:VEVENT",
        "UID:f",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T070000",
        "SUMMARY;X-KEEP=1;LANGUAGE=de:Yoga",
        "END:VEVENT",
    )
    text, after = put_back(stored)
    assert after.to_ical() == text
    write({**FLOATING, "locale": "fr"}, after, now=LATER)
    assert content_lines(after, "SUMMARY") == ["SUMMARY;LANGUAGE=fr;X-KEEP=1:Yoga"]
    write({**FLOATING, "title": "Pilates", "locale": "fr"}, after, now=LATER)
    assert content_lines(after, "SUMMARY") == ["SUMMARY;LANGUAGE=fr:Pilates"]
    write({**FLOATING, "title": "Pilates"}, after, now=LATER)
    assert content_lines(after, "SUMMARY") == ["SUMMARY:Pilates"]


def test_participant_email_is_the_email_parameter() -> None:
    people: dict[str, dict[str, Any]] = {
        "s": {"@type": "Participant", "calendarAddress": "mailto:sam@x.example", "email": "s@y"},
        "p": {
            "@type": "Participant",
            "calendarAddress": "mailto:pat@x.example",
            "email": "p@y",
            "roles": {"attendee": True},
        },
    }
    obj = {**FLOATING, "organizerCalendarAddress": "mailto:sam@x.example", "participants": people}
    cal = write(obj, now=NOW)
    assert content_lines(cal, "ORGANIZER") == ["ORGANIZER;EMAIL=s@y;JSID=s:mailto:sam@x.example"]
    assert master(cal)["ATTENDEE"].params["EMAIL"] == "p@y"
    shown = to_jscalendar(cal, floating_tz=BERLIN)["participants"]
    assert (shown["s"]["email"], shown["p"]["email"]) == ("s@y", "p@y")
    text, after = put_back(cal)
    assert after.to_ical() == text
    del people["p"]["email"], people["s"]["email"]
    write(obj, after, uid="f", now=LATER)
    assert "EMAIL" not in master(after)["ATTENDEE"].params
    assert "EMAIL" not in master(after)["ORGANIZER"].params


def test_an_address_without_scheme_gets_mailto_only_when_it_is_an_email_address() -> None:
    # calcard/028: ORGANIZER:mailto came back as mailto:mailto
    stored = ics(
        "BEGIN:VEVENT",
        "UID:m1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        "ORGANIZER;CN=:mailto",
        "END:VEVENT",
    )
    js = to_jscalendar(stored, floating_tz=BERLIN)
    fresh = to_jscalendar(write(copy.deepcopy(js), uid="m1", now=NOW), floating_tz=BERLIN)
    assert fresh["replyTo"] == js["replyTo"] == {"other": "mailto"}
    assert fresh["participants"] == js["participants"]
    obj = {**FLOATING, "organizerCalendarAddress": "sam@example.com"}
    assert content_lines(write(obj, now=NOW), "ORGANIZER") == ["ORGANIZER:mailto:sam@example.com"]


def test_coordinates_are_geo() -> None:
    place = {"@type": "Location", "name": "Bowl", "coordinates": "geo:40.7829,-73.9654"}
    cal = write({**FLOATING, "locations": {"b": place}}, now=NOW)
    assert content_lines(cal, "GEO") == ["GEO:40.7829;-73.9654"]
    assert to_jscalendar(cal, floating_tz=BERLIN)["locations"] == {"b": place}
    # two places: RFC 9073 VLOCATIONs (ids kept by JSID), LOCATION names the first
    spot = {"@type": "Location", "coordinates": "geo:1.5,2.5"}
    two = {"b": {"@type": "Location", "name": "Bowl"}, "g": spot}
    cal = write({**FLOATING, "locations": two}, now=NOW)
    assert content_lines(cal, "GEO") == []
    assert content_lines(cal, "LOCATION") == ["LOCATION;JSID=b:Bowl"]
    assert content_lines(cal, "COORDINATES") == ["COORDINATES:geo:1.5,2.5"]
    assert to_jscalendar(cal, floating_tz=BERLIN)["locations"] == two
    with pytest.raises(InvalidInput) as caught:
        write({**FLOATING, "locations": {"g": {**spot, "coordinates": "40,3"}}}, now=NOW)
    assert pointers(caught) == ["#/locations/g/coordinates"]


def test_put_back_keeps_a_stored_geo_and_a_new_place_keeps_its_parameters() -> None:
    stored = ics(
        "BEGIN:VEVENT",
        "UID:f",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T070000",
        "LOCATION:Bowl",
        "GEO;X-KEEP=1:40.78290;-73.9654",
        "END:VEVENT",
    )
    text, after = put_back(stored)
    assert after.to_ical() == text
    js = to_jscalendar(after, floating_tz=BERLIN)
    (place,) = js["locations"].values()
    place["coordinates"] = "geo:1.0,2.0"
    write(js, after, now=LATER)
    assert content_lines(after, "GEO") == ["GEO;X-KEEP=1:1.0;2.0"]
    del place["coordinates"]
    write(js, after, now=LATER)
    assert "GEO" not in master(after)


def test_virtual_locations_are_conference() -> None:
    room = {
        "@type": "VirtualLocation",
        "name": "Chat, room 1",
        "uri": "https://chat.example.com/1",
        "features": {"video": True, "audio": True},
    }
    obj: dict[str, Any] = {**FLOATING, "virtualLocations": {"v1": room}}
    cal = write(obj, now=NOW)
    assert content_lines(cal, "CONFERENCE") == [
        'CONFERENCE;FEATURE=AUDIO,VIDEO;JSID=v1;LABEL="Chat, room 1";VALUE=URI:'
        "https://chat.example.com/1"
    ]
    assert to_jscalendar(cal, floating_tz=BERLIN)["virtualLocations"] == {"v1": room}
    text, after = put_back(cal)
    assert after.to_ical() == text
    # absent keeps them (as links), {} removes them
    write(FLOATING, after, uid="f", now=LATER)
    assert len(content_lines(after, "CONFERENCE")) == 1
    write({**FLOATING, "virtualLocations": {}}, after, uid="f", now=LATER)
    assert "CONFERENCE" not in master(after)


def test_put_back_keeps_a_stored_conference_and_an_edit_keeps_its_parameters() -> None:
    stored = ics(
        "BEGIN:VEVENT",
        "UID:f",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T070000",
        "CONFERENCE;VALUE=URI;X-KEEP=1;FEATURE=video,AUDIO;LABEL=Room:https://c.example/1",
        "END:VEVENT",
    )
    text, after = put_back(stored)
    assert after.to_ical() == text
    js = to_jscalendar(after, floating_tz=BERLIN)
    (room,) = js["virtualLocations"].values()
    room["name"] = "Hall"
    room["features"] = {"phone": True}
    write(js, after, now=LATER)
    assert content_lines(after, "CONFERENCE") == [
        "CONFERENCE;FEATURE=PHONE;LABEL=Hall;VALUE=URI;X-KEEP=1:https://c.example/1"
    ]
    assert to_jscalendar(after, floating_tz=BERLIN)["virtualLocations"] == js["virtualLocations"]


@pytest.mark.parametrize(
    ("virtual", "pointer"),
    [
        ({"@type": "VirtualLocation"}, "#/virtualLocations/v/uri"),
        ({"uri": "https://a", "features": {"smell": True}}, "#/virtualLocations/v/features/smell"),
        ({"uri": "https://a", "features": ["video"]}, "#/virtualLocations/v/features"),
        ({"uri": "https://a", "name": 3}, "#/virtualLocations/v/name"),
    ],
)
def test_invalid_virtual_locations_name_the_field(virtual: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_event({**FLOATING, "virtualLocations": {"v": virtual}})
    assert pointers(caught) == [pointer]


def test_put_back_of_the_roles_read_for_no_role_keeps_the_stored_lines() -> None:
    stored = ics(
        "BEGIN:VEVENT",
        "UID:r1",
        "DTSTAMP:20240101T000000Z",
        "DTSTART:20260105T100000Z",
        "ORGANIZER:mailto:sam@x.example",
        "ATTENDEE:mailto:pat@x.example",
        "END:VEVENT",
    )
    text, after = put_back(stored)
    assert after.to_ical() == text
    assert content_lines(after, "ATTENDEE") == ["ATTENDEE:mailto:pat@x.example"]


CUSTOM_ZONE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Office Time\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
    "END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:custom\r\nDTSTAMP:20260101T000000Z\r\n"
    "SEQUENCE:2\r\nDTSTART;TZID=Office Time:20260301T090000\r\nDURATION:PT1H\r\nSUMMARY:x\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _whole(cal: Calendar, name: str) -> list[str]:
    """The content lines of one property anywhere in the object (VTIMEZONEs too)."""
    return [line for line in cal.to_ical().decode().split("\r\n") if line.startswith(name + ":")]


def test_rfc8984_4_7_2_a_custom_tzid_is_a_time_zones_entry_read_and_written() -> None:
    cal = parse_ical(CUSTOM_ZONE)
    shown = to_jscalendar(cal, floating_tz="UTC")
    assert shown["timeZone"] == "/Office Time"
    zone = shown["timeZones"]["/Office Time"]
    assert zone["tzId"] == "Office Time"
    assert zone["standard"] == [
        {
            "@type": "TimeZoneRule",
            "start": "1970-01-01T00:00:00",
            "offsetFrom": "+0300",
            "offsetTo": "+0300",
        }
    ]
    # in place: a PUT of what GET returned changes nothing, an edit keeps the zone
    before = cal.to_ical()
    write_event(cal, copy.deepcopy(shown), uid="custom", default_tz="UTC", now=LATER)
    assert cal.to_ical() == before
    write_event(cal, {**shown, "title": "y"}, uid="custom", default_tz="UTC", now=LATER)
    assert content_lines(cal, "DTSTART") == ["DTSTART;TZID=Office Time:20260301T090000"]
    # a new event defines the zone from timeZones: VTIMEZONE written, times in it
    fresh = write_event(None, copy.deepcopy(shown), uid="custom", default_tz="UTC", now=LATER)
    assert _whole(fresh, "TZOFFSETTO") == ["TZOFFSETTO:+0300"]
    start = master(fresh)["DTSTART"].dt
    assert start.utcoffset().total_seconds() == 3 * 3600
    again = to_jscalendar(parse_ical(fresh.to_ical().decode()), floating_tz="UTC")
    assert again["timeZones"] == shown["timeZones"] and again["timeZone"] == "/Office Time"
    # a changed definition replaces the stored VTIMEZONE
    changed = copy.deepcopy(shown)
    changed["timeZones"]["/Office Time"]["standard"][0]["offsetTo"] = "+0400"
    write_event(cal, changed, uid="custom", default_tz="UTC", now=LATER)
    assert _whole(cal, "TZOFFSETTO") == ["TZOFFSETTO:+0400"]
    assert len(_whole(cal, "TZID")) == 1
    # without its definition the name means nothing
    bare = {k: v for k, v in shown.items() if k != "timeZones"}
    with pytest.raises(InvalidInput) as caught:
        write_event(None, bare, uid="custom", default_tz="UTC", now=LATER)
    assert caught.value.errors[0].pointer == "#/timeZone"


@pytest.mark.parametrize(
    ("zones", "pointer"),
    [
        ({"Office": {}}, "#/timeZones/Office"),
        ({"/Europe/Berlin": {"standard": []}}, "#/timeZones/~1Europe~1Berlin"),
        ({"/O": {"@type": "TimeZone"}}, "#/timeZones/~1O"),
        ({"/O": {"standard": [{"start": "x", "offsetFrom": "+0300", "offsetTo": "+0300"}]}},
         "#/timeZones/~1O/standard/0/start"),
        ({"/O": {"standard": [{"start": "1970-01-01T00:00:00", "offsetFrom": "3",
                               "offsetTo": "+0300"}]}},
         "#/timeZones/~1O/standard/0/offsetFrom"),
        ({"/O": {"daylight": [{"start": "1970-01-01T00:00:00", "offsetFrom": "+0300",
                               "offsetTo": "+0400",
                               "recurrenceRules": [{"frequency": "often"}]}]}},
         "#/timeZones/~1O/daylight/0/recurrenceRules/0/frequency"),
        ({"/O": {"standard": [{"start": "1970-01-01T00:00:00", "offsetFrom": "+0300",
                               "offsetTo": "+0300",
                               "recurrenceOverrides": {"1971-01-01T00:00:00": {"x": 1}}}]}},
         "#/timeZones/~1O/standard/0/recurrenceOverrides/1971-01-01T00:00:00"),
    ],
)  # fmt: skip
def test_bad_time_zones_name_the_field(zones: dict[str, Any], pointer: str) -> None:
    obj = {**SIMPLE, "timeZone": "/O", "timeZones": zones}
    with pytest.raises(InvalidInput) as exc:
        write(obj, now=NOW)
    assert pointer in pointers(exc)


# -- RFC 8984 participants as EGroupware and the RFC spell them (issue 13, point 3) ------------

EGROUPWARE_OWNER = {
    "@type": "Participant",
    "name": "Ralf Becker",
    "email": "ralf@boulder.egroupware.org",
    "kind": "individual",
    "roles": {"owner": True, "chair": True},
    "participationStatus": "accepted",
}


def test_rfc8984_participant_with_email_only_is_the_owner_and_chair() -> None:
    cal = write({**FLOATING, "participants": {"5": dict(EGROUPWARE_OWNER)}}, now=NOW)
    assert content_lines(cal, "ORGANIZER") == [
        'ORGANIZER;CN="Ralf Becker";JSID=5:mailto:ralf@boulder.egroupware.org'
    ]
    (attendee,) = content_lines(cal, "ATTENDEE")
    assert "ROLE=CHAIR" in attendee and "CUTYPE=INDIVIDUAL" in attendee
    assert "PARTSTAT=ACCEPTED" in attendee and "EMAIL=" not in attendee
    shown = to_jscalendar(cal, floating_tz=BERLIN)
    assert shown["replyTo"] == {"imip": "mailto:ralf@boulder.egroupware.org"}
    assert shown["participants"] == {
        "5": {**EGROUPWARE_OWNER, "sendTo": {"imip": "mailto:ralf@boulder.egroupware.org"}}
    }
    text, after = put_back(cal)
    assert after.to_ical() == text


def test_rfc8984_send_to_and_email_are_written_and_read_back() -> None:
    people = {
        "t": {
            "@type": "Participant",
            "name": "Tom",
            "email": "tom@foobar.example.com",
            "sendTo": {"imip": "mailto:tom@calendar.example.com"},
            "roles": {"attendee": True},
        },
        "z": {
            "@type": "Participant",
            "sendTo": {"imip": "mailto:zoe@calendar.example.com"},
            "email": "ZOE@calendar.example.com",
            "roles": {"attendee": True, "example.com:coach": True},
        },
    }
    obj = {
        **FLOATING,
        "replyTo": {"imip": "mailto:zoe@calendar.example.com"},
        "participants": people,
    }
    cal = write(obj, now=NOW)
    by_address = {str(a): a for a in master(cal)["ATTENDEE"]}
    assert by_address["mailto:tom@calendar.example.com"].params["EMAIL"] == "tom@foobar.example.com"
    assert "EMAIL" not in by_address["mailto:zoe@calendar.example.com"].params  # its own address
    assert str(master(cal)["ORGANIZER"]) == "mailto:zoe@calendar.example.com"
    shown = to_jscalendar(cal, floating_tz=BERLIN)["participants"]
    assert shown["t"]["sendTo"] == {"imip": "mailto:tom@calendar.example.com"}
    assert shown["t"]["email"] == "tom@foobar.example.com"
    assert shown["z"]["email"] == "zoe@calendar.example.com"
    assert shown["z"]["roles"] == {"attendee": True, "owner": True}
    assert "calendarAddress" not in shown["t"]


def test_rfc8984_sequence_is_stored_as_sent_and_only_grows() -> None:
    cal = write({**FLOATING, "sequence": 5}, now=NOW)
    assert content_lines(cal, "SEQUENCE") == ["SEQUENCE:5"]
    assert to_jscalendar(cal, floating_tz=BERLIN)["sequence"] == 5
    write({**FLOATING, "sequence": 5, "title": "Pilates"}, cal, uid="f", now=LATER)
    assert content_lines(cal, "SEQUENCE") == ["SEQUENCE:6"]  # changed: one more than stored
    write({**FLOATING, "sequence": 9, "title": "Pilates"}, cal, uid="f", now=LATER)
    assert content_lines(cal, "SEQUENCE") == ["SEQUENCE:9"]  # only the sequence changed
    write({**FLOATING, "sequence": 2, "title": "Pilates"}, cal, uid="f", now=LATER)
    assert content_lines(cal, "SEQUENCE") == ["SEQUENCE:9"]  # never lower
    egroupware = write({**FLOATING, "sequence": "3"}, now=NOW)  # EGroupware sends a string
    assert content_lines(egroupware, "SEQUENCE") == ["SEQUENCE:3"]
