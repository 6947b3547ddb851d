"""The calendars page: the calendars the token sees, and a new calendar (admins)."""

from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.errors import CalgateError
from calgate.schemas.calendars import CalendarCreate
from calgate.services import calendars
from calgate.ui.pages.common import FormDep, ViewerDep, done, router
from calgate.ui.render import Flash, render

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
        return render(
            request,
            "calendars.html",
            viewer=viewer,
            status=getattr(exc, "status", 422),
            flash=Flash(message_of(exc), "error"),
            calendars=_listing(runtime, session, viewer),
            default_zone=runtime.settings.default_time_zone,
        )
    return done(f"/ui/calendars/{row.id}", f"Calendar {row.name!r} created.")


def message_of(exc: Exception) -> str:
    """A sentence for a page from a service's error or a form's invalid field."""
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {str(err.get('msg', 'invalid')).removeprefix('Value error, ')}")
        return "; ".join(parts)
    if isinstance(exc, CalgateError):
        details = [e.detail for e in getattr(exc, "errors", [])]
        return "; ".join(details) if details else exc.detail
    return str(exc)
