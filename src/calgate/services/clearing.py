"""Clearing a booking calendar: delete cancelled bookings, and of overlapping ones keep the one
created first (or the prioritized one), as room-booking tools do in a later pass for calendars
that other clients write to directly. The decision is :mod:`calgate.domain.clearing`; this
module reads the bookings from a freshly synced index, applies the plan with conditional
writes, queues the organizers' mails and a ``booking.cleared`` webhook message per booking
removed for an overlap, and builds the report.

The whole pass holds the calendar's booking lock, so no calgate booking lands between the read
and the writes. A booking that changed on the server meanwhile (412) is left alone and named in
``skipped``; the next pass sees it as it is now.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain import clearing
from calgate.domain.clearing import Booking, ClearingEntry, ClearingPlan
from calgate.domain.mail import Notice, Organizer, OverlapInfo
from calgate.errors import (
    CalgateError,
    ClearingFailed,
    NotFound,
    PreconditionFailed,
    UpstreamError,
    UpstreamRejectedCredentials,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from calgate.index import lookups
from calgate.index.intervals import all_intervals
from calgate.index.materialize import HORIZON_AFTER
from calgate.index.sync import CLEARING
from calgate.mail import outbox, templates
from calgate.services import booking, booking_webhooks
from calgate.services.context import CalendarContext
from calgate.services.events import delete_event
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


@dataclass(frozen=True)
class Skipped:
    """A booking the plan changes that was left alone: it changed on the server meanwhile."""

    booking: Booking
    reason: str


@dataclass
class Outcome:
    """One calendar's pass: the plan (what was decided), what of it was left alone, and how
    many mails were queued. Both report forms are made from it."""

    calendar: CalendarRow
    dry_run: bool
    plan: ClearingPlan
    skipped: list[Skipped] = field(default_factory=list)
    notified: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.calendar.time_zone)


@dataclass(frozen=True)
class Failure:
    """A calendar a pass over several could not clear (its server down, say)."""

    calendar: str
    status: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"calendar": self.calendar, "status": self.status, "detail": self.detail}


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
        live = lookups.live_etags_and_status(session, calendar_id=ctx.calendar.id)
    etags = {event_id: etag for event_id, (etag, _) in live.items()}
    cancelled_series = {event_id for event_id, (_, status) in live.items() if status == "cancelled"}
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


def server_trouble(exc: CalgateError) -> str:
    """What went wrong with the calendar's server, for a report: by kind, in words about the
    calendar (the error's own detail goes to the log)."""
    if isinstance(exc, UpstreamUnreachable):
        return "the calendar's CalDAV server could not be reached"
    if isinstance(exc, UpstreamTimeout):
        return "the calendar's CalDAV server did not answer in time"
    if isinstance(exc, UpstreamRejectedCredentials):
        return "the calendar's CalDAV server rejected the stored credentials"
    if isinstance(exc, UpstreamError):
        status = f" (HTTP {exc.upstream_status})" if exc.upstream_status else ""
        return f"the calendar's CalDAV server answered with an error{status}"
    if isinstance(exc, NotFound):
        return "the calendar's CalDAV server no longer has it"
    return f"clearing failed ({exc.title.lower()})"


def _skip_reason(exc: CalgateError) -> str:
    if isinstance(exc, PreconditionFailed):
        return "it changed on the CalDAV server meanwhile; the next pass sees it as it is now"
    if isinstance(exc, NotFound):
        return "it is no longer on the CalDAV server"
    return server_trouble(exc)


def _apply(ctx: CalendarContext, plan: ClearingPlan, loaded: _Loaded) -> list[Skipped]:
    """The plan's writes; a booking that cannot be changed is skipped (and reported)."""
    skipped: list[Skipped] = []
    deletions = [*plan.deleted_cancelled_events, *plan.deleted_overlapping_events]
    for entry in deletions:
        b = entry.booking
        etag = loaded.etags.get(b.event_id)
        try:
            delete_event(ctx, b.event_id, if_match=etag)
        except CalgateError as exc:
            log.info("clearing %s: %s left alone: %s", ctx.calendar.id, b.key, exc.detail)
            skipped.append(Skipped(b, _skip_reason(exc)))
        else:
            booking_webhooks.cleared(ctx, entry, "deleted", etag)
    for entry in plan.cancelled_overlapping_recurring_events:
        b = entry.booking
        assert b.recurrence_id is not None
        try:  # each exclusion reads the object again: the ETag moves with every one
            delete_one(ctx, b.event_id, b.recurrence_id, if_match=None)
        except CalgateError as exc:
            log.info("clearing %s: %s left alone: %s", ctx.calendar.id, b.key, exc.detail)
            skipped.append(Skipped(b, _skip_reason(exc)))
        else:
            booking_webhooks.cleared(
                ctx, entry, "occurrence_cancelled", loaded.etags.get(b.event_id)
            )
    return skipped


def mails_wanted(calendar: CalendarRow) -> bool:
    """The calendar's ``notifications`` setting: ``template`` mails only when the calendar has
    a template of its own (as the room-booking tool does), ``always`` with that template or
    the default one, ``off`` never."""
    if calendar.notifications == "always":
        return True
    return calendar.notifications == "template" and calendar.notification_template is not None


def _notices(
    ctx: CalendarContext, plan: ClearingPlan
) -> list[tuple[tuple[str, str | None], Notice]]:
    """Mails for the organizers of deleted, cancelled and (both prioritized) ignored bookings.
    A cancelled event that clearing deletes was cancelled by its organizer: no mail. Times are
    in the calendar's zone, as its people read them."""
    zone = ZoneInfo(ctx.tz)

    def local(value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(zone)

    def info(b: Booking) -> OverlapInfo:
        return OverlapInfo(
            name=b.name,
            start=local(b.start),
            end=local(b.end),
            created=local(b.created),
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
                start=local(b.start),
                end=local(b.end),
                organizer=org,
                calendar_name=ctx.calendar.name,
                created=local(b.created),
                is_deleted=deleted,
                is_cancelled=cancelled,
                is_recurring=b.is_series,
                is_priorized=b.prioritized,
                is_deprioritized=entry.is_deprioritized,
                overlap_events=tuple(info(o) for o in entry.overlaps_with),
            )
            out.append(((b.event_id, b.recurrence_id), notice))
    return out


def run_pass(
    runtime: Runtime,
    calendar: CalendarRow,
    source: SourceRow,
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> Outcome:
    """One pass over one calendar: decide, apply (unless ``dry_run``), queue the mails.
    Raises when the calendar's server cannot be read; nothing has changed then."""
    ctx = CalendarContext(runtime, calendar, source, origin=CLEARING)
    now = now or datetime.now(UTC)
    with booking.calendar_lock(runtime, calendar.id):
        runtime.indexer.sync(calendar, source)
        loaded = _load(ctx, now)
        plan = clearing.plan(loaded.bookings)
        skipped = [] if dry_run else _apply(ctx, plan, loaded)
    outcome = Outcome(calendar, dry_run, plan, skipped)
    if not dry_run and runtime.settings.smtp_enabled and mails_wanted(calendar):
        untouched = {(s.booking.event_id, s.booking.recurrence_id) for s in skipped}
        notices = [n for key, n in _notices(ctx, plan) if key not in untouched]
        mails = templates.render_all(
            notices, calendar.notification_template, calendar.notification_subject
        )
        with runtime.db.session() as session:
            outcome.notified = outbox.enqueue(session, mails, settings=runtime.settings, now=now)
    if skipped:
        log.info("clearing %s: %d bookings skipped (changed meanwhile)", calendar.id, len(skipped))
    return outcome


def report(outcome: Outcome) -> dict[str, Any]:
    """calgate's report of one pass: the room-booking tool's four lists (each entry with
    every booking it overlapped and ``is_deprioritized``), plus ``calendar``, ``test_mode``,
    ``skipped`` and ``notified``. Times in UTC."""
    shown = _Json()
    out: dict[str, Any] = {"calendar": outcome.calendar.id, "test_mode": outcome.dry_run}
    for name in LISTS:
        out[name] = [shown.entry(e) for e in getattr(outcome.plan, name)]
    out["skipped"] = [
        {"event": shown.event(s.booking), "reason": s.reason} for s in outcome.skipped
    ]
    out["notified"] = outcome.notified
    return out


def clear_calendar(
    runtime: Runtime,
    calendar: CalendarRow,
    source: SourceRow,
    *,
    dry_run: bool,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One pass over one calendar; calgate's report (:func:`report`)."""
    return report(run_pass(runtime, calendar, source, dry_run=dry_run, now=now))


def clear_each(
    runtime: Runtime,
    calendars: Iterable[tuple[CalendarRow, SourceRow]],
    *,
    dry_run: bool,
) -> tuple[list[Outcome], list[Failure]]:
    """A pass over each calendar. One whose server fails (down, slow, refusing) does not stop
    the others: it is named in the failures, with a reason that never shows the server's
    address (the log has the full error)."""
    outcomes: list[Outcome] = []
    failures: list[Failure] = []
    for calendar, source in calendars:
        try:
            outcomes.append(run_pass(runtime, calendar, source, dry_run=dry_run))
        except CalgateError as exc:
            log.warning("clearing calendar %s failed: %s", calendar.id, exc.detail)
            detail = f"{server_trouble(exc)}; this calendar was not cleared"
            failures.append(Failure(calendar.id, exc.status, detail))
    return outcomes, failures


def nothing_cleared(failures: list[Failure]) -> ClearingFailed:
    """The error when every calendar of a pass failed: the failures' status when they share
    one (503 when every server was unreachable), else 502; each failure in ``errors``."""
    statuses = {f.status for f in failures}
    status = statuses.pop() if len(statuses) == 1 else 502
    names = ", ".join(repr(f.calendar) for f in failures)
    detail = (
        f"no calendar could be cleared ({names}): {failures[0].detail}"
        if len(failures) == 1
        else f"no calendar could be cleared ({names}); each one's reason is in errors"
    )
    return ClearingFailed(detail, status=status, errors=[f.as_dict() for f in failures])


def clear_marked_calendars(runtime: Runtime, *, dry_run: bool = False) -> list[dict[str, Any]]:
    """The scheduled pass: every calendar marked ``autoClear``. One calendar failing (its
    server down, say) does not stop the others; it is logged and tried on the next pass."""
    outcomes, _ = clear_each(runtime, marked_calendars(runtime), dry_run=dry_run)
    return [report(o) for o in outcomes]


def marked_calendars(runtime: Runtime) -> list[tuple[CalendarRow, SourceRow]]:
    """The calendars marked ``autoClear``, with their sources, by id."""
    with runtime.db.session() as session:
        query = select(CalendarRow, SourceRow).join(SourceRow).where(CalendarRow.auto_clear)
        return [(c, s) for c, s in session.execute(query.order_by(CalendarRow.id))]


__all__ = [
    "LISTS",
    "Failure",
    "Outcome",
    "Skipped",
    "clear_calendar",
    "clear_each",
    "clear_marked_calendars",
    "mails_wanted",
    "marked_calendars",
    "nothing_cleared",
    "report",
    "run_pass",
]
