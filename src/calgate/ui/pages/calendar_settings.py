"""One calendar's page: what it is, and for a token that may change it (the rule of
``PATCH /api/v1/calendars/{id}``) its name, time zone, booking policy and notification
template, with a preview of that template rendered by the mails' own sandbox."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.errors import CalgateError, NotFound
from calgate.runtime import Runtime
from calgate.schemas.calendars import CalendarUpdate
from calgate.services import calendars
from calgate.services.notification_preview import Preview, preview_notification
from calgate.ui.forms import Form
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import Flash, Viewer, render

pages = router()


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones offered while typing a calendar's time zone (any IANA name is taken)."""
    return tuple(sorted(available_timezones()))


def _page(
    request: Request,
    runtime: Runtime,
    session: Session,
    viewer: Viewer,
    calendar_id: str,
    *,
    status: int = 200,
    flash: Flash | None = None,
    preview: Preview | None = None,
    draft: dict[str, str] | None = None,
) -> Response:
    row, source = calendars.get_visible(session, viewer.grant, calendar_id)
    cal = calendars.to_public(runtime, row, source)
    texts = {
        "notification_template": cal.notification_template or "",
        "notification_subject": cal.notification_subject or "",
        **(draft or {}),
    }
    return render(
        request,
        "calendar.html",
        viewer=viewer,
        status=status,
        flash=flash,
        cal=cal,
        zones=zone_names() if viewer.can_write else (),
        preview=preview,
        error=None,
        texts=texts,
    )


@pages.get("/calendars/{calendar_id}")
def calendar_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    calendar_id: str,
) -> Response:
    return _page(request, runtime, session, viewer, calendar_id)


def _change(
    request: Request,
    runtime: Runtime,
    session: Session,
    viewer: Viewer,
    calendar_id: str,
    changes: dict[str, Any],
    said: str,
    draft: dict[str, str] | None = None,
) -> Response:
    """One change through the API's service: 303 back with ``said``, or the page again with
    the service's reason (nothing of the change kept)."""
    try:
        body = CalendarUpdate(**changes)
        with session.begin_nested():  # a refused change leaves nothing behind
            calendars.update_calendar(runtime, session, viewer.grant, calendar_id, body)
    except NotFound:
        raise
    except (CalgateError, ValidationError) as exc:
        status, flash = refusal(exc)
        return _page(
            request, runtime, session, viewer, calendar_id, status=status, flash=flash, draft=draft
        )
    return done(f"/ui/calendars/{calendar_id}", said)


def _name(form: Form) -> tuple[dict[str, Any], str]:
    name = form.get("name").strip()
    return {"name": name}, f"Calendar renamed to {name!r}."


def _time_zone(form: Form) -> tuple[dict[str, Any], str]:
    zone = form.get("time_zone").strip()
    return {"time_zone": zone}, f"Time zone set to {zone}."


def _policy(form: Form) -> tuple[dict[str, Any], str]:
    changes = {
        "overlap": form.get("overlap"),
        "auto_clear": form.get("auto_clear") == "on",
        "notifications": form.get("notifications"),
    }
    return changes, "Booking policy saved."


def _texts(form: Form) -> dict[str, str]:
    return {
        "notification_template": form.get("notification_template"),
        "notification_subject": form.get("notification_subject"),
    }


def _notification(form: Form) -> tuple[dict[str, Any], str]:
    """Empty fields reset the template or subject to calgate's default (the API's null)."""
    return {k: v or None for k, v in _texts(form).items()}, "Notification template saved."


CHANGES: dict[str, Callable[[Form], tuple[dict[str, Any], str]]] = {
    "name": _name,
    "time-zone": _time_zone,
    "policy": _policy,
    "notification": _notification,
}
"""The forms of the page: ``POST /ui/calendars/{id}/{form}``, each one PATCH's fields."""


def _preview(
    request: Request,
    runtime: Runtime,
    session: Session,
    viewer: Viewer,
    form: Form,
    calendar_id: str,
) -> Response:
    """The sample mail from the posted template, nothing saved: the whole page again, or only
    the preview when htmx asks (``HX-Request``) as one types."""
    texts = _texts(form)
    try:
        body = CalendarUpdate(**texts)  # the API's checks of the text (length, NUL)
        template, subject = body.notification_template, body.notification_subject
        shown = preview_notification(session, viewer.grant, calendar_id, template, subject)
    except NotFound:
        raise
    except (CalgateError, ValidationError) as exc:
        status, refused = refusal(exc)
        message = refused.text
        if request.headers.get("hx-request"):  # htmx swaps in 2xx answers only
            shown_status = 200 if status == 422 else status
            return render(
                request, "calendar_preview.html", status=shown_status, error=message, preview=None
            )
        flash = Flash(message, "error")
        return _page(
            request, runtime, session, viewer, calendar_id, status=status, flash=flash, draft=texts
        )
    if request.headers.get("hx-request"):
        return render(request, "calendar_preview.html", preview=shown, error=None)
    return _page(request, runtime, session, viewer, calendar_id, preview=shown, draft=texts)


@pages.post("/calendars/{calendar_id}/{change}")
def change_calendar(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
    calendar_id: str,
    change: str,
) -> Response:
    """One of the page's forms (``CHANGES``), or ``preview``: the typed template rendered."""
    if change == "preview":
        return _preview(request, runtime, session, viewer, form, calendar_id)
    made = CHANGES.get(change)
    if made is None:
        raise NotFound(f"no form {change!r} on a calendar's page")
    changes, said = made(form)
    draft = _texts(form) if change == "notification" else None
    return _change(request, runtime, session, viewer, calendar_id, changes, said, draft)
