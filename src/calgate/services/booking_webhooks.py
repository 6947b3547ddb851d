"""The webhook messages of the booking policy: ``booking.rejected`` when a write is refused
because it would double-book an ``overlap: reject`` calendar (from the API and from ``/dav/``
alike, both refused in :func:`calgate.services.booking.check_free`), and ``booking.cleared``
for each booking the clearing removes because it overlaps one that keeps its time.

A refusal changes nothing in the index, so there is no change feed entry to derive a message
from: it is queued in a short transaction of its own once the refusal is decided. A failure to
queue it is logged and never turns the 409 into another answer.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from icalendar import Calendar
from sqlalchemy.orm import Session

from calgate.domain import ical_events as ical
from calgate.domain.clearing import Booking, ClearingEntry
from calgate.index import lookups
from calgate.index.intervals import BusyInterval
from calgate.schemas.webhook_messages import (
    BookingCleared,
    BookingRef,
    BookingRejected,
    ClearedWinner,
    MessageData,
)
from calgate.services import webhook_dispatch

if TYPE_CHECKING:
    from calgate.services.context import CalendarContext

log = logging.getLogger(__name__)


def _ref(item: BusyInterval | Booking) -> BookingRef:
    return BookingRef(
        event_id=item.event_id,
        recurrence_id=item.recurrence_id,
        uid=item.uid,
        start=item.start,
        end=item.end,
    )


def _announce(
    ctx: CalendarContext, kind: str, key: str, make: Callable[[Session], MessageData]
) -> None:
    """Queue ``make(session)`` in a transaction of its own; a failure is logged only."""
    try:
        with ctx.runtime.db.session() as session:
            webhook_dispatch.announce(session, ctx.calendar.id, kind, make(session), key)
    except Exception:
        log.warning("queueing %s for %s failed", kind, ctx.calendar.id, exc_info=True)


def rejected(
    ctx: CalendarContext,
    event_id: str,
    cal: Calendar,
    refused: tuple[datetime, datetime],
    conflicts: list[BusyInterval],
    shown: int,
) -> None:
    """Queue ``booking.rejected`` for a write of ``cal`` as ``event_id`` refused because of
    ``conflicts`` (the first ``shown`` go in the message, as in the 409); ``refused``: the
    first busy period it asked for that the event did not hold before."""
    calendar_id = ctx.calendar.id

    def make(session: Session) -> BookingRejected:
        existing = lookups.live_event(session, calendar_id=calendar_id, event_id=event_id)
        return BookingRejected(
            calendar_id=calendar_id,
            event_id=None if existing is None else event_id,
            uid=ical.uid_of(cal),
            start=refused[0],
            end=refused[1],
            origin=ctx.origin,
            reason="overlap",
            conflicts=[_ref(item) for item in conflicts[:shown]],
            conflict_count=len(conflicts),
        )

    # each refusal is its own happening: a fresh key, fixed before it is queued
    _announce(ctx, "booking.rejected", f"{calendar_id}:rejected:{uuid.uuid4().hex}", make)


def _winner(b: Booking) -> ClearedWinner:
    return ClearedWinner(**_ref(b).model_dump(), prioritized=b.prioritized)


def cleared(
    ctx: CalendarContext,
    entry: ClearingEntry,
    action: Literal["deleted", "occurrence_cancelled"],
    etag: str | None,
) -> None:
    """Queue ``booking.cleared`` for a booking the clearing just removed (``etag``: the
    version it decided on, so the same decision announced twice is one message)."""
    b = entry.booking
    if not entry.overlaps_with:
        return  # not an overlap (a cancelled event deleted): no booking lost its time
    data = BookingCleared(
        **_ref(b).model_dump(),
        calendar_id=ctx.calendar.id,
        action=action,
        reason="deprioritized" if entry.is_deprioritized else "overlap",
        winner=_winner(entry.overlaps_with[0]),
    )
    key = f"{ctx.calendar.id}:cleared:{b.key}:{etag}"
    _announce(ctx, "booking.cleared", key, lambda _session: data)


__all__ = ["cleared", "rejected"]
