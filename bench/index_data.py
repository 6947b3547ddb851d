"""Data for bench_index.py: a deterministic calendar of single events and weekly series.

Every object is written as it would come from a CalDAV client: UTC or Europe/Oslo times (with
the VTIMEZONE), a few all-day events, series of 20-52 weeks or unbounded, and one series in five
with an EXDATE and a moved occurrence (a RECURRENCE-ID override in the same object), placed in
the benchmark month where the series runs through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

MONTH = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
OSLO = "Europe/Oslo"

VTIMEZONE_OSLO = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Oslo",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]

UTC_FMT = "%Y%m%dT%H%M%SZ"
LOCAL_FMT = "%Y%m%dT%H%M%S"
WORDS = [
    "planning", "review", "sync", "standup", "design", "budget",
    "hiring", "retro", "demo", "offsite", "lunch", "call",
]  # fmt: skip


@dataclass(frozen=True)
class Obj:
    name: str  # resource name, <uid>.ics
    uid: str
    text: str
    recurring: bool
    exceptions: bool


def _stamp(dt: datetime, tz: str | None) -> str:
    """DTSTART-style value with its parameters: ';TZID=..:local' or ':utcZ'."""
    if tz is None:
        return ":" + dt.astimezone(UTC).strftime(UTC_FMT)
    return f";TZID={tz}:" + dt.strftime(LOCAL_FMT)


def _wrap(vevents: list[list[str]], tz: str | None) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calgate bench index//EN"]
    if tz == OSLO:
        lines += VTIMEZONE_OSLO
    for v in vevents:
        lines += ["BEGIN:VEVENT", *v, "END:VEVENT"]
    lines += ["END:VCALENDAR", ""]
    return "\r\n".join(lines)


def single(i: int) -> Obj:
    uid = f"bench-s{i:06d}"
    word = WORDS[i % len(WORDS)]
    base = datetime(2026, 6, 1, tzinfo=UTC)
    # spread over 540 days, daytime hours, 30-120 minutes
    day = (i * 7919) % 540
    start = base + timedelta(days=day, hours=6 + (i * 13) % 13, minutes=15 * (i % 4))
    props = [
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:{word.title()} {i}",
        f"DESCRIPTION:Bench event {i}: {word} with the team, agenda in the shared folder.",
    ]
    if i % 3 == 0:
        props.append(f"LOCATION:Room {i % 40}")
    if i % 40 == 0:  # all-day
        d = start.date()
        props += [
            f"DTSTART;VALUE=DATE:{d:%Y%m%d}",
            f"DTEND;VALUE=DATE:{d + timedelta(days=1):%Y%m%d}",
        ]
    else:
        props += [
            f"DTSTART{_stamp(start, None)}",
            f"DTEND{_stamp(start + timedelta(minutes=30 * (1 + i % 4)), None)}",
        ]
    return Obj(f"{uid}.ics", uid, _wrap([props], None), False, False)


def series(k: int) -> Obj:
    uid = f"bench-r{k:06d}"
    tz = OSLO if k % 2 == 0 else None
    zone = ZoneInfo(OSLO) if tz else UTC
    first = datetime(2026, 9, 7) + timedelta(days=(k * 5) % 210, hours=7 + k % 10)
    start = first.replace(tzinfo=zone)
    minutes = 30 * (1 + k % 3)
    unbounded = k % 10 == 9
    count = None if unbounded else 20 + (k * 7) % 33
    rule = "FREQ=WEEKLY" if unbounded else f"FREQ=WEEKLY;COUNT={count}"
    word = WORDS[k % len(WORDS)]
    master = [
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:Weekly {word} {k}",
        f"DTSTART{_stamp(start, tz)}",
        f"DTEND{_stamp(start + timedelta(minutes=minutes), tz)}",
        f"RRULE:{rule}",
    ]
    vevents = [master]
    exceptions = k % 5 == 0
    if exceptions:
        # put the EXDATE and the moved occurrence in the benchmark month when the series runs
        # through it, else on the 3rd and 4th occurrences
        n = math.ceil((MONTH[0] - start.astimezone(UTC)).total_seconds() / (7 * 86400))
        if n < 0 or (count is not None and n + 1 >= count):
            n = 2
        exdate = first + timedelta(weeks=n)
        moved = first + timedelta(weeks=n + 1)
        master.append(f"EXDATE{_stamp(exdate.replace(tzinfo=zone), tz)}")
        new_start = moved.replace(tzinfo=zone) + timedelta(hours=2)
        vevents.append(
            [
                f"UID:{uid}",
                "DTSTAMP:20260101T000000Z",
                f"RECURRENCE-ID{_stamp(moved.replace(tzinfo=zone), tz)}",
                f"SUMMARY:Weekly {word} {k} (moved)",
                f"DTSTART{_stamp(new_start, tz)}",
                f"DTEND{_stamp(new_start + timedelta(minutes=minutes), tz)}",
            ]
        )
    return Obj(f"{uid}.ics", uid, _wrap(vevents, tz), True, exceptions)


def dataset(events: int, n_series: int) -> list[Obj]:
    n_series = min(n_series, events)
    return [series(k) for k in range(n_series)] + [single(i) for i in range(events - n_series)]
