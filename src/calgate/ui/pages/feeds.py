"""The feeds page (write tokens, as ``/api/v1/calendars/{cal}/feeds``): each calendar's
published feeds, a new one (its secret URL shown once), delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.domain.access import Role
from calgate.errors import CalgateError
from calgate.schemas.feeds import DEFAULT_FUTURE_DAYS, DEFAULT_PAST_DAYS, FeedCreate
from calgate.services import calendars, feeds
from calgate.ui.once import forget_once, show_once, take_once
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import Flash, Viewer, render

pages = router()

PAGE = "/ui/feeds"
Id = Annotated[str, Path(max_length=64)]


def _page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: Viewer,
    *,
    status: int = 200,
    flash: Flash | None = None,
    sent: dict[str, str] | None = None,
) -> Response:
    calendars.require_role(viewer.grant, Role.write, "publishing a calendar as a feed")
    listing = [
        (
            cal,
            [feeds.to_public(r) for r in feeds.list_feeds(runtime, session, viewer.grant, cal.id)],
        )
        for cal, _source in calendars.visible_calendars(session, viewer.grant)
    ]
    shown = take_once(request, runtime, session=viewer.session)
    response = render(
        request,
        "feeds.html",
        viewer=viewer,
        status=status,
        flash=flash,
        listing=listing,
        new_feed=shown if shown and "url" in shown else None,
        sent=sent or {"past_days": str(DEFAULT_PAST_DAYS), "future_days": str(DEFAULT_FUTURE_DAYS)},
    )
    forget_once(request, response)
    return response


@pages.get("/feeds")
def feeds_page(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep
) -> Response:
    return _page(request, runtime, session, viewer)


def _base_url(request: Request, runtime: RuntimeDep) -> str:
    """As the API's feed route: the configured public URL, else the address asked."""
    configured = runtime.settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


@pages.post("/feeds")
def create_feed(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """``POST /api/v1/calendars/{cal}/feeds`` as a form; the page shows the URL once."""
    sent = {k: form.get(k).strip() for k in ("calendar", "detail", "past_days", "future_days")}
    try:
        values: dict[str, Any] = {"detail": sent["detail"] or "full"}
        for name, key in (("past_days", "pastDays"), ("future_days", "futureDays")):
            if sent[name]:
                values[key] = sent[name]  # pydantic reads digits, refuses the rest
        body = FeedCreate.model_validate(values)
        made = feeds.create(
            runtime,
            session,
            viewer.grant,
            sent["calendar"],
            body,
            base_url=_base_url(request, runtime),
        )
    except (CalgateError, ValidationError) as exc:
        status, flash = refusal(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash, sent=sent)
    response = done(PAGE, f"Feed of {made.calendar_id!r} created.")
    shown = {"feed": made.id, "calendar": made.calendar_id, "detail": made.detail, "url": made.url}
    show_once(response, runtime, request, PAGE, shown, session=viewer.session)
    return response


@pages.post("/feeds/{calendar_id}/{feed_id}/delete")
def delete_feed(
    calendar_id: Id,
    feed_id: Id,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    _form: FormDep,
) -> Response:
    """``DELETE /api/v1/calendars/{cal}/feeds/{id}``: its URL answers 404 from now on."""
    feeds.delete(runtime, session, viewer.grant, calendar_id, feed_id)
    return done(PAGE, f"Feed {feed_id!r} deleted: its URL no longer answers.")
