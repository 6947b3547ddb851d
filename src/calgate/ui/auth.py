"""Who a UI request is: the grant of the token its session cookie names.

Pages read it through :func:`page_grant`; the API accepts the same cookie in place of an
``Authorization`` header (the week view's script calls ``/api/v1`` with it), but only with the
session's CSRF token in ``X-CSRF-Token`` on anything but a read, so another site cannot make a
signed-in browser write.
"""

from __future__ import annotations

from starlette.requests import Request

from calgate.domain.access import Grant
from calgate.errors import AuthenticationRequired, PermissionDenied
from calgate.runtime import Runtime
from calgate.services import tokens
from calgate.ui import session as ui_session
from calgate.ui.session import COOKIE, CSRF_HEADER, UiSession

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PURPOSE = "calgate ui session v1"


def cookie_key(runtime: Runtime) -> bytes:
    return runtime.box.derive(_PURPOSE)


def session_of(runtime: Runtime, request: Request) -> UiSession | None:
    value = request.cookies.get(COOKIE)
    return ui_session.decode(cookie_key(runtime), value) if value else None


def grant_of(runtime: Runtime, found: UiSession) -> Grant | None:
    with runtime.db.engine.connect() as conn:
        return tokens.active_grant_by_id(conn, found.token_id, found.check)


def page_grant(runtime: Runtime, request: Request) -> tuple[UiSession, Grant] | None:
    """The session and its token's grant, or None (not signed in, expired, revoked)."""
    found = session_of(runtime, request)
    if found is None:
        return None
    grant = grant_of(runtime, found)
    return (found, grant) if grant is not None else None


def api_grant(runtime: Runtime, request: Request) -> Grant:
    """The grant of an ``/api/`` request that carries a UI session cookie and no
    ``Authorization`` header (blocking: run it in a worker thread)."""
    found = session_of(runtime, request)
    if found is None:
        raise AuthenticationRequired(
            "the UI session has expired or is not valid: sign in again at /ui/, or send an "
            "API token ('Authorization: Bearer <token>')"
        )
    if request.method not in READ_METHODS and not ui_session.csrf_matches(
        found, request.headers.get(CSRF_HEADER)
    ):
        raise PermissionDenied(
            f"a change made with a UI session needs the page's CSRF token in {CSRF_HEADER} "
            "(or send an API token instead of the cookie)"
        )
    grant = grant_of(runtime, found)
    if grant is None:
        raise AuthenticationRequired(
            "the token this UI session signed in with was revoked: sign in again at /ui/"
        )
    return grant
