"""The tokens page (admins, the rules of ``/api/v1/tokens``): the tokens this admin covers, a
new token (its secret shown once), revoking one.

The new secret reaches the page after the redirect as every secret the UI shows once does
(:mod:`calgate.ui.once`): a sealed cookie bound to the session that made it, HttpOnly, only sent
to /ui/tokens, gone after 60 s and deleted by the page that shows it; never in a URL."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from calgate.api.deps import RuntimeDep, SessionDep
from calgate.domain.access import Role
from calgate.errors import CalgateError
from calgate.runtime import Runtime
from calgate.schemas.tokens import TokenCreate, TokenPublic
from calgate.services import calendars, tokens
from calgate.ui.once import forget_once, show_once, take_once
from calgate.ui.pages.common import FormDep, ViewerDep, done, refusal, router
from calgate.ui.render import Flash, Viewer, render

pages = router()

PAGE = "/ui/tokens"


@dataclass(frozen=True)
class NewSecret:
    """The token just made, for the one page that shows its secret."""

    token_id: str
    name: str | None
    secret: str


def _admin(viewer: Viewer) -> None:
    """The API's guard of /api/v1/tokens (403 for a token below admin)."""
    calendars.require_role(viewer.grant, Role.admin, "this operation")


def _page(
    request: Request,
    runtime: Runtime,
    session: Session,
    viewer: Viewer,
    *,
    status: int = 200,
    flash: Flash | None = None,
    shown: NewSecret | None = None,
    draft: dict[str, object] | None = None,
) -> Response:
    _admin(viewer)
    rows = tokens.list_tokens(session, by=viewer.grant)
    visible = [c.id for c, _s in calendars.visible_calendars(session, viewer.grant)]
    response = render(
        request,
        "tokens.html",
        viewer=viewer,
        status=status,
        flash=flash,
        tokens=[TokenPublic.model_validate(r, from_attributes=True) for r in rows],
        calendar_ids=visible,
        roles=[r.value for r in Role if viewer.grant.at_least(r)],
        shown=shown,
        draft=draft or {"name": "", "role": Role.read.value, "calendars": []},
    )
    forget_once(request, response)
    return response


@pages.get("/tokens")
def tokens_page(
    request: Request, runtime: RuntimeDep, session: SessionDep, viewer: ViewerDep
) -> Response:
    found = take_once(request, runtime, session=viewer.session)
    shown = None
    if found is not None and {"id", "secret"} <= found.keys():
        shown = NewSecret(found["id"], found.get("name") or None, found["secret"])
    return _page(request, runtime, session, viewer, shown=shown)


@pages.post("/tokens")
def create_token(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
) -> Response:
    """None of the calendars ticked: a token for every calendar (the API's omitted
    ``calendars``), which only an unscoped admin may make; the service decides."""
    ticked = form.all("calendars")
    draft: dict[str, object] = {
        "name": form.get("name"),
        "role": form.get("role"),
        "calendars": ticked,
    }
    try:
        _admin(viewer)
        body = TokenCreate(
            name=form.get("name").strip() or None,
            role=form.get("role") or Role.read.value,
            calendars=ticked or None,
        )
        with session.begin_nested():
            made = tokens.create_token(
                session, role=body.role, calendars=body.calendars, name=body.name, by=viewer.grant
            )
    except (CalgateError, ValidationError) as exc:
        status, flash = refusal(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash, draft=draft)
    response = done(PAGE, f"Token {made.row.id} created.")
    secret = {"id": made.row.id, "name": made.row.name or "", "secret": made.secret}
    show_once(response, runtime, request, PAGE, secret, session=viewer.session)
    return response


@pages.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    viewer: ViewerDep,
    form: FormDep,
    token_id: str,
) -> Response:
    try:
        _admin(viewer)
        tokens.revoke_token(session, token_id, by=viewer.grant)
    except CalgateError as exc:
        status, flash = refusal(exc)
        return _page(request, runtime, session, viewer, status=status, flash=flash)
    if token_id == viewer.grant.token_id:
        said = "Token revoked. It was the one this session signed in with: sign in again."
        return done(PAGE, said)
    return done(PAGE, f"Token {token_id} revoked.")
