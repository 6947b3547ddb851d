"""Whether an event's DTSTART is an occurrence of its RRULE, as dateutil expands the rule (pure,
no I/O, bounded).

RFC 5545 3.3.10 says of COUNT: "The DTSTART property value always counts as the first
occurrence". dateutil counts only the rule's own matches, and recurring-ical-events adds
DTSTART to the set, so a DTSTART the rule does not produce made COUNT + 1 occurrences;
:mod:`calgate.domain.rrule_fixes` lowers COUNT by one for such a rule, and needs this answer.

It is worked out from the rule parts and the one period holding DTSTART (its year, month,
week, day, hour, minute or second), never by walking the rule: a rule that almost never
matches (``FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30``) would walk for hours, one that never
matches for ever. At most a year's days are looked at, and only with BYSETPOS. Each part is
read as dateutil reads it, so the answer is what calgate's expansion does: missing parts taken
from DTSTART, ordinal BYDAY only in MONTHLY and YEARLY rules (within the month, or the year
without BYMONTH), BYWEEKNO weeks starting on WKST, the first WEEKLY period starting on
DTSTART's day, BYSETPOS counting the period's days times its times. Times are DTSTART's wall
clock (its own zone, floating, or midnight of a DATE), as dateutil sees them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from icalendar.prop import vRecur

_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
_YEARLY, _MONTHLY, _WEEKLY, _DAILY, _HOURLY, _MINUTELY, _SECONDLY = range(7)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
# Valid values of the integer parts (0 is never valid, nor is a value past its range).
_RANGES = {
    "BYMONTH": (1, 12),
    "BYWEEKNO": (-53, 53),
    "BYYEARDAY": (-366, 366),
    "BYMONTHDAY": (-31, 31),
    "BYSETPOS": (-366, 366),
    "BYHOUR": (0, 23),
    "BYMINUTE": (0, 59),
    "BYSECOND": (0, 59),
}
_KNOWN = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", *_RANGES}


@dataclass(frozen=True)
class _Parts:
    """A rule as dateutil holds it: an empty set is no filter."""

    freq: int
    wkst: int
    months: frozenset[int]
    weeks: frozenset[int]
    yeardays: frozenset[int]
    monthdays: frozenset[int]
    weekdays: frozenset[int]  # BYDAY without an ordinal (any ordinal, below MONTHLY)
    nth_weekdays: frozenset[tuple[int, int]]  # (weekday, ordinal) in MONTHLY and YEARLY rules
    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    seconds: tuple[int, ...]
    setpos: tuple[int, ...]


def _ints(rule: Any, name: str) -> list[int]:
    low, high = _RANGES[name]
    values = [int(str(v)) for v in rule.get(name, [])]
    if any(not low <= v <= high or (v == 0 and low < 0) for v in values):
        raise ValueError(name)
    return values


def _parts(rule: Any, at: datetime) -> _Parts | None:
    """``rule`` (a vRecur) with dateutil's defaults from ``at``; None for a rule dateutil
    reads otherwise or refuses (unknown parts, values out of range)."""
    if any(str(name).upper() not in _KNOWN for name in rule):
        return None
    try:
        freq = _FREQS.index(str(rule["FREQ"][0]).upper())
        wkst = _WEEKDAYS.index(str(rule.get("WKST", ["MO"])[0]).upper())
        ints = {name: _ints(rule, name) for name in _RANGES}
        plain: set[int] = set()
        nth: set[tuple[int, int]] = set()
        for value in rule.get("BYDAY", []):
            match = _BYDAY.match(str(value).upper())
            if match is None:
                return None
            weekday = _WEEKDAYS.index(match.group(2))
            n = int(match.group(1) or 0)
            if n and freq <= _MONTHLY:
                nth.add((weekday, n))
            else:
                plain.add(weekday)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    months, monthdays = set(ints["BYMONTH"]), set(ints["BYMONTHDAY"])
    if not any(name in rule for name in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")):
        if freq == _YEARLY:
            months = months or {at.month}
            monthdays = {at.day}
        elif freq == _MONTHLY:
            monthdays = {at.day}
        elif freq == _WEEKLY:
            plain = {at.weekday()}

    def times(name: str, own: int, finest: int) -> tuple[int, ...]:
        values = ints[name] or ([own] if freq < finest else [])
        return tuple(sorted(set(values)))

    return _Parts(
        freq=freq,
        wkst=wkst,
        months=frozenset(months),
        weeks=frozenset(ints["BYWEEKNO"]),
        yeardays=frozenset(ints["BYYEARDAY"]),
        monthdays=frozenset(monthdays),
        weekdays=frozenset(plain),
        nth_weekdays=frozenset(nth),
        hours=times("BYHOUR", at.hour, _HOURLY),
        minutes=times("BYMINUTE", at.minute, _MINUTELY),
        seconds=times("BYSECOND", at.second, _SECONDLY),
        setpos=tuple(ints["BYSETPOS"]),
    )


def _in_weeks(day: date, weeks: frozenset[int], wkst: int) -> bool:
    """BYWEEKNO as dateutil marks a year's days: week 1 is the first week (from WKST) with at
    least four days in the year; negative numbers count from the year's last week; the days
    before week 1 belong to last year's last week, the days after the last week to next year's
    week 1."""
    year = day.year
    length = 365 + calendar.isleap(year)
    first_weekday = date(year, 1, 1).weekday()
    first_wkst = week1 = (7 - first_weekday + wkst) % 7
    if week1 >= 4:  # week 1 holds days of last year
        week1 = 0
        counted = length + (first_weekday - wkst) % 7
    else:
        counted = length - week1
    last = counted // 7 + counted % 7 // 4
    index = day.timetuple().tm_yday - 1
    if index < week1:
        if -1 in weeks:
            return True
        prev_weekday = date(year - 1, 1, 1).weekday()
        prev_week1 = (7 - prev_weekday + wkst) % 7
        if prev_week1 >= 4:
            prev_length = 365 + calendar.isleap(year - 1)
            prev_last = 52 + (prev_length + (prev_weekday - wkst) % 7) % 7 // 4
        else:
            prev_last = 52 + (length - week1) % 7 // 4  # (dateutil's reading, kept)
        return prev_last in weeks
    week2 = first_wkst if week1 != first_wkst else week1 + 7
    number = 1 if index < week2 else 2 + (index - week2) // 7
    if number > last:
        return 1 in weeks
    return number in weeks or number - last - 1 in weeks


def _nth_weekday(day: date, parts: _Parts) -> bool:
    """An ordinal BYDAY (1MO, -1FR): counted in the month, or in the year for a YEARLY rule
    without BYMONTH."""
    if parts.freq == _YEARLY and not parts.months:
        first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        days = calendar.monthrange(day.year, day.month)[1]
        first, last = day.replace(day=1), day.replace(day=days)
    for weekday, n in parts.nth_weekdays:
        if day.weekday() != weekday:
            continue
        if n > 0 and (day - first).days // 7 + 1 == n:
            return True
        if n < 0 and (last - day).days // 7 + 1 == -n:
            return True
    return False


def _day_matches(day: date, parts: _Parts) -> bool:
    if parts.months and day.month not in parts.months:
        return False
    if parts.weeks and not _in_weeks(day, parts.weeks, parts.wkst):
        return False
    if parts.weekdays and day.weekday() not in parts.weekdays:
        return False
    if parts.nth_weekdays and not _nth_weekday(day, parts):
        return False
    if parts.monthdays:
        days = calendar.monthrange(day.year, day.month)[1]
        if day.day not in parts.monthdays and day.day - days - 1 not in parts.monthdays:
            return False
    if parts.yeardays:
        length = 365 + calendar.isleap(day.year)
        number = day.timetuple().tm_yday
        if number not in parts.yeardays and number - length - 1 not in parts.yeardays:
            return False
    return True


def _period_days(at: date, parts: _Parts) -> list[date]:
    """The days of DTSTART's period, as dateutil's first period has them."""
    if parts.freq == _YEARLY:
        first, count = date(at.year, 1, 1), 365 + calendar.isleap(at.year)
    elif parts.freq == _MONTHLY:
        first, count = at.replace(day=1), calendar.monthrange(at.year, at.month)[1]
    elif parts.freq == _WEEKLY:  # from DTSTART's day up to the next WKST
        first, count = at, (parts.wkst - at.weekday() - 1) % 7 + 1
    else:
        first, count = at, 1
    return [first + timedelta(days=i) for i in range(count)]


def _period_times(at: datetime, parts: _Parts) -> list[list[int]] | None:
    """The hour, minute and second lists of DTSTART's period (their product is its times); None
    when DTSTART's own period has no time at all (an HOURLY rule at an hour BYHOUR leaves out)."""
    own = (at.hour, at.minute, at.second)
    lists = [list(parts.hours), list(parts.minutes), list(parts.seconds)]
    fixed = {_HOURLY: 1, _MINUTELY: 2, _SECONDLY: 3}.get(parts.freq, 0)
    for i in range(fixed):  # the period's own hour (minute, second): limited, never expanded
        if lists[i] and own[i] not in lists[i]:
            return None
        lists[i] = [own[i]]
    return lists


def dtstart_on_rule(rule: Any, start: date | datetime) -> bool | None:
    """Whether dateutil's expansion of ``rule`` (a vRecur) from ``start`` gives ``start``
    itself; None when the rule is not one this module reads (it is then left as it is)."""
    at = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
    parts = _parts(rule, at)
    if parts is None:
        return None
    lists = _period_times(at, parts)
    own = (at.hour, at.minute, at.second)
    if lists is None or any(value not in values for value, values in zip(own, lists, strict=True)):
        return False
    if not _day_matches(at.date(), parts):
        return False
    if not parts.setpos:
        return True
    days = [d for d in _period_days(at.date(), parts) if _day_matches(d, parts)]
    hours, minutes, seconds = lists
    per_day = len(hours) * len(minutes) * len(seconds)
    index = days.index(at.date()) * per_day + (
        hours.index(at.hour) * len(minutes) * len(seconds)
        + minutes.index(at.minute) * len(seconds)
        + seconds.index(at.second)
    )
    total = len(days) * per_day
    return any((pos - 1 if pos > 0 else total + pos) == index for pos in parts.setpos)


# 28 years in which every kind of year (leap or not, starting on each weekday) occurs, each with
# its real neighbours (BYWEEKNO reads the year before): the Gregorian calendar repeats them.
_SAMPLE_YEARS = range(2001, 2029)
_DAY_PARTS = ("BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")


@lru_cache(maxsize=1)
def _sample_days() -> tuple[date, ...]:
    first, end = date(_SAMPLE_YEARS[0], 1, 1), date(_SAMPLE_YEARS[-1] + 1, 1, 1)
    return tuple(first + timedelta(days=i) for i in range((end - first).days))


def _period_key(day: date, parts: _Parts) -> tuple[int, ...]:
    """Which period of the rule's frequency ``day`` lies in (a week starting on WKST)."""
    if parts.freq == _YEARLY:
        return (day.year,)
    if parts.freq == _MONTHLY:
        return (day.year, day.month)
    if parts.freq == _WEEKLY:
        return ((day - timedelta(days=(day.weekday() - parts.wkst) % 7)).toordinal(),)
    return (day.toordinal(),)


def never_occurs(rule: Any, start: date | datetime) -> str | None:
    """Why ``rule`` (a vRecur, or RRULE text) from ``start`` gives no occurrence but DTSTART:
    no day of any kind of year passes its day parts (BYMONTHDAY=30 with BYMONTH=2, BYYEARDAY=1
    with BYMONTH=6, BYWEEKNO=1 with BYMONTH=7, 6MO in a month...), or BYSETPOS picks past the
    most occurrences a period can hold; with a DAILY to SECONDLY step of whole weeks
    (``FREQ=DAILY;INTERVAL=7``) only the start's weekday counts. None when it can occur, or
    when the rule is not one this module reads.

    Worked out from the rule parts over 28 years that hold every kind of year (about 10,000
    days looked at, never a walk of the rule); dateutil walks such a rule to the year 9999."""
    at = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
    if isinstance(rule, str):
        text = rule.removeprefix("RRULE:")
    else:
        try:
            text = rule.to_ical().decode()
        except Exception:
            return None
    upper = text.upper()
    if not any(name in upper for name in (*_DAY_PARTS, "BYSETPOS")):
        return None  # every day is one of its days, and it picks no position
    return _never(text, at.replace(tzinfo=None))


@lru_cache(maxsize=1024)
def _never(text: str, at: datetime) -> str | None:
    """:func:`never_occurs` of a rule's text and its start's wall clock."""
    try:
        rule = vRecur.from_ical(text)
    except Exception:
        return None
    parts = _parts(rule, at)
    if parts is None or (parts.weekdays and parts.nth_weekdays):
        # plain and ordinal weekdays together (MO,-1FR): RFC 5545 unites them, dateutil
        # intersects them; such a rule is not refused for dateutil's reading
        return None
    named = [name for name in _DAY_PARTS if name in rule]
    seconds = {_DAILY: 86400, _HOURLY: 3600, _MINUTELY: 60, _SECONDLY: 1}.get(parts.freq, 0)
    try:
        interval = int(str(rule.get("INTERVAL", [1])[0]))
    except (TypeError, ValueError, IndexError):
        return None
    # a step of whole weeks visits only the start's weekday
    weekday = at.weekday() if seconds and seconds * interval % (7 * 86400) == 0 else None
    sizes: dict[tuple[int, ...], int] = {}
    for day in _sample_days():
        if weekday is not None and day.weekday() != weekday:
            continue
        if _day_matches(day, parts):
            if not parts.setpos:
                return None
            key = _period_key(day, parts)
            sizes[key] = sizes.get(key, 0) + 1
    if not sizes:
        spelled = ";".join(f"{n}={_text(rule[n])}" for n in named)
        if not any(n in rule for n in _DAY_PARTS[1:]):
            spelled += f" on day {at.day} of the month (the start's)"
        return f"no day has {spelled.lstrip(' ')}, so this rule never occurs"
    lists = _period_times(at, parts)
    if lists is None:
        return None  # DTSTART's own period holds no time: leave the count to dateutil
    per_day = max(1, len(lists[0]) * len(lists[1]) * len(lists[2]))
    most = max(sizes.values()) * per_day
    if all(abs(pos) > most for pos in parts.setpos):
        setpos = _text(rule["BYSETPOS"])
        return (
            f"BYSETPOS={setpos} picks past the at most {most} occurrences each period of this "
            "rule holds, so this rule never occurs"
        )
    return None


def _text(values: Any) -> str:
    return ",".join(str(v).upper() for v in (values if isinstance(values, list) else [values]))


__all__ = ["dtstart_on_rule", "never_occurs"]
