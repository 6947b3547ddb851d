"""/api/v1/calendars: the calendars a token sees, their calgate settings, and new calendars."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from calgate.api.deps import GrantDep, RuntimeDep, SessionDep
from calgate.api.query_params import StrictQueryRoute
from calgate.schemas.calendars import (
    SLUG_PATTERN,
    CalendarCreate,
    CalendarPublic,
    CalendarsPublic,
    CalendarUpdate,
)
from calgate.services import calendars

router = APIRouter(prefix="/api/v1/calendars", tags=["calendars"], route_class=StrictQueryRoute)

CalendarId = Path(pattern=SLUG_PATTERN, description="A calendar id, e.g. `default`.")


@router.get("", response_model=CalendarsPublic)
def list_calendars(runtime: RuntimeDep, session: SessionDep, grant: GrantDep) -> CalendarsPublic:
    rows = calendars.visible_calendars(session, grant)
    return CalendarsPublic(items=[calendars.to_public(runtime, c, s) for c, s in rows])


@router.post("", status_code=201, response_model=CalendarPublic)
def create_calendar(
    body: CalendarCreate, response: Response, runtime: RuntimeDep, grant: GrantDep
) -> CalendarPublic:
    row, source = calendars.create_calendar(runtime, grant, body)
    response.headers["Location"] = f"/api/v1/calendars/{row.id}"
    return calendars.to_public(runtime, row, source)


@router.get("/{calendar_id}", response_model=CalendarPublic)
def get_calendar(
    runtime: RuntimeDep, session: SessionDep, grant: GrantDep, calendar_id: str = CalendarId
) -> CalendarPublic:
    row, source = calendars.get_visible(session, grant, calendar_id)
    return calendars.to_public(runtime, row, source)


@router.patch("/{calendar_id}", response_model=CalendarPublic)
def update_calendar(
    body: CalendarUpdate,
    runtime: RuntimeDep,
    session: SessionDep,
    grant: GrantDep,
    calendar_id: str = CalendarId,
) -> CalendarPublic:
    row, source = calendars.update_calendar(runtime, session, grant, calendar_id, body)
    return calendars.to_public(runtime, row, source)
