"""The booking policy of a calendar: with ``overlap = reject`` a write that makes an event take
time another busy event already holds is refused with a 409 listing those events.

It holds under concurrency because the check and the write happen under one lock per calendar
that every calgate process shares: a PostgreSQL advisory lock when the metadata database is
PostgreSQL (processes on several machines), else a file lock in the data folder (SQLite is one
machine anyway). Inside the lock the index is synced with the server first, so the check sees
what other clients wrote, and calgate's own write enters the index before the lock is let go,
so the next writer sees it. A thread lock per calendar in front of the database lock keeps one
waiting connection per process, not one per request (50 waiting requests would otherwise hold
the whole connection pool while the lock holder needs a connection to index its write).

What counts (docs/booking.md): every occurrence of the new object that is busy (not cancelled,
not transparent) against every busy item of the calendar, half-open (back-to-back is no
overlap), all-day and floating times in the calendar's zone; occurrences from 400 days back to
800 days ahead (the index horizon). An edit is refused only for time it takes that the event did
not hold before, so an event that other clients made overlap can still be renamed.
"""

from __future__ import annotations

import hashlib
import heapq
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icalendar import Calendar

from calgate.domain import ical_events as ical
from calgate.domain.span import event_span
from calgate.errors import BookingConflict, InvalidInput
from calgate.index.intervals import BusyInterval, all_intervals
from calgate.index.materialize import HORIZON_AFTER, HORIZON_BEFORE
from calgate.services import booking_webhooks

if TYPE_CHECKING:
    from calgate.runtime import Runtime
    from calgate.services.context import CalendarContext

REJECT = "reject"
MAX_REPORTED = 20
# The most occurrences of one object checked against a calendar: an endless hourly series has
# about 29,000 in the horizon; a denser one is refused (422) rather than held under the lock.
MAX_CHECKED = 50_000

_thread_locks: dict[str, threading.Lock] = {}
_thread_guard = threading.Lock()
_held = threading.local()  # the calendar locks this thread holds


def _thread_lock(key: str) -> threading.Lock:
    with _thread_guard:
        return _thread_locks.setdefault(key, threading.Lock())


@contextmanager
def calendar_lock(runtime: Runtime, calendar_id: str) -> Iterator[None]:
    """Hold the calendar's booking lock, shared by every calgate process on this database.
    Re-entrant within a thread (clearing holds it and then edits through the guarded writes)."""
    engine = runtime.db.engine
    key = f"{engine.url}:{calendar_id}"
    held: set[str] = _held.__dict__.setdefault("keys", set())
    if key in held:
        yield
        return
    with _thread_lock(key):
        held.add(key)
        try:
            with _database_lock(runtime, calendar_id):
                yield
        finally:
            held.discard(key)


def _database_lock(runtime: Runtime, calendar_id: str) -> AbstractContextManager[None]:
    name = hashlib.sha256(calendar_id.encode()).hexdigest()[:32]
    lock_file = Path(runtime.settings.data_dir) / "locks" / f"booking-{name}.lock"
    return runtime.db.process_lock(f"booking:{calendar_id}", lock_file)


def busy_periods_of(
    cal: Calendar, *, floating_tz: str, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The busy occurrences of one object inside the checked horizon, sorted (UTC)."""
    span = event_span(cal, floating_tz=floating_tz)
    lo = now - HORIZON_BEFORE
    hi = now + HORIZON_AFTER
    if span.first_start is not None:
        lo = max(lo, span.first_start)
    if lo >= hi:
        return []
    return ical.busy_spans(cal, start=lo, end=hi, floating_tz=floating_tz, max_items=MAX_CHECKED)


def overlapping(
    wanted: list[tuple[datetime, datetime]], existing: list[BusyInterval]
) -> list[BusyInterval]:
    """The existing busy items that overlap any wanted period: one sweep over both lists in
    start order, with a heap of the existing items still open (n log n, not pairwise)."""
    items = sorted((i for i in existing if i.busy), key=lambda i: (i.start, i.end))
    found: dict[tuple[str, str | None], BusyInterval] = {}
    open_items: list[tuple[datetime, int, BusyInterval]] = []
    j = 0
    for start, end in wanted:
        while j < len(items) and items[j].start < end:
            heapq.heappush(open_items, (items[j].end, j, items[j]))
            j += 1
        while open_items and open_items[0][0] <= start:
            heapq.heappop(open_items)  # ends before this period, so before every later one
        for _, _, item in open_items:
            if item.start < end:
                found.setdefault((item.event_id, item.recurrence_id), item)
    return sorted(found.values(), key=lambda i: (i.start, i.event_id))


def _conflict_json(item: BusyInterval) -> dict[str, Any]:
    return {
        "id": item.event_id,
        "recurrenceId": item.recurrence_id,
        "uid": item.uid,
        "title": item.title,
        "start": item.start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "end": item.end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


def check_free(
    ctx: CalendarContext, event_id: str, cal: Calendar, *, held_by: str | None = None
) -> None:
    """Raise :class:`BookingConflict` when ``cal`` (the object about to be stored as
    ``event_id``) takes busy time another event holds (``held_by``: one whose time it takes
    over), after queueing the ``booking.rejected`` webhook message. Call with the booking lock
    held."""
    now = datetime.now(UTC)
    try:
        wanted = busy_periods_of(cal, floating_tz=ctx.tz, now=now)
    except InvalidInput:
        raise InvalidInput(
            f"this event has too many occurrences to check against the calendar's bookings "
            f"(more than {MAX_CHECKED:,} from {HORIZON_BEFORE.days} days ago to "
            f"{HORIZON_AFTER.days} days ahead): give its rule a COUNT or UNTIL, or repeat less "
            "often"
        ) from None
    if not wanted:
        return
    with ctx.runtime.db.session() as session:
        existing = all_intervals(
            session, ctx.calendar.id, wanted[0][0], max(e for _, e in wanted), ctx.tz
        )
    mine = {event_id, held_by}
    held = {(i.start, i.end) for i in existing if i.event_id in mine and i.busy}
    new = [p for p in wanted if p not in held]
    others = [i for i in existing if i.event_id not in mine]
    conflicts = overlapping(new, others)
    if not conflicts:
        return
    booking_webhooks.rejected(ctx, event_id, cal, new[0], conflicts, MAX_REPORTED)
    shown = [_conflict_json(i) for i in conflicts[:MAX_REPORTED]]
    first = shown[0]
    raise BookingConflict(
        f"calendar {ctx.calendar.id!r} does not allow overlapping bookings: this event overlaps "
        f"{len(conflicts)} busy event(s), the first {first['title']!r} from {first['start']} to "
        f"{first['end']}; pick a free time (POST /api/v1/availability finds one)",
        conflicts=shown,
        conflictCount=len(conflicts),
    )


@contextmanager
def guard(
    ctx: CalendarContext, event_id: str, cal: Calendar, *, held_by: str | None = None
) -> Iterator[None]:
    """Around a write of ``cal`` as ``event_id``: nothing for calendars that allow overlaps;
    for ``reject`` the lock, a fresh index, the check, then the write (the caller's block)."""
    if ctx.calendar.overlap != REJECT:
        yield
        return
    with calendar_lock(ctx.runtime, ctx.calendar.id):
        ctx.runtime.indexer.sync(ctx.calendar, ctx.source)
        check_free(ctx, event_id, cal, held_by=held_by)
        yield


__all__ = [
    "REJECT",
    "busy_periods_of",
    "calendar_lock",
    "check_free",
    "guard",
    "overlapping",
]
