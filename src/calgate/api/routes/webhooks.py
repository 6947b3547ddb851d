"""/api/v1/webhooks: endpoints that receive signed deliveries of calendar changes (write or
admin tokens; each token manages the endpoints it made, see ``services.webhooks``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from calgate.api.deps import GrantDep, RuntimeDep, SessionDep
from calgate.api.query_params import StrictQueryRoute
from calgate.schemas.webhooks import (
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPublic,
    WebhookUpdate,
)
from calgate.services import webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], route_class=StrictQueryRoute)


def _created(session: SessionDep, made: webhooks.NewSecret) -> WebhookCreated:
    return WebhookCreated(**webhooks.to_public(session, made.row).model_dump(), secret=made.secret)


@router.post("", status_code=201, response_model=WebhookCreated)
def create_webhook(
    body: WebhookCreate,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    grant: GrantDep,
) -> WebhookCreated:
    """A new endpoint. The answer holds the signing secret, shown only here (and in
    rotate-secret's answer)."""
    made = webhooks.create(runtime, session, grant, body)
    response.headers["Location"] = f"/api/v1/webhooks/{made.row.id}"
    return _created(session, made)


@router.get("", response_model=WebhooksPublic)
def list_webhooks(session: SessionDep, grant: GrantDep) -> WebhooksPublic:
    """The endpoints this token made (an unscoped admin: every endpoint)."""
    rows = webhooks.list_endpoints(session, grant)
    return WebhooksPublic(items=[webhooks.to_public(session, r) for r in rows])


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: str, session: SessionDep, grant: GrantDep) -> WebhookPublic:
    """One endpoint (no secret); `active` false with a reason when nothing is delivered."""
    return webhooks.to_public(session, webhooks.get(session, grant, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookPublic)
def update_webhook(
    webhook_id: str,
    body: WebhookUpdate,
    runtime: RuntimeDep,
    session: SessionDep,
    grant: GrantDep,
) -> WebhookPublic:
    """Change `url`, `events`, `calendars`, `description`, `include` or `enabled`; only the
    fields sent change."""
    return webhooks.to_public(session, webhooks.update(runtime, session, grant, webhook_id, body))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, session: SessionDep, grant: GrantDep) -> Response:
    """Remove the endpoint; nothing more is delivered to it."""
    webhooks.delete(session, grant, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookCreated)
def rotate_webhook_secret(
    webhook_id: str, runtime: RuntimeDep, session: SessionDep, grant: GrantDep
) -> WebhookCreated:
    """A new signing secret, shown only in this answer; the previous one keeps signing
    alongside it for 24 hours (`previousSecretUntil`)."""
    return _created(session, webhooks.rotate_secret(runtime, session, grant, webhook_id))
