"""/api/v1/calendars/{cal}/events: thin routes over services/events.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from calgate.api import negotiation
from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.domain.access import Grant, Role
from calgate.domain.input_limits import check_json_form
from calgate.domain.timezones import format_utc
from calgate.errors import FieldError, InvalidInput, PreconditionFailed, UnsupportedMediaType
from calgate.index import queries
from calgate.runtime import Runtime
from calgate.schemas.calendars import SLUG_PATTERN
from calgate.schemas.events import (
    EventInstancesPublic,
    EventPublic,
    EventsPublic,
    EventWrite,
)
from calgate.services import events, idempotency, instances, jscal, raw
from calgate.services.calendars import read_visible, require_role

JSON = "application/json"
ICAL = "text/calendar; charset=utf-8"
# The forms GET answers in, and the forms a write's answer can take.
READ_FORMS: tuple[negotiation.Form, ...] = ("json", "jscalendar", "ical")
JSCAL = "application/jscalendar+json"


def _answer_form(accept: str | None, sent: negotiation.Form) -> negotiation.Form:
    """A write's answer: the form Accept names; without one, the form the body was sent in."""
    order = (sent, *(f for f in READ_FORMS if f != sent))
    return negotiation.chosen(accept, order)


router = APIRouter(
    prefix="/api/v1/calendars/{calendar_id}/events", tags=["events"], route_class=StrictQueryRoute
)

CalendarId = Annotated[str, Path(pattern=SLUG_PATTERN, description="A calendar id.")]
EventId = Annotated[str, Path(min_length=1, max_length=400, description="An event id.")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]
Accept = Annotated[str | None, Header(alias="Accept", include_in_schema=False)]
Prefer = Annotated[
    str | None, Header(alias="Prefer", description="return=representation: answer with the event.")
]


def _event_write(data: Any, ctx: events.CalendarContext) -> EventWrite:
    """A JSON body as EventWrite, within the input limits; errors exactly as FastAPI's own body
    validation gives them."""
    check_json_form(data, ctx.limits)
    try:
        return EventWrite.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


def _context(
    runtime: Runtime, grant: Grant, calendar_id: str, *, write: bool
) -> events.CalendarContext:
    calendar, source = read_visible(runtime.db, grant, calendar_id)
    if write:
        require_role(grant, Role.write, "changing events")
    return events.CalendarContext(runtime, calendar, source)


def _location(event: EventPublic) -> str:
    return f"/api/v1/calendars/{event.calendar_id}/events/{event.id}"


def _etag(response: Response, event: EventPublic) -> EventPublic:
    if event.etag:
        response.headers["ETag"] = event.etag
    return event


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
    ctx = _context(runtime, grant, calendar_id, write=False)
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
    query = queries.Query(
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
    ctx = _context(runtime, grant, calendar_id, write=True)
    form = _answer_form(accept, payload.form)
    full = negotiation.wants_representation(prefer)
    body = _event_write(payload.data, ctx) if payload.form == "json" else None

    def make(event_id: str | None = None) -> Response:
        if payload.form == "ical":
            created = raw.create_raw(ctx, payload.data, event_id=event_id)
            return _created(ctx, created, form, full=full)
        if payload.form == "jscalendar":
            obj = payload.data if event_id is None else jscal.with_uid(payload.data, event_id)
            return _created(ctx, jscal.create_js(ctx, obj, event_id=event_id), form, full=full)
        assert body is not None
        return _created(ctx, events.create_event(ctx, body, event_id=event_id), form)

    if idempotency_key is None:
        return make()
    ids = {"token_id": grant.token_id, "key": idempotency_key}
    sent = body.model_dump(mode="json", exclude_unset=True) if body is not None else payload.data
    # (the JSON form's digest is the one keys were claimed with before other forms existed)
    what = sent if (payload.form, form) == ("json", "json") else [payload.form, form, full, sent]
    digest = idempotency.body_hash(calendar_id, what)
    planned = _planned_id(payload)
    claimed = idempotency.claim(
        runtime, calendar_id=calendar_id, digest=digest, event_id=planned, **ids
    )
    if isinstance(claimed, idempotency.Stored):
        headers = {**claimed.headers, idempotency.REPLAY_HEADER: "true"}
        return Response(claimed.body, status_code=claimed.status, headers=headers)
    event_id = claimed.event_id
    try:
        if claimed.resumed:
            whole = full or payload.form == "json"  # (a JSON create always answers the event)
            response = _resume(ctx, event_id, lambda: make(event_id), form, full=whole)
        else:
            response = make(event_id)
    except BaseException:
        idempotency.release(runtime, **ids)
        raise
    answer = idempotency.Stored(201, bytes(response.body).decode(), dict(response.headers))
    idempotency.finish(runtime, answer=answer, **ids)
    return response


def _planned_id(payload: negotiation.Payload) -> str:
    """The id a create gives its event, chosen before anything is written."""
    if payload.form == "ical":
        return raw.planned_id(payload.data)
    if payload.form == "jscalendar":
        return jscal.planned_id(payload.data)
    return str(uuid.uuid4())


def _resume(
    ctx: events.CalendarContext,
    event_id: str,
    make: Callable[[], Response],
    form: negotiation.Form,
    *,
    full: bool,
) -> Response:
    """A create whose Idempotency-Key was claimed by a process that is gone (killed while
    making it): answered from the store when the event was written, else made now under the
    same id (``If-None-Match: *``: never twice)."""
    existing = events.adopt_written(ctx, event_id)
    if existing is None:
        try:
            return make()
        except PreconditionFailed:  # written meanwhile (the gone process's PUT, late)
            existing = events.adopt_written(ctx, event_id)
            if existing is None:
                raise
    response = _created(ctx, existing, form, full=full)
    response.headers[idempotency.REPLAY_HEADER] = "true"  # made by the first request
    return response


def _created(
    ctx: events.CalendarContext, event: EventPublic, form: negotiation.Form, *, full: bool = True
) -> Response:
    headers = {"Location": _location(event)}
    if event.etag:
        headers["ETag"] = event.etag
    if not full:
        return Response(status_code=201, headers=headers)
    return _represent(ctx, event, form, status=201, headers=headers)


def _updated(
    ctx: events.CalendarContext, event: EventPublic, form: negotiation.Form, *, full: bool = True
) -> Response:
    """The answer to a change: the event in ``form``, or 204; the new ETag either way."""
    headers = {"ETag": event.etag} if event.etag else {}
    if not full:
        return Response(status_code=204, headers=headers)
    return _represent(ctx, event, form, headers=headers)


def _represent(
    ctx: events.CalendarContext,
    event: EventPublic,
    form: negotiation.Form,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """``event`` in the asked form (raw iCalendar is read back from the server, as stored)."""
    if form == "ical":
        text, _ = raw.get_raw(ctx, event.id)
        return Response(text, status_code=status, media_type=ICAL, headers=headers)
    if form == "jscalendar":
        obj, _ = jscal.get_js(ctx, event.id)
        return Response(json.dumps(obj), status_code=status, media_type=JSCAL, headers=headers)
    return Response(
        event.model_dump_json(by_alias=True), status_code=status, media_type=JSON, headers=headers
    )


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
    ctx = _context(runtime, grant, calendar_id, write=False)
    form = negotiation.chosen(accept, READ_FORMS)
    if form == "ical":
        text, etag = raw.get_raw(ctx, event_id)
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
    ctx = _context(runtime, grant, calendar_id, write=True)
    form = _answer_form(accept, payload.form)
    conditions = {"if_match": if_match, "if_none_match": if_none_match}
    if payload.form == "ical":
        event, created = raw.replace_raw(ctx, event_id, payload.data, **conditions)
        full = negotiation.wants_representation(prefer)
    elif payload.form == "jscalendar":
        event, created = jscal.replace_js(ctx, event_id, payload.data, **conditions)
        full = negotiation.wants_representation(prefer)
    else:
        body = _event_write(payload.data, ctx)
        event, created = events.replace_event(ctx, event_id, body, **conditions)
        full = True
    if created:
        return _created(ctx, event, form, full=full)
    return _updated(ctx, event, form, full=full)


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
    ctx = _context(runtime, grant, calendar_id, write=True)
    if payload.form == "ical":
        raise UnsupportedMediaType(
            "PATCH takes application/json (a merge patch) or application/jscalendar+json (a "
            "PatchObject); to replace the iCalendar object, PUT it"
        )
    if payload.form == "jscalendar":
        form = _answer_form(accept, "jscalendar")
        event = jscal.patch_js(ctx, event_id, payload.data, if_match=if_match)
        return _updated(ctx, event, form, full=negotiation.wants_representation(prefer))
    if not isinstance(payload.data, dict):
        raise RequestValidationError(
            [{"type": "dict_type", "loc": ("body",), "msg": "a PATCH body must be a JSON object"}]
        )
    check_json_form(payload.data, ctx.limits)
    event = events.patch_event(ctx, event_id, payload.data, if_match=if_match)
    return _updated(ctx, event, "json")


@router.delete("/{event_id}", status_code=204)
def delete_event(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    if_match: IfMatch = None,
) -> Response:
    ctx = _context(runtime, grant, calendar_id, write=True)
    events.delete_event(ctx, event_id, if_match=if_match)
    return Response(status_code=204)


# -- occurrences ------------------------------------------------------------------------------
RecurrenceId = Annotated[
    str,
    Path(
        min_length=10,
        max_length=40,
        description="The occurrence's original start, as an ISO date or date-time "
        "(local times in the series' time zone); URL-encode a '+' offset as %2B.",
    ),
]
RangeQuery = Annotated[
    Literal["this", "thisAndFollowing", "all"] | None,
    Query(alias="range", description="this (default), thisAndFollowing, or all."),
]


def _range(query: str | None, body: dict[str, Any] | None) -> instances.Range:
    """``range`` from the query string, or from the body for clients that cannot send one."""
    in_body = body.pop("range", None) if isinstance(body, dict) else None
    if query is not None and in_body is not None and query != in_body:
        raise InvalidInput.field("range", "range differs between the query and the body")
    return instances.check_range(query if query is not None else in_body)


@router.get("/{event_id}/instances", response_model=EventInstancesPublic)
def list_instances(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    start: Annotated[
        str | None, Query(description="Window start; default: the series' first start.")
    ] = None,
    end: Annotated[str | None, Query(description="Window end, exclusive; default: none.")] = None,
    n: Annotated[
        int | None,
        Query(ge=1, description="Only the n-th occurrence (1-based), returned as one event."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=2500)] = 250,
    page_token: Annotated[str | None, Query(alias="pageToken", max_length=200)] = None,
) -> Response:
    ctx = _context(runtime, grant, calendar_id, write=False)
    if n is not None:
        event = instances.get_nth(ctx, event_id, n)
        return Response(event.model_dump_json(by_alias=True), media_type=JSON)
    lo, hi = events.bounds(start, end, ctx.tz)
    page = instances.list_for(ctx, event_id, start=lo, end=hi, limit=limit, page_token=page_token)
    answer = EventInstancesPublic(
        items=page.items, truncated=page.truncated, next_page_token=page.next_page_token
    )
    return Response(answer.model_dump_json(by_alias=True), media_type=JSON)


@router.get("/{event_id}/instances/{recurrence_id}", response_model=EventPublic)
def get_instance(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    recurrence_id: RecurrenceId,
) -> Response:
    ctx = _context(runtime, grant, calendar_id, write=False)
    event = instances.get_one(ctx, event_id, recurrence_id)
    headers = {"ETag": event.etag} if event.etag else None
    return Response(event.model_dump_json(by_alias=True), media_type=JSON, headers=headers)


@router.put("/{event_id}/instances/{recurrence_id}", response_model=EventPublic)
def replace_instance(
    body: EventWrite,
    response: Response,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    recurrence_id: RecurrenceId,
    if_match: IfMatch = None,
) -> EventPublic:
    """Replace one occurrence (stored as an override; the series is untouched)."""
    ctx = _context(runtime, grant, calendar_id, write=True)
    check_json_form(body.model_dump(by_alias=True, exclude_unset=True), ctx.limits)
    event = instances.edit_one(ctx, event_id, recurrence_id, body=body, if_match=if_match)
    return _etag(response, event)


@router.patch("/{event_id}/instances/{recurrence_id}", response_model=EventPublic)
def patch_instance(
    patch: Annotated[dict[str, Any], Body(description="A JSON merge patch (RFC 7396).")],
    response: Response,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    recurrence_id: RecurrenceId,
    range_: RangeQuery = None,
    if_match: IfMatch = None,
) -> EventPublic:
    """Change one occurrence (``range=this``), split the series there and change the rest
    (``thisAndFollowing``: the answer is the new series, 201 with its Location), or change
    the whole series (``all``)."""
    ctx = _context(runtime, grant, calendar_id, write=True)
    check_json_form(patch, ctx.limits)
    which = _range(range_, patch)
    if which == "this":
        event = instances.edit_one(ctx, event_id, recurrence_id, patch=patch, if_match=if_match)
    elif which == "thisAndFollowing":
        event, created = instances.edit_following(
            ctx, event_id, recurrence_id, patch=patch, if_match=if_match
        )
        if created:
            response.status_code = 201
            response.headers["Location"] = _location(event)
    else:
        instances.get_one(ctx, event_id, recurrence_id)  # 404 when not an occurrence
        event = events.patch_event(ctx, event_id, patch, if_match=if_match)
    return _etag(response, event)


@router.delete("/{event_id}/instances/{recurrence_id}", status_code=204)
def delete_instance(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    recurrence_id: RecurrenceId,
    range_: RangeQuery = None,
    if_match: IfMatch = None,
    body: Annotated[
        dict[str, Any] | None, Body(description='Optional: {"range": "thisAndFollowing"}.')
    ] = None,
) -> Response:
    """Exclude one occurrence (an EXDATE; its override goes too), end the series before it
    (``thisAndFollowing``), or delete the whole series (``all``)."""
    ctx = _context(runtime, grant, calendar_id, write=True)
    which = _range(range_, body)
    if which == "this":
        instances.delete_one(ctx, event_id, recurrence_id, if_match=if_match)
    elif which == "thisAndFollowing":
        instances.delete_following(ctx, event_id, recurrence_id, if_match=if_match)
    else:
        instances.get_one(ctx, event_id, recurrence_id)
        events.delete_event(ctx, event_id, if_match=if_match)
    return Response(status_code=204)
