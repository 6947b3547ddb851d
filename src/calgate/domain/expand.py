"""Occurrences of a stored event in a time range (pure, no I/O).

Recurrence math is recurring-ical-events' (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides),
without its X-WR-TIMEZONE rewrite: floating times and dates are read in the calendar's
``floating_tz``, as :func:`calgate.domain.ical_read.event_to_public` shows them. calgate
decides the overlap itself (RFC 4791 9.9): an occurrence overlaps [start, end) when it starts
before ``end`` and ends after ``start``; a zero-length one when ``start <= its start < end``.

The range is walked in growing windows, so a dense rule over a long range stops as soon as the
limit is passed instead of being expanded completely.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken
from recurring_ical_events import CalendarQuery

from calgate.domain.dense import dense_series, least_occurrences, rebased
from calgate.domain.ical_parse import (
    empty_like,
    events_of,
    first,
    floating_zone,
    props,
    text_of,
    time_of,
)
from calgate.domain.ical_public import public_of
from calgate.domain.ical_read import STATUS_IN, TRANSP_IN, read_event, read_times
from calgate.domain.model import EventPublic
from calgate.domain.recurrence import validate_rrule
from calgate.domain.rrule_fixes import with_rule_fixes
from calgate.domain.timezones import UTC, format_public, instant
from calgate.errors import FieldError, InvalidInput, WalkTooLong

_FIRST_WINDOW = timedelta(minutes=15)
_MIN_WINDOW = timedelta(minutes=1)
_BUSY_WINDOW = 200  # occurrences per window above which the window shrinks
_QUIET_WINDOW = 20  # occurrences per window below which the window grows
# Periods of a dense rule a walk may pass before the rule is moved forward again: each query
# then walks at most this many periods (a new query costs about a millisecond).
_RESKIP = 2_000
# Every walk is bounded by time and by steps (windows queried, occurrences passed), not only by
# the occurrences it finds: a rule that matches rarely (stored by another client; calgate
# refuses one that never matches) makes dateutil walk long between matches.
WALK_SECONDS = 5.0
WALK_STEPS = 100_000

log = logging.getLogger(__name__)


class _Bound:
    """A walk's budget: ``WALK_SECONDS`` from the first step, ``WALK_STEPS`` steps."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + WALK_SECONDS
        self.steps = 0

    def spent(self) -> bool:
        self.steps += 1
        return self.steps > WALK_STEPS or time.monotonic() > self.deadline


def _aware(value: datetime) -> datetime:
    return value if value.utcoffset() is not None else value.replace(tzinfo=UTC)


def _sanitised(cal: Calendar) -> Calendar:
    """A copy without what makes recurrence math fail: broken time properties, invalid
    RRULEs (the event then counts once), VEVENTs without a usable DTSTART."""
    copy = empty_like(cal)
    for comp in cal.subcomponents:
        if getattr(comp, "name", None) != "VEVENT":
            copy.add_component(comp)
            continue
        if time_of(first(comp, "DTSTART")) is None:
            continue
        event = comp.copy()
        for name in ("DTEND", "DURATION", "RECURRENCE-ID", "EXDATE", "RDATE"):
            if any(isinstance(v, vBroken) for v in props(event, name)):
                event.pop(name, None)
        if "DTEND" in event and time_of(first(event, "DTEND")) is None:
            event.pop("DTEND", None)
        if "RECURRENCE-ID" in comp and time_of(first(comp, "RECURRENCE-ID")) is None:
            continue
        rules = props(event, "RRULE")
        if rules and any(isinstance(r, vBroken) or not _rule_ok(r) for r in rules):
            event.pop("RRULE", None)
        for sub in comp.subcomponents:
            event.add_component(sub)
        copy.add_component(event)
    return copy


def _rule_ok(rule: Any) -> bool:
    try:
        raw = rule.to_ical()
        validate_rrule(raw.decode() if isinstance(raw, bytes) else str(raw))
    except Exception:
        return False
    return True


class _Query:
    """recurring-ical-events over ``cal``; on the first failure, over a sanitised copy with
    bad series skipped (odd server data must not break a listing)."""

    def __init__(self, cal: Calendar) -> None:
        self.cal = with_rule_fixes(cal)
        self.strict = True
        try:
            self.query: Any = CalendarQuery(self.cal)
        except Exception:
            self._fall_back()

    def _fall_back(self) -> None:
        self.strict = False
        try:
            self.query = CalendarQuery(_sanitised(self.cal), skip_bad_series=True)
        except Exception:
            self.query = None

    def after(self, low: datetime) -> Iterator[Component]:
        """Occurrences ending after ``low``, lazily, in start order."""
        done = 0
        while self.query is not None:
            try:
                for index, occ in enumerate(self.query.after(low)):
                    if index >= done:  # after a fall-back, skip what was already given
                        done += 1
                        yield occ
                return
            except Exception:
                if not self.strict:
                    return
                self._fall_back()

    def between(self, low: datetime, high: datetime) -> list[Component]:
        if self.query is None:
            return []
        try:
            return list(self.query.between(low, high))
        except Exception:
            if not self.strict:
                return []
        self._fall_back()
        return self.between(low, high)


def _overlaps(occ: Component, start: datetime, end: datetime, ftz: tzinfo) -> bool:
    occ_start = time_of(first(occ, "DTSTART"))
    if occ_start is None:
        return False
    occ_end = time_of(first(occ, "DTEND")) or occ_start
    s = instant(occ_start, ftz)
    e = max(instant(occ_end, ftz), s)
    if s == e:
        return start <= s < end
    return s < end and e > start


def overlaps_window(occ: Component, start: datetime, end: datetime, ftz: tzinfo) -> bool:
    """Whether one occurrence overlaps [start, end) (the rule in the module docstring)."""
    return _overlaps(occ, start, end, ftz)


def _key(occ: Component, ftz: tzinfo) -> tuple[Any, ...]:
    rid = time_of(first(occ, "RECURRENCE-ID"))
    start = time_of(first(occ, "DTSTART"))
    return (
        text_of(occ, "UID"),
        instant(rid, ftz) if rid is not None else None,
        instant(start, ftz) if start is not None else None,
    )


def _occurrences(cal: Calendar, start: datetime, end: datetime, ftz: tzinfo) -> Iterator[Component]:
    """Overlapping occurrences, window by window (roughly by start), each once. A dense
    series is moved forward again when the walk has passed ``_RESKIP`` of its periods."""
    start, end = _aware(start), _aware(end)
    query = _Query(rebased(cal, start, ftz))
    seen: set[tuple[Any, ...]] = set()
    window = _FIRST_WINDOW
    low = start
    dense = dense_series(cal, ftz)
    ahead = [s for s, _ in dense if s > start]
    # move dense series forward again each time the walk has passed _RESKIP of their periods
    every = min((step for _, step in dense), default=timedelta(0)) * _RESKIP
    based = start
    bound = _Bound()
    while low < end:
        if bound.spent():
            log.warning(
                "stopped expanding %s at %s: the walk passed %g s or %d windows",
                _uids(cal),
                low.isoformat(),
                WALK_SECONDS,
                WALK_STEPS,
            )
            return
        if dense and low - based >= every:
            moved = rebased(cal, low, ftz, min_skip=_RESKIP)
            if moved is not cal:
                query, based = _Query(moved), low
        high = min(low + window, end)
        while ahead and ahead[0] <= low:
            ahead.pop(0)
        if ahead and ahead[0] < high:  # a dense series starts: begin it with a small window
            high, window = ahead.pop(0), _FIRST_WINDOW
        found = 0
        for occ in query.between(low.astimezone(ftz), high.astimezone(ftz)):
            if not _overlaps(occ, start, end, ftz):
                continue
            key = _key(occ, ftz)
            if key in seen:
                continue
            seen.add(key)
            found += 1
            yield occ
        if found > _BUSY_WINDOW:
            window = max(window / 2, _MIN_WINDOW)
        elif found < _QUIET_WINDOW:
            window = window * 4
        low = high


def iter_occurrences(cal: Calendar, *, after: datetime, floating_tz: str) -> Iterator[Component]:
    """Every occurrence of ``cal`` ending after ``after``, lazily, in start order (a copy of
    the VEVENT per occurrence, with DTSTART/DTEND moved and RECURRENCE-ID set). Callers bound
    the walk (a count or an end); past ``WALK_SECONDS`` or ``WALK_STEPS`` it raises
    :class:`WalkTooLong` (a 422 where no caller catches it)."""
    ftz = floating_zone(floating_tz)
    low = _aware(after)
    bound = _Bound()
    for occ in _Query(rebased(cal, low, ftz)).after(low.astimezone(ftz)):
        yield occ
        if bound.spent():
            raise WalkTooLong(WALK_SECONDS)


def _uids(cal: Calendar) -> str:
    return ",".join(sorted({text_of(e, "UID") or "?" for e in events_of(cal)}))


def _recurring_uids(cal: Calendar) -> set[str | None]:
    uids: set[str | None] = set()
    for event in events_of(cal):
        if "RRULE" in event or "RDATE" in event or "RECURRENCE-ID" in event:
            uids.add(text_of(event, "UID"))
    return uids


def override_keys(cal: Calendar, ftz: tzinfo) -> set[tuple[str | None, datetime]]:
    """(UID, RECURRENCE-ID instant) of every stored override, to tell modified occurrences
    from generated ones (recurring-ical-events gives both a RECURRENCE-ID)."""
    keys: set[tuple[str | None, datetime]] = set()
    for event in events_of(cal):
        rid = time_of(first(event, "RECURRENCE-ID"))
        if rid is not None:
            keys.add((text_of(event, "UID"), instant(rid, ftz)))
    return keys


def expand(
    cal: Calendar,
    *,
    start: datetime,
    end: datetime,
    floating_tz: str,
    event_id: str,
    calendar_id: str,
    etag: str | None,
    max_items: int,
) -> list[EventPublic]:
    """Every occurrence overlapping [start, end), sorted by start, each with the series ``id``
    and its ``recurrenceId`` (null for an event that does not recur). Occurrences carry no
    recurrence rule. More than ``max_items`` raises :class:`InvalidInput`."""
    ftz = floating_zone(floating_tz)
    if least_occurrences(cal, _aware(start), _aware(end), ftz) > max_items:
        raise too_many_occurrences(max_items)  # what the walk would find out, at once
    recurring = _recurring_uids(cal)
    overridden = override_keys(cal, ftz)
    found: list[tuple[datetime, str, EventPublic]] = []
    for occ in _occurrences(cal, start, end, ftz):
        if len(found) >= max_items:
            raise too_many_occurrences(max_items)
        rid = time_of(first(occ, "RECURRENCE-ID"))
        uid = text_of(occ, "UID")
        recurrence_id = None
        if rid is not None and uid in recurring:
            recurrence_id = format_public(rid)
        public = public_of(
            read_event(occ, ftz),
            event_id=event_id,
            calendar_id=calendar_id,
            etag=etag,
            recurrence_id=recurrence_id,
            series_fields=False,
            modified=rid is not None and (uid, instant(rid, ftz)) in overridden,
        )
        occ_start = time_of(first(occ, "DTSTART"))
        order = instant(occ_start, ftz) if occ_start is not None else _aware(start)
        found.append((order.astimezone(UTC), recurrence_id or "", public))
    found.sort(key=lambda item: (item[0], item[1]))
    return [public for _, _, public in found]


def too_many_occurrences(max_items: int) -> InvalidInput:
    """The 422 for a range holding more than ``max_items`` occurrences."""
    detail = f"More than {max_items} occurrences in this time range; ask for a shorter range."
    return InvalidInput(detail, [FieldError(detail, "end")], limit=max_items)


def busy_spans(
    cal: Calendar, *, start: datetime, end: datetime, floating_tz: str, max_items: int
) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of each busy occurrence (not cancelled, not transparent, not of
    zero length) overlapping [start, end), sorted: the times :func:`expand` gives, without
    building each occurrence's API form. More than ``max_items`` occurrences (busy or not)
    raises :class:`InvalidInput`, at once when the rule alone shows there would be."""
    ftz = floating_zone(floating_tz)
    start, end = _aware(start), _aware(end)
    if least_occurrences(cal, start, end, ftz) > max_items:
        raise too_many_occurrences(max_items)
    out: list[tuple[datetime, datetime]] = []
    for seen, occ in enumerate(_occurrences(cal, start, end, ftz)):
        if seen >= max_items:
            raise too_many_occurrences(max_items)
        status = STATUS_IN.get(str(first(occ, "STATUS") or "").upper())
        transparency = TRANSP_IN.get(str(first(occ, "TRANSP") or "").upper())
        times = read_times(occ, ftz)
        if status == "cancelled" or transparency == "free" or times.start is None:
            continue
        assert times.end is not None
        lo = instant(times.start, ftz).astimezone(UTC)
        hi = instant(times.end, ftz).astimezone(UTC)
        if hi > lo:
            out.append((lo, hi))
    out.sort()
    return out


def overlaps(cal: Calendar, *, start: datetime, end: datetime, floating_tz: str) -> bool:
    """Whether any occurrence overlaps [start, end) (stops at the first one found)."""
    ftz = floating_zone(floating_tz)
    return any(True for _ in _occurrences(cal, start, end, ftz))


__all__ = [
    "WALK_SECONDS",
    "WALK_STEPS",
    "busy_spans",
    "expand",
    "iter_occurrences",
    "overlaps",
    "overlaps_window",
    "override_keys",
    "too_many_occurrences",
]
