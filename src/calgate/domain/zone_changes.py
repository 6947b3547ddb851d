"""A zone's UTC offset changes as zoneinfo has them, and its current yearly rules (pure, no I/O).

Nothing about any zone is written down here. The offset is probed day by day (and bisected to
the second where it changes) up to :data:`HORIZON_YEAR`; the current rules are recognised in
the last changes found, as yearly RRULEs; and they are accepted only when dateutil's expansion
of the very rule text gives zoneinfo's changes exactly, from the rules' first use up to the
horizon. Beyond the horizon zoneinfo itself repeats the zone's last rule (the POSIX TZ string at
the end of the tzdata file), which is what a yearly RRULE says.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

# zoneinfo's changes are compared with the rules up to this year: past every explicit change
# in tzdata (the farthest, Morocco's, end in 2087) by more than the years a rule is sought in
HORIZON_YEAR = 2140
# the first year whose changes are always looked at (a definition without earlier events starts
# here, as clients write them)
FLOOR_YEAR = 1970
# how many of the last years before the horizon a candidate rule must match
_TAIL_YEARS = 30
_CHUNK_YEARS = 10  # zoneinfo is probed, and its changes kept, in chunks of this many years

_EPOCH = datetime(1970, 1, 1)
_DAY = 86400
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

Kind = tuple[int, int]  # the offsets (seconds east of UTC) before and after a change


@dataclass(frozen=True)
class Change:
    """One change of a zone's UTC offset: at ``at`` (POSIX seconds) from ``before`` to
    ``after`` (seconds east of UTC)."""

    at: int
    before: int
    after: int

    @property
    def kind(self) -> Kind:
        return self.before, self.after

    @property
    def wall(self) -> datetime:
        """The local time of the change on the clock before it (a VTIMEZONE's DTSTART)."""
        return _EPOCH + timedelta(seconds=self.at + self.before)


@dataclass(frozen=True)
class ZoneChanges:
    """A zone's changes from :data:`FLOOR_YEAR` on (the first one a pseudo change, the offset
    in force at that New Year), and where its current rules begin: ``rules`` are yearly RRULEs,
    each with the first change it gives, that together give every change from index ``since``
    on; without rules the offset stays that of the change at ``since`` (the last) for ever."""

    changes: tuple[Change, ...]
    since: int
    rules: tuple[tuple[Change, str], ...]


def year_start(year: int) -> datetime:
    """New Year of ``year`` (in the year 1 the second day, so that any offset can be taken off)."""
    return datetime(year, 1, 2 if year < 2 else 1)


def _seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


def offset_at(zone: ZoneInfo, at: int) -> int:
    delta = datetime.fromtimestamp(at, zone).utcoffset()
    return 0 if delta is None else int(delta.total_seconds())


@lru_cache(maxsize=2048)
def _chunk(key: str, first_year: int) -> tuple[Change, ...]:
    """Every change of zone ``key``'s offset in the chunk of years from ``first_year``
    (changes less than a day apart that cancel each other out are not seen)."""
    zone = ZoneInfo(key)
    probe = datetime.fromtimestamp
    start = _seconds(year_start(max(first_year, 1)))
    end = _seconds(datetime(min(first_year + _CHUNK_YEARS, HORIZON_YEAR), 1, 1))
    found: list[Change] = []
    low, offset = start, probe(start, zone).utcoffset()
    for day in [*range(start + _DAY, end, _DAY), end]:
        if probe(day, zone).utcoffset() == offset:
            low = day
            continue
        high = day
        while high - low > 1:  # bisect to the first second with the new offset
            mid = (low + high) // 2
            if probe(mid, zone).utcoffset() == offset:
                low = mid
            else:
                high = mid
        found.append(Change(high, offset_at(zone, low), offset_at(zone, high)))
        low, offset = high, probe(high, zone).utcoffset()
    return tuple(found)


def changes_from(key: str, first_year: int, until: int | None = None) -> tuple[Change, ...]:
    """The offset in force at the New Year of ``first_year`` (a change from and to it, at
    local midnight), then every change before ``until`` (POSIX seconds; the horizon)."""
    zone = ZoneInfo(key)
    midnight = _seconds(year_start(first_year))
    offset = offset_at(zone, midnight)
    start = midnight - offset if offset_at(zone, midnight - offset) == offset else midnight
    end = _seconds(datetime(HORIZON_YEAR, 1, 1)) if until is None else until
    last_year = min((_EPOCH + timedelta(seconds=end)).year + 1, HORIZON_YEAR)
    found = [Change(start, offset, offset)]
    for chunk in range(first_year // _CHUNK_YEARS * _CHUNK_YEARS, last_year, _CHUNK_YEARS):
        found.extend(c for c in _chunk(key, chunk) if start < c.at < end)
    return tuple(found)


def _candidates(wall: datetime) -> list[tuple[str, ...]]:
    """Yearly rules that could give a change at ``wall``: the n-th or last weekday of its
    month, or that weekday in one of the seven-day spans around it (tzdata's ``Sun>=8``, or a
    rule with a time past midnight such as ``M10.5.4/24``, the day after the last Thursday).
    A span reaching into the next month takes two rules, one for each month's days."""
    weekday, month, day = _WEEKDAYS[wall.weekday()], wall.month, wall.day
    found: list[tuple[str, ...]] = []
    if day <= 28:
        found.append((f"FREQ=YEARLY;BYMONTH={month};BYDAY={(day - 1) // 7 + 1}{weekday}",))
    if day > calendar.monthrange(2001, month)[1] - 7:
        found.append((f"FREQ=YEARLY;BYMONTH={month};BYDAY=-1{weekday}",))
    for back in range(7):
        first = wall - timedelta(days=back)
        last = first + timedelta(days=6)
        if first.month == 2 and (last.month != 2 or last.day > 28):
            continue  # the days of February differ between years
        spans = [(first.month, first.day, last.day if last.month == first.month else 31)]
        if last.month != first.month:
            if last.year != first.year:
                continue
            spans.append((last.month, 1, last.day))
        found.append(
            tuple(
                f"FREQ=YEARLY;BYMONTH={m};"
                f"BYMONTHDAY={','.join(str(d) for d in range(a, b + 1))};BYDAY={weekday}"
                for m, a, b in spans
            )
        )
    return found


def expand(rule: str, start: datetime, until: datetime) -> list[datetime]:
    """The local times ``rule`` gives from ``start`` up to ``until`` (dateutil's expansion)."""
    return list(rrulestr(rule, dtstart=start).between(start, until, inc=True))


def _expand_all(rules: tuple[str, ...], start: datetime, until: datetime) -> list[datetime]:
    return sorted(wall for rule in rules for wall in expand(rule, start, until))


def _rules_of(walls: list[datetime]) -> tuple[str, ...] | None:
    """The first candidate rules giving exactly the last years of ``walls`` (the changes of
    one kind, in order): tried on the last three, then on :data:`_TAIL_YEARS` years."""
    tail = [w for w in walls if w.year > walls[-1].year - _TAIL_YEARS]
    if len(tail) < _TAIL_YEARS - 1:
        return None  # not once a year
    until = datetime(HORIZON_YEAR, 1, 1)
    for rules in _candidates(walls[-1]):
        start = datetime.combine(tail[-3].replace(month=1, day=1), tail[-3].time())
        if _expand_all(rules, start, until) != tail[-3:]:
            continue
        start = datetime.combine(tail[0].replace(month=1, day=1), tail[0].time())
        if _expand_all(rules, start, until) == tail:
            return rules
    return None


@lru_cache(maxsize=1024)
def zone_changes(key: str) -> ZoneChanges:
    """Zone ``key``'s changes from :data:`FLOOR_YEAR` on and its current rules."""
    first_year = FLOOR_YEAR
    changes = changes_from(key, first_year)
    constant = ZoneChanges(changes, len(changes) - 1, ())
    if len(changes) < 3:
        return constant
    a, b = changes[-2], changes[-1]
    if a.kind != (b.after, b.before) or a.before == a.after:
        return constant  # the last two changes are no yearly back and forth
    rules: list[tuple[Kind, str]] = []
    for kind in (a.kind, b.kind):
        found = _rules_of([c.wall for c in changes if c.kind == kind])
        if found is None:
            return constant
        rules.extend((kind, rule) for rule in found)
    # the rules' changes from the first year on beside zoneinfo's: they agree from ``since``
    until, times = datetime(HORIZON_YEAR, 1, 1), {a.kind: a.wall.time(), b.kind: b.wall.time()}
    day = year_start(first_year).date()
    given = {rule: expand(rule, datetime.combine(day, times[kind]), until) for kind, rule in rules}
    expected = sorted((wall, kind) for kind, rule in rules for wall in given[rule])
    seen = [(c.wall, c.kind) for c in changes]
    agree = 0
    while agree < min(len(expected), len(seen)) and expected[-1 - agree] == seen[-1 - agree]:
        agree += 1
    if agree < 2 * _TAIL_YEARS:
        return constant
    since = len(changes) - agree
    # each rule from its first change since then (the DTSTART it is written with)
    starts = []
    for kind, rule in rules:
        walls = set(given[rule])
        first = next((c for c in changes[since:] if c.kind == kind and c.wall in walls), None)
        if first is None:
            return constant
        starts.append((first, rule))
    return ZoneChanges(changes, since, tuple(sorted(starts, key=lambda s: s[0].at)))


__all__ = [
    "FLOOR_YEAR",
    "HORIZON_YEAR",
    "Change",
    "Kind",
    "ZoneChanges",
    "changes_from",
    "offset_at",
    "year_start",
    "zone_changes",
]
