"""/api/v1/calendars/{cal}/events/{id}/instances: one series' occurrences, read and edited one
by one or from one on (thin routes over services/instances.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes.event_params import CalendarId, EventId, IfMatch, calendar_context, location
from calgate.domain.input_limits import check_json_form
from calgate.domain.model import EventPublic, EventWrite
from calgate.errors import InvalidInput
from calgate.schemas.events import EventInstancesPublic
from calgate.services import events, instances
from calgate.services.answers import JSON

router = APIRouter(
    prefix="/api/v1/calendars/{calendar_id}/events", tags=["events"], route_class=StrictQueryRoute
)


def _etag(response: Response, event: EventPublic) -> EventPublic:
    if event.etag:
        response.headers["ETag"] = event.etag
    return event


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
    ctx = calendar_context(runtime, grant, calendar_id, write=False)
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
    ctx = calendar_context(runtime, grant, calendar_id, write=False)
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
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
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
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
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
            response.headers["Location"] = location(event.calendar_id, event.id)
    else:
        instances.get_one(ctx, event_id, recurrence_id)  # 404 when not an occurrence
        event = events.patch_event(ctx, event_id, patch, if_match=if_match).event()
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
    ctx = calendar_context(runtime, grant, calendar_id, write=True)
    which = _range(range_, body)
    if which == "this":
        instances.delete_one(ctx, event_id, recurrence_id, if_match=if_match)
    elif which == "thisAndFollowing":
        instances.delete_following(ctx, event_id, recurrence_id, if_match=if_match)
    else:
        instances.get_one(ctx, event_id, recurrence_id)
        events.delete_event(ctx, event_id, if_match=if_match)
    return Response(status_code=204)
