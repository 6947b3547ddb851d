"""Free/busy arithmetic (pure, no I/O): busy periods merged, and free slots for groups of
calendars found by one sweep over sorted boundaries.

All intervals are half-open ``[start, end)`` in aware datetimes, so back-to-back is not an
overlap. Merging coalesces overlapping *and touching* periods: the union of half-open
intervals is the same set either way, and one period 09:00-11:00 reads better than two that
meet at 10:00 (RFC 5545 3.2.9 only asks that FREEBUSY periods not overlap).

A slot ``[s, s + duration)`` is possible for a calendar when ``[s - before, s + duration +
after)`` overlaps none of its busy periods: buffers must be free of events, but they may lie
outside working hours and the window. Slot starts are aligned to ``step`` on the wall clock of
the zone (09:00, 09:15, ... from local midnight) and then advance by ``step`` of elapsed time,
so a working period that contains a DST switch keeps its alignment whenever the shift is a
multiple of the step (an hour, for 15 minutes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

Period = tuple[datetime, datetime]

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkingHours:
    """Days of the week (0 = Monday) and a daily local span; ``end`` None is midnight at the
    end of the day (``24:00``). Local times that do not exist on a DST day are read with the
    offset before the gap (zoneinfo's ``fold=0``, as RFC 5545 3.3.5 reads them)."""

    days: frozenset[int]
    start: time
    end: time | None


@dataclass(frozen=True)
class Group:
    """Calendars of which at least ``required`` must be free (all of them: ``len``)."""

    calendars: tuple[str, ...]
    required: int


@dataclass(frozen=True)
class Slot:
    """A possible slot and, per group in request order, its members that are free."""

    start: datetime
    end: datetime
    free: tuple[tuple[str, ...], ...]


def merge_periods(periods: Iterable[Period], start: datetime, end: datetime) -> list[Period]:
    """Sorted, clipped to [start, end), overlapping and touching ones coalesced, empty ones
    dropped."""
    clipped = sorted(
        (max(s, start), min(e, end)) for s, e in periods if min(e, end) > max(s, start)
    )
    out: list[Period] = []
    for s, e in clipped:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _local(day: date, at: time | None, zone: tzinfo) -> datetime:
    if at is None:
        day, at = day + _DAY, time(0)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def working_periods(
    start: datetime, end: datetime, zone: tzinfo, hours: WorkingHours | None
) -> Iterator[Period]:
    """The parts of [start, end) inside working hours, in order (all of it without hours)."""
    if hours is None:
        yield start, end
        return
    day = start.astimezone(zone).date() - _DAY
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in hours.days:
            lo = max(_local(day, hours.start, zone), start)
            hi = min(_local(day, hours.end, zone), end)
            if lo < hi:
                yield lo, hi
        day += _DAY


def _first_aligned(lo: datetime, zone: tzinfo, step: timedelta) -> datetime:
    """The first instant at or after ``lo`` whose wall-clock time is a multiple of ``step``
    after local midnight."""
    local = lo.astimezone(zone)
    wall = local.replace(tzinfo=None)
    midnight = datetime.combine(wall.date(), time(0))
    k = math.ceil((wall - midnight) / step)
    out = (midnight + k * step).replace(tzinfo=zone).astimezone(UTC)
    while out < lo:  # a wall time in a DST gap or fold can land before lo
        out += step
    return out


def candidate_starts(
    start: datetime,
    end: datetime,
    *,
    duration: timedelta,
    zone: tzinfo,
    hours: WorkingHours | None,
    step: timedelta,
) -> Iterator[datetime]:
    """Slot starts in order: aligned, and the whole slot inside one working period."""
    for lo, hi in working_periods(start, end, zone, hours):
        s = _first_aligned(lo, zone, step)
        while s + duration <= hi:
            yield s
            s += step


def free_slots(
    busy: Mapping[str, Sequence[Period]],
    groups: Sequence[Group],
    *,
    start: datetime,
    end: datetime,
    duration: timedelta,
    zone: tzinfo,
    hours: WorkingHours | None = None,
    before: timedelta = timedelta(0),
    after: timedelta = timedelta(0),
    step: timedelta = timedelta(minutes=15),
    max_slots: int = 100,
) -> list[Slot]:
    """The first ``max_slots`` slots in [start, end) where every group has at least its
    ``required`` members free. ``busy`` maps a calendar to its busy periods (any order,
    overlaps allowed); a calendar without an entry is free.

    One sweep: each busy period [b0, b1) blocks the slot starts s with
    ``b0 - duration - after < s < b1 + before``; those open intervals become +1/-1 boundaries,
    sorted once, and the candidate starts walk through them in order, keeping a blocked count
    per calendar and per group.
    """
    names = sorted({c for g in groups for c in g.calendars})
    index = {c: i for i, c in enumerate(names)}
    member_of: list[list[int]] = [[] for _ in names]
    for gi, group in enumerate(groups):
        for cal in group.calendars:
            member_of[index[cal]].append(gi)
    # kind 0 (unblock at hi) applies to s >= hi, kind 2 (block at lo) to s > lo: sorted by
    # (time, kind), a candidate (kind 1) sees exactly the boundaries before it.
    bounds: list[tuple[datetime, int, int]] = []
    for cal, periods in busy.items():
        ci = index.get(cal)
        if ci is None:
            continue
        for b0, b1 in periods:
            if b1 > b0:
                bounds.append((b0 - duration - after, 2, ci))
                bounds.append((b1 + before, 0, ci))
    bounds.sort()
    blocked = [0] * len(names)
    group_blocked = [0] * len(groups)
    slack = [len(g.calendars) - g.required for g in groups]
    out: list[Slot] = []
    pos = 0
    for s in candidate_starts(start, end, duration=duration, zone=zone, hours=hours, step=step):
        while pos < len(bounds) and (bounds[pos][0], bounds[pos][1]) < (s, 1):
            _, kind, ci = bounds[pos]
            pos += 1
            delta = 1 if kind == 2 else -1
            was = blocked[ci]
            blocked[ci] += delta
            if (was == 0) != (blocked[ci] == 0):  # the calendar changed between free and not
                for gi in member_of[ci]:
                    group_blocked[gi] += delta
        if all(group_blocked[gi] <= slack[gi] for gi in range(len(groups))):
            free = tuple(tuple(c for c in g.calendars if blocked[index[c]] == 0) for g in groups)
            out.append(Slot(s, s + duration, free))
            if len(out) >= max_slots:
                break
    return out
