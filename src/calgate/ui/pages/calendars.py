"""The calendars page: the calendars the token sees, and a new calendar (admins)."""

from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.errors import CalgateError
from calgate.schemas.calendars import CalendarCreate
from calgate.services import calendars
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import render

pages = router()


def _listing(runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep) -> list[object]:
    rows = calendars.visible_calendars(session, viewer.grant)
    return [calendars.to_public(runtime, c, s) for c, s in rows]


@pages.get("/calendars")
def calendars_page(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep
) -> Response:
    return render(
        request,
        "calendars.html",
        viewer=viewer,
        calendars=_listing(runtime, session, viewer),
        default_zone=runtime.settings.default_time_zone,
    )


@pages.post("/calendars")
def create_calendar(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    try:
        body = CalendarCreate(
            name=form.get("name"),
            id=form.get("id") or None,
            time_zone=form.get("time_zone") or None,
        )
        row, _source = calendars.create_calendar(runtime, viewer.grant, body)
    except (CalgateError, ValidationError) as exc:
        status, flash = refusal(exc)
        return render(
            request,
            "calendars.html",
            viewer=viewer,
            status=status,
            flash=flash,
            calendars=_listing(runtime, session, viewer),
            default_zone=runtime.settings.default_time_zone,
        )
    return done(f"/ui/calendars/{row.id}", f"Calendar {row.name!r} created.")
