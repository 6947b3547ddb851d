"""A calendar's events as one ``text/calendar``: the export (read role) and published feeds
(``/api/v1/calendars/{cal}/feeds``, write role), and the feeds' public URL
``/feeds/<token>.ics``, which needs no other credential (see ``services.feeds``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from calgate.api.deps import GrantDep, RuntimeDep, SessionDep
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes.event_params import CalendarId, calendar_context
from calgate.errors import NotFound
from calgate.schemas.feeds import FeedCreate, FeedCreated, FeedsPublic
from calgate.services import feeds, ical_export

router = APIRouter(
    prefix="/api/v1/calendars/{calendar_id}", tags=["feeds"], route_class=StrictQueryRoute
)
# the public URL, outside /api/ (no credential). The one route that ignores a query string: it
# takes no parameters, and subscribing clients add cache-busters (`?nocache=...`) that a 422
# would turn into a broken subscription.
public = APIRouter(tags=["feeds"], route_class=APIRoute)

ICAL = "text/calendar; charset=utf-8"
_BOUND = "An ISO 8601 date or date-time (local times in the calendar's zone)."


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/calendar": {}}, "description": "One VCALENDAR."}},
)
def export_calendar(
    calendar_id: CalendarId,
    runtime: RuntimeDep,
    grant: GrantDep,
    start: Annotated[str | None, Query(description=_BOUND)] = None,
    end: Annotated[str | None, Query(description=_BOUND)] = None,
) -> StreamingResponse:
    """The calendar's events as one `text/calendar`, streamed: each object as the server
    stores it (master and overrides, alarms, X- properties), each time zone once. With
    `start`/`end`: the events with an occurrence in that window; without: all."""
    ctx = calendar_context(runtime, grant, calendar_id, write=False)
    body = ical_export.export(ctx, start=start, end=end)
    headers = {"Content-Disposition": f'attachment; filename="{ctx.calendar.id}.ics"'}
    return StreamingResponse(body, media_type=ICAL, headers=headers)


def _base_url(request: Request, configured: str | None) -> str:
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


@router.post("/feeds", status_code=201, response_model=FeedCreated)
def create_feed(
    calendar_id: CalendarId,
    body: FeedCreate,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    grant: GrantDep,
) -> FeedCreated:
    """Publish the calendar at a new secret URL (write role). The answer holds the URL, shown
    only here; the feed itself needs no other credential."""
    base = _base_url(request, runtime.settings.public_url)
    made = feeds.create(runtime, session, grant, calendar_id, body, base_url=base)
    response.headers["Location"] = f"/api/v1/calendars/{calendar_id}/feeds/{made.id}"
    return made


@router.get("/feeds", response_model=FeedsPublic)
def list_feeds(
    calendar_id: CalendarId, runtime: RuntimeDep, session: SessionDep, grant: GrantDep
) -> FeedsPublic:
    """The calendar's feeds (write role), without their URLs."""
    rows = feeds.list_feeds(runtime, session, grant, calendar_id)
    return FeedsPublic(items=[feeds.to_public(r) for r in rows])


@router.delete("/feeds/{feed_id}", status_code=204)
def delete_feed(
    calendar_id: CalendarId,
    feed_id: Annotated[str, Path(max_length=64)],
    runtime: RuntimeDep,
    session: SessionDep,
    grant: GrantDep,
) -> Response:
    """End the feed: its URL answers 404 from now on."""
    feeds.delete(runtime, session, grant, calendar_id, feed_id)
    return Response(status_code=204)


_FEED_ANSWERS: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {}}, "description": "The feed."},
    304: {"description": "Unchanged since the ETag sent in If-None-Match."},
}
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]


async def _feed(request: Request, name: str, if_none_match: str | None) -> Response:
    runtime = request.app.state.runtime
    token = name.removesuffix(".ics") if name.endswith(".ics") else None
    if token is None:
        raise NotFound("no feed at this address (feed URLs end in .ics)")
    opened = await run_in_threadpool(feeds.open_feed, runtime, token)
    headers = {
        "ETag": opened.etag,
        "Cache-Control": "private, max-age=300",
        "X-Robots-Tag": "noindex",
    }
    if feeds.etag_matches(if_none_match, opened.etag):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":  # the headers a GET would send, no body to build
        return Response(status_code=200, headers=headers, media_type=ICAL)
    return StreamingResponse(opened.body(runtime), media_type=ICAL, headers=headers)


@public.get("/feeds/{name:path}", response_class=StreamingResponse, responses=_FEED_ANSWERS)
async def read_feed(name: str, request: Request, if_none_match: IfNoneMatch = None) -> Response:
    """A published feed (`/feeds/<token>.ics`); the token in the URL is the only credential.
    Strong `ETag`, 304 on `If-None-Match`; an unknown or deleted feed is a 404."""
    return await _feed(request, name, if_none_match)


@public.head("/feeds/{name:path}", responses=_FEED_ANSWERS)
async def head_feed(name: str, request: Request, if_none_match: IfNoneMatch = None) -> Response:
    """The headers `GET` would answer (ETag included), no body."""
    return await _feed(request, name, if_none_match)
