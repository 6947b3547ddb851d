"""Clearing a booking calendar: delete cancelled bookings, and of overlapping ones keep the one
created first (or the prioritized one), as room-booking tools do in a later pass for calendars
that other clients write to directly. The decision is :mod:`calgate.domain.clearing`; this
module reads the bookings from a freshly synced index, applies the plan with conditional
writes, queues the organizers' mails and builds the report.

The whole pass holds the calendar's booking lock, so no calgate booking lands between the read
and the writes. A booking that changed on the server meanwhile (412) is left alone and named in
``skipped``; the next pass sees it as it is now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from calgate.db.models import CalendarRow, IndexedEventRow, SourceRow
from calgate.domain import clearing
from calgate.domain.clearing import Booking, ClearingEntry, ClearingPlan
from calgate.domain.notification import Notice, Organizer, OverlapInfo
from calgate.errors import CalgateError
from calgate.index.intervals import all_intervals
from calgate.index.materialize import HORIZON_AFTER
from calgate.mail import outbox, templates
from calgate.services import booking
from calgate.services.events import CalendarContext, delete_event
from calgate.services.instances import delete_one

if TYPE_CHECKING:
    from calgate.runtime import Runtime

log = logging.getLogger(__name__)

LISTS = (
    "deleted_cancelled_events",
    "deleted_overlapping_events",
    "cancelled_overlapping_recurring_events",
    "ignored_overlapping_events",
)


@dataclass
class _Loaded:
    bookings: list[Booking]
    etags: dict[str, str | None]  # event id -> the ETag the decision was made on


def _stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.utcoffset() is not None else value.replace(tzinfo=UTC)


def _load(ctx: CalendarContext, now: datetime) -> _Loaded:
    """Every booking that has not ended yet, up to the index horizon. A series cancelled as a
    whole is one cancelled booking (its first occurrence from now), so it is deleted once."""
    with ctx.runtime.db.session() as session:
        items = all_intervals(session, ctx.calendar.id, now, now + HORIZON_AFTER, ctx.tz)
        rows = session.execute(
            select(IndexedEventRow.event_id, IndexedEventRow.etag, IndexedEventRow.status).where(
                IndexedEventRow.calendar_id == ctx.calendar.id,
                IndexedEventRow.deleted.is_(False),
            )
        ).all()
    etags = {event_id: etag for event_id, etag, _ in rows}
    cancelled_series = {event_id for event_id, _, status in rows if status == "cancelled"}
    bookings: dict[str, Booking] = {}
    seen_cancelled: set[str] = set()
    for item in items:
        if item.transparency == "free" or item.end <= now:
            continue
        whole = item.event_id in cancelled_series and item.recurrence_id is not None
        if whole:
            if item.event_id in seen_cancelled:
                continue
            seen_cancelled.add(item.event_id)
        series = item.recurrence_id is not None and not whole
        key = f"{item.event_id}@{item.recurrence_id}" if series else item.event_id
        if key in bookings:
            continue
        bookings[key] = Booking(
            key=key,
            event_id=item.event_id,
            uid=item.uid or item.event_id,
            name=item.title or "",
            start=item.start,
            end=item.end,
            created=_stamp(item.created),
            organizer=item.organizer,
            organizer_name=item.organizer_name,
            prioritized=item.prioritized,
            cancelled=item.status == "cancelled",
            recurrence_id=item.recurrence_id if series else None,
            is_series=series,
        )
    return _Loaded(list(bookings.values()), etags)


def _organizer(b: Booking) -> Organizer | None:
    return None if b.organizer is None else Organizer(b.organizer, b.organizer_name)


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Json:
    """The report's form of each booking, made once per booking: a booking that many lost to
    appears in each of their ``overlaps_with`` (the same dict, serialized each time)."""

    def __init__(self) -> None:
        self._made: dict[str, dict[str, Any]] = {}

    def event(self, b: Booking) -> dict[str, Any]:
        found = self._made.get(b.key)
        if found is None:
            org = _organizer(b)
            found = self._made[b.key] = {
                "id": b.event_id,
                "recurrenceId": b.recurrence_id,
                "uid": b.uid,
                "name": b.name,
                "start": _utc(b.start),
                "end": _utc(b.end),
                "created": _utc(b.created),
                "organizer": None if org is None else {"email": org.email, "name": org.name},
                "prioritized": b.prioritized,
            }
        return found

    def entry(self, entry: ClearingEntry) -> dict[str, Any]:
        return {
            "event": self.event(entry.booking),
            "overlaps_with": [self.event(b) for b in entry.overlaps_with],
            "is_deprioritized": entry.is_deprioritized,
        }


def _apply(
    ctx: CalendarContext, plan: ClearingPlan, loaded: _Loaded, shown: _Json
) -> list[dict[str, Any]]:
    """The plan's writes; a booking that cannot be changed is skipped (and reported)."""
    skipped: list[dict[str, Any]] = []
    deletions = [*plan.deleted_cancelled_events, *plan.deleted_overlapping_events]
    for entry in deletions:
        b = entry.booking
        try:
            delete_event(ctx, b.event_id, if_match=loaded.etags.get(b.event_id))
        except CalgateError as exc:
            skipped.append({"event": shown.event(b), "reason": exc.detail})
    for entry in plan.cancelled_overlapping_recurring_events:
        b = entry.booking
        assert b.recurrence_id is not None
        try:  # each exclusion reads the object again: the ETag moves with every one
            delete_one(ctx, b.event_id, b.recurrence_id, if_match=None)
        except CalgateError as exc:
            skipped.append({"event": shown.event(b), "reason": exc.detail})
    return skipped


def _notices(
    ctx: CalendarContext, plan: ClearingPlan
) -> list[tuple[tuple[str, str | None], Notice]]:
    """Mails for the organizers of deleted, cancelled and (both prioritized) ignored bookings.
    A cancelled event that clearing deletes was cancelled by its organizer: no mail."""

    def info(b: Booking) -> OverlapInfo:
        return OverlapInfo(
            name=b.name,
            start=b.start,
            end=b.end,
            created=b.created,
            organizer=_organizer(b),
            is_priorized=b.prioritized,
        )

    out: list[tuple[tuple[str, str | None], Notice]] = []
    kinds = (
        (plan.deleted_overlapping_events, True, False),
        (plan.cancelled_overlapping_recurring_events, False, True),
        (plan.ignored_overlapping_events, False, False),
    )
    for entries, deleted, cancelled in kinds:
        for entry in entries:
            b = entry.booking
            org = _organizer(b)
            if org is None:
                continue
            notice = Notice(
                recipient=org.email,
                name=b.name,
                start=b.start,
                end=b.end,
                organizer=org,
                calendar_name=ctx.calendar.name,
                created=b.created,
                is_deleted=deleted,
                is_cancelled=cancelled,
                is_recurring=b.is_series,
                is_priorized=b.prioritized,
                is_deprioritized=entry.is_deprioritized,
                overlap_events=tuple(info(o) for o in entry.overlaps_with),
            )
            out.append(((b.event_id, b.recurrence_id), notice))
    return out


def clear_calendar(
    runtime: Runtime,
    calendar: CalendarRow,
    source: SourceRow,
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One pass over one calendar; the report (the room-booking tool's four lists, plus
    ``calendar``, ``test_mode``, ``skipped`` and ``notified``)."""
    ctx = CalendarContext(runtime, calendar, source)
    now = now or datetime.now(UTC)
    with booking.calendar_lock(runtime, calendar.id):
        runtime.indexer.sync(calendar, source)
        loaded = _load(ctx, now)
        plan = clearing.plan(loaded.bookings)
        shown = _Json()
        skipped = [] if dry_run else _apply(ctx, plan, loaded, shown)
    report: dict[str, Any] = {"calendar": calendar.id, "test_mode": dry_run}
    for name in LISTS:
        report[name] = [shown.entry(e) for e in getattr(plan, name)]
    report["skipped"] = skipped
    notified = 0
    if not dry_run and runtime.settings.smtp_enabled:
        untouched = {(s["event"]["id"], s["event"]["recurrenceId"]) for s in skipped}
        notices = [n for key, n in _notices(ctx, plan) if key not in untouched]
        mails = templates.render_all(
            notices, calendar.notification_template, calendar.notification_subject
        )
        with runtime.db.session() as session:
            notified = outbox.enqueue(session, mails, settings=runtime.settings, now=now)
    if skipped:
        log.info("clearing %s: %d bookings skipped (changed meanwhile)", calendar.id, len(skipped))
    report["notified"] = notified
    return report


def clear_marked_calendars(runtime: Runtime, *, dry_run: bool = False) -> list[dict[str, Any]]:
    """The scheduled pass: every calendar marked ``autoClear``. One calendar failing (its
    server down, say) does not stop the others; it is logged and tried on the next pass."""
    with runtime.db.session() as session:
        query = select(CalendarRow, SourceRow).join(SourceRow).where(CalendarRow.auto_clear)
        marked = [(c, s) for c, s in session.execute(query.order_by(CalendarRow.id))]
    reports = []
    for calendar, source in marked:
        try:
            reports.append(clear_calendar(runtime, calendar, source, dry_run=dry_run))
        except CalgateError as exc:
            log.warning("clearing calendar %s failed: %s", calendar.id, exc.detail)
    return reports


__all__ = ["LISTS", "clear_calendar", "clear_marked_calendars"]
