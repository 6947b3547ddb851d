"""Dense rules far from their start, made cheap to expand (pure, no I/O).

dateutil walks a rule from DTSTART, one period at a time, whatever window is asked for: a
``FREQ=SECONDLY`` series that began in 2020 costs 30 million steps per year before it reaches a
2026 window (measured: 81 s for one month of 2021), and a DAILY one from 2026 about 9 s to
reach the year 9990. For WEEKLY to SECONDLY rules with a date-time start :func:`rebased` moves
DTSTART forward by a whole number of periods to just before the window, which leaves the set of
later occurrences unchanged: BY parts filter or expand within a period by absolute date and
time, and the period grid keeps its phase. COUNT is reduced by the skipped periods when every
period yields exactly one occurrence (no BY parts); a DAILY or WEEKLY rule with COUNT and BY
parts is left as it is (its COUNT, at most what calgate writes, bounds the walk). A rule that
never occurs (:func:`calgate.domain.rrule_start.never_occurs`) far from its start has nothing
left to give there.

Two kinds of rule cannot be made cheap and are left out of the copy (logged), because expanding
them would take minutes: a dense rule with both COUNT and BY parts far from its start (the
skipped periods cannot be counted), and ``FREQ=SECONDLY`` limited by a date part (BYMONTH,
BYDAY, ...), which walks a month of seconds to find the next match. calgate refuses to write
the latter (see :func:`calgate.domain.recurrence.validate_rrule`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo

from icalendar import Calendar, Component
from icalendar.prop import vRecur

from calgate.domain.ical_parse import empty_like, first, props, time_of
from calgate.domain.recurrence import SPARSE_SECONDLY, split_rrule
from calgate.domain.rrule_start import never_occurs
from calgate.domain.timezones import instant

log = logging.getLogger(__name__)

_UNITS = {
    "WEEKLY": timedelta(weeks=1),
    "DAILY": timedelta(days=1),
    "HOURLY": timedelta(hours=1),
    "MINUTELY": timedelta(minutes=1),
    "SECONDLY": timedelta(seconds=1),
}
# Fewer skipped periods than this cost well under a second: leave the rule as it is.
_WORTH_IT = 50_000


def _rule_text(event: Component) -> str | None:
    rules = props(event, "RRULE")
    if len(rules) != 1:
        return None
    try:
        raw = rules[0].to_ical()
    except Exception:
        return None
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _skip(
    event: Component, at: datetime, ftz: tzinfo, min_skip: int, *, quiet: bool
) -> Component | bool | None:
    """A copy of ``event`` rebased before ``at``; None when it has no occurrence left to give
    (or cannot be rebased exactly and is too far from its start to expand); False when
    nothing needs doing (fewer than ``min_skip`` periods to skip, or a rule that cannot be
    rebased exactly but is near enough to expand as it is)."""
    text = _rule_text(event)
    start = time_of(first(event, "DTSTART"))
    if text is None or not isinstance(start, datetime):
        return False
    try:
        parts = split_rrule(text)
        unit = _UNITS.get(parts.get("FREQ", "").upper())
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return False
    if unit is None or interval < 1:
        return False
    if parts["FREQ"].upper() == "SECONDLY" and SPARSE_SECONDLY & set(parts):
        if quiet:
            return None
        log.warning("not expanding FREQ=SECONDLY limited by a date part: %s", text)
        return None
    step = unit * interval
    end = time_of(first(event, "DTEND"))
    length = instant(end, ftz) - instant(start, ftz) if isinstance(end, datetime) else timedelta(0)
    margin = max(length, timedelta(0)) + step + timedelta(days=1)
    periods = (at - instant(start, ftz) - margin) // step
    if periods < min_skip:
        return False
    if never_occurs(text, start) is not None:
        return None  # its one occurrence, DTSTART, lies before ``at``
    by_parts = [k for k in parts if k.startswith("BY")]
    if "COUNT" in parts:
        if by_parts and parts["FREQ"].upper() in ("DAILY", "WEEKLY"):
            return False  # COUNT (at most what calgate writes) bounds the walk
        if by_parts:
            if periods < _WORTH_IT:
                return False
            if quiet:
                return None
            log.warning(
                "not expanding a %s rule with COUNT and %s this far from its start",
                parts["FREQ"],
                ",".join(by_parts),
            )
            return None
        left = int(parts["COUNT"]) - periods
        if left <= 0:
            return None
        parts["COUNT"] = str(left)
    copy = event.copy()
    for sub in event.subcomponents:
        copy.add_component(sub)
    shift = step * periods
    copy.pop("DTSTART")
    copy.add("DTSTART", start + shift)
    if isinstance(end, datetime):
        copy.pop("DTEND")
        copy.add("DTEND", end + shift)
    copy.pop("RRULE")
    copy.add("RRULE", vRecur.from_ical(";".join(f"{k}={v}" for k, v in parts.items())))
    return copy


def dense_series(cal: Calendar, ftz: tzinfo) -> list[tuple[datetime, timedelta]]:
    """(start, period) of the WEEKLY to SECONDLY series in ``cal``, by start: a walk
    in growing windows must not stride over one's start (its first window would hold
    millions), and moves it forward again after a number of its periods."""
    found = []
    for comp in cal.subcomponents:
        if getattr(comp, "name", None) != "VEVENT" or "RECURRENCE-ID" in comp:
            continue
        text = _rule_text(comp)
        start = time_of(first(comp, "DTSTART"))
        if text is None or start is None:
            continue
        try:
            parts = split_rrule(text)
            unit = _UNITS.get(parts.get("FREQ", "").upper())
            interval = int(parts.get("INTERVAL", "1"))
        except ValueError:
            continue
        if unit is not None and interval >= 1:
            found.append((instant(start, ftz), unit * interval))
    return sorted(found)


_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
# Per time part: how many values a period of each frequency covers when the part is absent.
_COVERED = {
    "BYHOUR": {"SECONDLY": 24, "MINUTELY": 24, "HOURLY": 24, "DAILY": 1},
    "BYMINUTE": {"SECONDLY": 60, "MINUTELY": 60, "HOURLY": 1, "DAILY": 1},
    "BYSECOND": {"SECONDLY": 60, "MINUTELY": 1, "HOURLY": 1, "DAILY": 1},
}


def _per_day(parts: dict[str, str]) -> int | None:
    """Occurrences per day of a rule with INTERVAL=1 whose only BY parts are time parts, or
    None when the rule is not such a rule."""
    freq = parts.get("FREQ", "").upper()
    if freq not in _COVERED["BYHOUR"] or int(parts.get("INTERVAL", "1")) != 1:
        return None
    if any(k.startswith("BY") and k not in _TIME_PARTS for k in parts):
        return None
    count = 1
    for part in _TIME_PARTS:
        values = {v.strip() for v in parts[part].split(",")} if part in parts else None
        count *= len(values) if values else _COVERED[part][freq]
    return count


def least_occurrences(cal: Calendar, start: datetime, end: datetime, ftz: tzinfo) -> int:
    """A lower bound of the occurrences in [start, end) of the series whose rule alone fixes
    how many there are per day (DAILY to SECONDLY, INTERVAL=1, no BY parts but time ones; no
    UNTIL or RDATE), EXDATEs aside: it lets a caller refuse ``FREQ=SECONDLY`` over years at
    once instead of after expanding to its limit."""
    total = 0
    for comp in cal.subcomponents:
        if getattr(comp, "name", None) != "VEVENT" or "RECURRENCE-ID" in comp:
            continue
        text, first_start = _rule_text(comp), time_of(first(comp, "DTSTART"))
        if text is None or not isinstance(first_start, datetime) or "RDATE" in comp:
            continue
        try:
            parts = split_rrule(text)
            freq = parts.get("FREQ", "").upper()
            unit = _UNITS.get(freq) if freq not in ("DAILY", "WEEKLY") else None
            step = unit * int(parts.get("INTERVAL", "1")) if unit else None
            per_day = _per_day(parts)
            count = int(parts["COUNT"]) if "COUNT" in parts else None
        except ValueError:
            continue
        if "UNTIL" in parts:
            continue
        begin = instant(first_start, ftz)
        low = max(start, begin)
        if end <= low:
            continue
        if step is not None and step > timedelta(0) and not any(k.startswith("BY") for k in parts):
            # one occurrence per period: the whole periods inside, less one for alignment
            found = (end - low) // step - 1
            before = (low - begin) // step + 1
        elif per_day is not None:
            # whole days inside, less the first and last (alignment) and one for a DST change
            found = ((end - low).days - 3) * per_day
            before = ((low - begin).days + 2) * per_day
        else:
            continue
        if count is not None:
            # COUNT counts DTSTART even off the rule (rrule_fixes); ``before`` includes it
            found = min(found, count - before)
        total += max(found - len(props(comp, "EXDATE")), 0)
    return total


def rebased(cal: Calendar, at: datetime, ftz: tzinfo, *, min_skip: int | None = None) -> Calendar:
    """``cal``, or a copy whose dense series start just before ``at`` (see the module
    docstring). Overrides are left as they are.

    A walk through a long range rebases again window by window with a smaller ``min_skip``
    (dateutil walks from DTSTART on every query, so without it the walk costs the square of
    the occurrences it passes); then a series that cannot be moved is kept as it is, since the
    walk's first query already left out the ones too expensive to expand."""
    walking = min_skip is not None
    changes: dict[int, Component | None] = {}
    for comp in cal.subcomponents:
        if getattr(comp, "name", None) != "VEVENT" or "RECURRENCE-ID" in comp:
            continue
        found = _skip(comp, at, ftz, _WORTH_IT if min_skip is None else min_skip, quiet=walking)
        if found is None and walking:
            continue
        if found is not False:
            changes[id(comp)] = found if isinstance(found, Component) else None
    if not changes:
        return cal
    copy = empty_like(cal)
    for comp in cal.subcomponents:
        replacement = changes.get(id(comp), comp)
        if replacement is not None:
            copy.add_component(replacement)
    return copy


__all__ = ["dense_series", "least_occurrences", "rebased"]
