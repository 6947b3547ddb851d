"""EventWrite / EventPublic validation: camelCase, one error per bad field, pointing at it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from calgate.domain.model import EventPublic, EventWrite, event_write_from_json
from calgate.errors import InvalidInput


def locs(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as info:
        EventWrite.model_validate(data)
    return [tuple(e["loc"]) for e in info.value.errors()]


def test_camel_case_aliases_and_snake_case_names_both_accepted() -> None:
    a = EventWrite.model_validate({"start": "2026-03-29T09:00:00", "timeZone": "Europe/Berlin"})
    b = EventWrite.model_validate({"start": "2026-03-29T09:00:00", "time_zone": "Europe/Berlin"})
    assert a.time_zone == b.time_zone == "Europe/Berlin"
    assert "timeZone" in a.model_dump()


def test_unknown_fields_are_a_validation_error_at_their_key() -> None:
    assert locs({"start": "2026-03-29", "colour": "red"}) == [("colour",)]


def test_start_is_required() -> None:
    assert locs({"title": "x"}) == [("start",)]


def test_start_must_be_iso_8601() -> None:
    assert locs({"start": "29.03.2026"}) == [("start",)]


def test_end_and_duration_together_points_at_duration() -> None:
    data = {"start": "2026-03-29T09:00:00", "end": "2026-03-29T10:00:00", "duration": "PT1H"}
    assert locs(data) == [("duration",)]


def test_end_must_be_the_same_kind_as_start() -> None:
    assert locs({"start": "2026-03-29", "end": "2026-03-30T10:00:00"}) == [("end",)]


def test_duration_must_be_iso_8601_and_not_negative() -> None:
    assert locs({"start": "2026-03-29T09:00:00", "duration": "1 hour"}) == [("duration",)]
    assert locs({"start": "2026-03-29T09:00:00", "duration": "-PT1H"}) == [("duration",)]


def test_all_day_duration_is_whole_days() -> None:
    assert locs({"start": "2026-03-29", "duration": "PT3H"}) == [("duration",)]
    assert EventWrite.model_validate({"start": "2026-03-29", "duration": "P1W"}).duration == "P1W"


def test_all_day_true_with_a_date_time_start_is_an_error_at_all_day() -> None:
    assert locs({"start": "2026-03-29T09:00:00", "allDay": True}) == [("allDay",)]


def test_all_day_false_with_a_date_start_is_an_error_at_all_day() -> None:
    assert locs({"start": "2026-03-29", "allDay": False}) == [("allDay",)]


def test_floating_with_an_offset_or_a_time_zone_is_an_error_at_floating() -> None:
    assert locs({"start": "2026-03-29T09:00:00+02:00", "floating": True}) == [("floating",)]
    data = {"start": "2026-03-29T09:00:00", "timeZone": "Europe/Berlin", "floating": True}
    assert locs(data) == [("floating",)]


def test_recurrence_and_rrule_together_points_at_rrule() -> None:
    data = {"start": "2026-03-29", "recurrence": {"frequency": "daily"}, "rrule": "FREQ=DAILY"}
    assert locs(data) == [("rrule",)]


def test_rrule_must_be_a_valid_rule() -> None:
    assert locs({"start": "2026-03-29", "rrule": "FREQ=SOMETIMES"}) == [("rrule",)]
    assert locs({"start": "2026-03-29", "rrule": "FREQ=DAILY;COUNT=2;UNTIL=20260401"}) == [
        ("rrule",)
    ]


def test_rrule_prefix_is_accepted_and_dropped() -> None:
    w = EventWrite.model_validate({"start": "2026-03-29", "rrule": "RRULE:FREQ=WEEKLY;BYDAY=MO"})
    assert w.rrule == "FREQ=WEEKLY;BYDAY=MO"


def test_recurrence_by_day_errors_point_at_the_element() -> None:
    data = {"start": "2026-03-29", "recurrence": {"frequency": "monthly", "byDay": ["mo", "9x"]}}
    assert locs(data) == [("recurrence", "byDay", 1)]


def test_recurrence_by_day_is_normalised_to_lower_case() -> None:
    data = {
        "start": "2026-03-29",
        "recurrence": {"frequency": "MONTHLY", "byDay": ["-1FR", "+2tu"]},
    }
    rec = EventWrite.model_validate(data).recurrence
    assert rec is not None
    assert (rec.frequency, rec.by_day) == ("monthly", ["-1fr", "2tu"])


def test_recurrence_count_and_until_together_points_at_until() -> None:
    data = {
        "start": "2026-03-29",
        "recurrence": {"frequency": "daily", "count": 3, "until": "2026-04-01"},
    }
    assert locs(data) == [("recurrence", "until")]


def test_recurrence_number_ranges() -> None:
    data = {
        "start": "2026-03-29",
        "recurrence": {"frequency": "yearly", "byMonth": [13], "byMonthDay": [0]},
    }
    assert sorted(locs(data)) == [("recurrence", "byMonth", 0), ("recurrence", "byMonthDay", 0)]


def test_priority_is_0_to_9() -> None:
    assert locs({"start": "2026-03-29", "priority": 10}) == [("priority",)]


def test_enumerations_are_checked() -> None:
    assert locs({"start": "2026-03-29", "status": "maybe"}) == [("status",)]
    assert locs({"start": "2026-03-29", "transparency": "opaque"}) == [("transparency",)]
    assert locs({"start": "2026-03-29", "privacy": "secret"}) == [("privacy",)]


def test_attendee_errors_point_into_the_list() -> None:
    data = {
        "start": "2026-03-29",
        "attendees": [{"email": "a@example.com"}, {"email": "not an email"}],
    }
    assert locs(data) == [("attendees", 1, "email")]
    data = {"start": "2026-03-29", "attendees": [{"email": "a@x.org", "role": "boss"}]}
    assert locs(data) == [("attendees", 0, "role")]


def test_attendees_listed_twice_are_an_error() -> None:
    data = {"start": "2026-03-29", "attendees": [{"email": "a@x.org"}, {"email": "A@x.org"}]}
    assert locs(data) == [("attendees",)]


def test_mailto_prefix_is_dropped_from_addresses() -> None:
    w = EventWrite.model_validate({"start": "2026-03-29", "organizer": {"email": "mailto:o@x.org"}})
    assert w.organizer is not None and w.organizer.email == "o@x.org"


def test_alert_trigger_is_a_duration_or_a_date_time() -> None:
    ok = EventWrite.model_validate(
        {
            "start": "2026-03-29",
            "alerts": [{"trigger": "-PT15M"}, {"trigger": "2026-03-28T18:00:00Z"}],
        }
    )
    assert [a.action for a in ok.alerts] == ["display", "display"]
    assert locs({"start": "2026-03-29", "alerts": [{"trigger": "soon"}]}) == [
        ("alerts", 0, "trigger")
    ]
    assert locs({"start": "2026-03-29", "alerts": [{"trigger": "-PT1M", "action": "sms"}]}) == [
        ("alerts", 0, "action")
    ]


def test_excluded_dates_errors_point_at_the_element() -> None:
    assert locs({"start": "2026-03-29", "excludedDates": ["2026-04-05", "nope"]}) == [
        ("excludedDates", 1)
    ]


def test_event_write_from_json_raises_invalid_input_with_json_pointers() -> None:
    with pytest.raises(InvalidInput) as info:
        event_write_from_json(
            {"start": "2026-03-29", "end": "2026-03-30T10:00", "attendees": [{"email": ""}]}
        )
    pointers = sorted(e.pointer or "" for e in info.value.errors)
    assert pointers == ["#/attendees/0/email", "#/end"]
    with pytest.raises(InvalidInput) as info:
        event_write_from_json(["not", "an", "object"])
    assert info.value.errors[0].pointer == "#"


def test_event_public_serialises_camel_case_with_every_key() -> None:
    out = EventPublic(id="e", calendar_id="c").model_dump()
    for key in ("calendarId", "recurrenceId", "timeZone", "allDay", "excludedDates", "rrule"):
        assert key in out
    assert out["attendees"] == [] and out["organizer"] is None
