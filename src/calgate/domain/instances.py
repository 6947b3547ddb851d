"""The occurrences of one series, for ``/events/{id}/instances`` (pure, no I/O).

Lists are bounded twice: by the window and by ``limit``; a longer list says ``truncated`` and
hands out a page token, so an endless or very dense rule never runs away. ``n`` counts
occurrences in recurrence-id order (a moved occurrence keeps its number), excluded dates
skipped, from 1.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Component

from calgate.domain.expand import iter_occurrences, overlaps_window
from calgate.domain.ical_parse import first, time_of
from calgate.domain.ical_public import public_of
from calgate.domain.ical_read import read_event
from calgate.domain.model import EventPublic
from calgate.domain.series import Series
from calgate.domain.timezones import (
    LATEST,
    Time,
    clamped_utc,
    format_public,
    instant,
    parse_time,
)
from calgate.errors import InvalidInput, NotFound, WalkTooLong


@dataclass(frozen=True)
class Where:
    """Which event the occurrences belong to (copied into every item)."""

    event_id: str
    calendar_id: str
    etag: str | None


def occurrence_public(series: Series, rid: Time, occ: Component, where: Where) -> EventPublic:
    override = series.override(rid)
    return public_of(
        read_event(override if override is not None else occ, series.ftz),
        event_id=where.event_id,
        calendar_id=where.calendar_id,
        etag=where.etag,
        recurrence_id=format_public(rid),
        series_fields=False,
        modified=override is not None,
    )


def instance_at(cal: Calendar, rid_text: str, *, floating_tz: str, where: Where) -> EventPublic:
    series = Series.of(cal, floating_tz)
    rid = series.resolve(rid_text)
    occ = series.override(rid) or series.generated_at(rid)
    assert occ is not None  # resolve() checked it is an occurrence
    return occurrence_public(series, rid, occ, where)


def nth_instance(
    cal: Calendar, n: int, *, floating_tz: str, where: Where, max_n: int
) -> EventPublic:
    if n < 1:
        raise InvalidInput.field("n", "n counts occurrences from 1")
    if n > max_n:
        raise InvalidInput.field(
            "n", f"n can be at most {max_n}; list the instances of a later window instead"
        )
    series = Series.of(cal, floating_tz)
    if not series.recurs:
        if n == 1:
            occ = series.master
            return public_of(
                read_event(occ, series.ftz),
                event_id=where.event_id,
                calendar_id=where.calendar_id,
                etag=where.etag,
                series_fields=False,
            )
        raise NotFound("this event does not recur; it has one occurrence")
    for index, (rid, occ) in enumerate(series.generated(), start=1):
        if index == n:
            return occurrence_public(series, rid, occ, where)
    raise NotFound(f"this series has fewer than {n} occurrences")


@dataclass
class InstancePage:
    items: list[EventPublic]
    truncated: bool
    next_page_token: str | None


def _token(moment: datetime, skip: int) -> str:
    raw = f"{moment.astimezone(UTC).isoformat()}|{skip}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, skip = raw.split("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.utcoffset() is None:
            raise ValueError("not an instant")
        return clamped_utc(parsed), int(skip)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput.field("pageToken", "pageToken is not one this API handed out") from None


def list_instances(
    cal: Calendar,
    *,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    page_token: str | None,
    floating_tz: str,
    where: Where,
) -> InstancePage:
    """Occurrences overlapping [start, end) (default: from the series' start, no end), in start
    order, at most ``limit``."""
    series = Series.of(cal, floating_tz)
    low = clamped_utc(start if start is not None else instant(series.start, series.ftz))
    high = clamped_utc(end) if end is not None else LATEST
    resume: tuple[datetime, int] | None = _untoken(page_token) if page_token else None
    walk_from = resume[0] if resume is not None else low
    items: list[EventPublic] = []
    walk = iter_occurrences(cal, after=walk_from - timedelta(seconds=1), floating_tz=floating_tz)
    try:
        page = _page(walk, items, low, high, limit, resume, series, where)
    except WalkTooLong:
        # a rule that matches rarely: what was found, and the rest from after the last one
        if not items:
            return InstancePage(items, True, None)
        last = _start_instant(items[-1], series)
        same = sum(1 for item in items if _start_instant(item, series) == last)
        return InstancePage(items, True, _token(last, same) if last is not None else None)
    return page


def _page(
    walk: Iterator[Component],
    items: list[EventPublic],
    low: datetime,
    high: datetime,
    limit: int,
    resume: tuple[datetime, int] | None,
    series: Series,
    where: Where,
) -> InstancePage:
    """The page ``walk`` makes, appending to ``items`` as it goes."""
    at_resume = 0
    for occ in walk:
        occ_start = time_of(first(occ, "DTSTART"))
        if occ_start is None:
            continue
        moment = instant(occ_start, series.ftz)
        if moment >= high:
            break
        if not overlaps_window(occ, low, high, series.ftz):
            continue
        if resume is not None:
            if moment < resume[0]:
                continue
            if moment == resume[0] and at_resume < resume[1]:
                at_resume += 1
                continue
        if len(items) == limit:
            last = instant(time_of(first(occ, "DTSTART")) or occ_start, series.ftz)
            same = sum(1 for item in items if _start_instant(item, series) == last) + (
                at_resume if resume is not None and last == resume[0] else 0
            )
            return InstancePage(items, True, _token(last, same))
        rid = time_of(first(occ, "RECURRENCE-ID")) or occ_start
        items.append(occurrence_public(series, rid, occ, where))
    return InstancePage(items, False, None)


def _start_instant(item: EventPublic, series: Series) -> datetime | None:
    if item.start is None:
        return None
    return instant(parse_time(item.start), series.ftz)


__all__ = ["InstancePage", "Where", "instance_at", "list_instances", "nth_instance"]
