"""The recurrence examples of RFC 5545 section 3.8.5.3 (and the one of 3.3.10), transcribed by
hand from the RFC text, through calgate's expansion.

Every example starts at DTSTART;TZID=America/New_York. The expected instances are the RFC's
list, written as New York wall-clock times; an example that runs forever is compared on the
instances the RFC lists. The RFC's EDT/EST notes are checked too: instances are compared as
instants and must stay in America/New_York.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from .support import one_event, report, starts

NEW_YORK = ZoneInfo("America/New_York")
_CAP = 5_000


def on(year: int, month: int, *days: int | range, at: str = "0900") -> list[str]:
    """``on(1997, 9, 2, 4, range(9, 12))`` -> 19970902T090000, 19970904T090000, 19970909..."""
    out: list[str] = []
    for day in days:
        for d in day if isinstance(day, range) else [day]:
            out.append(f"{year:04d}{month:02d}{d:02d}T{at}00")
    return out


def thru(first: int, last: int) -> range:
    return range(first, last + 1)


def times(day: str, *hhmm: str) -> list[str]:
    return [f"{day}T{t}00" for t in hhmm]


def every_20_minutes(day: str) -> list[str]:
    return times(day, *(f"{h:02d}{m:02d}" for h in range(9, 17) for m in (0, 20, 40)))


_JAN = [d for y in (1998, 1999, 2000) for d in on(y, 1, thru(1, 31))]
_TU_TH_5_WEEKS = on(1997, 9, 2, 4, 9, 11, 16, 18, 23, 25, 30) + on(1997, 10, 2)
_EVERY_20 = every_20_minutes("19970902") + every_20_minutes("19970903")

# (name, DTSTART in New York, RRULE, extra properties, the RFC's instances)
EXAMPLES: list[tuple[str, str, str, tuple[str, ...], list[str]]] = [
    ("Daily for 10 occurrences", "19970902T090000", "FREQ=DAILY;COUNT=10", (),
     on(1997, 9, thru(2, 11))),
    ("Daily until December 24, 1997", "19970902T090000", "FREQ=DAILY;UNTIL=19971224T000000Z",
     (), on(1997, 9, thru(2, 30)) + on(1997, 10, thru(1, 31)) + on(1997, 11, thru(1, 30))
     + on(1997, 12, thru(1, 23))),
    ("Every other day - forever", "19970902T090000", "FREQ=DAILY;INTERVAL=2", (),
     on(1997, 9, range(2, 31, 2)) + on(1997, 10, range(2, 25, 2), 26, 28, 30)
     + on(1997, 11, range(1, 30, 2)) + on(1997, 12, 1, 3)),
    ("Every 10 days, 5 occurrences", "19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5", (),
     on(1997, 9, 2, 12, 22) + on(1997, 10, 2, 12)),
    ("Every day in January, for 3 years (YEARLY)", "19980101T090000",
     "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", (), _JAN),
    ("Every day in January, for 3 years (DAILY)", "19980101T090000",
     "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", (), _JAN),
    ("Weekly for 10 occurrences", "19970902T090000", "FREQ=WEEKLY;COUNT=10", (),
     on(1997, 9, 2, 9, 16, 23, 30) + on(1997, 10, 7, 14, 21, 28) + on(1997, 11, 4)),
    ("Weekly until December 24, 1997", "19970902T090000", "FREQ=WEEKLY;UNTIL=19971224T000000Z",
     (), on(1997, 9, 2, 9, 16, 23, 30) + on(1997, 10, 7, 14, 21, 28) + on(1997, 11, 4, 11, 18, 25)
     + on(1997, 12, 2, 9, 16, 23)),
    ("Every other week - forever", "19970902T090000", "FREQ=WEEKLY;INTERVAL=2;WKST=SU", (),
     on(1997, 9, 2, 16, 30) + on(1997, 10, 14, 28) + on(1997, 11, 11, 25) + on(1997, 12, 9, 23)
     + on(1998, 1, 6, 20) + on(1998, 2, 3, 17)),
    ("Weekly on Tuesday and Thursday for five weeks (UNTIL)", "19970902T090000",
     "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", (), _TU_TH_5_WEEKS),
    ("Weekly on Tuesday and Thursday for five weeks (COUNT)", "19970902T090000",
     "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", (), _TU_TH_5_WEEKS),
    ("Every other week on Monday, Wednesday, and Friday until December 24, 1997",
     "19970901T090000", "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
     (), on(1997, 9, 1, 3, 5, 15, 17, 19, 29) + on(1997, 10, 1, 3, 13, 15, 17, 27, 29, 31)
     + on(1997, 11, 10, 12, 14, 24, 26, 28) + on(1997, 12, 8, 10, 12, 22)),
    ("Every other week on Tuesday and Thursday, for 8 occurrences", "19970902T090000",
     "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", (),
     on(1997, 9, 2, 4, 16, 18, 30) + on(1997, 10, 2, 14, 16)),
    ("Monthly on the first Friday for 10 occurrences", "19970905T090000",
     "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", (),
     on(1997, 9, 5) + on(1997, 10, 3) + on(1997, 11, 7) + on(1997, 12, 5) + on(1998, 1, 2)
     + on(1998, 2, 6) + on(1998, 3, 6) + on(1998, 4, 3) + on(1998, 5, 1) + on(1998, 6, 5)),
    ("Monthly on the first Friday until December 24, 1997", "19970905T090000",
     "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", (),
     on(1997, 9, 5) + on(1997, 10, 3) + on(1997, 11, 7) + on(1997, 12, 5)),
    ("Every other month on the first and last Sunday of the month for 10 occurrences",
     "19970907T090000", "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", (),
     on(1997, 9, 7, 28) + on(1997, 11, 2, 30) + on(1998, 1, 4, 25) + on(1998, 3, 1, 29)
     + on(1998, 5, 3, 31)),
    ("Monthly on the second-to-last Monday of the month for 6 months", "19970922T090000",
     "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", (),
     on(1997, 9, 22) + on(1997, 10, 20) + on(1997, 11, 17) + on(1997, 12, 22) + on(1998, 1, 19)
     + on(1998, 2, 16)),
    ("Monthly on the third-to-the-last day of the month, forever", "19970928T090000",
     "FREQ=MONTHLY;BYMONTHDAY=-3", (),
     on(1997, 9, 28) + on(1997, 10, 29) + on(1997, 11, 28) + on(1997, 12, 29) + on(1998, 1, 29)
     + on(1998, 2, 26)),
    ("Monthly on the 2nd and 15th of the month for 10 occurrences", "19970902T090000",
     "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", (),
     on(1997, 9, 2, 15) + on(1997, 10, 2, 15) + on(1997, 11, 2, 15) + on(1997, 12, 2, 15)
     + on(1998, 1, 2, 15)),
    ("Monthly on the first and last day of the month for 10 occurrences", "19970930T090000",
     "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", (),
     on(1997, 9, 30) + on(1997, 10, 1, 31) + on(1997, 11, 1, 30) + on(1997, 12, 1, 31)
     + on(1998, 1, 1, 31) + on(1998, 2, 1)),
    ("Every 18 months on the 10th thru 15th of the month for 10 occurrences", "19970910T090000",
     "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15", (),
     on(1997, 9, thru(10, 15)) + on(1999, 3, thru(10, 13))),
    ("Every Tuesday, every other month", "19970902T090000", "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
     (), on(1997, 9, 2, 9, 16, 23, 30) + on(1997, 11, 4, 11, 18, 25) + on(1998, 1, 6, 13, 20, 27)
     + on(1998, 3, 3, 10, 17, 24, 31)),
    ("Yearly in June and July for 10 occurrences", "19970610T090000",
     "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", (),
     [d for y in range(1997, 2002) for d in on(y, 6, 10) + on(y, 7, 10)]),
    ("Every other year on January, February, and March for 10 occurrences", "19970310T090000",
     "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", (),
     on(1997, 3, 10) + [d for y in (1999, 2001, 2003) for m in (1, 2, 3) for d in on(y, m, 10)]),
    ("Every third year on the 1st, 100th, and 200th day for 10 occurrences", "19970101T090000",
     "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", (),
     on(1997, 1, 1) + on(1997, 4, 10) + on(1997, 7, 19) + on(2000, 1, 1) + on(2000, 4, 9)
     + on(2000, 7, 18) + on(2003, 1, 1) + on(2003, 4, 10) + on(2003, 7, 19) + on(2006, 1, 1)),
    ("Every 20th Monday of the year, forever", "19970519T090000", "FREQ=YEARLY;BYDAY=20MO", (),
     on(1997, 5, 19) + on(1998, 5, 18) + on(1999, 5, 17)),
    ("Monday of week number 20 (where the default start of the week is Monday), forever",
     "19970512T090000", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", (),
     on(1997, 5, 12) + on(1998, 5, 11) + on(1999, 5, 17)),
    ("Every Thursday in March, forever", "19970313T090000", "FREQ=YEARLY;BYMONTH=3;BYDAY=TH", (),
     on(1997, 3, 13, 20, 27) + on(1998, 3, 5, 12, 19, 26) + on(1999, 3, 4, 11, 18, 25)),
    ("Every Thursday, but only during June, July, and August, forever", "19970605T090000",
     "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8", (),
     on(1997, 6, 5, 12, 19, 26) + on(1997, 7, 3, 10, 17, 24, 31) + on(1997, 8, 7, 14, 21, 28)
     + on(1998, 6, 4, 11, 18, 25) + on(1998, 7, 2, 9, 16, 23, 30) + on(1998, 8, 6, 13, 20, 27)
     + on(1999, 6, 3, 10, 17, 24) + on(1999, 7, 1, 8, 15, 22, 29) + on(1999, 8, 5, 12, 19, 26)),
    ("Every Friday the 13th, forever", "19970902T090000", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
     ("EXDATE;TZID=America/New_York:19970902T090000",),
     on(1998, 2, 13) + on(1998, 3, 13) + on(1998, 11, 13) + on(1999, 8, 13) + on(2000, 10, 13)),
    ("The first Saturday that follows the first Sunday of the month, forever", "19970913T090000",
     "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", (),
     on(1997, 9, 13) + on(1997, 10, 11) + on(1997, 11, 8) + on(1997, 12, 13) + on(1998, 1, 10)
     + on(1998, 2, 7) + on(1998, 3, 7) + on(1998, 4, 11) + on(1998, 5, 9) + on(1998, 6, 13)),
    ("Every 4 years, the first Tuesday after a Monday in November, forever", "19961105T090000",
     "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", (),
     on(1996, 11, 5) + on(2000, 11, 7) + on(2004, 11, 2)),
    ("The third instance into the month of one of Tuesday, Wednesday, or Thursday, for the "
     "next 3 months", "19970904T090000", "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", (),
     on(1997, 9, 4) + on(1997, 10, 7) + on(1997, 11, 6)),
    ("The second-to-last weekday of the month", "19970929T090000",
     "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", (),
     on(1997, 9, 29) + on(1997, 10, 30) + on(1997, 11, 27) + on(1997, 12, 30) + on(1998, 1, 29)
     + on(1998, 2, 26) + on(1998, 3, 30)),
    # The RFC lists 09:00, 12:00, 15:00, but its UNTIL (17:00Z) is 13:00 EDT: by the rule's own
    # words 15:00 EDT (19:00Z) is past UNTIL. calgate follows the rule; the listed instances
    # need UNTIL=19970902T210000Z, which is checked below as well.
    ("Every 3 hours from 9:00 AM to 5:00 PM on a specific day (rule as printed)",
     "19970902T090000", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z", (),
     times("19970902", "0900", "1200")),
    ("Every 3 hours from 9:00 AM to 5:00 PM on a specific day (UNTIL 5:00 PM EDT)",
     "19970902T090000", "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z", (),
     times("19970902", "0900", "1200", "1500")),
    ("Every 15 minutes for 6 occurrences", "19970902T090000", "FREQ=MINUTELY;INTERVAL=15;COUNT=6",
     (), times("19970902", "0900", "0915", "0930", "0945", "1000", "1015")),
    ("Every hour and a half for 4 occurrences", "19970902T090000",
     "FREQ=MINUTELY;INTERVAL=90;COUNT=4", (), times("19970902", "0900", "1030", "1200", "1330")),
    ("Every 20 minutes from 9:00 AM to 4:40 PM every day (DAILY)", "19970902T090000",
     "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40", (), _EVERY_20),
    ("Every 20 minutes from 9:00 AM to 4:40 PM every day (MINUTELY)", "19970902T090000",
     "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16", (), _EVERY_20),
    ("An example where the days generated makes a difference because of WKST (MO)",
     "19970805T090000", "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", (),
     on(1997, 8, 5, 10, 19, 24)),
    ("changing only WKST from MO to SU, yields different results", "19970805T090000",
     "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", (), on(1997, 8, 5, 17, 19, 31)),
    ("An example where an invalid date (i.e., February 30) is ignored", "20070115T090000",
     "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5", (),
     on(2007, 1, 15, 30) + on(2007, 2, 15) + on(2007, 3, 15, 30)),
    # RFC 5545 3.3.10, the example of evaluating several BYxxx rule parts.
    ("3.3.10: every Sunday in January at 8:30 AM and 9:30 AM, every other year",
     "19970105T083000", "FREQ=YEARLY;INTERVAL=2;BYMONTH=1;BYDAY=SU;BYHOUR=8,9;BYMINUTE=30", (),
     [t for d in (5, 12, 19, 26) for t in on(1997, 1, d, at="0830") + on(1997, 1, d, at="0930")]
     + [t for d in (3, 10, 17, 24, 31) for t in on(1999, 1, d, at="0830")
        + on(1999, 1, d, at="0930")]),
]  # fmt: skip


def _ours(dtstart: str, rrule: str, extra: tuple[str, ...], count: int) -> list[datetime]:
    """calgate's instances: all of a bounded rule, the first ``count`` of an endless one."""
    cal = one_event(f"DTSTART;TZID=America/New_York:{dtstart}", f"RRULE:{rrule}", *extra)
    first = datetime.strptime(dtstart, "%Y%m%dT%H%M%S").replace(tzinfo=NEW_YORK)
    found = starts(cal, after=first.astimezone(UTC) - timedelta(days=1), floating_tz="UTC")
    bounded = "COUNT=" in rrule or "UNTIL=" in rrule
    ours = list(islice(found, _CAP if bounded else count))
    assert not bounded or len(ours) < _CAP, f"bounded rule did not end: {rrule}"
    return [o for o in ours if isinstance(o, datetime)]


def _wanted(expected: list[str]) -> list[datetime]:
    return [datetime.strptime(t, "%Y%m%dT%H%M%S").replace(tzinfo=NEW_YORK) for t in expected]


@pytest.mark.parametrize(
    ("dtstart", "rrule", "extra", "expected"),
    [example[1:] for example in EXAMPLES],
    ids=[example[0] for example in EXAMPLES],
)
def test_rfc5545_example(dtstart: str, rrule: str, extra: tuple[str, ...], expected: list[str]):
    ours = _ours(dtstart, rrule, extra, len(expected))
    assert [o.strftime("%Y%m%dT%H%M%S") for o in ours] == expected  # wall-clock times
    assert ours == _wanted(expected)  # and instants: EDT/EST as the RFC notes them
    assert all(getattr(o.tzinfo, "key", None) == "America/New_York" for o in ours)


def test_rfc5545_summary() -> None:
    agree = sum(
        _ours(dtstart, rrule, extra, len(expected)) == _wanted(expected)
        for _, dtstart, rrule, extra, expected in EXAMPLES
    )
    report("rfc5545", f"rfc5545: {agree}/{len(EXAMPLES)} examples (3.8.5.3, 3.3.10) agree")
    assert len({example[0] for example in EXAMPLES}) == len(EXAMPLES)
