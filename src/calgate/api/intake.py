"""What every ``/api/`` request passes before FastAPI reads it: the credential, then the body.

FastAPI reads and parses a request's body before its dependencies run, so a token check in a
dependency comes too late to keep an unauthenticated client from making calgate read (and
parse) whatever it sends. This ASGI middleware runs first, in this order:

1. **The credential.** The ``Authorization`` header is resolved to a grant (the same check as
   :func:`calgate.api.deps.authenticate`: Bearer, or Basic with the token as password); no or
   a malformed, unknown or revoked credential is a 401 problem+json, and the body is never
   read. The grant is left in the request scope for :func:`calgate.api.deps.get_grant`.
2. **The size.** A ``Content-Length`` over ``max_body_bytes`` is a 413 at once; a body sent
   without one is counted as it arrives and refused the moment it passes the limit.
3. **The nesting.** A JSON body (no ``Content-Type``, or a JSON one) whose arrays and objects
   nest deeper than ``max_json_depth`` is a 422, found by counting brackets outside strings,
   before any parser recurses into it.

The body read here is handed on to the app unchanged. ``/api/docs`` and ``/api/openapi.json``
are public and pass untouched, as does everything outside ``/api/`` (``/dav/`` has its own
checks: :mod:`calgate.embedded.auth` and Radicale's ``max_content_length``).
"""

from __future__ import annotations

import re
from itertools import accumulate

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calgate.api import problems
from calgate.api.deps import GRANT_SCOPE_KEY, authenticate
from calgate.errors import CalgateError, ContentTooLarge, InvalidInput
from calgate.runtime import Runtime

PUBLIC_PATHS = frozenset({"/api/docs", "/api/openapi.json"})

# A JSON string (an unterminated one runs to the end): its brackets are text, not nesting.
_STRING = re.compile(rb'"(?:[^"\\]+|\\.)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not
    count; malformed JSON gets a number too, which the parser then refuses)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI or calgate's negotiation would parse a body of this type as JSON: no
    type at all, ``application/json`` and the ``+json`` types."""
    if not content_type:
        return True
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and "json" in media)


class _TooLarge(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """(the body, whether the client is still there); _TooLarge past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class Intake:
    """The ASGI middleware (see the module's docstring)."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            body = await self._admit(request, receive)
        except CalgateError as exc:
            await problems.error_response(request, exc)(scope, receive, send)
            return
        if body is None:  # the client went away
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _admit(self, request: Request, receive: Receive) -> bytes | None:
        header = request.headers.get("authorization")
        grant = await run_in_threadpool(authenticate, self.runtime, header)
        request.scope[GRANT_SCOPE_KEY] = grant
        settings = self.runtime.settings
        limit = settings.max_body_bytes
        too_large = ContentTooLarge(
            f"the request body is larger than {limit:,} bytes, the most calgate accepts "
            "(setting max_body_bytes)"
        )
        length = _content_length(request)
        if length is not None and length > limit:
            raise too_large
        try:
            body, connected = await _read_body(receive, limit)
        except _TooLarge:
            raise too_large from None
        if not connected:
            return None
        if body and is_json(request.headers.get("content-type")):
            depth = json_depth(body)
            if depth > settings.max_json_depth:
                raise InvalidInput.field(
                    "#",
                    f"the JSON body nests {depth:,} levels deep; calgate reads at most "
                    f"{settings.max_json_depth} (setting max_json_depth)",
                )
        return body


__all__ = ["PUBLIC_PATHS", "Intake", "is_json", "json_depth"]
