"""What the event routes share: path and header parameters, the calendar a request is about,
and where an event lives."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path

from calgate.domain.access import Grant, Role
from calgate.runtime import Runtime
from calgate.schemas.calendars import SLUG_PATTERN
from calgate.services.calendars import read_visible, require_role
from calgate.services.context import CalendarContext

CalendarId = Annotated[str, Path(pattern=SLUG_PATTERN, description="A calendar id.")]
EventId = Annotated[str, Path(min_length=1, max_length=400, description="An event id.")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]
Accept = Annotated[str | None, Header(alias="Accept", include_in_schema=False)]
Prefer = Annotated[
    str | None, Header(alias="Prefer", description="return=representation: answer with the event.")
]


def calendar_context(
    runtime: Runtime, grant: Grant, calendar_id: str, *, write: bool
) -> CalendarContext:
    """The calendar the request names, when the token sees it (and may write, for a write, to
    a calendar that is not read-only)."""
    calendar, source = read_visible(runtime.db, grant, calendar_id)
    ctx = CalendarContext(runtime, calendar, source)
    if write:
        require_role(grant, Role.write, "changing events")
        ctx.check_writable()
    return ctx


def location(calendar_id: str, event_id: str) -> str:
    return f"/api/v1/calendars/{calendar_id}/events/{event_id}"
