"""The webhooks page (write tokens, as ``/api/v1/webhooks``: each token manages the endpoints
it made, an unscoped admin all): list, create (the signing secret shown once), send a test
message, delete, and one endpoint's last deliveries."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.errors import CalgateError
from calgate.schemas.webhooks import WebhookCreate, WebhookEvent
from calgate.services import calendars, webhook_deliveries, webhooks
from calgate.ui.once import forget_once, show_once, take_once
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import Flash, Viewer, render

pages = router()

EVENTS: tuple[str, ...] = get_args(WebhookEvent)
DELIVERIES_SHOWN = 25
WebhookId = Annotated[str, Path(max_length=64)]


def _page(
    request: Request,
    session: SessionDep,
    viewer: Viewer,
    *,
    status: int = 200,
    flash: Flash | None = None,
    sent: dict[str, Any] | None = None,
) -> Response:
    rows = webhooks.list_endpoints(session, viewer.grant)
    return render(
        request,
        "webhooks.html",
        viewer=viewer,
        status=status,
        flash=flash,
        endpoints=[webhooks.to_public(session, r) for r in rows],
        event_types=EVENTS,
        calendars=[c for c, _s in calendars.visible_calendars(session, viewer.grant)],
        sent=sent or {"events": [], "calendars": []},
    )


@pages.get("/webhooks")
def webhooks_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    return _page(request, session, viewer)


@pages.post("/webhooks")
def create_webhook(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """``POST /api/v1/webhooks`` as a form; the endpoint's page shows the secret once."""
    sent: dict[str, Any] = {
        "url": form.get("url").strip(),
        "description": form.get("description").strip(),
        "events": form.all("events"),
        "calendars": form.all("calendars"),
        "include": form.get("include") == "event",
    }
    try:
        body = WebhookCreate.model_validate(
            {
                "url": sent["url"],
                "events": sent["events"],
                "calendars": sent["calendars"] or None,
                "description": sent["description"] or None,
                "include": "event" if sent["include"] else None,
            }
        )
        webhooks.read_unread(runtime, viewer.grant, body.calendars)  # before the session writes
        made = webhooks.create(runtime, session, viewer.grant, body)
    except (CalgateError, ValidationError) as exc:
        status, flash = refusal(exc)
        return _page(request, session, viewer, status=status, flash=flash, sent=sent)
    where = f"/ui/webhooks/{made.row.id}"
    response = done(where, "Webhook endpoint created.")
    show_once(
        response,
        runtime,
        request,
        where,
        {"endpoint": made.row.id, "secret": made.secret},
        session=viewer.session,
    )
    return response


def _detail(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: Viewer,
    webhook_id: str,
    *,
    status: int = 200,
    flash: Flash | None = None,
) -> Response:
    row = webhooks.get(session, viewer.grant, webhook_id)
    deliveries = webhook_deliveries.list_deliveries(
        session, viewer.grant, row.id, limit=DELIVERIES_SHOWN, before=None, status=None
    )
    shown = take_once(request, runtime, session=viewer.session)
    secret = shown["secret"] if shown and shown.get("endpoint") == row.id else None
    response = render(
        request,
        "webhook.html",
        viewer=viewer,
        status=status,
        flash=flash,
        endpoint=webhooks.to_public(session, row),
        deliveries=deliveries.items,
        secret=secret,
    )
    forget_once(request, response)
    return response


@pages.get("/webhooks/{webhook_id}")
def webhook_page(
    webhook_id: WebhookId,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
) -> Response:
    return _detail(request, runtime, session, viewer, webhook_id)


@pages.post("/webhooks/{webhook_id}/test")
def test_webhook(
    webhook_id: WebhookId,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    _form: FormDep,
) -> Response:
    """``POST /api/v1/webhooks/{id}/test``: one signed ``webhook.test`` message, queued."""
    try:
        queued = webhook_deliveries.send_test(session, viewer.grant, webhook_id)
    except CalgateError as exc:
        if exc.status == 404:
            raise
        status, flash = refusal(exc)
        return _detail(request, runtime, session, viewer, webhook_id, status=status, flash=flash)
    return done(
        f"/ui/webhooks/{webhook_id}",
        f"Test message queued (delivery {queued.id}); the worker sends it on its next round.",
    )


@pages.post("/webhooks/{webhook_id}/delete")
def delete_webhook(
    webhook_id: WebhookId, session: SessionDep, viewer: ViewerDep, _form: FormDep
) -> Response:
    """``DELETE /api/v1/webhooks/{id}``: nothing more is delivered to it."""
    webhooks.delete(session, viewer.grant, webhook_id)
    return done("/ui/webhooks", f"Webhook endpoint {webhook_id!r} deleted.")
