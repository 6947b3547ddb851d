"""Recurrence input (RFC 5545 3.3.10): the rules a sent ``recurrence`` object or raw ``rrule``
must follow, each a 422 naming the part, and RDATE as ``recurrenceDates``. What a server stored
is never held to these rules: it stays readable and survives edits of other fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from calgate.domain.ical_events import expand, replace_event
from calgate.domain.ical_parse import floating_zone
from calgate.domain.ical_patch import patch_event
from calgate.domain.ical_read import read_event
from calgate.domain.json_forms import public_of, writable_of
from calgate.domain.model import EventWrite, event_write_from_json
from calgate.domain.recurrence import check_rrule, validate_rrule
from calgate.errors import InvalidInput

from .helpers import BERLIN, LATER, body, build, content_lines, master, public, vevent


def errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, message) of each error of a body, as the API reports them."""
    with pytest.raises(InvalidInput) as info:
        event_write_from_json(data)
    return [(e.pointer or "", e.detail) for e in info.value.errors]


def recurrence_errors(rec: dict[str, Any]) -> list[tuple[str, str]]:
    return errors({"start": "2026-03-02T09:00:00", "recurrence": rec})


def rrule_error(rule: str, start: str = "2026-03-02T09:00:00") -> str:
    found = errors({"start": start, "rrule": rule})
    assert [p for p, _ in found] == ["#/rrule"], found
    return found[0][1]


def write_error(**fields: Any) -> tuple[str, str]:
    """The (pointer, message) of a body the schema accepts and the writer refuses."""
    with pytest.raises(InvalidInput) as info:
        build(**fields)
    assert len(info.value.errors) == 1
    err = info.value.errors[0]
    return err.pointer or "", err.detail


def sequence(cal: Any) -> int:
    return int(master(cal)["SEQUENCE"])


# -- the recurrence object ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rec", "pointer", "words"),
    [
        (
            {"frequency": "weekly", "byDay": ["2mo"]},
            "#/recurrence/byDay",
            ["BYDAY", "2MO", "MONTHLY or YEARLY"],
        ),
        (
            {"frequency": "daily", "byDay": ["mo", "-1fr"]},
            "#/recurrence/byDay",
            ["BYDAY", "-1FR"],
        ),
        (
            {"frequency": "yearly", "byWeekNo": [20], "byDay": ["1mo"]},
            "#/recurrence/byDay",
            ["BYDAY", "BYWEEKNO"],
        ),
        (
            {"frequency": "weekly", "byMonthDay": [1]},
            "#/recurrence/byMonthDay",
            ["BYMONTHDAY", "WEEKLY"],
        ),
        ({"frequency": "daily", "byYearDay": [100]}, "#/recurrence/byYearDay", ["BYYEARDAY"]),
        ({"frequency": "weekly", "byYearDay": [100]}, "#/recurrence/byYearDay", ["BYYEARDAY"]),
        ({"frequency": "monthly", "byYearDay": [100]}, "#/recurrence/byYearDay", ["BYYEARDAY"]),
        ({"frequency": "monthly", "byWeekNo": [3]}, "#/recurrence/byWeekNo", ["BYWEEKNO"]),
        (
            {"frequency": "monthly", "bySetPosition": [-1]},
            "#/recurrence/bySetPosition",
            ["BYSETPOS"],
        ),
        (
            {"frequency": "daily", "count": 3, "until": "2026-04-01"},
            "#/recurrence/until",
            ["count", "until"],
        ),
        ({"frequency": "yearly", "byMonth": [13]}, "#/recurrence/byMonth/0", ["12"]),
        ({"frequency": "weekly", "byDay": ["xx"]}, "#/recurrence/byDay/0", ["weekday"]),
        ({"frequency": "monthly", "byDay": ["60mo"]}, "#/recurrence/byDay/0", ["53"]),
        ({"frequency": "monthly", "byMonthDay": [0]}, "#/recurrence/byMonthDay/0", ["0"]),
        ({"frequency": "daily", "byHour": [24]}, "#/recurrence/byHour/0", ["23"]),
        ({"frequency": "daily", "interval": 0}, "#/recurrence/interval", ["1"]),
        ({"frequency": "daily", "weekStart": "xx"}, "#/recurrence/weekStart", []),
        ({"frequency": "sometimes"}, "#/recurrence/frequency", []),
        ({"frequency": "daily", "bySecond": [1]}, "#/recurrence/bySecond", []),
    ],
)
def test_rfc5545_3_3_10_invalid_recurrence_object_is_an_error_at_the_part(
    rec: dict[str, Any], pointer: str, words: list[str]
) -> None:
    found = recurrence_errors(rec)
    assert [p for p, _ in found] == [pointer], found
    for word in words:
        assert word in found[0][1], found


@pytest.mark.parametrize(
    "rec",
    [
        {"frequency": "monthly", "byDay": ["-1fr"]},
        {"frequency": "yearly", "byDay": ["1mo"], "byMonth": [5]},
        {"frequency": "yearly", "byWeekNo": [20], "byDay": ["mo"]},
        {"frequency": "weekly", "byDay": ["mo", "we"]},
        {"frequency": "monthly", "byDay": ["mo", "tu", "we", "th", "fr"], "bySetPosition": [-1]},
        {"frequency": "daily", "byHour": [9, 17], "bySetPosition": [1]},
        {"frequency": "yearly", "byYearDay": [1, -1]},
        {"frequency": "hourly", "byYearDay": [1]},
        {"frequency": "monthly", "byMonthDay": [-1]},
    ],
)
def test_rfc5545_3_3_10_allowed_combinations_are_accepted(rec: dict[str, Any]) -> None:
    written = EventWrite.model_validate({"start": "2026-03-02T09:00:00", "recurrence": rec})
    assert written.recurrence is not None


def test_object_and_raw_rule_give_the_same_message() -> None:
    obj = recurrence_errors({"frequency": "weekly", "byDay": ["2mo"]})[0][1]
    raw = rrule_error("FREQ=WEEKLY;BYDAY=2MO")
    assert obj == raw
    assert raw == (
        "BYDAY ordinals like 2MO are only allowed with FREQ=MONTHLY or YEARLY: "
        "send MO for every Monday, or change the frequency"
    )


# -- raw rrule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=DAILY;COUNT=2;UNTIL=20260401T000000Z", ["COUNT and UNTIL"]),
        ("FREQ=WEEKLY;BYDAY=2MO", ["BYDAY", "2MO"]),
        ("FREQ=DAILY;BYDAY=-1FR", ["BYDAY", "-1FR"]),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO", ["BYDAY", "BYWEEKNO"]),
        ("FREQ=WEEKLY;BYMONTHDAY=1", ["BYMONTHDAY", "FREQ=WEEKLY"]),
        ("FREQ=DAILY;BYYEARDAY=1", ["BYYEARDAY", "FREQ=DAILY"]),
        ("FREQ=WEEKLY;BYYEARDAY=1", ["BYYEARDAY", "FREQ=WEEKLY"]),
        ("FREQ=MONTHLY;BYYEARDAY=1", ["BYYEARDAY", "FREQ=MONTHLY"]),
        ("FREQ=MONTHLY;BYWEEKNO=1", ["BYWEEKNO", "YEARLY"]),
        ("FREQ=MONTHLY;BYSETPOS=-1", ["BYSETPOS"]),
        ("FREQ=DAILY;X-NAME=1", ["X-NAME", "not supported"]),
        ("FREQ=DAILY;RSCALE=GREGORIAN;SKIP=OMIT", ["RSCALE", "SKIP"]),
        ("FREQ=YEARLY;BYMONTH=13", ["BYMONTH=13", "1 to 12"]),
        ("FREQ=WEEKLY;BYDAY=XX", ["BYDAY=XX", "weekday"]),
        ("FREQ=MONTHLY;BYDAY=54MO", ["BYDAY", "53"]),
        ("FREQ=MONTHLY;BYMONTHDAY=0", ["BYMONTHDAY=0", "not 0"]),
        ("FREQ=MONTHLY;BYMONTHDAY=32", ["BYMONTHDAY=32"]),
        ("FREQ=YEARLY;BYYEARDAY=367", ["BYYEARDAY=367"]),
        ("FREQ=YEARLY;BYWEEKNO=54", ["BYWEEKNO=54"]),
        ("FREQ=DAILY;BYHOUR=24", ["BYHOUR=24"]),
        ("FREQ=DAILY;BYMINUTE=60", ["BYMINUTE=60"]),
        ("FREQ=DAILY;BYSECOND=61", ["BYSECOND=61"]),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=x", ["BYSETPOS=x"]),
        ("FREQ=DAILY;WKST=XX", ["WKST=XX"]),
        ("FREQ=DAILY;INTERVAL=0", ["INTERVAL=0"]),
        ("FREQ=DAILY;COUNT=-1", ["COUNT=-1"]),
        ("FREQ=DAILY;UNTIL=2026-04-01", ["UNTIL=2026-04-01"]),
        ("FREQ=SOMETIMES", ["FREQ=SOMETIMES", "WEEKLY"]),
        ("BYDAY=MO", ["FREQ"]),
        ("FREQ=DAILY;BYDAY=MO;BYDAY=TU", ["BYDAY", "twice"]),
        ("FREQ=DAILY;COUNT", ["COUNT", "NAME=VALUE"]),
    ],
)
def test_rfc5545_3_3_10_invalid_raw_rule_is_an_error_at_rrule_naming_the_part(
    rule: str, words: list[str]
) -> None:
    message = rrule_error(rule)
    for word in words:
        assert word in message, message


def test_unknown_parts_are_named_and_the_known_ones_listed() -> None:
    assert rrule_error("FREQ=DAILY;X-NAME=1") == (
        "the rule part X-NAME is not supported: use only FREQ, UNTIL, COUNT, INTERVAL, "
        "BYSECOND, BYMINUTE, BYHOUR, BYDAY, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH, BYSETPOS, "
        "WKST"
    )


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=-1FR",
        "RRULE:FREQ=YEARLY;BYDAY=20MO",
        "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=DAILY;BYSECOND=0,30",
        "FREQ=MINUTELY;BYYEARDAY=1;BYHOUR=9",
        "freq=weekly;byday=mo;wkst=su",
    ],
)
def test_rfc5545_3_3_10_valid_raw_rules_are_accepted(rule: str) -> None:
    written = EventWrite.model_validate({"start": "2026-03-02T09:00:00", "rrule": rule})
    assert written.rrule == rule.removeprefix("RRULE:")


def test_the_strict_check_is_only_for_input() -> None:
    # validate_rrule (used on stored rules) only asks whether the rule can be computed.
    validate_rrule("FREQ=WEEKLY;BYDAY=2MO")
    with pytest.raises(ValueError, match="BYDAY"):
        check_rrule("FREQ=WEEKLY;BYDAY=2MO")


# -- until and the start (checked by the writer, which knows the zone) -----------------------


def test_until_before_start_is_an_error_at_until() -> None:
    pointer, message = write_error(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "daily", "until": "2026-03-01T09:00:00"},
    )
    assert pointer == "#/recurrence/until"
    assert "until is before the start (2026-03-02T09:00:00+01:00)" in message


def test_until_is_compared_as_an_instant() -> None:
    # 08:30Z is 09:30 in Berlin: after the start; 07:30Z is 08:30: before it.
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "daily", "until": "2026-03-02T08:30:00Z"},
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260302T083000Z"]
    pointer, _ = write_error(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "daily", "until": "2026-03-02T07:30:00Z"},
    )
    assert pointer == "#/recurrence/until"


@pytest.mark.parametrize(
    "fields",
    [
        {"start": "2026-03-02T09:00:00", "timeZone": BERLIN, "until": "2026-03-02"},
        {"start": "2026-03-02T09:00:00", "timeZone": BERLIN, "until": "2026-03-02T09:00:00"},
        {"start": "2026-03-02", "until": "2026-03-02"},
        {"start": "2026-03-02T09:00:00", "floating": True, "until": "2026-03-02T09:00:00"},
    ],
)
def test_until_on_the_start_is_one_occurrence_not_an_error(fields: dict[str, Any]) -> None:
    until = fields.pop("until")
    cal = build(**fields, recurrence={"frequency": "daily", "until": until})
    assert content_lines(cal, "RRULE")


def test_raw_rule_until_before_start_is_an_error_at_rrule() -> None:
    pointer, message = write_error(
        start="2026-03-02T09:00:00", timeZone=BERLIN, rrule="FREQ=DAILY;UNTIL=20260301T000000Z"
    )
    assert pointer == "#/rrule"
    assert message.startswith("UNTIL=20260301T000000Z is before the start")


@pytest.mark.parametrize(
    ("fields", "rule", "words"),
    [
        (
            {"start": "2026-03-02"},
            "FREQ=DAILY;UNTIL=20260310T090000Z",
            ["like 20260310", "all-day"],
        ),
        (
            {"start": "2026-03-02T09:00:00", "timeZone": BERLIN},
            "FREQ=DAILY;UNTIL=20260310",
            ["date-time like 20260310T235959Z"],
        ),
        (
            {"start": "2026-03-02T09:00:00", "timeZone": BERLIN},
            "FREQ=DAILY;UNTIL=20260310T090000",
            ["in UTC", "UNTIL=20260310T080000Z"],
        ),
        (
            {"start": "2026-03-02T09:00:00", "floating": True},
            "FREQ=DAILY;UNTIL=20260310T090000Z",
            ["without Z", "20260310T090000", "floating"],
        ),
    ],
)
def test_rfc5545_3_3_10_raw_until_must_have_the_value_type_of_start(
    fields: dict[str, Any], rule: str, words: list[str]
) -> None:
    pointer, message = write_error(**fields, rrule=rule)
    assert pointer == "#/rrule"
    for word in words:
        assert word in message, message


def test_raw_until_of_the_right_type_is_written_as_sent() -> None:
    cal = build(
        start="2026-03-02T09:00:00", timeZone=BERLIN, rrule="FREQ=DAILY;UNTIL=20260310T080000Z"
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260310T080000Z"]
    cal = build(start="2026-03-02", rrule="FREQ=DAILY;UNTIL=20260310")
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260310"]


def test_moving_the_start_after_until_is_an_error_at_until() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "daily", "until": "2026-03-05"},
    )
    with pytest.raises(InvalidInput) as info:
        patch_event(cal, {"start": "2026-03-09T09:00:00"}, default_tz=BERLIN, now=LATER)
    assert [e.pointer for e in info.value.errors] == ["#/recurrence/until"]


# -- value types of excludedDates and recurrenceDates ---------------------------------------


def test_listed_dates_take_the_value_type_of_the_start() -> None:
    # A date in a timed event: that day at the start's time; a date-time in an all-day event:
    # its day.
    timed = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "weekly", "count": 3},
        excludedDates=["2026-03-09"],
        recurrenceDates=["2026-03-04"],
    )
    assert content_lines(timed, "EXDATE") == ["EXDATE;TZID=Europe/Berlin:20260309T090000"]
    assert content_lines(timed, "RDATE") == ["RDATE;TZID=Europe/Berlin:20260304T090000"]
    day = build(start="2026-03-02", recurrenceDates=["2026-03-04T23:30:00Z"])
    assert content_lines(day, "RDATE") == ["RDATE;VALUE=DATE:20260304"]


def test_recurrence_dates_must_be_iso_times_at_their_element() -> None:
    found = errors({"start": "2026-03-02", "recurrenceDates": ["2026-03-04", "soon"]})
    assert [p for p, _ in found] == ["#/recurrenceDates/1"]


def test_recurrence_date_with_offset_in_a_floating_event_is_an_error_at_the_element() -> None:
    pointer, message = write_error(
        start="2026-03-02T09:00:00", floating=True, recurrenceDates=["2026-03-04T09:00:00Z"]
    )
    assert pointer == "#/recurrenceDates/0"
    assert "floating" in message


# -- RDATE: recurrenceDates -------------------------------------------------------------------


def test_recurrence_dates_are_written_as_rdate_in_the_event_zone() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrenceDates=["2026-03-20T15:00:00", "2026-03-04T15:00:00+00:00", "2026-03-20T15:00:00"],
    )
    assert content_lines(cal, "RDATE") == [
        "RDATE;TZID=Europe/Berlin:20260304T160000,20260320T150000"
    ]
    pub = public(cal)
    assert pub.recurrence_dates == ["2026-03-04T16:00:00+01:00", "2026-03-20T15:00:00+01:00"]
    assert pub.rrule is None and pub.recurrence is None
    writable = writable_of(read_event(master(cal), floating_zone(BERLIN)))
    assert writable["recurrenceDates"] == ["2026-03-04T16:00:00", "2026-03-20T15:00:00"]


def test_utc_and_all_day_recurrence_dates() -> None:
    cal = build(start="2026-03-02T09:00:00Z", recurrenceDates=["2026-03-05T10:00:00+01:00"])
    assert content_lines(cal, "RDATE") == ["RDATE:20260305T090000Z"]
    assert public(cal).recurrence_dates == ["2026-03-05T09:00:00Z"]
    day = build(start="2026-03-02", recurrenceDates=["2026-03-06"])
    assert content_lines(day, "RDATE") == ["RDATE;VALUE=DATE:20260306"]
    assert public(day).recurrence_dates == ["2026-03-06"]


def test_put_of_what_get_returned_with_recurrence_dates_changes_nothing() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "weekly", "until": "2026-04-30"},
        excludedDates=["2026-03-09"],
        recurrenceDates=["2026-03-04T15:00:00"],
    )
    before = cal.to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    patch_event(cal, {}, default_tz="UTC", now=LATER)
    assert cal.to_ical() == before and sequence(cal) == 0


def test_put_without_recurrence_dates_removes_them_and_patch_replaces_the_list() -> None:
    cal = build(
        start="2026-03-02T09:00:00", timeZone=BERLIN, recurrenceDates=["2026-03-04T15:00:00"]
    )
    patch_event(cal, {"recurrenceDates": ["2026-03-05T15:00:00"]}, default_tz=BERLIN, now=LATER)
    assert content_lines(cal, "RDATE") == ["RDATE;TZID=Europe/Berlin:20260305T150000"]
    assert sequence(cal) == 1
    patch_event(cal, {"title": "Kept"}, default_tz=BERLIN, now=LATER)
    assert public(cal).recurrence_dates == ["2026-03-05T15:00:00+01:00"]
    replace_event(
        cal, body(start="2026-03-02T09:00:00", timeZone=BERLIN), default_tz=BERLIN, now=LATER
    )
    assert "RDATE" not in master(cal)
    assert sequence(cal) == 3


def test_a_new_time_zone_keeps_the_wall_clock_time_of_recurrence_dates() -> None:
    cal = build(
        start="2026-03-02T09:00:00", timeZone=BERLIN, recurrenceDates=["2026-03-04T15:00:00"]
    )
    patch_event(cal, {"timeZone": "America/New_York"}, default_tz=BERLIN, now=LATER)
    assert public(cal).recurrence_dates == ["2026-03-04T15:00:00-05:00"]


def test_expanded_occurrences_include_rdates_and_leave_the_series_fields_empty() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "weekly", "count": 2},
        excludedDates=["2026-03-09"],
        recurrenceDates=["2026-03-04T15:00:00"],
    )
    found = expand(
        cal,
        start=datetime(2026, 3, 1, tzinfo=UTC),
        end=datetime(2026, 4, 1, tzinfo=UTC),
        floating_tz=BERLIN,
        event_id="series",
        calendar_id="cal",
        etag='"e"',
        max_items=100,
    )
    assert [o.start for o in found] == ["2026-03-02T09:00:00+01:00", "2026-03-04T15:00:00+01:00"]
    assert all(o.recurrence_dates == [] and o.excluded_dates == [] for o in found)
    read = read_event(master(cal), floating_zone(BERLIN))
    occurrence = public_of(read, event_id="e", calendar_id="c", etag=None, series_fields=False)
    assert occurrence.recurrence_dates == []


# -- RDATE stored by other clients ------------------------------------------------------------

PERIODS = (
    "DTSTART;TZID=Europe/Berlin:20260302T090000",
    "DTEND;TZID=Europe/Berlin:20260302T100000",
    "DTSTAMP:20260101T000000Z",
    "SEQUENCE:4",
    "SUMMARY:Workshop",
    "RRULE:FREQ=WEEKLY;COUNT=2",
    "RDATE;VALUE=PERIOD:20260310T090000Z/20260310T120000Z,20260311T090000Z/PT2H",
    "RDATE;VALUE=DATE:20260320",
)


def test_rdate_periods_are_shown_by_their_start() -> None:
    pub = public(vevent(*PERIODS))
    assert pub.recurrence_dates == ["2026-03-10T09:00:00Z", "2026-03-11T09:00:00Z", "2026-03-20"]


def test_rdate_periods_survive_a_put_of_what_get_returned_and_a_patch() -> None:
    cal = vevent(*PERIODS)
    before = master(cal).to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    assert master(cal).to_ical() == before
    patch_event(cal, {"title": "Renamed"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "RDATE") == [
        "RDATE;VALUE=PERIOD:20260310T090000Z/20260310T120000Z,20260311T090000Z/PT2H",
        "RDATE;VALUE=DATE:20260320",
    ]
    assert sequence(cal) == 5


def test_an_edited_list_keeps_the_periods_whose_start_is_still_there() -> None:
    cal = vevent(*PERIODS)
    patch_event(
        cal,
        {"recurrenceDates": ["2026-03-11T10:00:00+01:00", "2026-03-25T10:00:00"]},
        default_tz="UTC",
        now=LATER,
    )
    assert content_lines(cal, "RDATE") == [
        "RDATE;VALUE=PERIOD:20260311T090000Z/PT2H",
        "RDATE;TZID=Europe/Berlin:20260325T100000",
    ]
    assert public(cal).recurrence_dates == ["2026-03-11T09:00:00Z", "2026-03-25T10:00:00+01:00"]


def test_a_broken_rdate_is_not_shown_and_kept() -> None:
    cal = vevent(
        "DTSTART:20260302T090000Z",
        "DTSTAMP:20260101T000000Z",
        "RDATE:tomorrow",
        "RDATE:20260305T090000Z",
    )
    assert public(cal).recurrence_dates == ["2026-03-05T09:00:00Z"]
    patch_event(cal, {"recurrenceDates": ["2026-03-06T09:00:00Z"]}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "RDATE") == ["RDATE:tomorrow", "RDATE:20260306T090000Z"]


# -- stored rules that break the input rules -------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=WEEKLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYSETPOS=1",
        "FREQ=DAILY;BYMONTH=13",
    ],
)
def test_stored_rule_a_client_could_not_send_is_shown_raw_and_survives_edits(rule: str) -> None:
    cal = vevent(
        "DTSTART:20260302T090000Z", "DTSTAMP:20260101T000000Z", "SUMMARY:Old", f"RRULE:{rule}"
    )
    pub = public(cal)
    assert pub.rrule == rule and pub.recurrence is None
    write = pub.to_write()
    assert write.rrule is None  # left out: sending it back would be refused
    replace_event(cal, write, default_tz="UTC", now=LATER)
    assert content_lines(cal, "RRULE") == [f"RRULE:{rule}"]
    patch_event(cal, {"title": "New"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "RRULE") == [f"RRULE:{rule}"]
    assert public(cal).title == "New"


def test_stored_until_before_start_survives_an_edit_of_the_title() -> None:
    cal = vevent(
        "DTSTART:20260302T090000Z",
        "DTSTAMP:20260101T000000Z",
        "RRULE:FREQ=DAILY;UNTIL=20260301T000000Z",
    )
    assert public(cal).recurrence is not None
    patch_event(cal, {"title": "New"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260301T000000Z"]


def test_stored_raw_rule_with_a_local_until_survives_an_edit_of_the_title() -> None:
    # BYSECOND keeps it raw; a local UNTIL with a zoned start breaks RFC 5545 3.3.10.
    rule = "FREQ=DAILY;UNTIL=20260310T090000;BYSECOND=0"
    cal = vevent(
        "DTSTART;TZID=Europe/Berlin:20260302T090000", "DTSTAMP:20260101T000000Z", f"RRULE:{rule}"
    )
    patch_event(cal, {"title": "New"}, default_tz="UTC", now=LATER)
    assert content_lines(cal, "RRULE") == [f"RRULE:{rule}"]
    assert public(cal).title == "New"


def test_a_stored_rule_breaking_several_rules_still_reads() -> None:
    cal = vevent(
        "DTSTART:20260302T090000Z",
        "DTSTAMP:20260101T000000Z",
        "RRULE:FREQ=WEEKLY;BYDAY=1MO;COUNT=2;UNTIL=20260401T000000Z;X-ODD=1",
    )
    pub = public(cal)
    assert pub.recurrence is None and pub.rrule is not None and "X-ODD=1" in pub.rrule
    assert pub.to_write().rrule is None


def test_to_write_keeps_a_raw_rule_a_client_may_send() -> None:
    cal = build(start="2026-03-02T09:00:00", timeZone=BERLIN, rrule="FREQ=DAILY;BYSECOND=0")
    assert public(cal).to_write().rrule == "FREQ=DAILY;BYSECOND=0"
