"""Webhook endpoint schemas. The signing secret goes out twice only: in the answers of create
and rotate-secret (``WebhookCreated``)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime

WebhookEvent = Literal[
    "event.created",
    "event.updated",
    "event.deleted",
    "booking.rejected",
    "booking.cleared",
    "calendar.resync_required",
]
Include = Literal["event"]
URL_MAX = 2000
_URL_HELP = "Where deliveries are POSTed: an absolute http:// or https:// URL."
_EVENTS_HELP = "The event types to deliver (at least one)."
_CALENDARS_HELP = (
    "Calendar ids whose changes to deliver; omitted or null: every calendar the creating "
    "token sees (a token scoped to calendars gets its scope stored here)."
)
_INCLUDE_HELP = '"event": deliveries carry the whole event; null: ids and tokens only.'


def check_url(value: str) -> str:
    """Syntax only: the address is checked again where it is resolved (delivery)."""
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError("url must not contain spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an absolute http:// or https:// URL with a host")
    return value


class WebhookCreate(ApiInput):
    """A new webhook endpoint: where to deliver, which event types, which calendars."""

    url: str = Field(min_length=1, max_length=URL_MAX, description=_URL_HELP)
    events: list[WebhookEvent] = Field(min_length=1, max_length=20, description=_EVENTS_HELP)
    calendars: list[str] | None = Field(None, max_length=1000, description=_CALENDARS_HELP)
    description: str | None = Field(None, max_length=500)
    include: Include | None = Field(None, description=_INCLUDE_HELP)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)


class WebhookUpdate(ApiInput):
    """Only the fields sent change; ``calendars: null`` means every calendar the token sees."""

    url: str | None = Field(None, min_length=1, max_length=URL_MAX, description=_URL_HELP)
    events: list[WebhookEvent] | None = Field(
        None, min_length=1, max_length=20, description=_EVENTS_HELP
    )
    calendars: list[str] | None = Field(None, max_length=1000, description=_CALENDARS_HELP)
    description: str | None = Field(None, max_length=500)
    include: Include | None = Field(None, description=_INCLUDE_HELP)
    enabled: bool | None = Field(None, description="false: nothing is delivered until true.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)


class WebhookPublic(ApiModel):
    """A webhook endpoint as the API shows it (never its secret)."""

    id: str
    url: str
    description: str | None
    events: list[WebhookEvent]
    calendars: list[str] | None = Field(description="null: every calendar (an unscoped token).")
    include: Include | None
    enabled: bool = Field(description="As set by PATCH (or false once delivery disabled it).")
    active: bool = Field(
        description="Whether deliveries go out: enabled and its creating token not revoked."
    )
    inactive_reason: str | None = Field(
        None, description="Why not active: `disabled`, `token_revoked`, or delivery's reason."
    )
    created_by_token: str = Field(description="The id of the token that made the endpoint.")
    created: UtcDateTime
    updated: UtcDateTime
    previous_secret_until: UtcDateTime | None = Field(
        None, description="After a rotation: until when the previous secret also signs."
    )


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="The signing secret (`whsec_` + base64, Standard Webhooks). Shown only in "
        "this response."
    )


class WebhooksPublic(ApiModel):
    items: list[WebhookPublic]


DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookDeliveryPublic(ApiModel):
    """One message to one endpoint and how its delivery went (the body is in the single
    delivery's answer only)."""

    id: int = Field(description="The delivery's id (for `before`, the single read and replay).")
    message_id: str = Field(description="The `webhook-id` it carries, on every attempt.")
    type: str = Field(description="The message's type: an event type, or `webhook.test`.")
    status: DeliveryStatus = Field(
        description="`pending` (due at `nextAttemptAt`), `delivered` (a 2xx) or `failed` "
        "(given up: the schedule is over, a 410, or the endpoint was disabled)."
    )
    attempts: int = Field(description="Attempts made (since the last replay).")
    last_status: int | None = Field(description="The HTTP status of the last attempt, if any.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    last_attempt_at: UtcDateTime | None
    next_attempt_at: UtcDateTime | None = Field(description="Only while `pending`.")
    created_at: UtcDateTime
    delivered_at: UtcDateTime | None
    failed_at: UtcDateTime | None


class WebhookDeliveryDetail(WebhookDeliveryPublic):
    payload: dict[str, Any] = Field(description="The message's body, as sent.")


class WebhookDeliveriesPublic(ApiModel):
    items: list[WebhookDeliveryPublic] = Field(description="Newest first.")
    next_before: int | None = Field(
        description="Send as `before` (with the same `status`) for the next, older page; null "
        "when this is the last."
    )
