"""Putting the UI into the app: its pages, its static files, the headers every UI answer
carries (a Content-Security-Policy of ``default-src 'self'``: no script, style or request
leaves the server) and errors shown as pages."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calgate.api import problems
from calgate.errors import CalgateError
from calgate.ui.pages import (
    api_tokens,
    calendar_settings,
    calendars,
    feeds,
    signin,
    sources,
    webhooks,
    week,
)
from calgate.ui.pages.common import SignInNeeded, sign_in_url
from calgate.ui.render import render

PAGES = (signin, calendars, calendar_settings, api_tokens, sources, webhooks, feeds, week)

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class UiHeaders:
    """The security headers on every answer under ``/ui`` (pages, redirects, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/ui"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name.lower().encode() not in names:
                        headers.append((name.lower().encode(), value.encode()))
                if not str(scope.get("path", "")).startswith("/ui/static"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    for module in PAGES:
        app.include_router(module.pages)
    static = Path(str(files("calgate.ui") / "static"))
    app.mount("/ui/static", StaticFiles(directory=static), name="ui-static")
    app.add_middleware(UiHeaders)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        if request.headers.get("hx-request") == "true":
            # htmx would swap the sign-in page into the fragment it asked for (the template
            # preview): it leaves the whole page for the sign-in instead
            back_to = request.headers.get("hx-current-url", "")
            path = urlsplit(back_to).path if back_to else exc.back_to
            return Response(status_code=204, headers={"HX-Redirect": sign_in_url(path)})
        return RedirectResponse(sign_in_url(exc.back_to), status_code=303)

    for kind in (CalgateError, RequestValidationError, StarletteHTTPException):
        app.exception_handlers[kind] = _on_pages(app.exception_handlers[kind])


def _on_pages(api_handler: Callable[..., Any]) -> Callable[..., Awaitable[Response]]:
    """An error on a page is a page with its status kept: calgate's own, FastAPI's
    validation of a page's parameters, Starlette's 404 and 405 under /ui/. The API's answers
    stay problem+json (``api_handler``)."""

    async def handler(request: Request, exc: Exception) -> Response:
        on_page = request.url.path.startswith("/ui/")
        if on_page and isinstance(exc, CalgateError):
            return render(
                request, "error.html", status=exc.status, title=exc.title, detail=exc.detail
            )
        if on_page and isinstance(exc, RequestValidationError):
            said = "; ".join(f"{e.pointer}: {e.detail}" for e in problems.validation_errors(exc))
            return render(request, "error.html", status=422, title="Invalid request", detail=said)
        if on_page and isinstance(exc, StarletteHTTPException) and exc.status_code in (404, 405):
            title = "Not found" if exc.status_code == 404 else "Method not allowed"
            said = (
                f"there is no page {request.url.path!r}"
                if exc.status_code == 404
                else (f"{request.method} is not allowed on {request.url.path}")
            )
            return render(request, "error.html", status=exc.status_code, title=title, detail=said)
        answered = api_handler(request, exc)
        done: Response = await answered if inspect.isawaitable(answered) else answered
        return done

    return handler
