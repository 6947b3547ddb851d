"""RFC 9457 problem+json: the one place error bodies are made.

Shape: ``{"type", "title", "status", "detail", "instance"}`` plus ``errors`` (one entry per bad
field: ``detail`` and ``pointer``) for 422s and for 403s that name a field, and any extension
members the error carries (``upstreamStatus``, ``reason``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from calgate.errors import (
    CalgateError,
    FieldError,
    InvalidInput,
    PermissionDenied,
    json_pointer,
)

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://calgate.dev/problems/"

_HTTP_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    500: "Internal error",
}


def problem_body(
    *, status: int, title: str, detail: str, slug: str, instance: str | None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    request: Request | None,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    instance = request.url.path if request is not None else None
    body = problem_body(
        status=status, title=title, detail=detail, slug=slug, instance=instance, **extra
    )
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _pointer(loc: tuple[Any, ...]) -> str:
    """FastAPI's ``loc`` to a JSON pointer (body) or parameter name (query, path, header)."""
    if not loc:
        return "#"
    where, *rest = loc
    if where == "body":
        return json_pointer(*rest)
    return str(rest[0]) if rest else str(where)


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        msg = err.get("msg", "invalid value")
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        out.append(FieldError(msg, _pointer(tuple(err.get("loc", ())))))
    return out


def error_response(request: Request, exc: CalgateError) -> JSONResponse:
    """The problem+json answer to ``exc`` (also for the request intake, before any route)."""
    extra = dict(exc.extra)
    if isinstance(exc, InvalidInput) or (isinstance(exc, PermissionDenied) and exc.errors):
        extra["errors"] = [e.as_dict() for e in exc.errors]
    if exc.status >= 500:
        log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status, exc.detail)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        slug=exc.slug,
        headers=exc.headers or None,
        **extra,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(CalgateError)
    async def _calgate(request: Request, exc: CalgateError) -> JSONResponse:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e.pointer}: {e.detail}" for e in errors[:5])
        return problem_response(
            request,
            status=422,
            title="Invalid request",
            detail=detail or "the request is invalid",
            slug="invalid-request",
            errors=[e.as_dict() for e in errors],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such resource: {request.url.path}"
        if exc.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(
            request,
            status=exc.status_code,
            title=title,
            detail=detail,
            slug=title.lower().replace(" ", "-"),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            status=500,
            title="Internal error",
            detail="calgate hit an unexpected error; it has been logged",
            slug="internal-error",
        )
