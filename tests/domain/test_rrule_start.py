"""RFC 5545 3.3.10: "The DTSTART property value always counts as the first occurrence" of a
COUNT rule. Whether DTSTART is on its rule (calgate.domain.rrule_start, checked against
dateutil's own expansion), the rewrite of COUNT (calgate.domain.rrule_fixes), and every path
that expands seeing the same set (listings, the n-th, busy spans, overlap, the index's span)."""

from __future__ import annotations

import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from icalendar.prop import vRecur

from calgate.domain.dense import least_occurrences
from calgate.domain.expand import busy_spans, iter_occurrences, overlaps
from calgate.domain.instances import Where, list_instances, nth_instance
from calgate.domain.rrule_fixes import start_counted
from calgate.domain.rrule_start import dtstart_on_rule
from calgate.domain.series_edit import split_series
from calgate.domain.span import event_span
from calgate.errors import NotFound

from .helpers import NOW, vevent
from .test_expand import occurrences

BERLIN = ZoneInfo("Europe/Berlin")


def on_rule(rule: str, start: date | datetime) -> bool | None:
    return dtstart_on_rule(vRecur.from_ical(rule), start)


# -- whether DTSTART is on the rule -----------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=3", datetime(2024, 1, 1, 9), False),  # a Monday
        ("FREQ=WEEKLY;BYDAY=MO,TU;COUNT=3", datetime(2024, 1, 1, 9), True),
        ("FREQ=WEEKLY;COUNT=3", datetime(2024, 1, 1, 9), True),  # the weekday from DTSTART
        ("FREQ=DAILY;BYHOUR=9,17;COUNT=3", datetime(2024, 1, 1, 12), False),
        ("FREQ=DAILY;BYHOUR=9,17;COUNT=3", datetime(2024, 1, 1, 17), True),
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", datetime(2024, 5, 31, 9), True),  # last Friday
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", datetime(2024, 5, 24, 9), False),
        ("FREQ=YEARLY;BYDAY=20MO;COUNT=3", datetime(1997, 5, 19, 9), True),  # 20th Monday
        ("FREQ=YEARLY;BYMONTH=5;BYDAY=3MO;COUNT=3", datetime(1997, 5, 19, 9), True),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", datetime(2024, 2, 29, 9), True),
        ("FREQ=YEARLY;BYYEARDAY=-1;COUNT=3", datetime(2024, 12, 31), True),
        ("FREQ=YEARLY;BYYEARDAY=366;COUNT=3", datetime(2023, 12, 31), False),
        # BYWEEKNO with WKST (libical's "Monday of week number 20, week starting Friday")
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;WKST=FR;COUNT=3", datetime(1997, 5, 12, 9), False),
        ("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;WKST=FR;COUNT=3", datetime(1997, 5, 19, 9), True),
        # BYSETPOS: the last weekday of the month
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", datetime(2024, 5, 31), True),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", datetime(2024, 5, 30), False),
        # a DATE DTSTART is midnight; a zoned one is read on its own wall clock
        ("FREQ=YEARLY;BYMONTH=3;COUNT=3", date(2024, 1, 15), False),
        ("FREQ=DAILY;BYHOUR=9;COUNT=3", datetime(2024, 1, 1, 9, tzinfo=BERLIN), True),
        ("FREQ=DAILY;BYHOUR=8;COUNT=3", datetime(2024, 1, 1, 9, tzinfo=BERLIN), False),
        # a rule that never matches is answered from its parts, not by walking it
        ("FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", datetime(2024, 2, 1, 9), False),
        ("FREQ=MINUTELY;BYSETPOS=2;COUNT=3", datetime(2024, 2, 1, 9), False),
        # parts dateutil reads otherwise (or not at all) are not judged
        ("RSCALE=CHINESE;FREQ=YEARLY;COUNT=3", datetime(2024, 2, 10), None),
        ("FREQ=YEARLY;BYMONTH=13;COUNT=3", datetime(2024, 2, 10), None),
    ],
)
def test_rfc5545_3_3_10_dtstart_on_rule(rule: str, start: date | datetime, expected: bool) -> None:
    assert on_rule(rule, start) is expected


_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY")
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _random_case(rng: random.Random) -> tuple[str, datetime]:
    """A rule with a mix of parts, and a DTSTART that often, not always, fits them."""
    freq = rng.choice(_FREQS)
    at = datetime(2020, 1, 1) + timedelta(days=rng.randrange(3650))
    at = at.replace(hour=rng.choice((0, 9, 17)), minute=rng.choice((0, 30)))
    parts = [f"FREQ={freq}"]

    def some(values: list[int], most: int = 3) -> str:
        return ",".join(str(v) for v in rng.sample(values, rng.randint(1, most)))

    if rng.random() < 0.3:
        parts.append(f"BYMONTH={some(list(range(1, 13)), 6)},{at.month}")
    if rng.random() < 0.3:
        parts.append(f"BYMONTHDAY={some([*range(1, 29), *range(-28, 0)])}")
    if freq == "YEARLY" and rng.random() < 0.2:
        parts.append(f"BYYEARDAY={some([*range(1, 366), *range(-365, 0)], 40)}")
    if freq == "YEARLY" and rng.random() < 0.3:
        parts.append(f"BYWEEKNO={some([*range(1, 54), *range(-53, 0)], 20)}")
    if rng.random() < 0.5:
        days = rng.sample(_DAYS, rng.randint(1, 4))
        if freq in ("YEARLY", "MONTHLY") and rng.random() < 0.5:
            days = [f"{rng.choice((1, 2, -1, -2))}{d}" for d in days]
        parts.append("BYDAY=" + ",".join(days))
    if rng.random() < 0.3:
        parts.append(f"BYHOUR={some([0, 9, 17, 23], 2)}")
    if rng.random() < 0.3:
        parts.append(f"BYMINUTE={some([0, 15, 30], 2)}")
    if freq in ("YEARLY", "MONTHLY", "WEEKLY") and rng.random() < 0.3:
        parts.append(f"BYSETPOS={some([1, 2, 3, -1, -2], 2)}")
    if rng.random() < 0.3:
        parts.append(f"WKST={rng.choice(_DAYS)}")
    return ";".join(parts), at


class _Slow(Exception):
    pass


@contextmanager
def _at_most(cpu_seconds: float) -> Iterator[None]:
    """Raise _Slow after this much CPU time (not wall time: a loaded machine changes nothing)."""

    def stop(*_: object) -> None:
        raise _Slow

    previous = signal.signal(signal.SIGVTALRM, stop)
    signal.setitimer(signal.ITIMER_VIRTUAL, cpu_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def test_dtstart_on_rule_is_what_dateutil_expands() -> None:
    """1,000 rules: dateutil's first occurrence is DTSTART exactly when calgate says DTSTART is
    on the rule (dateutil yields nothing before DTSTART). Rules dateutil walks for long before
    its first match (about one in twenty) are skipped."""
    rng = random.Random(5545)
    compared = 0
    for _ in range(1000):
        rule, at = _random_case(rng)
        ours = on_rule(rule, at)
        assert ours is not None, rule
        try:
            with _at_most(0.05):
                theirs = at in rrulestr(rule, dtstart=at)
        except _Slow:
            continue
        assert ours is theirs, (rule, at)
        compared += 1
    assert compared > 900


# -- COUNT -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=3", datetime(2024, 1, 1, 9), "FREQ=WEEKLY;COUNT=2;BYDAY=TU"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=1", datetime(2024, 1, 1, 9), None),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=3", datetime(2024, 1, 1, 9), "FREQ=WEEKLY;COUNT=3;BYDAY=MO"),
        (
            "FREQ=WEEKLY;BYDAY=TU;UNTIL=20240201T000000",
            datetime(2024, 1, 1, 9),
            "FREQ=WEEKLY;UNTIL=20240201T000000;BYDAY=TU",
        ),
        ("FREQ=WEEKLY;BYDAY=TU", datetime(2024, 1, 1, 9), "FREQ=WEEKLY;BYDAY=TU"),
    ],
)
def test_rfc5545_3_3_10_count_counts_dtstart(
    rule: str, start: datetime, expected: str | None
) -> None:
    result = start_counted(vRecur.from_ical(rule), start)
    assert (result.to_ical().decode() if result is not None else None) == expected


SINCE = datetime(2023, 12, 1, tzinfo=UTC)


def starts(cal: Calendar, floating_tz: str = "UTC") -> list[str]:
    return [
        occ["DTSTART"].dt.isoformat()
        for occ in iter_occurrences(cal, after=SINCE, floating_tz=floating_tz)
    ]


def test_rfc5545_3_3_10_dtstart_off_the_rule_is_the_first_of_count() -> None:
    cal = vevent("DTSTART:20240101T090000", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    assert starts(cal) == ["2024-01-01T09:00:00", "2024-01-02T09:00:00", "2024-01-09T09:00:00"]


def test_dtstart_on_the_rule_is_unchanged() -> None:
    cal = vevent("DTSTART:20240102T090000", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    assert starts(cal) == ["2024-01-02T09:00:00", "2024-01-09T09:00:00", "2024-01-16T09:00:00"]


def test_count_1_off_the_rule_is_dtstart_alone() -> None:
    cal = vevent("DTSTART:20240101T090000", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=1")
    assert starts(cal) == ["2024-01-01T09:00:00"]


def test_rfc5545_3_8_5_1_exdate_of_dtstart_is_taken_out_after_counting() -> None:
    cal = vevent(
        "DTSTART:20240101T090000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3",
        "EXDATE:20240101T090000",
    )
    assert starts(cal) == ["2024-01-02T09:00:00", "2024-01-09T09:00:00"]


def test_rdates_are_added_beside_count() -> None:
    cal = vevent(
        "DTSTART:20240101T090000",
        "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2",
        "RDATE:20240105T090000",
    )
    assert starts(cal) == ["2024-01-01T09:00:00", "2024-01-02T09:00:00", "2024-01-05T09:00:00"]


def test_each_rrule_counts_dtstart_for_itself() -> None:
    cal = vevent(
        "DTSTART:20240101T090000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2",  # DTSTART is on this one: Jan 1, 8
        "RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=2",  # and not on this one: (Jan 1), Jan 3
    )
    assert starts(cal) == ["2024-01-01T09:00:00", "2024-01-03T09:00:00", "2024-01-08T09:00:00"]


def test_zoned_and_date_starts_are_judged_on_their_own_clock() -> None:
    zoned = vevent(
        "DTSTART;TZID=Europe/Berlin:20240101T090000",  # 08:00 UTC, 09:00 on the rule's clock
        "RRULE:FREQ=DAILY;BYHOUR=9,18;COUNT=3",
    )
    assert starts(zoned) == [
        "2024-01-01T09:00:00+01:00",
        "2024-01-01T18:00:00+01:00",
        "2024-01-02T09:00:00+01:00",
    ]
    dated = vevent("DTSTART;VALUE=DATE:20240115", "RRULE:FREQ=YEARLY;BYMONTH=3;COUNT=2")
    assert starts(dated) == ["2024-01-15", "2024-03-15"]
    floating = vevent("DTSTART:20240101T120000", "RRULE:FREQ=DAILY;BYHOUR=9;COUNT=2")
    assert starts(floating, floating_tz="Europe/Berlin") == [
        "2024-01-01T12:00:00",
        "2024-01-02T09:00:00",
    ]


def test_until_rules_are_unchanged() -> None:
    cal = vevent("DTSTART:20240101T090000", "RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20240110T000000")
    assert starts(cal) == ["2024-01-01T09:00:00", "2024-01-02T09:00:00", "2024-01-09T09:00:00"]


OFF_RULE = vevent(
    "DTSTART:20240101T090000",
    "DTEND:20240101T100000",
    "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3",
)
WHERE = Where(event_id="e", calendar_id="c", etag=None)


def test_every_path_that_expands_sees_count_occurrences() -> None:
    low, high = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    assert len(occurrences(OFF_RULE, low, high, floating_tz="UTC")) == 3
    assert len(busy_spans(OFF_RULE, start=low, end=high, floating_tz="UTC", max_items=100)) == 3
    page = list_instances(
        OFF_RULE, start=None, end=None, limit=10, page_token=None, floating_tz="UTC", where=WHERE
    )
    assert [i.start for i in page.items] == [
        "2024-01-01T09:00:00",
        "2024-01-02T09:00:00",
        "2024-01-09T09:00:00",
    ]
    third = nth_instance(OFF_RULE, 3, floating_tz="UTC", where=WHERE, max_n=100)
    assert third.start == "2024-01-09T09:00:00"
    with pytest.raises(NotFound):
        nth_instance(OFF_RULE, 4, floating_tz="UTC", where=WHERE, max_n=100)
    after = datetime(2024, 1, 15, tzinfo=UTC)
    assert not overlaps(OFF_RULE, start=after, end=high, floating_tz="UTC")
    span = event_span(OFF_RULE, floating_tz="UTC")
    assert span.last_end == datetime(2024, 1, 9, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "rule", ["FREQ=DAILY;BYHOUR=9,17;COUNT=40", "FREQ=HOURLY;BYMINUTE=15;COUNT=100"]
)
def test_the_lower_bound_from_the_rule_alone_stays_below_the_expansion(rule: str) -> None:
    cal = vevent("DTSTART:20240101T120000Z", f"RRULE:{rule}")  # off both rules
    for hours in (0, 10, 50):
        low = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=hours)
        high = low + timedelta(days=30)
        found = len(occurrences(cal, low, high, floating_tz="UTC"))
        assert 0 < least_occurrences(cal, low, high, UTC) <= found


def test_a_split_keeps_count_when_dtstart_is_off_the_rule() -> None:
    """Old and new series together keep the COUNT occurrences, none twice: the old one's COUNT
    (the occurrences before the split, DTSTART among them) counts DTSTART as its first."""
    cal = vevent("DTSTART:20260601T090000Z", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4")  # a Monday
    split = split_series(cal, "2026-06-09T09:00:00Z", {}, default_tz="UTC", now=NOW, new_uid="n")
    assert split.new is not None
    old, new = starts(split.old), starts(split.new)
    assert (old, new) == (
        ["2026-06-01T09:00:00+00:00", "2026-06-02T09:00:00+00:00"],
        ["2026-06-09T09:00:00+00:00", "2026-06-16T09:00:00+00:00"],
    )
