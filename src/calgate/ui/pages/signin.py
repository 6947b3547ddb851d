"""Signing in with an API token (any role) and out again."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from calgate.api.deps import RuntimeDep
from calgate.runtime import Runtime
from calgate.services import tokens
from calgate.ui import auth
from calgate.ui import session as ui_session
from calgate.ui.forms import over_https, read_form
from calgate.ui.pages.common import done, router
from calgate.ui.render import Flash, render

pages = router()


def _safe_next(target: str) -> str:
    """Only a page of the UI itself: never another site (``//evil``, ``/\\evil``)."""
    ok = target.startswith("/ui/") and not target.startswith(("//", "/\\")) and "\\" not in target
    return target if ok else "/ui/"


@pages.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/calendars", status_code=303)


@pages.get("/sign-in")
def sign_in_page(request: Request, next: str = "/ui/") -> Response:
    return render(request, "sign_in.html", next=_safe_next(next))


def _signed_in(runtime: Runtime, secret: str) -> tuple[str, str] | None:
    """(token id, secret hash) of an active token with this secret."""
    with runtime.db.engine.connect() as conn:
        grant = tokens.active_grant(conn, secret)
    return (grant.token_id, tokens.hash_secret(secret)) if grant is not None else None


@pages.post("/sign-in")
async def sign_in(request: Request, runtime: RuntimeDep) -> Response:
    form = await read_form(
        request, runtime.settings.max_body_bytes, None, runtime.settings.public_url
    )
    back_to = _safe_next(form.get("next", "/ui/"))
    secret = form.get("token").strip()
    found = await run_in_threadpool(_signed_in, runtime, secret) if secret else None
    if found is None:
        flash = Flash("That token is unknown or revoked. Paste the whole token (cg_...).", "error")
        return render(request, "sign_in.html", status=401, flash=flash, next=back_to)
    cookie = ui_session.encode(auth.cookie_key(runtime), ui_session.start(*found))
    response = done(back_to)
    response.set_cookie(
        ui_session.COOKIE,
        cookie,
        max_age=ui_session.MAX_AGE,
        path="/",  # the week view's script calls /api/v1 with it
        httponly=True,
        samesite="strict",
        secure=over_https(request, runtime.settings.public_url),
    )
    return response


@pages.post("/sign-out")
async def sign_out(request: Request, runtime: RuntimeDep) -> Response:
    await read_form(
        request, runtime.settings.max_body_bytes, None, runtime.settings.public_url
    )  # same site only
    response = done("/ui/sign-in", "Signed out.")
    response.delete_cookie(ui_session.COOKIE, path="/")
    return response
