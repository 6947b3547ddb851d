"""What every page handler needs: the viewer (or a redirect to sign in), its posted form,
the page's router, and a redirect after a successful post (post/redirect/get)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from calgate.api.deps import RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.errors import CalgateError
from calgate.ui import auth
from calgate.ui.forms import Form, read_form
from calgate.ui.render import Flash, Viewer, set_flash


class SignInNeeded(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def router(prefix: str = "/ui") -> APIRouter:
    return APIRouter(prefix=prefix, route_class=StrictQueryRoute, include_in_schema=False)


async def get_viewer(request: Request, runtime: RuntimeDep) -> Viewer:
    found = await run_in_threadpool(auth.page_grant, runtime, request)
    if found is None:
        raise SignInNeeded(request.url.path)
    return Viewer(*found)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def posted(request: Request, runtime: RuntimeDep, viewer: ViewerDep) -> Form:
    """The posted form of a signed-in viewer, CSRF token checked."""
    return await read_form(
        request, runtime.settings.max_body_bytes, viewer.session, runtime.settings.public_url
    )


FormDep = Annotated[Form, Depends(posted)]


def sign_in_url(back_to: str) -> str:
    return "/ui/sign-in?" + urlencode({"next": back_to}, quote_via=quote)


def done(to: str, message: str | None = None, kind: str = "ok") -> RedirectResponse:
    """303 to ``to`` (post/redirect/get), with a one-line message the next page shows once."""
    response = RedirectResponse(to, status_code=303)
    if message:
        set_flash(response, Flash(message, kind))
    return response


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


def refusal(exc: Exception) -> tuple[int, Flash]:
    """The status and message a page shows for a refused action: the service's own status (a
    form's invalid field: 422) and its reason."""
    return getattr(exc, "status", 422), Flash(message_of(exc), "error")
