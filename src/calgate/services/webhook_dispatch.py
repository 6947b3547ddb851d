"""Deliveries derived from the change feed: for each enabled endpoint whose token is still
valid, and each calendar it covers, the index's changes after the endpoint's cursor become
delivery rows, and the cursor moves past them, in one transaction. So a change is turned into
a message exactly once per endpoint, whichever calgate process does it and whenever it crashes;
the message id is fixed here, so every retry and replay carries the same ``webhook-id``.

A new endpoint starts at each calendar's position when it is made (``start_positions``); a
calendar it covers that had no position then starts when first seen here (no backlog). A
calendar whose index was rebuilt (a new epoch of its change feed) gets one
``calendar.resync_required`` instead of a message per object.

What happens without an index change (a refused booking, a booking cleared) is queued by
:func:`announce` where it happens, for the endpoints live at that moment. Every body is built
through its model in :mod:`calgate.schemas.webhook_messages`, which the OpenAPI document shows.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import (
    CalendarRow,
    CalendarSyncRow,
    IndexedEventRow,
    TokenRow,
    WebhookCursorRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from calgate.db.session import insert_unless_there
from calgate.domain.webhooks.signing import message_id
from calgate.index.changes import encode
from calgate.runtime import Runtime
from calgate.schemas.webhook_messages import (
    EventChange,
    MessageData,
    ResyncRequired,
    message_json,
)

log = logging.getLogger(__name__)

BATCH = 500  # changes turned into messages per calendar and endpoint in one transaction


# One pass at a time in a process: SQLite has no row locks for ``_dispatch_one`` to take.
_ONE_PASS = threading.Lock()


def dispatch(runtime: Runtime) -> int:
    """One pass over every endpoint and calendar; the number of messages queued."""
    with _ONE_PASS:
        return _dispatch_all(runtime)


def _dispatch_all(runtime: Runtime) -> int:
    queued = 0
    with runtime.db.session() as session:
        endpoints = [e.id for e in _live_endpoints(session)]
    for endpoint_id in endpoints:
        try:
            with runtime.db.session() as session:
                endpoint = session.get(WebhookEndpointRow, endpoint_id)
                if endpoint is None:
                    continue
                for calendar_id in _calendars_of(session, endpoint):
                    queued += _dispatch_one(session, endpoint, calendar_id)
        except Exception:  # one endpoint's trouble must not hold up the others' messages
            log.exception(
                "queueing webhook messages for %s failed; tried again next round", endpoint_id
            )
    return queued


def start_positions(session: Session, endpoint: WebhookEndpointRow) -> None:
    """Start ``endpoint`` at the current position of each calendar it covers that has none
    yet (made, or given more calendars): changes from now on are its to receive, even those
    made before a worker's next round."""
    for calendar_id in _calendars_of(session, endpoint):
        state = session.get(CalendarSyncRow, calendar_id)
        if state is not None:  # never synced: the first dispatch starts it after that sync
            _start(session, endpoint, state)


def _start(session: Session, endpoint: WebhookEndpointRow, state: CalendarSyncRow) -> None:
    """The endpoint's position in the calendar's feed, at its end, unless it has one (another
    process may be making it at the same time)."""
    insert_unless_there(
        session,
        WebhookCursorRow,
        endpoint_id=endpoint.id,
        calendar_id=state.calendar_id,
        epoch=state.epoch,
        seq=state.seq,
    )


def _live_endpoints(session: Session) -> list[WebhookEndpointRow]:
    return [endpoint for endpoint, _ in _live_with_scope(session)]


def _live_with_scope(session: Session) -> list[tuple[WebhookEndpointRow, list[str] | None]]:
    """The enabled endpoints whose maker token is not revoked, each with that token's scope
    (None: every calendar)."""
    query = (
        select(WebhookEndpointRow, TokenRow.calendars)
        .join(TokenRow, TokenRow.id == WebhookEndpointRow.created_by_token_id)
        .where(WebhookEndpointRow.enabled.is_(True), TokenRow.revoked.is_(None))
        .order_by(WebhookEndpointRow.id)
    )
    return [(endpoint, calendars) for endpoint, calendars in session.execute(query)]


def _calendars_of(session: Session, endpoint: WebhookEndpointRow) -> list[str]:
    if endpoint.calendars is not None:
        return sorted(endpoint.calendars)
    return list(session.scalars(select(CalendarRow.id).order_by(CalendarRow.id)))


def _dispatch_one(session: Session, endpoint: WebhookEndpointRow, calendar_id: str) -> int:
    state = session.get(CalendarSyncRow, calendar_id)
    if state is None:
        return 0  # never synced: nothing to tell yet
    # locked until this transaction ends: another process dispatching the same endpoint and
    # calendar waits, then reads the moved cursor (else both queue the same changes and one
    # fails on the unique message id)
    cursor = session.get(
        WebhookCursorRow, (endpoint.id, calendar_id), with_for_update=True, populate_existing=True
    )
    if cursor is None:  # first seen: start from here
        _start(session, endpoint, state)
        return 0
    now = datetime.now(UTC)
    # the feed's name in message ids: a calendar id used again (a source removed and added
    # again) starts a new feed from epoch 1, change 1, whose messages must not take the ids
    # of the old one's
    calendar = session.get(CalendarRow, calendar_id)
    feed = f"{calendar_id}@{calendar.created.isoformat() if calendar else ''}:{state.epoch}"
    if cursor.epoch != state.epoch:  # the index was rebuilt: one message, not a flood
        cursor.epoch, cursor.seq = state.epoch, state.seq
        if "calendar.resync_required" in endpoint.events:
            key = f"{feed}:resync"
            queue(
                session,
                endpoint,
                key,
                "calendar.resync_required",
                now,
                ResyncRequired(
                    calendar_id=calendar_id, sync_token=encode(calendar_id, state.epoch, state.seq)
                ),
            )
            return 1
        return 0
    rows = session.scalars(
        select(IndexedEventRow)
        .where(IndexedEventRow.calendar_id == calendar_id, IndexedEventRow.seq > cursor.seq)
        .order_by(IndexedEventRow.seq)
        .limit(BATCH)
    ).all()
    queued, start = 0, cursor.seq
    for row in rows:
        kind = _kind(row, start)
        cursor.seq = row.seq
        if kind not in endpoint.events or (row.public_json is None and not row.deleted):
            continue  # not wanted, or not an event (a task, an unreadable object)
        data = EventChange(
            calendar_id=calendar_id,
            event_id=row.event_id,
            uid=row.uid,
            etag=row.etag,
            origin=row.origin,
            sync_token=encode(calendar_id, state.epoch, row.seq),
        )
        if endpoint.include == "event" and row.public_json is not None:
            data.event = json.loads(row.public_json)
        queue(session, endpoint, f"{feed}:{row.seq}", kind, now, data)
        queued += 1
    return queued


def _kind(row: IndexedEventRow, start: int) -> str:
    """Created when the event's creation is among the changes after ``start`` (the endpoint
    was never told of it), even when later changes were collapsed into the same row (another
    process's sync entered the object, then its writer entered it again)."""
    if row.deleted:
        return "event.deleted"
    return "event.created" if row.created_seq > start else "event.updated"


def queue(
    session: Session,
    endpoint: WebhookEndpointRow,
    change_key: str,
    kind: str,
    now: datetime,
    data: MessageData,
) -> WebhookDeliveryRow:
    """One message to ``endpoint``, due now; its id made from ``change_key``."""
    row = WebhookDeliveryRow(
        endpoint_id=endpoint.id,
        message_id=message_id(change_key, endpoint.id),
        event_type=kind,
        payload=message_json(kind, now, data),
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(row)
    return row


def announce(session: Session, calendar_id: str, kind: str, data: MessageData, key: str) -> int:
    """Queue a message that no index change carries (booking.rejected, booking.cleared) for
    every live endpoint that wants ``kind`` and covers the calendar, within its maker token's
    scope; the number queued. ``key`` names what happened: announcing it again (a retried
    step) queues nothing more, as the message id is made from it."""
    now = datetime.now(UTC)
    queued = 0
    for endpoint, token_calendars in _live_with_scope(session):
        if kind not in endpoint.events or not _covers(endpoint, token_calendars, calendar_id):
            continue
        known = select(WebhookDeliveryRow.id).where(
            WebhookDeliveryRow.message_id == message_id(key, endpoint.id)
        )
        if session.scalar(known) is not None:
            continue
        queue(session, endpoint, key, kind, now, data)
        queued += 1
    return queued


def _covers(
    endpoint: WebhookEndpointRow, token_calendars: list[str] | None, calendar_id: str
) -> bool:
    return all(c is None or calendar_id in c for c in (endpoint.calendars, token_calendars))
