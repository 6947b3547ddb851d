"""The bodies calgate POSTs to webhook endpoints (docs/webhooks.md, "Messages"): ``type``,
``timestamp`` and ``data``, one model per message type. The dispatcher builds every message
through these models and the OpenAPI document's ``webhooks`` section is made from them, so the
documented schema and what a receiver gets cannot drift apart. Small by design: ids, times and
change tokens, never an event's content (unless the endpoint asked for ``include: "event"``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from calgate.schemas.base import ApiModel, UtcDateTime

Origin = Literal["api", "caldav", "clearing", "ics", "import"]
_ORIGIN_HELP = (
    "Who made the change: api (calgate's API), caldav (a CalDAV client, through /dav/ or on "
    "the server itself), clearing (calgate's clearing of a booking calendar), ics (a refresh "
    "of a subscribed iCalendar feed), import (an .ics import into the calendar)."
)
_SYNC_HELP = "The change feed's position right after this change: GET .../events?syncToken=..."


class EventChange(ApiModel):
    """``data`` of event.created, event.updated and event.deleted."""

    calendar_id: str
    event_id: str
    uid: str | None
    etag: str | None
    origin: Origin | None = Field(description=_ORIGIN_HELP)
    sync_token: str = Field(description=_SYNC_HELP)
    event: dict[str, Any] | None = Field(
        None,
        description='Only for an endpoint with include: "event": the event in calgate\'s JSON '
        "form (the Event schema); absent otherwise.",
    )


class ResyncRequired(ApiModel):
    """``data`` of calendar.resync_required: the calendar's index was rebuilt; read it again
    from this token instead of waiting for one message per event."""

    calendar_id: str
    sync_token: str = Field(description="A fresh change feed position for the whole calendar.")


class BookingRef(ApiModel):
    """One booking (an event, or one occurrence of a series) and the time it takes (UTC)."""

    event_id: str
    recurrence_id: str | None = Field(description="The occurrence's id; null: a single event.")
    uid: str | None
    start: UtcDateTime
    end: UtcDateTime


class BookingRejected(ApiModel):
    """``data`` of booking.rejected: a write was refused (409) because it would have taken
    time another booking holds in an ``overlap: reject`` calendar. Nothing was stored."""

    calendar_id: str
    event_id: str | None = Field(
        description="The event the write would have changed; null for a new event (a refused "
        "create leaves no event behind)."
    )
    uid: str | None = Field(description="The UID of the refused object.")
    start: UtcDateTime = Field(
        description="The time the refused object asked for: its first busy occurrence that "
        "the event did not hold before (for a single event, its start and end)."
    )
    end: UtcDateTime
    origin: Origin = Field(description=_ORIGIN_HELP)
    reason: Literal["overlap"] = Field(
        description="overlap: it overlaps busy bookings (listed in conflicts)."
    )
    conflicts: list[BookingRef] = Field(
        description="The bookings in the way (at most 20, earliest first), as the 409 lists them."
    )
    conflict_count: int = Field(description="How many bookings are in the way in all.")


class ClearedWinner(BookingRef):
    """The booking that kept its time."""

    prioritized: bool


class BookingCleared(ApiModel):
    """``data`` of booking.cleared: the clearing of an ``overlap`` calendar removed a booking
    (deleted a single event, or cancelled one occurrence of a series) that overlapped one
    that keeps its time. An event.deleted or event.updated with origin clearing follows for
    the change itself."""

    calendar_id: str
    event_id: str
    recurrence_id: str | None = Field(
        description="The cancelled occurrence's id; null when the whole event was deleted."
    )
    uid: str | None
    start: UtcDateTime
    end: UtcDateTime
    action: Literal["deleted", "occurrence_cancelled"]
    reason: Literal["overlap", "deprioritized"] = Field(
        description="overlap: a booking made earlier (or prioritized) holds the time; "
        "deprioritized: it was made earlier but lost to a prioritized booking."
    )
    winner: ClearedWinner = Field(
        description="The booking that kept its time (of several, the first in clearing's "
        "order: prioritized first, then the earliest made)."
    )


class _Message(ApiModel):
    type: str  # each message narrows it to its own name
    timestamp: datetime = Field(description="When calgate queued the message (UTC).")


class EventCreatedMessage(_Message):
    """An event was created (through the API, by a CalDAV client or through /dav/)."""

    type: Literal["event.created"]
    data: EventChange


class EventUpdatedMessage(_Message):
    """An event was changed."""

    type: Literal["event.updated"]
    data: EventChange


class EventDeletedMessage(_Message):
    """An event was deleted."""

    type: Literal["event.deleted"]
    data: EventChange


class BookingRejectedMessage(_Message):
    """A write was refused: it would double-book an ``overlap: reject`` calendar."""

    type: Literal["booking.rejected"]
    data: BookingRejected


class BookingClearedMessage(_Message):
    """Clearing removed a booking that overlapped one that keeps its time."""

    type: Literal["booking.cleared"]
    data: BookingCleared


class ResyncRequiredMessage(_Message):
    """The calendar's index was rebuilt: read it again from the fresh sync token."""

    type: Literal["calendar.resync_required"]
    data: ResyncRequired


class WebhookTest(ApiModel):
    """``data`` of webhook.test."""

    endpoint_id: str = Field(description="The endpoint POST .../test was called for.")


class WebhookTestMessage(_Message):
    """Sent by POST /api/v1/webhooks/{id}/test only: verify it like any other message, answer
    2xx, and otherwise ignore it (not a type one subscribes to)."""

    type: Literal["webhook.test"]
    data: WebhookTest


MessageData = EventChange | ResyncRequired | BookingRejected | BookingCleared | WebhookTest

# every message type an endpoint may ask for, with its body's model
MESSAGES: dict[str, type[_Message]] = {
    "event.created": EventCreatedMessage,
    "event.updated": EventUpdatedMessage,
    "event.deleted": EventDeletedMessage,
    "booking.rejected": BookingRejectedMessage,
    "booking.cleared": BookingClearedMessage,
    "calendar.resync_required": ResyncRequiredMessage,
}
# every message type calgate sends: those above and the test message
SENT: dict[str, type[_Message]] = {**MESSAGES, "webhook.test": WebhookTestMessage}


def message_json(kind: str, timestamp: datetime, data: MessageData) -> str:
    """The body of one message, built and checked through its model (fields left unset, as
    ``event`` without ``include``, stay out)."""
    message = SENT[kind].model_validate({"type": kind, "timestamp": timestamp, "data": data})
    return message.model_dump_json(by_alias=True, exclude_unset=True)
