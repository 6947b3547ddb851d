"""/api/v1/calendars/{cal}/events: thin routes over services/events.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.domain.access import Grant, Role
from calgate.domain.timezones import format_utc
from calgate.runtime import Runtime
from calgate.schemas.calendars import SLUG_PATTERN
from calgate.schemas.events import EventPublic, EventsPublic, EventWrite
from calgate.services import events
from calgate.services.calendars import get_visible, require_role

router = APIRouter(prefix="/api/v1/calendars/{calendar_id}/events", tags=["events"])

CalendarId = Annotated[str, Path(pattern=SLUG_PATTERN, description="A calendar id.")]
EventId = Annotated[str, Path(min_length=1, max_length=400, description="An event id.")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]


def _context(
    runtime: Runtime, grant: Grant, calendar_id: str, *, write: bool
) -> events.CalendarContext:
    with runtime.db.session() as session:
        calendar, source = get_visible(session, grant, calendar_id)
    if write:
        require_role(grant, Role.write, "changing events")
    return events.CalendarContext(runtime, calendar, source)


def _location(event: EventPublic) -> str:
    return f"/api/v1/calendars/{event.calendar_id}/events/{event.id}"


def _etag(response: Response, event: EventPublic) -> EventPublic:
    if event.etag:
        response.headers["ETag"] = event.etag
    return event


@router.get("", response_model=EventsPublic)
def list_events(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    start: Annotated[str | None, Query(description="Window start (ISO date or date-time).")] = None,
    end: Annotated[str | None, Query(description="Window end, exclusive.")] = None,
    expand: Annotated[bool, Query(description="One item per occurrence.")] = False,
) -> EventsPublic:
    ctx = _context(runtime, grant, calendar_id, write=False)
    win = events.window(start, end, ctx.tz)
    items = events.list_events(ctx, win, expand=expand, max_items=runtime.settings.max_expansion)
    return EventsPublic(
        items=items, start=format_utc(win.start), end=format_utc(win.end), expand=expand
    )


@router.post("", status_code=201, response_model=EventPublic)
def create_event(
    body: EventWrite,
    response: Response,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
) -> EventPublic:
    ctx = _context(runtime, grant, calendar_id, write=True)
    event = events.create_event(ctx, body)
    response.headers["Location"] = _location(event)
    return _etag(response, event)


@router.get("/{event_id}", response_model=EventPublic)
def get_event(
    response: Response,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
) -> EventPublic:
    ctx = _context(runtime, grant, calendar_id, write=False)
    return _etag(response, events.get_event(ctx, event_id))


@router.put("/{event_id}", response_model=EventPublic)
def replace_event(
    body: EventWrite,
    response: Response,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> EventPublic:
    ctx = _context(runtime, grant, calendar_id, write=True)
    event, created = events.replace_event(
        ctx, event_id, body, if_match=if_match, if_none_match=if_none_match
    )
    if created:
        response.status_code = 201
        response.headers["Location"] = _location(event)
    return _etag(response, event)


@router.patch("/{event_id}", response_model=EventPublic)
def patch_event(
    patch: Annotated[dict[str, Any], Body(description="A JSON merge patch (RFC 7396).")],
    response: Response,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: EventId,
    if_match: IfMatch = None,
) -> EventPublic:
    ctx = _context(runtime, grant, calendar_id, write=True)
    return _etag(response, events.patch_event(ctx, event_id, patch, if_match=if_match))


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
