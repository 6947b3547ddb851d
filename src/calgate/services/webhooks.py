"""Webhook endpoints: create (secret shown once), list, read, change, delete, rotate the secret.

Who may: a token with role write or admin (an endpoint pushes the calendars' changes out, as a
write would). A token subscribes only to calendars it sees; a scoped token that names none gets
its scope stored, so widening the calendars later never widens the endpoint. A token sees and
manages only the endpoints it made (an unscoped admin sees all); any other id answers exactly as
an unknown one. Secrets are sealed with the runtime's SecretBox and never leave this module
except in :class:`NewSecret`.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, CalendarSyncRow, SourceRow, TokenRow, WebhookEndpointRow
from calgate.domain.access import Grant, Role
from calgate.domain.webhooks.signing import new_secret
from calgate.errors import CalgateError, FieldError, InvalidInput, NotFound
from calgate.outbound import addresses
from calgate.runtime import Runtime
from calgate.schemas.webhooks import WebhookCreate, WebhookPublic, WebhookUpdate
from calgate.services import webhook_dispatch
from calgate.services.calendars import require_role
from calgate.services.tokens import grant_of
from calgate.settings import Settings

log = logging.getLogger(__name__)

PREVIOUS_SECRET_KEPT = timedelta(hours=24)


@dataclass(frozen=True)
class NewSecret:
    """An endpoint and its new plain secret, for the one answer that shows it."""

    row: WebhookEndpointRow
    secret: str

    def __repr__(self) -> str:
        return f"NewSecret(id={self.row.id!r}, secret=<hidden>)"


def _require_manager(grant: Grant) -> None:
    require_role(grant, Role.write, "managing webhooks")


def _calendars_for(
    session: Session, grant: Grant, asked: list[str] | None, owner: Grant | None = None
) -> list[str] | None:
    """The calendars to store: the asked ones if the token sees each (an unknown calendar and
    one outside the scope get the same 422), or the token's own scope (None: unscoped).
    ``owner``: the grant of the token that made the endpoint, when another (an unscoped admin)
    changes it: the endpoint never reaches beyond its maker's scope."""
    owner = owner or grant
    if asked is None:
        return None if owner.calendars is None else sorted(owner.calendars)
    known = set(session.scalars(select(CalendarRow.id).where(CalendarRow.id.in_(asked))))
    errors = [
        FieldError(f"no calendar with id {cal!r}", f"#/calendars/{i}")
        for i, cal in enumerate(asked)
        if cal not in known or not grant.sees(cal) or not owner.sees(cal)
    ]
    if errors:
        raise InvalidInput("the webhook names calendars this token cannot see", errors)
    return sorted(set(asked))


def check_destination(settings: Settings, url: str) -> None:
    """Refuse an endpoint URL calgate will not send to (docs/webhooks.md, "Which URLs are
    allowed"): not https (unless ``webhook_allow_http``), an address or ``localhost`` outside
    the public internet, or a name that resolves there now (unless ``webhook_allow_private``).
    A name that does not resolve yet is taken: every attempt resolves and checks it again."""
    addresses.safe_addresses(
        url,
        allow_http=settings.webhook_allow_http,
        allow_private=settings.webhook_allow_private,
        must_resolve=False,
    )


def read_unread(runtime: Runtime, grant: Grant, asked: list[str] | None) -> None:
    """Read now the calendars an endpoint is about to cover that calgate has never read, so
    that the endpoint starts after what they hold: a calendar never read has no place in its
    change feed to start from, and starting at the worker's first sight of it would skip the
    changes made in between. Best effort, in sessions of its own (call it before the request's
    session writes): a server that does not answer leaves the calendar to start at first
    sight, as before."""
    with runtime.db.session() as session:
        query = (
            select(CalendarRow, SourceRow)
            .join(SourceRow, SourceRow.id == CalendarRow.source_id)
            .outerjoin(CalendarSyncRow, CalendarSyncRow.calendar_id == CalendarRow.id)
            .where(CalendarSyncRow.last_synced.is_(None))
        )
        if asked is not None:
            query = query.where(CalendarRow.id.in_(asked))
        unread = [(c, s) for c, s in session.execute(query) if grant.sees(c.id)]
    for calendar, source in unread:
        try:
            runtime.indexer.ensure_fresh(calendar, source)
        except CalgateError as exc:
            log.info("webhook endpoint: %s not read yet (%s)", calendar.id, exc.detail)


def create(runtime: Runtime, session: Session, grant: Grant, body: WebhookCreate) -> NewSecret:
    _require_manager(grant)
    check_destination(runtime.settings, body.url)
    calendars = _calendars_for(session, grant, body.calendars)
    secret = new_secret()
    now = datetime.now(UTC)
    row = WebhookEndpointRow(
        id="wh_" + secrets.token_hex(8),
        url=body.url,
        description=body.description,
        events=sorted(set(body.events)),
        calendars=calendars,
        include=body.include,
        enabled=True,
        created=now,
        updated=now,
        created_by_token_id=grant.token_id,
        secret_encrypted=runtime.box.seal(secret),
        previous_secret_encrypted=None,
        previous_secret_until=None,
        disabled_reason=None,
    )
    session.add(row)
    session.flush()
    webhook_dispatch.start_positions(session, row)
    return NewSecret(row=row, secret=secret)


def _manages(grant: Grant, row: WebhookEndpointRow) -> bool:
    unscoped_admin = grant.role is Role.admin and grant.calendars is None
    return unscoped_admin or row.created_by_token_id == grant.token_id


def list_endpoints(session: Session, grant: Grant) -> list[WebhookEndpointRow]:
    _require_manager(grant)
    query = select(WebhookEndpointRow).order_by(WebhookEndpointRow.created, WebhookEndpointRow.id)
    if not (grant.role is Role.admin and grant.calendars is None):
        query = query.where(WebhookEndpointRow.created_by_token_id == grant.token_id)
    return list(session.scalars(query))


def get(session: Session, grant: Grant, endpoint_id: str) -> WebhookEndpointRow:
    _require_manager(grant)
    row = session.get(WebhookEndpointRow, endpoint_id)
    if row is None or not _manages(grant, row):
        raise NotFound(f"no webhook endpoint with id {endpoint_id!r}")
    return row


def update(
    runtime: Runtime, session: Session, grant: Grant, endpoint_id: str, changes: WebhookUpdate
) -> WebhookEndpointRow:
    row = get(session, grant, endpoint_id)
    sent = changes.model_fields_set
    nulls = [f for f in ("url", "events", "enabled") if f in sent and getattr(changes, f) is None]
    if nulls:
        raise InvalidInput(
            "these fields cannot be null", [FieldError("may not be null", f"#/{f}") for f in nulls]
        )
    if changes.url is not None:
        check_destination(runtime.settings, changes.url)
        row.url = changes.url
    if changes.events is not None:
        row.events = sorted(set(changes.events))
    if "calendars" in sent:
        maker = session.get(TokenRow, row.created_by_token_id)
        owner = grant_of(maker) if maker is not None else None
        row.calendars = _calendars_for(session, grant, changes.calendars, owner)
        session.flush()
        webhook_dispatch.start_positions(session, row)  # the calendars added start now
    if "description" in sent:
        row.description = changes.description
    if "include" in sent:
        row.include = changes.include
    if changes.enabled is not None:
        if changes.enabled and not row.enabled:
            row.disabled_reason = None  # enabled again by hand: delivery's reason is over
            row.failing_since = None  # and its days of failures: the count starts again
        row.enabled = changes.enabled
    row.updated = datetime.now(UTC)
    session.flush()
    return row


def delete(session: Session, grant: Grant, endpoint_id: str) -> None:
    session.delete(get(session, grant, endpoint_id))
    session.flush()


def rotate_secret(runtime: Runtime, session: Session, grant: Grant, endpoint_id: str) -> NewSecret:
    """A new secret; the current one keeps signing alongside it for 24 h, so receivers can
    switch without losing a delivery."""
    row = get(session, grant, endpoint_id)
    secret = new_secret()
    now = datetime.now(UTC)
    row.previous_secret_encrypted = row.secret_encrypted
    row.previous_secret_until = now + PREVIOUS_SECRET_KEPT
    row.secret_encrypted = runtime.box.seal(secret)
    row.updated = now
    session.flush()
    return NewSecret(row=row, secret=secret)


def to_public(session: Session, row: WebhookEndpointRow) -> WebhookPublic:
    token = session.get(TokenRow, row.created_by_token_id)
    token_gone = token is None or token.revoked is not None
    reason = None
    if token_gone:
        reason = "token_revoked"
    elif not row.enabled:
        reason = row.disabled_reason or "disabled"
    return WebhookPublic(
        id=row.id,
        url=row.url,
        description=row.description,
        events=row.events,
        calendars=row.calendars,
        include=row.include,
        enabled=row.enabled,
        active=reason is None,
        inactive_reason=reason,
        created_by_token=row.created_by_token_id,
        created=row.created,
        updated=row.updated,
        previous_secret_until=row.previous_secret_until,
    )
