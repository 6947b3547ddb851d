"""The room-booking tool's routes, unchanged, so its clients work against calgate: create an
event from ``{"name", "start", "end"}`` (and an optional ``organizer``), delete one, clear
bookings with the tool's report. Same Bearer tokens. (The tool's README spells the create
route both ``/events/`` and ``/event``; both work.)

The tool makes the authenticated user a booking's organizer; a calgate token is not a person,
so a client sends the organizer in the body: ``"ann@example.org"``, ``"Ann <ann@example.org>"``
or ``{"email", "name"}``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator, Field, ValidationError

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes.clearing import clear_marked, clear_one
from calgate.domain.access import Role
from calgate.domain.model import EventWrite, IsoTime, Organizer
from calgate.schemas.base import ApiInput
from calgate.schemas.calendars import SLUG_PATTERN
from calgate.services import events, roombooking
from calgate.services.calendars import get_visible, require_role
from calgate.services.context import CalendarContext

router = APIRouter(prefix="/api", tags=["room-booking compatibility"], route_class=StrictQueryRoute)

CalendarId = Annotated[str, Path(pattern=SLUG_PATTERN)]


_NAMED_ADDRESS = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*$")
_ORGANIZER_FORMS = 'an address ("ann@example.org"), "Ann <ann@example.org>" or {"email", "name"}'


def _organizer(value: Any) -> Any:
    """``"ann@example.org"`` or ``"Ann <ann@example.org>"`` as an :class:`Organizer`; an object
    is validated as one."""
    if value is None or isinstance(value, dict | Organizer):
        return value
    if not isinstance(value, str):
        raise ValueError(f"organizer must be {_ORGANIZER_FORMS}")
    named = _NAMED_ADDRESS.match(value)
    parts: dict[str, str | None] = {"email": value}
    if named is not None:
        name = named["name"].strip().strip('"').strip()
        parts = {"email": named["email"], "name": name or None}
    try:
        return Organizer.model_validate(parts)
    except ValidationError:
        raise ValueError(f"{value!r} is not {_ORGANIZER_FORMS}") from None


class SimpleBooking(ApiInput):
    name: str = Field(min_length=1, max_length=1000)
    start: IsoTime
    end: IsoTime
    organizer: Annotated[Organizer | None, BeforeValidator(_organizer)] = Field(
        None,
        description="Who booked (and hears when clearing removes the booking): an address, "
        '`Name <address>` or `{"email", "name"}`. calgate tokens are not people, so the '
        "client says who its user is.",
    )


def _as_event(body: SimpleBooking) -> EventWrite:
    """The booking as calgate's JSON form; what that form refuses (an all-day start with a
    timed end, say) is answered as a 422 pointing at the booking's own field names."""
    try:
        return EventWrite.model_validate(
            {
                "title": body.name,
                "start": body.start,
                "end": body.end,
                "organizer": body.organizer,
            }
        )
    except ValidationError as exc:
        renamed = {"title": "name"}
        errors = [
            {**e, "loc": ("body", *(renamed.get(str(p), p) for p in e["loc"]))}
            for e in exc.errors()
        ]
        raise RequestValidationError(errors) from None


def _context(runtime: Any, grant: Any, calendar_id: str) -> CalendarContext:
    with runtime.db.session() as session:
        calendar, source = get_visible(session, grant, calendar_id)
    require_role(grant, Role.write, "changing events")
    return CalendarContext(runtime, calendar, source)


_DRY = {"1", "ok", "true", "yes", "on"}
_REAL = {"0", "false", "no", "off"}


def _test_mode(value: Any) -> Any:
    """The tool's ``test=1`` or ``test=ok`` (and the boolean spellings ``dryRun`` takes); any
    other value is a 422, never a real run that deletes bookings."""
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word in _DRY | _REAL:
        return word in _DRY
    raise ValueError(f"{value!r}: use test=1 or test=ok for a dry run, test=0 for a real one")


TestMode = Annotated[
    bool,
    BeforeValidator(_test_mode),
    Query(description="1, ok or true: report only, change nothing"),
]


# 200, as the tool answers (a Django Ninja route without a declared status; its README gives
# 204 for DELETE only)
@router.post("/{calendar_id}/events/")
@router.post("/{calendar_id}/events", include_in_schema=False)
@router.post("/{calendar_id}/event", include_in_schema=False)
def create_booking(
    body: SimpleBooking, runtime: RuntimeDep, grant: GrantDep, calendar_id: CalendarId
) -> dict[str, str]:
    """Book: a local time without an offset is in the calendar's time zone. Answers the new
    event's id; the calendar's booking policy applies (409 on an overlap under ``reject``)."""
    ctx = _context(runtime, grant, calendar_id)
    return {"id": events.create_event(ctx, _as_event(body)).id}


@router.delete("/{calendar_id}/events/{event_id}", status_code=204)
@router.delete("/{calendar_id}/event/{event_id}", status_code=204, include_in_schema=False)
def delete_booking(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    event_id: Annotated[str, Path(min_length=1, max_length=400)],
) -> Response:
    events.delete_event(_context(runtime, grant, calendar_id), event_id, if_match=None)
    return Response(status_code=204)


@router.delete("/clear-bookings")
def clear_bookings(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
    test: TestMode = False,
) -> Any:
    """The tool's report: of ``calendar``, or (without it) of every calendar marked
    ``autoClear`` that the token sees, merged into one. A calendar whose server fails does
    not stop the others: it is named in ``errors`` (present only then)."""
    dry_run = test
    if calendar is not None:
        outcome = clear_one(runtime, grant, calendar, dry_run=dry_run)
        return roombooking.report([outcome], [], dry_run=dry_run)
    outcomes, failures = clear_marked(runtime, grant, dry_run=dry_run)
    return roombooking.report(outcomes, failures, dry_run=dry_run)


__all__ = ["router"]
