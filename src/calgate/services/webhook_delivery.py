"""Sending the queued webhook messages: claimed with a lease (``db.claims``, as mails are), so
several threads and processes share the work and a message held by a killed process is taken
over when its lease runs out; signed as Standard Webhooks defines, with the endpoint's secret
(and, for 24 h after a rotation, the previous one too); sent to an address checked on this very
attempt (``outbound``); retried on the Standard Webhooks schedule (``webhook_retry_scale``
shortens it, for tests); a 410 disables the endpoint, and so do 5 days of nothing but failures
(``webhook_health``, which also mails the admins).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from calgate.db import claims
from calgate.db.models import TokenRow, WebhookDeliveryRow, WebhookEndpointRow
from calgate.domain.timezones import instant
from calgate.domain.webhooks import schedule
from calgate.domain.webhooks.signing import headers
from calgate.errors import InvalidInput
from calgate.outbound import addresses
from calgate.outbound.post import Answer, PostFailed, post
from calgate.runtime import Runtime
from calgate.services import webhook_health

log = logging.getLogger(__name__)

BATCH = 20


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(runtime: Runtime, *, rng: schedule.RandomSource | None = None) -> DeliveryReport:
    report = DeliveryReport()
    chance = rng or random.Random()  # noqa: S311  (jitter, not a secret)
    lease = timedelta(seconds=runtime.settings.webhook_lease)  # > one attempt's 15 s
    while True:
        worker = uuid.uuid4().hex
        now = datetime.now(UTC)
        with runtime.db.session() as session:
            ids = claims.claim(
                session,
                WebhookDeliveryRow,
                due=(
                    WebhookDeliveryRow.delivered_at.is_(None),
                    WebhookDeliveryRow.failed_at.is_(None),
                    WebhookDeliveryRow.next_attempt_at <= now,
                ),
                order_by=(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id),
                limit=BATCH,
                worker=worker,
                now=now,
                until=now + lease,
            )
        if ids is None:
            return report
        renewed = now
        for row_id in ids:
            # the batch's lease, renewed once a third of it has gone: a slow receiver must not
            # let it run out while this worker still holds messages (another would send them)
            if datetime.now(UTC) - renewed > lease / 3:
                renewed = datetime.now(UTC)
                with runtime.db.session() as session:
                    claims.extend(session, WebhookDeliveryRow, worker=worker, until=renewed + lease)
            _attempt(runtime, worker, row_id, report, chance)


def _attempt(
    runtime: Runtime,
    worker: str,
    row_id: int,
    report: DeliveryReport,
    rng: schedule.RandomSource,
) -> None:
    with runtime.db.session() as session:
        row = session.get(WebhookDeliveryRow, row_id)
        endpoint = session.get(WebhookEndpointRow, row.endpoint_id) if row else None
        if row is None or row.claimed_by != worker:
            return
        stopped = why_stopped(session, endpoint)
        if stopped is not None:
            claims.release_one(
                session,
                WebhookDeliveryRow,
                row_id,
                worker=worker,
                failed_at=datetime.now(UTC),
                last_error=stopped,
            )
            report.failed += 1
            return
        assert endpoint is not None
        url, body, msg_id = endpoint.url, row.payload.encode(), row.message_id
        endpoint_id = endpoint.id
        signing = [runtime.box.open(endpoint.secret_encrypted)]
        previous = endpoint.previous_secret_encrypted
        until = endpoint.previous_secret_until
        if previous is not None and until is not None and instant(until, UTC) > datetime.now(UTC):
            signing.append(runtime.box.open(previous))
        attempts = row.attempts
    answer: Answer | None = None
    error: str | None = None
    try:
        answer = post(
            url,
            _checked_address(runtime, url),
            headers(signing, msg_id, int(time.time()), body),
            body,
        )
    except (PostFailed, InvalidInput) as exc:
        error = getattr(exc, "detail", None) or str(exc)
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        if answer is not None and 200 <= answer.status < 300:
            claims.release_one(
                session,
                WebhookDeliveryRow,
                row_id,
                worker=worker,
                delivered_at=now,
                attempts=attempts + 1,
                last_status=answer.status,
                last_error=None,
                last_attempt_at=now,
            )
            webhook_health.succeeded(session, endpoint_id)
            report.delivered += 1
            return
        status = answer.status if answer is not None else None
        reason = (error or f"HTTP {status}")[:500]
        if status == 410:  # the receiver is gone for good: stop sending to it
            endpoint = session.get(WebhookEndpointRow, endpoint_id)
            if endpoint is not None:
                endpoint.enabled = False
                endpoint.disabled_reason = "the receiver answered 410 Gone"
            later = None
        else:
            webhook_health.failed(runtime, session, endpoint_id, now, reason)
            later = schedule.next_attempt(
                attempts + 1, now, retry_after=answer.retry_after if answer else None, rng=rng
            )
        values: dict[str, object] = {
            "attempts": attempts + 1,
            "last_status": status,
            "last_error": reason,
            "last_attempt_at": now,
        }
        if later is None:
            values["failed_at"] = now
            report.failed += 1
        else:
            scale = runtime.settings.webhook_retry_scale
            values["next_attempt_at"] = now + (later - now) * scale
            report.retrying += 1
        claims.release_one(session, WebhookDeliveryRow, row_id, worker=worker, **values)


def why_stopped(session: Session, endpoint: WebhookEndpointRow | None) -> str | None:
    """Why nothing more is sent to ``endpoint``; None when it is live."""
    if endpoint is None or not endpoint.enabled:
        return "the endpoint is disabled"
    maker = session.get(TokenRow, endpoint.created_by_token_id)
    if maker is None or maker.revoked is not None:
        return "the token that made the endpoint was revoked"
    return None


def _checked_address(runtime: Runtime, url: str) -> addresses.Address:
    """The address to connect to, checked now (InvalidInput/UnsafeDestination when none may
    be used)."""
    settings = runtime.settings
    return addresses.safe_addresses(
        url,
        allow_http=settings.webhook_allow_http,
        allow_private=settings.webhook_allow_private,
        must_resolve=True,
    )[0]
