"""Occurrence and series edits on iCalendar text (pure): split points, COUNT and UNTIL, all-day
and floating series, overrides carried along, and dense rules kept cheap and exact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice

import pytest

from calgate.domain.dense import rebased
from calgate.domain.expand import iter_occurrences
from calgate.domain.ical_parse import parse_ical
from calgate.domain.instance_edit import delete_occurrence, edit_occurrence
from calgate.domain.instances import Where, list_instances
from calgate.domain.series_edit import edit_all, end_series_before, split_series
from calgate.errors import InvalidInput, NotFound

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
WHERE = Where("e", "c", None)


def vcal(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n{body}END:VCALENDAR\r\n"


def lines(*props: str) -> str:
    return "".join(p + "\r\n" for p in props)


def starts(cal, tz: str = "UTC") -> list[str]:
    page = list_instances(
        cal, start=None, end=None, limit=500, page_token=None, floating_tz=tz, where=WHERE
    )
    assert not page.truncated
    return [i.start or "" for i in page.items]


def rule(cal, uid: str | None = None) -> str:
    for event in cal.walk("VEVENT"):
        if "RECURRENCE-ID" not in event and (uid is None or str(event["UID"]) == uid):
            return event["RRULE"].to_ical().decode()
    raise AssertionError("no master")


def test_split_with_count_keeps_the_total_and_exdates_do_not_count() -> None:
    cal = parse_ical(
        vcal(
            lines(
                "UID:s",
                "DTSTART;TZID=Europe/Berlin:20260601T090000",
                "RRULE:FREQ=DAILY;COUNT=10",
                "EXDATE;TZID=Europe/Berlin:20260602T090000,20260608T090000",
            )
        )
    )
    split = split_series(cal, "2026-06-05T09:00:00", {}, default_tz="UTC", now=NOW, new_uid="n")
    assert split.new is not None
    assert rule(split.old) == "FREQ=DAILY;COUNT=4"
    assert rule(split.new) == "FREQ=DAILY;COUNT=6"
    assert [s[8:10] for s in starts(split.old)] == ["01", "03", "04"]
    assert [s[8:10] for s in starts(split.new)] == ["05", "06", "07", "09", "10"]


def test_split_an_all_day_series_ends_the_day_before() -> None:
    cal = parse_ical(vcal(lines("UID:a", "DTSTART;VALUE=DATE:20260601", "RRULE:FREQ=WEEKLY")))
    split = split_series(
        cal, "2026-06-15", {"title": "later"}, default_tz="UTC", now=NOW, new_uid="n"
    )
    assert rule(split.old) == "FREQ=WEEKLY;UNTIL=20260614"
    assert split.new is not None and str(split.new.walk("VEVENT")[0]["SUMMARY"]) == "later"
    assert starts(split.old) == ["2026-06-01", "2026-06-08"]


def test_split_a_floating_series_uses_a_local_until() -> None:
    cal = parse_ical(vcal(lines("UID:f", "DTSTART:20260601T090000", "RRULE:FREQ=DAILY")))
    split = split_series(
        cal, "2026-06-03T09:00:00", {}, default_tz="Asia/Tokyo", now=NOW, new_uid="n"
    )
    assert rule(split.old) == "FREQ=DAILY;UNTIL=20260603T085959"


def test_split_at_the_first_occurrence_edits_the_whole_series() -> None:
    cal = parse_ical(vcal(lines("UID:s", "DTSTART:20260601T090000Z", "RRULE:FREQ=DAILY;COUNT=3")))
    split = split_series(
        cal, "2026-06-01T09:00:00Z", {"title": "all"}, default_tz="UTC", now=NOW, new_uid="n"
    )
    assert split.new is None and str(split.old.walk("VEVENT")[0]["SUMMARY"]) == "all"


def test_end_before_the_first_occurrence_means_delete_and_later_keeps_earlier() -> None:
    text = vcal(lines("UID:s", "DTSTART:20260601T090000Z", "RRULE:FREQ=DAILY;COUNT=5"))
    assert (
        end_series_before(parse_ical(text), "2026-06-01T09:00:00Z", default_tz="UTC", now=NOW)
        is None
    )
    kept = end_series_before(parse_ical(text), "2026-06-03T09:00:00Z", default_tz="UTC", now=NOW)
    assert kept is not None and rule(kept) == "FREQ=DAILY;COUNT=2"


def test_occurrence_edits_refuse_non_occurrences_and_series_fields() -> None:
    cal = parse_ical(vcal(lines("UID:s", "DTSTART:20260601T090000Z", "RRULE:FREQ=DAILY;COUNT=3")))
    with pytest.raises(NotFound):
        edit_occurrence(
            cal, "2026-06-01T10:00:00Z", patch={"title": "x"}, default_tz="UTC", now=NOW
        )
    with pytest.raises(InvalidInput) as info:
        edit_occurrence(
            cal,
            "2026-06-02T09:00:00Z",
            patch={"recurrence": {"frequency": "daily"}},
            default_tz="UTC",
            now=NOW,
        )
    assert info.value.errors[0].pointer == "#/recurrence"


def test_an_unchanged_patch_stores_no_override() -> None:
    cal = parse_ical(
        vcal(lines("UID:s", "SUMMARY:x", "DTSTART:20260601T090000Z", "RRULE:FREQ=DAILY;COUNT=3"))
    )
    cal, _, changed = edit_occurrence(
        cal, "2026-06-02T09:00:00Z", patch={"title": "x"}, default_tz="UTC", now=NOW
    )
    assert not changed and len(cal.walk("VEVENT")) == 1


def test_deleting_an_rdate_only_occurrence_and_an_orphan_override() -> None:
    cal = parse_ical(
        vcal(
            lines(
                "UID:s",
                "DTSTART:20260601T090000Z",
                "RRULE:FREQ=DAILY;COUNT=2",
                "RDATE:20260610T090000Z",
            ),
            lines(
                "UID:s",
                "RECURRENCE-ID:20260610T090000Z",
                "DTSTART:20260610T120000Z",
                "SUMMARY:moved",
            ),
        )
    )
    remaining, _ = delete_occurrence(cal, "2026-06-10T09:00:00Z", default_tz="UTC", now=NOW)
    assert remaining is not None and len(remaining.walk("VEVENT")) == 1
    assert starts(remaining) == ["2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z"]


def test_series_moved_by_a_day_maps_overrides_by_their_number() -> None:
    cal = parse_ical(
        vcal(
            lines(
                "UID:s",
                "SUMMARY:Weekly",
                "DTSTART;TZID=Europe/Berlin:20260601T090000",
                "RRULE:FREQ=WEEKLY;COUNT=4",
            ),
            lines(
                "UID:s",
                "SUMMARY:Special",
                "RECURRENCE-ID;TZID=Europe/Berlin:20260615T090000",
                "DTSTART;TZID=Europe/Berlin:20260615T090000",
            ),
        )
    )
    edit_all(cal, patch={"start": "2026-06-02T09:00:00"}, default_tz="UTC", now=NOW)
    over = next(e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e)
    assert over["RECURRENCE-ID"].dt.date() == date(2026, 6, 16) == over["DTSTART"].dt.date()
    assert str(over["SUMMARY"]) == "Special"
    assert int(over["SEQUENCE"]) >= 1


def test_changing_the_rule_drops_overrides_whose_occurrence_is_gone() -> None:
    cal = parse_ical(
        vcal(
            lines("UID:s", "DTSTART:20260601T090000Z", "RRULE:FREQ=DAILY;COUNT=10"),
            lines("UID:s", "RECURRENCE-ID:20260602T090000Z", "DTSTART:20260602T100000Z"),
            lines("UID:s", "RECURRENCE-ID:20260603T090000Z", "DTSTART:20260603T100000Z"),
        )
    )
    edit_all(
        cal,
        patch={"recurrence": {"frequency": "daily", "interval": 2, "count": 5}},
        default_tz="UTC",
        now=NOW,
    )
    kept = [e["RECURRENCE-ID"].dt.day for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert kept == [3]


@pytest.mark.parametrize(
    ("rule_text", "first"),
    [
        ("FREQ=SECONDLY;INTERVAL=7", "20251201T000003"),
        ("FREQ=MINUTELY;BYHOUR=9", "20251201T000003"),
        ("FREQ=HOURLY;INTERVAL=5", "19900101T010000"),
        ("FREQ=MINUTELY;COUNT=2000000", "20251201T000003"),
    ],
)
def test_rebasing_a_dense_rule_gives_the_same_occurrences(rule_text: str, first: str) -> None:
    cal = parse_ical(
        vcal(
            lines(
                "UID:d",
                f"DTSTART;TZID=Europe/Berlin:{first}",
                "DURATION:PT1S",
                f"RRULE:{rule_text}",
            )
        )
    )
    at = datetime(2026, 1, 20, 8, 59, tzinfo=UTC)
    moved = rebased(cal, at, UTC)
    assert moved is not cal  # far enough (over 50,000 periods) to be rebased
    full = islice(iter_occurrences(cal, after=at, floating_tz="UTC"), 30)
    fast = islice(iter_occurrences(moved, after=at, floating_tz="UTC"), 30)
    assert [o["DTSTART"].dt for o in fast] == [o["DTSTART"].dt for o in full]


def test_a_dense_rule_near_its_start_is_left_alone_and_sparse_secondly_is_dropped() -> None:
    near = parse_ical(vcal(lines("UID:d", "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY")))
    assert rebased(near, datetime(2026, 1, 1, 1, tzinfo=UTC), UTC) is near
    sparse = parse_ical(
        vcal(lines("UID:d", "DTSTART:20260101T000000Z", "RRULE:FREQ=SECONDLY;BYMONTH=2"))
    )
    assert rebased(sparse, datetime(2026, 1, 1, tzinfo=UTC), UTC).walk("VEVENT") == []
    ended = parse_ical(
        vcal(lines("UID:d", "DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY;COUNT=1000"))
    )
    assert rebased(ended, datetime(2026, 1, 1, tzinfo=UTC), UTC).walk("VEVENT") == []
