"""The ``recurrence`` object <-> RRULE, both ways (RFC 5545 3.3.10)."""

from __future__ import annotations

from typing import Any

import pytest

from calgate.domain.ical_events import replace_event
from calgate.domain.recurrence import recurrence_from_rrule, rrule_from_recurrence, rrule_key
from calgate.domain.timezones import UTC_ZONE, iana_zone

from .helpers import BERLIN, LATER, build, content_lines, master, public, vevent


@pytest.mark.parametrize(
    ("recurrence", "rrule"),
    [
        ({"frequency": "weekly", "byDay": ["mo"]}, "FREQ=WEEKLY;BYDAY=MO"),
        ({"frequency": "monthly", "byDay": ["-1fr"]}, "FREQ=MONTHLY;BYDAY=-1FR"),
        (
            {"frequency": "monthly", "byDay": ["2tu", "4tu"], "interval": 2},
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU,4TU",
        ),
        (
            {"frequency": "yearly", "byMonth": [3], "byMonthDay": [-1], "count": 5},
            "FREQ=YEARLY;COUNT=5;BYMONTHDAY=-1;BYMONTH=3",
        ),
        (
            {
                "frequency": "monthly",
                "byDay": ["mo", "tu", "we", "th", "fr"],
                "bySetPosition": [-1],
            },
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        (
            {"frequency": "yearly", "byWeekNo": [20], "byDay": ["mo"], "weekStart": "su"},
            "FREQ=YEARLY;BYDAY=MO;BYWEEKNO=20;WKST=SU",
        ),
        (
            {"frequency": "daily", "byHour": [9, 17], "byMinute": [0, 30]},
            "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30",
        ),
        ({"frequency": "yearly", "byYearDay": [1, -1]}, "FREQ=YEARLY;BYYEARDAY=1,-1"),
    ],
)
def test_rfc5545_3_3_10_recurrence_object_and_rrule_both_ways(
    recurrence: dict[str, Any], rrule: str
) -> None:
    assert rrule_from_recurrence(recurrence, None) == rrule
    found = recurrence_from_rrule(rrule)
    assert found is not None
    assert found == (recurrence, None)


def test_rrule_with_prefix_and_plus_sign_reads_the_same() -> None:
    found = recurrence_from_rrule("RRULE:FREQ=MONTHLY;BYDAY=+2TU")
    assert found == ({"frequency": "monthly", "byDay": ["2tu"]}, None)


def test_rrule_parts_outside_the_object_are_not_representable() -> None:
    assert recurrence_from_rrule("FREQ=DAILY;BYSECOND=10") is None
    assert recurrence_from_rrule("FREQ=DAILY;X-NAME=1") is None
    assert recurrence_from_rrule("FREQ=NEVER") is None


def test_rrule_meaning_ignores_defaults_order_and_signs() -> None:
    a = rrule_key("FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=+1MO,TU", UTC_ZONE)
    b = rrule_key("BYDAY=TU,1MO;FREQ=WEEKLY", UTC_ZONE)
    assert a == b
    assert rrule_key("FREQ=WEEKLY;BYDAY=MO", UTC_ZONE) != rrule_key(
        "FREQ=WEEKLY;BYDAY=TU", UTC_ZONE
    )


def test_local_until_means_the_same_instant_as_utc_until() -> None:
    berlin = iana_zone(BERLIN)
    assert rrule_key("FREQ=DAILY;UNTIL=20260601T090000", berlin) == rrule_key(
        "FREQ=DAILY;UNTIL=20260601T070000Z", berlin
    )


def test_rfc5545_3_3_10_until_of_a_zoned_series_is_stored_in_utc() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "weekly", "until": "2026-06-01T09:00:00"},
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=WEEKLY;UNTIL=20260601T070000Z"]
    rec = public(cal).recurrence
    assert rec is not None and rec.until == "2026-06-01T07:00:00Z"


def test_until_date_of_a_timed_series_ends_with_that_day() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        timeZone=BERLIN,
        recurrence={"frequency": "daily", "until": "2026-03-05"},
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260305T225959Z"]


def test_until_of_an_all_day_series_is_a_date() -> None:
    cal = build(
        start="2026-03-02", recurrence={"frequency": "daily", "until": "2026-03-05T12:00:00"}
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260305"]


def test_until_of_a_floating_series_is_local() -> None:
    cal = build(
        start="2026-03-02T09:00:00",
        floating=True,
        recurrence={"frequency": "daily", "until": "2026-03-05T09:00:00"},
    )
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260305T090000"]


def test_raw_rrule_is_written_as_sent_and_read_back_as_an_object() -> None:
    cal = build(start="2026-03-02T09:00:00", timeZone=BERLIN, rrule="RRULE:FREQ=MONTHLY;BYDAY=-1FR")
    assert content_lines(cal, "RRULE") == ["RRULE:FREQ=MONTHLY;BYDAY=-1FR"]
    pub = public(cal)
    assert pub.rrule == "FREQ=MONTHLY;BYDAY=-1FR"
    assert pub.recurrence is not None and pub.recurrence.by_day == ["-1fr"]


def test_stored_rrule_with_same_meaning_is_not_rewritten() -> None:
    cal = vevent(
        "DTSTART;TZID=Europe/Berlin:20260302T090000",
        "DTSTAMP:20260101T000000Z",
        "RRULE:WKST=MO;FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;UNTIL=20260601T090000",
    )
    before = master(cal).to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    assert master(cal).to_ical() == before  # the missing VTIMEZONE was added, the VEVENT kept


def test_multiple_rrules_are_kept_while_the_first_is_unchanged() -> None:
    cal = vevent(
        "DTSTART:20260302T090000Z",
        "DTSTAMP:20260101T000000Z",
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
    )
    before = cal.to_ical()
    replace_event(cal, public(cal).to_write(), default_tz="UTC", now=LATER)
    assert cal.to_ical() == before
