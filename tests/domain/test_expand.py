"""Occurrences in a time range (expand, overlaps): RFC 4791 9.9 overlap, RFC 5545 recurrence."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from calgate.domain.ical_events import expand, overlaps
from calgate.domain.model import EventPublic
from calgate.errors import InvalidInput

from .helpers import BERLIN, build, ics, vevent


def occurrences(
    cal: Calendar, start: datetime, end: datetime, floating_tz: str = BERLIN, max_items: int = 1000
) -> list[EventPublic]:
    return expand(
        cal,
        start=start,
        end=end,
        floating_tz=floating_tz,
        event_id="series",
        calendar_id="cal",
        etag='"e"',
        max_items=max_items,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_weekly_series_keeps_local_time_across_the_spring_dst_change() -> None:
    cal = build(start="2026-03-16T09:00:00", timeZone=BERLIN, recurrence={"frequency": "weekly"})
    found = occurrences(cal, utc(2026, 3, 15), utc(2026, 4, 7))
    assert [o.start for o in found] == [
        "2026-03-16T09:00:00+01:00",
        "2026-03-23T09:00:00+01:00",
        "2026-03-30T09:00:00+02:00",
        "2026-04-06T09:00:00+02:00",
    ]
    assert [o.end for o in found][2] == "2026-03-30T10:00:00+02:00"
    assert {o.id for o in found} == {"series"}
    assert [o.recurrence_id for o in found] == [o.start for o in found]
    utc_hours = [datetime.fromisoformat(o.start or "").astimezone(UTC).hour for o in found]
    assert utc_hours == [8, 8, 7, 7]


def test_daily_series_keeps_local_time_across_the_autumn_dst_change() -> None:
    cal = build(
        start="2026-10-24T09:00:00", timeZone=BERLIN, recurrence={"frequency": "daily", "count": 3}
    )
    found = occurrences(cal, utc(2026, 10, 1), utc(2026, 11, 1))
    assert [o.start for o in found] == [
        "2026-10-24T09:00:00+02:00",
        "2026-10-25T09:00:00+01:00",
        "2026-10-26T09:00:00+01:00",
    ]


def test_excluded_dates_and_an_override_are_applied() -> None:
    cal = ics(
        "BEGIN:VEVENT",
        "UID:s",
        "DTSTAMP:20260101T000000Z",
        "SUMMARY:Standup",
        "DTSTART;TZID=Europe/Berlin:20260302T090000",
        "DTEND;TZID=Europe/Berlin:20260302T093000",
        "RRULE:FREQ=WEEKLY;COUNT=5",
        "EXDATE;TZID=Europe/Berlin:20260309T090000",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:s",
        "DTSTAMP:20260101T000000Z",
        "SUMMARY:Standup (late)",
        "RECURRENCE-ID;TZID=Europe/Berlin:20260316T090000",
        "DTSTART;TZID=Europe/Berlin:20260317T150000",
        "DTEND;TZID=Europe/Berlin:20260317T153000",
        "END:VEVENT",
    )
    found = occurrences(cal, utc(2026, 3, 1), utc(2026, 4, 30))
    assert [(o.start, o.title, o.recurrence_id) for o in found] == [
        ("2026-03-02T09:00:00+01:00", "Standup", "2026-03-02T09:00:00+01:00"),
        ("2026-03-17T15:00:00+01:00", "Standup (late)", "2026-03-16T09:00:00+01:00"),
        ("2026-03-23T09:00:00+01:00", "Standup", "2026-03-23T09:00:00+01:00"),
        ("2026-03-30T09:00:00+02:00", "Standup", "2026-03-30T09:00:00+02:00"),
    ]
    assert all(o.rrule is None and o.recurrence is None for o in found)


def test_override_moved_into_the_range_is_found_by_its_new_time() -> None:
    cal = ics(
        "BEGIN:VEVENT",
        "UID:s",
        "DTSTART:20260302T090000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:s",
        "RECURRENCE-ID:20260309T090000Z",
        "DTSTART:20260401T090000Z",
        "END:VEVENT",
    )
    found = occurrences(cal, utc(2026, 3, 31), utc(2026, 4, 2))
    assert [(o.start, o.recurrence_id) for o in found] == [
        ("2026-04-01T09:00:00Z", "2026-03-09T09:00:00Z")
    ]
    assert occurrences(cal, utc(2026, 3, 9), utc(2026, 3, 10)) == []


def test_rdate_adds_occurrences() -> None:
    cal = vevent(
        "DTSTART:20260302T090000Z",
        "DTEND:20260302T100000Z",
        "RDATE:20260310T140000Z,20260320T140000Z",
    )
    found = occurrences(cal, utc(2026, 3, 1), utc(2026, 4, 1))
    assert [(o.start, o.end) for o in found] == [
        ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
        ("2026-03-10T14:00:00Z", "2026-03-10T15:00:00Z"),
        ("2026-03-20T14:00:00Z", "2026-03-20T15:00:00Z"),
    ]


def test_single_event_has_no_recurrence_id() -> None:
    found = occurrences(build(start="2026-03-29T09:00:00"), utc(2026, 3, 1), utc(2026, 4, 1))
    assert [(o.id, o.recurrence_id) for o in found] == [("series", None)]


def test_rfc4791_9_9_overlap_is_half_open() -> None:
    cal = build(start="2026-03-29T09:00:00Z", end="2026-03-29T10:00:00Z")
    assert occurrences(cal, utc(2026, 3, 29, 10), utc(2026, 3, 29, 11)) == []  # ends at start
    assert occurrences(cal, utc(2026, 3, 29, 8), utc(2026, 3, 29, 9)) == []  # starts at end
    assert len(occurrences(cal, utc(2026, 3, 29, 9, 59), utc(2026, 3, 29, 11))) == 1
    assert len(occurrences(cal, utc(2026, 3, 29, 9, 30), utc(2026, 3, 29, 9, 31))) == 1


def test_rfc4791_9_9_zero_length_event_counts_when_start_le_it_lt_end() -> None:
    cal = vevent("DTSTART:20260329T090000Z")
    assert len(occurrences(cal, utc(2026, 3, 29, 9), utc(2026, 3, 29, 10))) == 1
    assert occurrences(cal, utc(2026, 3, 29, 8), utc(2026, 3, 29, 9)) == []


def test_floating_times_are_read_in_the_calendars_floating_zone() -> None:
    cal = build(start="2026-03-29T09:00:00", floating=True)
    window = (utc(2026, 3, 29, 6, 30), utc(2026, 3, 29, 7, 30))  # 09:00 Berlin is 07:00Z
    assert [o.start for o in occurrences(cal, *window, floating_tz=BERLIN)] == [
        "2026-03-29T09:00:00"
    ]
    assert occurrences(cal, *window, floating_tz="America/New_York") == []


def test_all_day_events_are_days_in_the_floating_zone() -> None:
    cal = build(start="2026-03-29")
    # 2026-03-29 in Berlin runs 2026-03-28T23:00Z .. 2026-03-29T22:00Z (DST starts that night)
    assert len(occurrences(cal, utc(2026, 3, 28, 22, 30), utc(2026, 3, 28, 23, 30))) == 1
    assert occurrences(cal, utc(2026, 3, 29, 22), utc(2026, 3, 29, 23)) == []
    assert [o.start for o in occurrences(cal, utc(2026, 3, 29), utc(2026, 3, 30))] == ["2026-03-29"]


def test_results_are_sorted_by_start() -> None:
    cal = ics(
        "BEGIN:VEVENT",
        "UID:s",
        "DTSTART:20260302T120000Z",
        "RRULE:FREQ=DAILY;COUNT=3",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:s",
        "RECURRENCE-ID:20260302T120000Z",
        "DTSTART:20260305T080000Z",
        "END:VEVENT",
    )
    found = occurrences(cal, utc(2026, 3, 1), utc(2026, 3, 10))
    assert [o.start for o in found] == [
        "2026-03-03T12:00:00Z",
        "2026-03-04T12:00:00Z",
        "2026-03-05T08:00:00Z",
    ]


def test_more_occurrences_than_the_limit_is_invalid_input_naming_it() -> None:
    cal = build(start="2026-01-01T09:00:00Z", recurrence={"frequency": "daily"})
    assert len(occurrences(cal, utc(2026, 1, 1), utc(2026, 1, 11), max_items=10)) == 10
    with pytest.raises(InvalidInput) as info:
        occurrences(cal, utc(2026, 1, 1), utc(2026, 1, 12), max_items=10)
    assert "10" in info.value.detail


def test_dense_rule_over_a_long_range_stops_at_the_limit_quickly() -> None:
    cal = vevent("DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY")
    began = time.monotonic()
    with pytest.raises(InvalidInput):
        occurrences(cal, utc(2026, 1, 1), utc(2036, 1, 1), max_items=500)
    assert time.monotonic() - began < 10


def test_overlaps_answers_without_expanding_everything() -> None:
    cal = vevent(
        "DTSTART:20260101T090000Z", "DTEND:20260101T100000Z", "RRULE:FREQ=MINUTELY;INTERVAL=7"
    )
    began = time.monotonic()
    assert overlaps(cal, start=utc(2026, 6, 1), end=utc(2036, 1, 1), floating_tz=BERLIN)
    assert time.monotonic() - began < 10
    ended = build(start="2026-01-05T09:00:00Z", recurrence={"frequency": "weekly", "count": 2})
    assert not overlaps(ended, start=utc(2026, 2, 1), end=utc(2036, 1, 1), floating_tz=BERLIN)
    assert overlaps(
        ended, start=utc(2026, 1, 12, 9, 30), end=utc(2026, 1, 12, 9, 31), floating_tz=BERLIN
    )


def test_broken_rrule_counts_the_event_once() -> None:
    cal = vevent("DTSTART:20260302T090000Z", "RRULE:FREQ=WEEKLY;BYDAY=XX;COUNT=banana")
    found = occurrences(cal, utc(2026, 1, 1), utc(2027, 1, 1))
    assert [o.start for o in found] == ["2026-03-02T09:00:00Z"]


def test_event_without_dtstart_has_no_occurrences() -> None:
    assert (
        occurrences(ics("BEGIN:VEVENT", "UID:x", "END:VEVENT"), utc(2000, 1, 1), utc(2030, 1, 1))
        == []
    )


def test_naive_range_is_read_as_utc() -> None:
    cal = build(start="2026-03-29T09:00:00Z")
    assert len(occurrences(cal, datetime(2026, 3, 29, 8), datetime(2026, 3, 29, 10))) == 1
