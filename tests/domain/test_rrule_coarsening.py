"""Sub-daily rules whose unit is fixed by their own BYxxx part are expanded at the coarser
frequency (calgate.domain.rrule_fixes): the same occurrences as dateutil gives the rule as
written, checked here over a few days, without the second-by-second walk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from icalendar.prop import vRecur

from calgate.domain.rrule_fixes import fixed_rule

STARTS = [
    datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC),  # on the rule for some
    datetime(2026, 3, 2, 9, 17, 31, tzinfo=UTC),  # off every rule below
]
RULES = [
    ("FREQ=SECONDLY;BYHOUR=3;BYMINUTE=0;BYSECOND=0", "DAILY"),
    ("FREQ=SECONDLY;BYHOUR=3,15;BYMINUTE=0,30;BYSECOND=0,10;BYDAY=MO,WE", "DAILY"),
    ("FREQ=SECONDLY;BYMINUTE=5;BYSECOND=0;COUNT=7", "HOURLY"),
    ("FREQ=SECONDLY;BYSECOND=0;BYMINUTE=0,20,40;BYMONTHDAY=3,4", "HOURLY"),
    ("FREQ=MINUTELY;BYHOUR=9;BYMINUTE=30;COUNT=3", "DAILY"),
    ("FREQ=MINUTELY;BYMINUTE=0,45", "HOURLY"),
    ("FREQ=HOURLY;BYHOUR=9,17;BYDAY=TU", "DAILY"),
    ("FREQ=HOURLY;BYHOUR=10;UNTIL=20260305T100000Z", "DAILY"),
]


def _set(rule: str, start: datetime) -> list[datetime]:
    walk = rrulestr(rule, dtstart=start)
    return list(walk.between(start, start + timedelta(days=3), inc=True))


@pytest.mark.parametrize("start", STARTS, ids=["on", "off"])
@pytest.mark.parametrize(("rule", "freq"), RULES)
def test_rfc5545_3_3_10_fixed_time_parts_name_the_coarser_rules_set(rule, freq, start):
    fixed = fixed_rule(vRecur.from_ical(rule), start)
    assert fixed is not None and fixed["FREQ"] == [freq]
    assert _set(fixed.to_ical().decode(), start) == _set(rule, start)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY;INTERVAL=2;BYHOUR=3;BYMINUTE=0;BYSECOND=0",  # the interval picks seconds
        "FREQ=SECONDLY;BYHOUR=3;BYMINUTE=0;BYSECOND=0,1;BYSETPOS=1",  # BYSETPOS per second
        "FREQ=SECONDLY;BYHOUR=3",  # 3,600 a day: the unit is not fixed
        "FREQ=MINUTELY;BYSECOND=0",  # a BYSECOND under MINUTELY expands, it fixes no minute
    ],
)
def test_rules_whose_unit_is_not_fixed_stay_as_written(rule):
    assert fixed_rule(vRecur.from_ical(rule), STARTS[0]) is None
