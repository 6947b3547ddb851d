"""A new event from any representation (calgate's JSON, JSCalendar, ``text/calendar``), and
the create an Idempotency-Key claim asks for (:mod:`calgate.services.idempotency`): under the
id the claim chose, and never twice when the claim was taken over from a process that died."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from calgate.domain.model import EventWrite
from calgate.errors import PreconditionFailed
from calgate.services import events, ical_text, idempotency, jscal, writing
from calgate.services.context import CalendarContext

Sent = Literal["json", "jscalendar", "ical"]


def create(
    ctx: CalendarContext,
    sent: Sent,
    data: Any,
    body: EventWrite | None,
    *,
    event_id: str | None = None,
) -> writing.Written:
    """Create from ``data`` as sent (``body``: the JSON form, validated)."""
    if sent == "ical":
        return ical_text.create_raw(ctx, data, event_id=event_id)
    if sent == "jscalendar":
        obj = data if event_id is None else jscal.with_uid(data, event_id)
        return jscal.create_js(ctx, obj, event_id=event_id)
    assert body is not None
    return events.create_event(ctx, body, event_id=event_id)


def planned_id(sent: Sent, data: Any) -> str:
    """The id a create gives its event, chosen before anything is written."""
    if sent == "ical":
        return ical_text.planned_id(data)
    if sent == "jscalendar":
        return jscal.planned_id(data)
    return str(uuid.uuid4())


def digest(
    calendar_id: str,
    sent: Sent,
    data: Any,
    body: EventWrite | None,
    *,
    answer: str,
    full: bool,
) -> str:
    """What an Idempotency-Key is bound to: the request body and the answer it asks for."""
    what = body.model_dump(mode="json", exclude_unset=True) if body is not None else data
    # (the JSON form's digest is the one keys were claimed with before other forms existed)
    if (sent, answer) != ("json", "json"):
        what = [sent, answer, full, what]
    return idempotency.body_hash(calendar_id, what)


def create_claimed(
    ctx: CalendarContext,
    sent: Sent,
    data: Any,
    body: EventWrite | None,
    claimed: idempotency.Claimed,
) -> tuple[writing.Written, bool]:
    """The create a claim asks for, and whether the claim's first owner made it. A claim taken
    over from a process that is gone (killed while making it) is answered from the store when
    the event was written, else made now under the same id (``If-None-Match: *``: never
    twice)."""
    event_id = claimed.event_id
    if not claimed.resumed:
        return create(ctx, sent, data, body, event_id=event_id), False
    existing = writing.adopt_written(ctx, event_id)
    if existing is None:
        try:
            return create(ctx, sent, data, body, event_id=event_id), False
        except PreconditionFailed:  # written meanwhile (the gone process's PUT, late)
            existing = writing.adopt_written(ctx, event_id)
            if existing is None:
                raise
    return existing, True
