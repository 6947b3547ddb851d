"""/api/v1/calendars/{cal}/events: thin routes over the event services (services/events.py for
calgate's JSON, jscal.py, ical_text.py; creation.py and idempotency.py for a POST); the
occurrence routes are routes/occurrences.py."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from calgate.api import negotiation
from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes.event_params import (
    Accept,
    CalendarId,
    EventId,
    IfMatch,
    IfNoneMatch,
    Prefer,
    calendar_context,
    location,
)
from calgate.domain.input_limits import check_json_form
from calgate.domain.model import EventPublic, EventWrite
from calgate.domain.model.field_hints import model_fields, with_hints
from calgate.domain.timezones import format_utc
from calgate.errors import FieldError, InvalidInput, UnsupportedMediaType
from calgate.schemas.events import EventsPublic
from calgate.services import answers, creation, events, ical_text, idempotency, jscal
from calgate.services.answers import ICAL, JSCAL, JSON
from calgate.services.context import CalendarContext
from calgate.services.writing import Written

# The forms GET answers in, and the forms a write's answer can take.
READ_FORMS: tuple[negotiation.Form, ...] = ("json", "jscalendar", "ical")


def _answer_form(accept: str | None, sent: negotiation.Form) -> negotiation.Form:
    """A write's answer: the form Accept names; without one, the form the body was sent in."""
    order = (sent, *(f for f in READ_FORMS if f != sent))
    return negotiation.chosen(accept, order)


router = APIRouter(
    prefix="/api/v1/calendars/{calendar_id}/events", tags=["events"], route_class=StrictQueryRoute
)


def _event_write(data: Any, ctx: CalendarContext) -> EventWrite:
    """A JSON body as EventWrite, within the input limits; errors exactly as FastAPI's own body
    validation gives them."""
    check_json_form(data, ctx.limits)
    try:
        return EventWrite.model_validate(data)
    except ValidationError as exc:
        hinted = with_hints(exc.errors(), model_fields(EventWrite))
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in hinted]
        raise RequestValidationError(errors) from exc


# The listing's parameters that only a JSCalendar list reads, and those the JSCalendar change
# feed (a list with syncToken) reads: any other sent there would be ignored, so it is a 422.
_JSCALENDAR_ONLY_PARAMS = ("syncToken", "props")
_FEED_PARAMS = frozenset({"syncToken", "props", "limit"})


def _check_applies(form: negotiation.Form, *, feed: bool, sent: list[str]) -> None:
    """A 422 naming each sent parameter the asked-for listing does not read."""
    if form == "json":
        wrong = [name for name in _JSCALENDAR_ONLY_PARAMS if name in sent]
        why = (
            "applies only to JSCalendar lists (Accept: application/jscalendar+json); calgate's "
            "JSON form has the change feed at GET .../changes?since=<token>"
        )
    elif feed:
        wrong = [name for name in dict.fromkeys(sent) if name not in _FEED_PARAMS]
        why = "does not apply to the change feed (a JSCalendar list with syncToken), which takes "
        why += "only syncToken, limit and props"
    else:
        return
    if wrong:
        errors = [FieldError(f"query parameter {name!r} {why}", name) for name in wrong]
        raise InvalidInput("; ".join(e.detail for e in errors), errors)


@router.get("", response_model=EventsPublic)
def list_events(
    request: Request,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    start: Annotated[str | None, Query(description="Window start (ISO date or date-time).")] = None,
    end: Annotated[str | None, Query(description="Window end, exclusive.")] = None,
    expand: Annotated[bool, Query(description="One item per occurrence.")] = False,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in title, description or location.")
    ] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[Literal["confirmed", "tentative", "cancelled"] | None, Query()] = None,
    attendee: Annotated[
        str | None, Query(max_length=320, description="An attendee's email.")
    ] = None,
    order_by: Annotated[
        Literal["start", "created", "updated"],
        Query(alias="orderBy", description="start (ascending), created or updated (newest first)."),
    ] = "start",
    limit: Annotated[int, Query(ge=1, le=2500)] = 250,
    page_token: Annotated[str | None, Query(alias="pageToken", max_length=500)] = None,
    sync_token: Annotated[
        str | None,
        Query(
            alias="syncToken",
            max_length=500,
            description="JSCalendar lists: the changes since this token (from `syncToken`).",
        ),
    ] = None,
    props: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="JSCalendar lists: the properties to return, comma-separated.",
        ),
    ] = None,
    accept: Accept = None,
) -> Response:
    """Events overlapping a window, as calgate's JSON (``items``) or, with ``Accept:
    application/jscalendar+json``, an RFC 8984 Group of Events (``entries``); a JSCalendar list
    with ``syncToken`` (or ``syncToken=`` empty for everything) is the change feed instead."""
    ctx = calendar_context(runtime, grant, calendar_id, write=False)
    form = negotiation.chosen(accept, ("json", "jscalendar"))
    _check_applies(form, feed=sync_token is not None, sent=list(request.query_params))
    wanted = [p.strip() for p in props.split(",") if p.strip()] if props else None
    if form == "jscalendar" and sync_token is not None:
        body = jscal.changes_js(ctx, since=sync_token or None, limit=limit, props=wanted)
        return Response(json.dumps(body), media_type=JSCAL)
    if form == "jscalendar" and expand:
        raise InvalidInput.field(
            "expand",
            "JSCalendar lists series with their recurrenceOverrides; ask without expand, or "
            "use GET .../events/{id}/instances",
        )
    settings = runtime.settings
    win = events.window(start, end, ctx.tz, max_days=settings.max_window_days)
    query = events.ListQuery(
        calendar_id=ctx.calendar.id,
        start=win.start,
        end=win.end,
        expand=expand,
        floating_tz=ctx.tz,
        q=q,
        category=category,
        status=status,
        attendee=attendee,
        order_by=order_by,
        limit=limit,
        max_items=settings.max_expansion,
    )
    if form == "jscalendar":
        body = jscal.list_js(ctx, query, page_token=page_token, props=wanted)
        return Response(json.dumps(body), media_type=JSCAL)
    page = events.list_indexed(ctx, query, page_token=page_token)
    head = json.dumps(
        {
            "start": format_utc(win.start),
            "end": format_utc(win.end),
            "expand": expand,
            "nextPageToken": page.next_page_token,
        }
    )
    return Response('{"items":[' + ",".join(page.items) + "]," + head[1:], media_type=JSON)


@router.post(
    "",
    status_code=201,
    response_model=EventPublic,
    openapi_extra=negotiation.request_body_doc("#/components/schemas/EventWrite"),
)
def create_event(
    payload: Annotated[negotiation.Payload, Depends(negotiation.read_payload)],
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="Retries with the same key replay."),
    ] = None,
    accept: Accept = None,
    prefer: Prefer = None,
) -> Response:
    """Create from calgate's JSON (the default), JSCalendar (``application/jscalendar+json``, an
    RFC 8984 Event) or raw iCalendar (``text/calendar``: stored as sent). For the last two the
    answer is the event in the form ``Accept`` names (default: the form sent) with ``Prefer:
    return=representation``, else 201 without a body."""
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
    form = _answer_form(accept, payload.form)
    full = negotiation.wants_representation(prefer)
    whole = full or payload.form == "json"  # (a JSON create always answers the event)
    body = _event_write(payload.data, ctx) if payload.form == "json" else None
    if idempotency_key is None:
        written = creation.create(ctx, payload.form, payload.data, body)
        return _created(written, form, full=whole)

    def make(claimed: idempotency.Claimed) -> idempotency.Stored:
        written, adopted = creation.create_claimed(ctx, payload.form, payload.data, body, claimed)
        response = _created(written, form, full=whole)
        if adopted:
            response.headers[idempotency.REPLAY_HEADER] = "true"  # made by the first request
        return idempotency.Stored(201, bytes(response.body).decode(), dict(response.headers))

    answer, replayed = idempotency.run_once(
        runtime,
        token_id=grant.token_id,
        key=idempotency_key,
        calendar_id=calendar_id,
        digest=creation.digest(
            calendar_id, payload.form, payload.data, body, answer=form, full=full
        ),
        event_id=creation.planned_id(payload.form, payload.data),
        make=make,
    )
    headers = {**answer.headers, idempotency.REPLAY_HEADER: "true"} if replayed else answer.headers
    return Response(answer.body, status_code=answer.status, headers=headers)


def _created(written: Written, form: negotiation.Form, *, full: bool = True) -> Response:
    headers = {"Location": location(written.calendar_id, written.id)}
    if written.etag:
        headers["ETag"] = written.etag
    if not full:
        return Response(status_code=201, headers=headers)
    return _represent(written, form, status=201, headers=headers)


def _updated(written: Written, form: negotiation.Form, *, full: bool = True) -> Response:
    """The answer to a change: the event in ``form``, or 204; the new ETag either way."""
    headers = {"ETag": written.etag} if written.etag else {}
    if not full:
        return Response(status_code=204, headers=headers)
    return _represent(written, form, headers=headers)


def _represent(
    written: Written,
    form: negotiation.Form,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body, media_type = answers.represent(written, form)
    return Response(body, status_code=status, media_type=media_type, headers=headers)


@router.get(
    "/{event_id}",
    response_model=EventPublic,
    responses={200: {"content": {negotiation.MEDIA["ical"]: {}}}},
)
def get_event(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    accept: Accept = None,
) -> Response:
    """One event: calgate's JSON (from the index), ``Accept: application/jscalendar+json`` for
    an RFC 8984 Event, or ``Accept: text/calendar`` for the stored object byte for byte (from
    the server)."""
    ctx = calendar_context(runtime, grant, calendar_id, write=False)
    form = negotiation.chosen(accept, READ_FORMS)
    if form == "ical":
        text, etag = ical_text.get_raw(ctx, event_id)
        return Response(text, media_type=ICAL, headers={"ETag": etag} if etag else None)
    if form == "jscalendar":
        obj, etag = jscal.get_js(ctx, event_id)
        return Response(json.dumps(obj), media_type=JSCAL, headers={"ETag": etag} if etag else None)
    text, etag = events.get_indexed(ctx, event_id)
    return Response(text, media_type=JSON, headers={"ETag": etag} if etag else None)


@router.put(
    "/{event_id}",
    response_model=EventPublic,
    openapi_extra=negotiation.request_body_doc("#/components/schemas/EventWrite"),
)
def replace_event(
    payload: Annotated[negotiation.Payload, Depends(negotiation.read_payload)],
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
    accept: Accept = None,
    prefer: Prefer = None,
) -> Response:
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
    form = _answer_form(accept, payload.form)
    conditions = {"if_match": if_match, "if_none_match": if_none_match}
    if payload.form == "ical":
        event, created = ical_text.replace_raw(ctx, event_id, payload.data, **conditions)
        full = negotiation.wants_representation(prefer)
    elif payload.form == "jscalendar":
        event, created = jscal.replace_js(ctx, event_id, payload.data, **conditions)
        full = negotiation.wants_representation(prefer)
    else:
        body = _event_write(payload.data, ctx)
        event, created = events.replace_event(ctx, event_id, body, **conditions)
        full = True
    if created:
        return _created(event, form, full=full)
    return _updated(event, form, full=full)


@router.patch(
    "/{event_id}",
    response_model=EventPublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": "A JSON merge patch (RFC 7396)."}
                },
                JSCAL: {"schema": {"type": "object", "description": "An RFC 8984 PatchObject."}},
            },
        }
    },
)
def patch_event(
    payload: Annotated[negotiation.Payload, Depends(negotiation.read_payload)],
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    if_match: IfMatch = None,
    accept: Accept = None,
    prefer: Prefer = None,
) -> Response:
    """A JSON merge patch (RFC 7396) of calgate's JSON form, answered with the event; or, with
    ``Content-Type: application/jscalendar+json``, an RFC 8984 PatchObject of the JSCalendar
    form (``{"participants/p1/participationStatus": "accepted"}``), answered with 204 or, with
    ``Prefer: return=representation``, the event."""
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
    if payload.form == "ical":
        raise UnsupportedMediaType(
            "PATCH takes application/json (a merge patch) or application/jscalendar+json (a "
            "PatchObject); to replace the iCalendar object, PUT it"
        )
    if payload.form == "jscalendar":
        form = _answer_form(accept, "jscalendar")
        event = jscal.patch_js(ctx, event_id, payload.data, if_match=if_match)
        return _updated(event, form, full=negotiation.wants_representation(prefer))
    if not isinstance(payload.data, dict):
        raise RequestValidationError(
            [{"type": "dict_type", "loc": ("body",), "msg": "a PATCH body must be a JSON object"}]
        )
    check_json_form(payload.data, ctx.limits)
    event = events.patch_event(ctx, event_id, payload.data, if_match=if_match)
    return _updated(event, "json")


@router.delete("/{event_id}", status_code=204)
def delete_event(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    if_match: IfMatch = None,
) -> Response:
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
    events.delete_event(ctx, event_id, if_match=if_match)
    return Response(status_code=204)
