"""An endpoint's messages as the API shows them (docs/webhooks.md, "Deliveries"): send a test
message, list the deliveries newest first, read one, replay one. Who may: as for the endpoint
itself (``webhooks.get``: another token's endpoint answers as an unknown one). Test and replay
need a live endpoint (enabled, its token not revoked): anything queued for another would be
given up unsent, so they answer 409 instead."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.orm import Session

from calgate.db import claims
from calgate.db.models import WebhookDeliveryRow, WebhookEndpointRow
from calgate.domain.access import Grant
from calgate.errors import Conflict, NotFound
from calgate.schemas.webhook_messages import WebhookTest
from calgate.schemas.webhooks import (
    DeliveryStatus,
    WebhookDeliveriesPublic,
    WebhookDeliveryDetail,
    WebhookDeliveryPublic,
)
from calgate.services import webhook_dispatch, webhooks
from calgate.services.webhook_delivery import why_stopped

TEST_TYPE = "webhook.test"  # sent by POST .../test, whatever the endpoint subscribes to
MAX_ID = 2**31 - 1  # delivery ids are 32-bit integers


def _live(session: Session, grant: Grant, endpoint_id: str) -> WebhookEndpointRow:
    endpoint = webhooks.get(session, grant, endpoint_id)
    stopped = why_stopped(session, endpoint)
    if stopped is not None:
        if endpoint.enabled:
            raise Conflict(f"{stopped}: nothing is sent to this endpoint")
        raise Conflict(f"{stopped}; enable it first (PATCH with enabled: true)")
    return endpoint


def send_test(session: Session, grant: Grant, endpoint_id: str) -> WebhookDeliveryPublic:
    """Queue one ``webhook.test`` message to the endpoint, due now (the worker's next round
    sends it, signed and retried like any other)."""
    endpoint = _live(session, grant, endpoint_id)
    now = datetime.now(UTC)
    data = WebhookTest(endpoint_id=endpoint.id)
    row = webhook_dispatch.queue(
        session, endpoint, f"test:{uuid.uuid4().hex}", TEST_TYPE, now, data
    )
    session.flush()
    return to_public(row)


def _in_status(status: DeliveryStatus) -> list[ColumnElement[bool]]:
    model = WebhookDeliveryRow
    if status == "delivered":
        return [model.delivered_at.is_not(None)]
    if status == "failed":
        return [model.failed_at.is_not(None)]
    return [model.delivered_at.is_(None), model.failed_at.is_(None)]


def list_deliveries(
    session: Session,
    grant: Grant,
    endpoint_id: str,
    *,
    limit: int,
    before: int | None,
    status: DeliveryStatus | None,
) -> WebhookDeliveriesPublic:
    """Newest first, ``limit`` at a time; ``before``: only deliveries with a smaller id (the
    previous page's ``nextBefore``)."""
    endpoint = webhooks.get(session, grant, endpoint_id)
    query = (
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.endpoint_id == endpoint.id)
        .order_by(WebhookDeliveryRow.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(WebhookDeliveryRow.id < before)
    if status is not None:
        query = query.where(*_in_status(status))
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return WebhookDeliveriesPublic(
        items=[to_public(r) for r in rows], next_before=rows[-1].id if more else None
    )


def get(session: Session, grant: Grant, endpoint_id: str, delivery_id: str) -> WebhookDeliveryRow:
    return _delivery_of(session, webhooks.get(session, grant, endpoint_id), delivery_id)


def _delivery_of(
    session: Session, endpoint: WebhookEndpointRow, delivery_id: str
) -> WebhookDeliveryRow:
    """One of ``endpoint``'s deliveries; another endpoint's answers as an unknown one."""
    number = _as_id(delivery_id)
    row = session.get(WebhookDeliveryRow, number) if number is not None else None
    if row is None or row.endpoint_id != endpoint.id:
        raise NotFound(f"no delivery with id {delivery_id!r} for this webhook endpoint")
    return row


def replay(
    session: Session, grant: Grant, endpoint_id: str, delivery_id: str
) -> WebhookDeliveryPublic:
    """Send the message again, as it was (same ``webhook-id``, same body): due now, with the
    whole retry schedule ahead of it again (``attempts`` starts from 0). 409 while a worker
    is attempting it."""
    row = _delivery_of(session, _live(session, grant, endpoint_id), delivery_id)
    now = datetime.now(UTC)
    done = session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == row.id, claims.unclaimed(WebhookDeliveryRow, now))
        .values(delivered_at=None, failed_at=None, next_attempt_at=now, attempts=0)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(done, CursorResult) or done.rowcount != 1:
        raise Conflict("this delivery is being attempted right now; replay it once that is over")
    session.refresh(row)
    return to_public(row)


def _as_id(text: str) -> int | None:
    """A delivery id from a path; None for anything no row can have (not ASCII digits, or past
    a 32-bit integer, which PostgreSQL would refuse)."""
    if not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > MAX_ID:
        return None
    return int(text)


def status_of(row: WebhookDeliveryRow) -> DeliveryStatus:
    if row.delivered_at is not None:
        return "delivered"
    return "failed" if row.failed_at is not None else "pending"


def to_public(row: WebhookDeliveryRow) -> WebhookDeliveryPublic:
    status = status_of(row)
    return WebhookDeliveryPublic(
        id=row.id,
        message_id=row.message_id,
        type=row.event_type,
        status=status,
        attempts=row.attempts,
        last_status=row.last_status,
        last_error=row.last_error,
        last_attempt_at=row.last_attempt_at,
        next_attempt_at=row.next_attempt_at if status == "pending" else None,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        failed_at=row.failed_at,
    )


def to_detail(row: WebhookDeliveryRow) -> WebhookDeliveryDetail:
    return WebhookDeliveryDetail(**to_public(row).model_dump(), payload=json.loads(row.payload))
