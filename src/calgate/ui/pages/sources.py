"""The sources page (unscoped admins, as ``/api/v1/sources``): the CalDAV servers, feeds and
the embedded store calgate reads, their capabilities and when each calendar was last synced;
add a CalDAV server (discovery) or an iCalendar subscription, sync now, remove."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.errors import CalgateError, InvalidInput, SourceConnectFailed
from calgate.schemas.sources import SourceCreate
from calgate.services import source_sync, sources
from calgate.services.calendars import require_unscoped_admin
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import Flash, Viewer, render

pages = router()

WHAT = "managing sources"
AUTH_TYPES = ("basic", "digest", "bearer")
# the capability report's keys (upstream.quirks.JSON_KEYS) as a page names them
FEATURES = {
    "syncCollection": "sync-collection (RFC 6578)",
    "ctag": "ctag",
    "serverSideExpand": "server-side expansion",
    "scheduling": "scheduling (RFC 6638)",
    "mkcalendar": "MKCALENDAR",
    "freeBusyQuery": "free-busy query",
}
EMULATED = {"recurrenceExpansion": "recurrence expansion", "syncCollection": "sync by ctag/ETag"}


def capability_lines(caps: dict[str, Any]) -> list[str]:
    """The stored capability report as sentences (empty: never probed)."""
    if not caps:
        return []
    has = [label for key, label in FEATURES.items() if caps.get(key) is True]
    lacks = [label for key, label in FEATURES.items() if caps.get(key) is False]
    lines = [f"Server: {caps['server']}"] if isinstance(caps.get("server"), str) else []
    lines.append("Supports: " + (", ".join(has) or "none of the optional features"))
    if lacks:
        lines.append("Lacks: " + ", ".join(lacks))
    emulated = caps.get("emulated")
    if isinstance(emulated, list) and emulated:
        lines.append(
            "calgate does itself: " + ", ".join(EMULATED.get(str(e), str(e)) for e in emulated)
        )
    return lines


def _listing(runtime: RuntimeDep, session: SessionDep) -> list[dict[str, Any]]:
    rows = [sources.to_public(runtime, session, r) for r in sources.list_sources(session)]
    status = sources.sync_status(session, [c.id for s in rows for c in s.calendars])
    return [
        {
            "source": s,
            "capabilities": capability_lines(s.capabilities),
            "status": {c.id: status[c.id] for c in s.calendars},
        }
        for s in rows
    ]


def _page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: Viewer,
    *,
    status: int = 200,
    flash: Flash | None = None,
    sent: dict[str, str] | None = None,
    sent_feed: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "sources.html",
        viewer=viewer,
        status=status,
        flash=flash,
        listing=_listing(runtime, session),
        auth_types=AUTH_TYPES,
        sent=sent or {"auth_type": "basic"},
        sent_feed=sent_feed or {},
    )


def _refused(exc: Exception) -> tuple[int, Flash]:
    """The API's status and reason: a failed connection names which part was wrong
    (``unreachable``, ``credentials``, ``not-caldav``...), as the API's ``reason``."""
    status, flash = refusal(exc)
    if isinstance(exc, SourceConnectFailed):
        flash.text = f"{exc.title} ({exc.reason}): {flash.text}"
    return status, flash


@pages.get("/sources")
def sources_page(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep
) -> Response:
    require_unscoped_admin(viewer.grant, WHAT)
    return _page(request, runtime, session, viewer)


def _optional(form: FormDep, name: str) -> str | None:
    return form.get(name).strip() or None


@pages.post("/sources")
def add_caldav_source(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """``POST /api/v1/sources`` as a form: discovery first, nothing stored on a failure. The
    password is never sent back in the page."""
    require_unscoped_admin(viewer.grant, WHAT)
    sent = {k: form.get(k).strip() for k in ("name", "url", "username", "auth_type")}
    try:
        auth_type = sent["auth_type"] or "basic"
        if auth_type not in AUTH_TYPES:
            raise InvalidInput.field("#/authType", "authType must be basic, digest or bearer")
        secret = form.get("password") or None
        body = SourceCreate.model_validate(
            {
                "kind": "caldav",
                "url": sent["url"],
                "name": sent["name"] or None,
                "username": sent["username"] or None,
                "authType": auth_type,
                "token" if auth_type == "bearer" else "password": secret,
            }
        )
        source_id = sources.add_source(runtime, body)
    except (CalgateError, ValidationError) as exc:
        status, flash = _refused(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash, sent=sent)
    count = len(sources.source_calendars(session, source_id))
    return done("/ui/sources", f"Source {source_id!r} added with {count} calendar(s).")


@pages.post("/sources/feeds")
def add_feed_source(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """A read-only subscription to an iCalendar feed (``kind: ics``)."""
    require_unscoped_admin(viewer.grant, WHAT)
    sent = {k: form.get(k).strip() for k in ("name", "url", "refresh_interval")}
    try:
        minutes = sent["refresh_interval"]
        if minutes and not minutes.isdigit():
            raise InvalidInput.field("#/refreshInterval", "the refresh interval is in minutes")
        body = SourceCreate.model_validate(
            {
                "kind": "ics",
                "url": sent["url"],
                "name": sent["name"] or None,
                "refreshInterval": int(minutes) * 60 if minutes else None,
            }
        )
        source_id = sources.add_source(runtime, body)
    except (CalgateError, ValidationError) as exc:
        status, flash = _refused(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash, sent_feed=sent)
    return done("/ui/sources", f"Subscribed to the feed as source {source_id!r}.")


@pages.post("/sources/{source_id}/sync")
def sync_source(
    source_id: str,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    _form: FormDep,
) -> Response:
    """Sync now (``POST /api/v1/sources/{id}/sync``): the server's error is shown as it is."""
    require_unscoped_admin(viewer.grant, WHAT)
    try:
        source_sync.sync_now(runtime, source_id)
    except CalgateError as exc:
        session.expire_all()  # a feed's last error was written in a session of its own
        status, flash = _refused(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash)
    return done("/ui/sources", f"Source {source_id!r} synced.")


@pages.get("/sources/{source_id}/remove")
def remove_page(
    source_id: str,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
) -> Response:
    require_unscoped_admin(viewer.grant, WHAT)
    source = sources.to_public(runtime, session, sources.get_source(session, source_id))
    return render(request, "source_remove.html", viewer=viewer, source=source)


@pages.post("/sources/{source_id}/remove")
def remove_source(
    source_id: str,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    """Forget the source and its calendars (``DELETE /api/v1/sources/{id}``) once the box
    "yes, remove" is ticked; nothing is deleted on the server."""
    require_unscoped_admin(viewer.grant, WHAT)
    row = sources.get_source(session, source_id)
    if form.get("confirm") != "yes":
        source = sources.to_public(runtime, session, row)
        flash = Flash("Tick “yes, remove” to remove the source.", "error")
        return render(
            request, "source_remove.html", viewer=viewer, source=source, status=422, flash=flash
        )
    try:
        sources.remove_source(session, runtime, source_id)
    except CalgateError as exc:
        status, flash = _refused(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash)
    return done(
        "/ui/sources", f"Source {source_id!r} removed from calgate (the server keeps its data)."
    )
