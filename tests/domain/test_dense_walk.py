"""Dense series walked window by window (moved forward as the walk passes them), the busy
spans of one object, and the lower bound that refuses an impossible check at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from calgate.domain import expand as expand_module
from calgate.domain.dense import least_occurrences
from calgate.domain.ical_events import busy_spans, expand
from calgate.domain.ical_parse import floating_zone
from calgate.errors import InvalidInput
from calgate.index.materialize import occurrence_bounds

from .helpers import BERLIN, vevent

START = datetime(2027, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)


def listed(cal: Calendar, start: datetime = START, end: datetime = END) -> list:
    return expand(
        cal,
        start=start,
        end=end,
        floating_tz=BERLIN,
        event_id="e",
        calendar_id="c",
        etag=None,
        max_items=200_000,
    )


def rule_starts(dtstart: datetime, rule: str, exdates: set[datetime] = frozenset()) -> list:
    """The rule's starts by dateutil alone, one query from DTSTART: the oracle."""
    found = rrulestr(rule, dtstart=dtstart)
    return [t for t in found if t not in exdates and START <= t < END]


@pytest.mark.parametrize(
    ("dtstart", "rule", "exdate"),
    [
        (
            datetime(2027, 3, 1, 9, tzinfo=UTC),
            "FREQ=HOURLY;COUNT=6000",
            datetime(2027, 4, 1, 9, tzinfo=UTC),
        ),
        (datetime(2027, 3, 1, 9, 30, tzinfo=UTC), "FREQ=MINUTELY;BYHOUR=9;COUNT=4000", None),
        (datetime(2027, 6, 2, 8, tzinfo=UTC), "FREQ=SECONDLY;COUNT=5000", None),
        (datetime(2027, 2, 1, tzinfo=UTC), "FREQ=MINUTELY;INTERVAL=7;COUNT=9000", None),
    ],
)
def test_walk_through_a_dense_series_gives_every_occurrence_once(dtstart, rule, exdate):
    lines = [f"DTSTART:{dtstart:%Y%m%dT%H%M%SZ}", "DURATION:PT1S", f"RRULE:{rule}"]
    if exdate is not None:
        lines.append(f"EXDATE:{exdate:%Y%m%dT%H%M%SZ}")
    got = [datetime.fromisoformat(o.start.replace("Z", "+00:00")) for o in listed(vevent(*lines))]
    want = rule_starts(dtstart, rule, {exdate} if exdate else set())
    assert got == want
    assert len(got) > 2000  # long enough that the walk moved the series forward


def _spans_from_expand(cal: Calendar) -> list[tuple[datetime, datetime]]:
    out = []
    for occ in listed(cal):
        if occ.status == "cancelled" or occ.transparency == "free":
            continue
        bounds = occurrence_bounds(occ, BERLIN)
        if bounds is not None and bounds[1] > bounds[0]:
            out.append(bounds)
    return sorted(out)


ODD = [
    vevent(
        "DTSTART;TZID=Europe/Berlin:20270301T090000",
        "DTEND;TZID=Europe/Berlin:20270301T100000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=40",
        "EXDATE;TZID=Europe/Berlin:20270303T090000",
    ),
    vevent("DTSTART;VALUE=DATE:20270305", "RRULE:FREQ=MONTHLY;COUNT=5"),
    vevent("DTSTART:20270305T100000", "DURATION:PT30M", "RRULE:FREQ=DAILY;COUNT=5"),
    vevent("DTSTART:20270305T100000Z", "DTEND:20270305T110000Z", "TRANSP:TRANSPARENT"),
    vevent("DTSTART:20270305T100000Z", "DTEND:20270305T110000Z", "STATUS:CANCELLED"),
    vevent("DTSTART:20270305T100000Z"),
    vevent("DTSTART:20270305T100000Z", "DTEND:20270305T090000Z"),
    vevent("DTSTART:20270301T080000Z", "DURATION:PT10M", "RRULE:FREQ=HOURLY;COUNT=500"),
]


@pytest.mark.parametrize("cal", ODD, ids=range(len(ODD)))
def test_busy_spans_are_the_busy_times_expand_gives(cal):
    got = busy_spans(cal, start=START, end=END, floating_tz=BERLIN, max_items=100_000)
    assert got == _spans_from_expand(cal)


def test_busy_spans_of_a_series_with_a_cancelled_override():
    cal = vevent(
        "DTSTART:20270301T080000Z",
        "DTEND:20270301T090000Z",
        "RRULE:FREQ=DAILY;COUNT=3",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:odd-1",
        "RECURRENCE-ID:20270302T080000Z",
        "DTSTART:20270302T080000Z",
        "DTEND:20270302T090000Z",
        "STATUS:CANCELLED",
    )
    got = busy_spans(cal, start=START, end=END, floating_tz=BERLIN, max_items=100)
    assert [s.day for s, _ in got] == [1, 3]
    assert got == _spans_from_expand(cal)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY;COUNT=3000",
        "FREQ=HOURLY;INTERVAL=2;COUNT=3000",
        "FREQ=HOURLY;BYMINUTE=0,30;COUNT=4000",
        "FREQ=MINUTELY;BYHOUR=9,10;COUNT=5000",
        "FREQ=DAILY;BYHOUR=9,10,11",
        "FREQ=SECONDLY;BYSECOND=0;BYMINUTE=0;COUNT=2000",
    ],
)
def test_least_occurrences_is_a_lower_bound(rule):
    cal = vevent(
        "DTSTART;TZID=Europe/Berlin:20270301T090000",
        "DURATION:PT1S",
        f"RRULE:{rule}",
        "EXDATE;TZID=Europe/Berlin:20270301T090000",
    )
    least = least_occurrences(cal, START, END, floating_zone(BERLIN))
    actual = len(listed(cal))
    assert 0 < least <= actual
    assert least >= actual * 0.95  # close enough to refuse a rule that is far over a limit


def test_rules_without_a_fixed_density_have_no_bound():
    for rule in ("FREQ=HOURLY;BYDAY=MO", "FREQ=HOURLY;INTERVAL=2;BYMINUTE=0,30", "FREQ=WEEKLY"):
        cal = vevent("DTSTART:20270301T090000Z", f"RRULE:{rule}")
        assert least_occurrences(cal, START, END, floating_zone(BERLIN)) == 0


def test_a_check_over_the_limit_is_refused_before_walking(monkeypatch):
    def walk(*_args, **_kwargs):
        raise AssertionError("walked the series")

    monkeypatch.setattr(expand_module, "_occurrences", walk)
    cal = vevent("DTSTART:20270302T093000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")
    with pytest.raises(InvalidInput) as caught:
        busy_spans(
            cal, start=START, end=START + timedelta(days=800), floating_tz=BERLIN, max_items=50_000
        )
    assert "50000" in caught.value.detail


def test_a_day_of_a_secondly_rule_is_bounded_from_the_rule():
    cal = vevent("DTSTART:20200101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")
    day = datetime(2026, 6, 1, tzinfo=UTC)
    least = least_occurrences(cal, day, day + timedelta(days=1), floating_zone(BERLIN))
    assert 86_000 < least < 86_400
