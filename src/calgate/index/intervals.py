"""Where a calendar is busy, from the index: every item overlapping a window with its own
bounds, occurrences of a series one by one, and whether it blocks time.

Busy means: status not ``cancelled`` and transparency not ``free`` (tentative counts as busy),
and a positive length (intervals are half-open, so a zero-length item blocks nothing and
back-to-back items do not overlap). All-day and floating items are placed in the calendar's
zone. The caller syncs the calendar first (``Indexer.ensure_fresh``) when it needs to see what
other clients just wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from calgate.index.queries import Timed, timed_items

# Far more than any listing (CALGATE_MAX_EXPANSION): free/busy of a dense calendar over a long
# window is merged into few periods, so only memory bounds it.
DEFAULT_MAX_ITEMS = 100_000


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """One item in time. ``start`` and ``end`` are aware UTC; ``recurrence_id`` is the
    occurrence's original start (as the API writes it) or None for a single event. Only the
    fields free/busy, bookings and clearing read are kept, not the item's whole JSON: clearing
    holds tens of thousands of these, and every object kept is one the collector walks."""

    start: datetime
    end: datetime
    calendar_id: str
    event_id: str
    recurrence_id: str | None
    uid: str | None
    title: str | None
    created: str | None
    organizer: str | None  # the organizer's email
    status: str | None
    transparency: str | None
    busy: bool
    organizer_name: str | None = None
    prioritized: bool = False


def is_busy(status: str | None, transparency: str | None) -> bool:
    return status != "cancelled" and transparency != "free"


def _interval(calendar_id: str, item: Timed) -> BusyInterval:
    data = json.loads(item.json)
    organizer = data.get("organizer")
    if not isinstance(organizer, dict):
        organizer = {}
    status, transparency = data.get("status"), data.get("transparency")
    return BusyInterval(
        start=item.start,
        end=item.end,
        calendar_id=calendar_id,
        event_id=item.event_id,
        recurrence_id=data.get("recurrenceId"),
        uid=data.get("uid"),
        title=data.get("title"),
        created=data.get("created"),
        organizer=organizer.get("email") or None,
        status=status,
        transparency=transparency,
        busy=is_busy(status, transparency) and item.end > item.start,
        organizer_name=organizer.get("name") or None,
        prioritized=data.get("prioritized") is True,
    )


def all_intervals(
    session: Session,
    calendar_id: str,
    start: datetime,
    end: datetime,
    floating_tz: str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> list[BusyInterval]:
    """Every item overlapping [start, end) by the listing's rule (RFC 4791 9.9: a zero-length
    item counts when it starts inside), busy or not (``busy`` says which): cancelled and
    transparent ones too, for clearing a window. Sorted by start, then event id."""
    items = timed_items(
        session,
        calendar_id=calendar_id,
        start=start,
        end=end,
        floating_tz=floating_tz,
        max_items=max_items,
    )
    out = [_interval(calendar_id, item) for item in items]
    out.sort(key=lambda i: (i.start, i.end, i.event_id, i.recurrence_id or ""))
    return out


def busy_intervals(
    session: Session,
    calendar_id: str,
    start: datetime,
    end: datetime,
    floating_tz: str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> list[BusyInterval]:
    """The busy items overlapping [start, end) (half-open: an item ending at ``start`` or
    starting at ``end`` is not one), sorted by start. A slot is free on this calendar when
    this list, asked for the slot, is empty."""
    return [
        i
        for i in all_intervals(session, calendar_id, start, end, floating_tz, max_items=max_items)
        if i.busy and i.start < end and i.end > start
    ]


# The index stores each item's JSON as pydantic writes it (no spaces; quotes inside values
# escaped), so these keys with these values occur only as the item's own top-level fields.
_NOT_BUSY = ('"status":"cancelled"', '"transparency":"free"')


def busy_periods(
    session: Session,
    calendar_id: str,
    start: datetime,
    end: datetime,
    floating_tz: str,
    *,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> list[tuple[datetime, datetime]]:
    """(start, end) of each busy item overlapping [start, end), unsorted and unmerged: what
    ``busy_intervals`` finds, without decoding each item's JSON (free/busy over many calendars
    reads thousands of items)."""
    items = timed_items(
        session,
        calendar_id=calendar_id,
        start=start,
        end=end,
        floating_tz=floating_tz,
        max_items=max_items,
    )
    return [
        (i.start, i.end)
        for i in items
        if i.end > i.start
        and i.start < end
        and i.end > start
        and not any(flag in i.json for flag in _NOT_BUSY)
    ]
