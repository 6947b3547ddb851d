"""/api/v1/webhooks: endpoints that receive signed deliveries of calendar changes (write or
admin tokens; each token manages the endpoints it made, see ``services.webhooks``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from calgate.api.deps import GrantDep, RuntimeDep, SessionDep
from calgate.api.query_params import StrictQueryRoute
from calgate.schemas.webhooks import (
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveriesPublic,
    WebhookDeliveryDetail,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhooksPublic,
    WebhookUpdate,
)
from calgate.services import webhook_deliveries, webhooks
from calgate.services.webhook_deliveries import MAX_ID

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
    webhooks.read_unread(runtime, grant, body.calendars)  # before the session writes
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
    if "calendars" in body.model_fields_set:
        webhooks.read_unread(runtime, grant, body.calendars)  # before the session writes
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


def _queued(
    response: Response, webhook_id: str, public: WebhookDeliveryPublic
) -> WebhookDeliveryPublic:
    response.headers["Location"] = f"/api/v1/webhooks/{webhook_id}/deliveries/{public.id}"
    return public


@router.post("/{webhook_id}/test", status_code=202, response_model=WebhookDeliveryPublic)
def test_webhook(
    webhook_id: str, response: Response, session: SessionDep, grant: GrantDep
) -> WebhookDeliveryPublic:
    """Queue one signed `webhook.test` message (`data.endpointId`) to the endpoint, whatever
    event types it subscribes to; the answer is its delivery (`Location`), to poll. 409 when the
    endpoint is disabled or its token was revoked."""
    return _queued(response, webhook_id, webhook_deliveries.send_test(session, grant, webhook_id))


@router.get("/{webhook_id}/deliveries", response_model=WebhookDeliveriesPublic)
def list_webhook_deliveries(
    webhook_id: str,
    session: SessionDep,
    grant: GrantDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="The previous page's `nextBefore`.")
    ] = None,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> WebhookDeliveriesPublic:
    """The endpoint's messages, newest first: status, attempts, the last answer and when."""
    return webhook_deliveries.list_deliveries(
        session, grant, webhook_id, limit=limit, before=before, status=status
    )


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=WebhookDeliveryDetail)
def get_webhook_delivery(
    webhook_id: str, delivery_id: str, session: SessionDep, grant: GrantDep
) -> WebhookDeliveryDetail:
    """One delivery, with the message's body (`payload`)."""
    return webhook_deliveries.to_detail(
        webhook_deliveries.get(session, grant, webhook_id, delivery_id)
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    status_code=202,
    response_model=WebhookDeliveryPublic,
)
def replay_webhook_delivery(
    webhook_id: str, delivery_id: str, response: Response, session: SessionDep, grant: GrantDep
) -> WebhookDeliveryPublic:
    """Send the message again, as it was (same `webhook-id` and body): due now, with the whole
    retry schedule ahead of it. 409 when the endpoint is disabled or the delivery is being
    attempted at this moment."""
    replayed = webhook_deliveries.replay(session, grant, webhook_id, delivery_id)
    return _queued(response, webhook_id, replayed)
