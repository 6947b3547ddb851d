"""A secret shown once (a webhook's signing secret, a feed's URL): the post that makes it
redirects to the page that shows it, carrying it in a cookie that only that page receives
(``Path``), ``HttpOnly``, ``SameSite=Strict``, for 60 seconds, sealed with calgate's key so the
browser's cookie store never holds it in clear, and bound to the session that made it (another
session's cookie, copied over, shows nothing). The page reads it and deletes it: a reload shows
it no more. It never travels in a URL."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from calgate.runtime import Runtime
from calgate.ui.forms import over_https
from calgate.ui.session import UiSession, csrf_matches

COOKIE = "calgate_ui_once"
MAX_AGE = 60  # seconds between the post and the page that shows the secret


_BOUND = "_session"  # the session's CSRF nonce, in the sealed value


def show_once(
    response: Response,
    runtime: Runtime,
    request: Request,
    path: str,
    shown: dict[str, str],
    *,
    session: UiSession,
) -> None:
    """Hand ``shown`` to the next GET of ``path`` (and of nothing else) in ``session``."""
    sealed = runtime.box.seal(json.dumps({**shown, _BOUND: session.csrf})).decode()
    response.set_cookie(
        COOKIE,
        sealed,
        max_age=MAX_AGE,
        path=path,
        httponly=True,
        samesite="strict",
        secure=over_https(request, runtime.settings.public_url),
    )


def take_once(request: Request, runtime: Runtime, *, session: UiSession) -> dict[str, str] | None:
    """What a post of this session handed to this page, or None (none, expired, forged,
    another session's, or not for here)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        found = json.loads(runtime.box.open(raw.encode()))
    except (RuntimeError, ValueError, UnicodeError):
        return None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        return None
    if not csrf_matches(session, found.pop(_BOUND, None)):
        return None
    return {str(k): v for k, v in found.items()}


def forget_once(request: Request, response: Response) -> None:
    """Delete the cookie this page was sent (it is read once)."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path=request.url.path)
