"""Free/busy arithmetic: merging, slots with buffers, k-of-n groups, working hours across DST,
and a randomized comparison of the sweep with a minute-by-minute reference."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from calgate.domain.freebusy import (
    Group,
    Slot,
    WorkingHours,
    free_slots,
    merge_periods,
)

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
MIN = timedelta(minutes=1)


def at(hour: int, minute: int = 0) -> datetime:
    return T0 + timedelta(hours=hour, minutes=minute)


def test_merge_coalesces_overlapping_and_touching_and_clips():
    periods = [(at(12), at(13)), (at(9), at(10)), (at(10), at(11)), (at(9, 30), at(9, 45))]
    assert merge_periods(periods, at(9, 15), at(12, 30)) == [
        (at(9, 15), at(11)),
        (at(12), at(12, 30)),
    ]


def test_merge_drops_empty_and_outside_periods():
    periods = [(at(8), at(8)), (at(5), at(6)), (at(20), at(21)), (at(7), at(9))]
    assert merge_periods(periods, at(8), at(20)) == [(at(8), at(9))]


def _slots(busy, groups, **kw) -> list[Slot]:
    kw.setdefault("zone", UTC)
    kw.setdefault("max_slots", 1000)
    return free_slots(busy, groups, **kw)


def test_back_to_back_is_not_an_overlap():
    busy = {"a": [(at(9), at(10)), (at(11), at(12))]}
    slots = _slots(
        busy,
        [Group(("a",), 1)],
        start=at(9),
        end=at(12),
        duration=timedelta(hours=1),
        step=timedelta(hours=1),
    )
    assert [s.start for s in slots] == [at(10)]


def test_buffers_need_free_time_around_the_slot():
    busy = {"a": [(at(10), at(11))]}
    slots = _slots(
        busy,
        [Group(("a",), 1)],
        start=at(9),
        end=at(12),
        duration=timedelta(minutes=30),
        before=timedelta(minutes=10),
        after=timedelta(minutes=15),
    )
    starts = [s.start for s in slots]
    # 09:15-09:45 plus 15 minutes after ends at 10:00: touching, allowed; 09:30 is not
    assert at(9, 15) in starts and at(9, 30) not in starts
    # 11:00 needs 10:50-11:00 free; 11:15 is the first after the event
    assert at(11) not in starts and at(11, 15) in starts


def test_required_k_of_n_and_free_members_per_group():
    busy = {
        "alice": [(at(8), at(9))],
        "room-a": [(at(9), at(10))],
        "room-b": [(at(9), at(11))],
        "room-c": [(at(9), at(12))],
    }
    people = Group(("alice", "bob"), 2)
    common = {"start": at(8), "end": at(13), "duration": timedelta(hours=1)}
    step = {"step": timedelta(hours=1)}
    any_room = _slots(busy, [people, Group(("room-a", "room-b", "room-c"), 1)], **common, **step)
    assert [(s.start, s.free) for s in any_room] == [
        (at(10), (("alice", "bob"), ("room-a",))),
        (at(11), (("alice", "bob"), ("room-a", "room-b"))),
        (at(12), (("alice", "bob"), ("room-a", "room-b", "room-c"))),
    ]
    two_rooms = _slots(busy, [people, Group(("room-a", "room-b", "room-c"), 2)], **common, **step)
    assert [s.start for s in two_rooms] == [at(11), at(12)]


def test_a_calendar_in_two_groups_counts_in_both():
    busy = {"alice": [(at(9), at(10))]}
    groups = [Group(("alice",), 1), Group(("alice", "bob"), 2)]
    slots = _slots(
        busy, groups, start=at(9), end=at(11), duration=timedelta(hours=1), step=timedelta(hours=1)
    )
    assert [s.start for s in slots] == [at(10)]


def test_max_slots_stops_early():
    slots = _slots({}, [Group(("a",), 1)], start=at(0), end=at(24), duration=MIN, max_slots=3)
    assert [s.start for s in slots] == [at(0), at(0, 15), at(0, 30)]


def test_slots_align_to_the_step_on_the_local_clock():
    # India is UTC+05:30: hourly slots start on the local hour, not the UTC hour
    kolkata = ZoneInfo("Asia/Kolkata")
    slots = _slots(
        {},
        [Group(("a",), 1)],
        start=at(0),
        end=at(5),
        duration=timedelta(hours=1),
        step=timedelta(hours=1),
        zone=kolkata,
    )
    assert [s.start.astimezone(kolkata).minute for s in slots] == [0, 0, 0, 0]
    assert slots[0].start == at(0, 30)


def _nine_to_five() -> WorkingHours:
    return WorkingHours(frozenset(range(7)), time(9), time(17))


@pytest.mark.parametrize(
    ("first_day", "utc_hours"),
    [
        # spring forward on Sunday 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after
        (datetime(2026, 3, 27, tzinfo=BERLIN), [8, 8, 7, 7]),
        # fall back on Sunday 2026-10-25: 07:00 UTC before, 08:00 UTC after
        (datetime(2026, 10, 23, tzinfo=BERLIN), [7, 7, 8, 8]),
    ],
)
def test_working_hours_follow_dst_in_their_zone(first_day, utc_hours):
    slots = _slots(
        {},
        [Group(("a",), 1)],
        start=first_day.astimezone(UTC),
        end=(first_day + timedelta(days=4)).astimezone(UTC),
        duration=timedelta(hours=8),
        zone=BERLIN,
        hours=_nine_to_five(),
    )
    assert [s.start.hour for s in slots] == utc_hours
    assert all(s.start.astimezone(BERLIN).time() == time(9) for s in slots)
    assert all(s.end.astimezone(BERLIN).time() == time(17) for s in slots)


def test_working_hours_over_the_missing_hour_are_two_real_hours():
    # 01:00-04:00 on the spring-forward night: 02:00-03:00 does not exist
    hours = WorkingHours(frozenset({6}), time(1), time(4))
    day = datetime(2026, 3, 29, tzinfo=BERLIN)
    slots = _slots(
        {},
        [Group(("a",), 1)],
        start=day.astimezone(UTC),
        end=(day + timedelta(days=1)).astimezone(UTC),
        duration=timedelta(minutes=15),
        zone=BERLIN,
        hours=hours,
    )
    assert len(slots) == 8
    assert slots[0].start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert slots[-1].end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert all(s.start.astimezone(BERLIN).minute % 15 == 0 for s in slots)


def test_weekdays_only_and_end_of_day():
    hours = WorkingHours(frozenset({0, 1, 2, 3, 4}), time(22), None)  # 22:00-24:00, Mon-Fri
    slots = _slots(
        {},
        [Group(("a",), 1)],
        start=T0,
        end=T0 + timedelta(days=7),
        duration=timedelta(hours=2),
        hours=hours,
    )
    assert [s.start for s in slots] == [T0 + timedelta(days=d, hours=22) for d in range(5)]


# -- randomized: the sweep against a minute-by-minute reference ---------------------------
def _reference(busy, groups, *, start, end, duration, before, after, step, hours) -> list[Slot]:
    busy_minutes = {
        cal: {s + MIN * k for s, e in periods for k in range(int((e - s) / MIN))}
        for cal, periods in busy.items()
    }

    def in_hours(s: datetime) -> bool:
        if hours is None:
            return True
        day_start = datetime.combine(s.date(), hours.start, tzinfo=UTC)
        day_end = datetime.combine(s.date(), hours.end, tzinfo=UTC)
        return s.weekday() in hours.days and day_start <= s and s + duration <= day_end

    def free(cal: str, s: datetime) -> bool:
        minutes = busy_minutes.get(cal, set())
        n = int((before + duration + after) / MIN)
        return not any(s - before + MIN * k in minutes for k in range(n))

    out = []
    s = start
    while s + duration <= end:
        midnight = datetime.combine(s.date(), time(0), tzinfo=UTC)
        if (s - midnight) % step == timedelta(0) and in_hours(s):
            members = tuple(tuple(c for c in g.calendars if free(c, s)) for g in groups)
            if all(len(m) >= g.required for m, g in zip(members, groups, strict=True)):
                out.append(Slot(s, s + duration, members))
        s += MIN
    return out


@pytest.mark.parametrize("seed", range(60))
def test_sweep_matches_minute_by_minute_reference(seed):
    rng = random.Random(seed)
    names = [f"c{i}" for i in range(rng.randint(1, 5))]
    start = T0 + timedelta(minutes=rng.randint(0, 90))
    end = start + timedelta(minutes=rng.randint(60, 900))
    busy = {}
    for name in names:
        periods = []
        for _ in range(rng.randint(0, 6)):
            s = T0 + timedelta(minutes=rng.randint(-60, 1000))
            periods.append((s, s + timedelta(minutes=rng.randint(0, 120))))
        busy[name] = periods
    groups = []
    for _ in range(rng.randint(1, 3)):
        members = tuple(rng.sample(names, rng.randint(1, len(names))))
        groups.append(Group(members, rng.randint(1, len(members))))
    hours = None
    if rng.random() < 0.5:
        lo = rng.randint(0, 8)
        hours = WorkingHours(frozenset({0, 1}), time(lo), time(lo + rng.randint(1, 8)))
    args = {
        "start": start,
        "end": end,
        "duration": timedelta(minutes=rng.choice([5, 15, 30, 45, 60])),
        "before": timedelta(minutes=rng.choice([0, 0, 5, 10])),
        "after": timedelta(minutes=rng.choice([0, 0, 5, 15])),
        "step": timedelta(minutes=rng.choice([5, 10, 15, 30])),
        "hours": hours,
    }
    expected = _reference(busy, groups, **args)
    assert _slots(busy, groups, zone=UTC, **args) == expected


@pytest.mark.parametrize("seed", range(30))
def test_merge_matches_minute_sets(seed):
    rng = random.Random(seed)
    periods = []
    for _ in range(rng.randint(0, 10)):
        s = T0 + timedelta(minutes=rng.randint(0, 300))
        periods.append((s, s + timedelta(minutes=rng.randint(0, 60))))
    lo, hi = T0 + timedelta(minutes=30), T0 + timedelta(minutes=250)

    def minutes(ps):
        return {
            s + MIN * k for s, e in ps for k in range(int((e - s) / MIN)) if lo <= s + MIN * k < hi
        }

    merged = merge_periods(periods, lo, hi)
    assert minutes(merged) == minutes(periods)
    assert all(a[1] < b[0] for a, b in pairwise(merged))
    assert all(lo <= s < e <= hi for s, e in merged)
