"""What every ``/api/`` request passes before FastAPI reads it: the credential, then the body.

FastAPI reads and parses a request's body before its dependencies run, so a token check in a
dependency comes too late to keep an unauthenticated client from making calgate read (and
parse) whatever it sends. This ASGI middleware runs first, in this order:

1. **The credential.** The ``Authorization`` header is resolved to a grant (the same check as
   :func:`calgate.api.deps.authenticate`: Bearer, or Basic with the token as password); no or
   a malformed, unknown or revoked credential is a 401 problem+json, and the body is never
   read. Without the header, the UI's session cookie counts (:mod:`calgate.ui.auth`: with its
   CSRF token for a change). The grant is left in the request scope for
   :func:`calgate.api.deps.get_grant` (for a ``GET`` or ``HEAD``, from a cache and confirmed
   within the request: :class:`Intake`).
2. **The size.** A ``Content-Length`` over ``max_body_bytes`` (``import_max_bytes`` for an
   ``.ics`` import's upload) is a 413 at once; a body sent without one is counted as it
   arrives and refused the moment it passes the limit.
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
from calgate.api.deps import GRANT_SCOPE_KEY, active_grant, presented_secret
from calgate.errors import AuthenticationRequired, CalgateError, ContentTooLarge, InvalidInput
from calgate.runtime import Runtime
from calgate.services import tokens
from calgate.ui import auth as ui_auth
from calgate.ui.session import COOKIE

PUBLIC_PATHS = frozenset({"/api/docs", "/api/openapi.json"})
_IMPORTS = re.compile(r"/api/v1/calendars/[^/]+/imports/?")  # an upload's own size limit

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


# Methods that change nothing: the grant of a token seen before is taken from the cache and
# confirmed inside the request (see ``Intake``); any other method confirms before its body is read.
READ_METHODS = frozenset({"GET", "HEAD"})


class Intake:
    """The ASGI middleware (see the module's docstring).

    A ``GET`` or ``HEAD`` whose token this process found active before is passed on at once,
    without a database read here (in the event loop) or a hop to a worker thread for it: the
    grant is cached (:class:`calgate.services.tokens.KnownGrants`) and the request confirms it
    in its own first read (:func:`calgate.services.tokens.confirm_pending`). Should the route
    answer without that read (an error before it, a route that reads no calendar), this
    middleware confirms before the answer's first byte, and a revoked token's answer is the
    401 instead: a token revoked in any process is refused on the next request."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.known = tokens.KnownGrants()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        secret = ""
        try:
            header = request.headers.get("authorization")
            if header is None and COOKIE in request.cookies:  # the UI's week view
                grant = await run_in_threadpool(ui_auth.api_grant, self.runtime, request)
                request.scope[GRANT_SCOPE_KEY], pending = grant, None
            else:
                secret = presented_secret(header)
                pending = await self._grant(request, secret)
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

        if pending is None:
            await self.app(scope, replay, send)
        else:
            await self._confirming(request, secret, pending, replay, send)

    async def _grant(self, request: Request, secret: str) -> tokens.Unconfirmed | None:
        """Leave the grant in the scope: from the cache for a read (returned, to confirm),
        else checked now in a worker thread (and cached)."""
        known = self.known.get(secret) if request.method in READ_METHODS else None
        if known is not None:
            request.scope[GRANT_SCOPE_KEY] = known
            return tokens.Unconfirmed(known)
        grant = await run_in_threadpool(active_grant, self.runtime, secret)
        self.known.put(secret, grant)
        request.scope[GRANT_SCOPE_KEY] = grant
        return None

    async def _confirming(
        self,
        request: Request,
        secret: str,
        pending: tokens.Unconfirmed,
        receive: Receive,
        send: Send,
    ) -> None:
        """Run the app with ``pending`` for it to confirm; confirm here what it did not."""
        scope = request.scope
        started = refused = False

        async def refuse() -> None:
            nonlocal refused
            refused = True
            self.known.forget(secret)
            revoked = AuthenticationRequired("the token is unknown or revoked")
            await problems.error_response(request, revoked)(scope, receive, send)

        async def confirmed() -> bool:
            if pending.active is None:
                await run_in_threadpool(self._confirm, pending)
            return bool(pending.active)

        async def checked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                if not await confirmed():
                    await refuse()
                    return
            await send(message)

        reset = tokens.UNCONFIRMED.set(pending)
        try:
            await self.app(scope, receive, checked)
        except Exception:
            # a failure before any answer: a revoked token gets its 401 (the error is still
            # raised, and logged, but no 500 follows an answer already started)
            if not started and not await confirmed():
                await refuse()
            raise
        finally:
            tokens.UNCONFIRMED.reset(reset)

    def _confirm(self, pending: tokens.Unconfirmed) -> None:
        with self.runtime.db.engine.connect() as conn:
            pending.confirm(conn)

    async def _admit(self, request: Request, receive: Receive) -> bytes | None:
        """The body, within the size and nesting limits (None: the client went away)."""
        settings = self.runtime.settings
        limit, setting = settings.max_body_bytes, "max_body_bytes"
        if request.method == "POST" and _IMPORTS.fullmatch(request.url.path):
            limit, setting = settings.import_max_bytes, "import_max_bytes"  # an .ics file
        too_large = ContentTooLarge(
            f"the request body is larger than {limit:,} bytes, the most calgate accepts "
            f"(setting {setting})"
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


__all__ = ["PUBLIC_PATHS", "READ_METHODS", "Intake", "is_json", "json_depth"]
