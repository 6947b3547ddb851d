"""An endpoint's run of failures (docs/webhooks.md, "Retries"): it begins at the first failed
attempt after a success (``failing_since``) and ends with any 2xx. A failed attempt that finds
the run older than ``schedule.GIVE_UP_AFTER`` disables the endpoint and queues a mail to the
admins (``admin_emails``) through the outbox, in the same transaction: exactly one mail per
disabling, however many workers fail on the endpoint at the same moment (the disabling UPDATE
admits only a still enabled endpoint, so only one of them changes it)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from calgate.db.models import WebhookEndpointRow
from calgate.domain.timezones import instant
from calgate.domain.webhooks import schedule
from calgate.domain.webhooks.notice import disabled_mails
from calgate.mail import outbox
from calgate.runtime import Runtime

log = logging.getLogger(__name__)

DISABLED_REASON = f"every delivery failed for {schedule.GIVE_UP_AFTER.days} days"


def succeeded(session: Session, endpoint_id: str) -> None:
    """A 2xx: the run of failures, if any, is over."""
    session.execute(
        update(WebhookEndpointRow)
        .where(WebhookEndpointRow.id == endpoint_id, WebhookEndpointRow.failing_since.is_not(None))
        .values(failing_since=None)
        .execution_options(synchronize_session=False)
    )


def failed(runtime: Runtime, session: Session, endpoint_id: str, now: datetime, error: str) -> bool:
    """A failed attempt at ``now``: starts the run of failures, or, when the run is older than
    ``GIVE_UP_AFTER``, disables the endpoint and mails the admins. True when this call
    disabled it."""
    session.execute(
        update(WebhookEndpointRow)
        .where(WebhookEndpointRow.id == endpoint_id, WebhookEndpointRow.failing_since.is_(None))
        .values(failing_since=now)
        .execution_options(synchronize_session=False)
    )
    endpoint = session.get(WebhookEndpointRow, endpoint_id, populate_existing=True)
    if endpoint is None or endpoint.failing_since is None:
        return False
    since = instant(endpoint.failing_since, UTC)
    if not schedule.gives_up(since, now):
        return False
    disabling = session.execute(
        update(WebhookEndpointRow)
        .where(WebhookEndpointRow.id == endpoint_id, WebhookEndpointRow.enabled.is_(True))
        .values(enabled=False, disabled_reason=DISABLED_REASON, updated=now)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(disabling, CursorResult) or disabling.rowcount != 1:
        return False  # disabled already (by another worker, by hand, or a 410)
    settings = runtime.settings
    mails = disabled_mails(
        settings.admin_email_list,
        endpoint_id=endpoint_id,
        url=endpoint.url,
        failing_since=since,
        last_error=error,
        api_url=settings.effective_public_url,
    )
    queued = outbox.enqueue(session, mails, settings=settings, now=now, blind_copy=False)
    log.warning(
        "webhook endpoint %s disabled: every attempt failed since %s (%d admin mails queued)",
        endpoint_id,
        since.isoformat(),
        queued,
    )
    return True
