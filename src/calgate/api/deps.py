"""Request dependencies: the runtime, a database session, and the caller's token grant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from calgate.domain.access import Grant, Role
from calgate.embedded.auth import basic_password
from calgate.errors import AuthenticationRequired
from calgate.runtime import Runtime
from calgate.services import tokens
from calgate.services.calendars import require_role, require_unscoped_admin


async def get_runtime(request: Request) -> Runtime:
    # async, as the other dependencies that do no I/O: FastAPI runs a plain function in the
    # thread pool, a hop per dependency per request
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """One unit of work per request, committed before the response is sent (``SessionDep``
    has function scope): a client that got the answer sees its change in every process, and a
    commit that fails is the request's error, not a lost write after a 2xx."""
    with runtime.db.session() as session:
        yield session


def _presented_secret(header: str) -> str | None:
    """``Bearer <token>``, or Basic auth with the token as password (any user name), as on /dav/.
    None for anything else: a header that is not Latin-1 text, base64 that does not decode,
    credentials that are not UTF-8 or have no colon, an empty token."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    return basic_password(header)


GRANT_SCOPE_KEY = "calgate.grant"
"""Where the request intake (:mod:`calgate.api.intake`) leaves the caller's grant."""


def presented_secret(header: str | None) -> str:
    """The token an ``Authorization`` header presents; AuthenticationRequired when there is
    none or the header is malformed (no I/O: whether the token is active is asked apart)."""
    if not header:
        raise AuthenticationRequired(
            "send an API token: 'Authorization: Bearer <token>' (make one with "
            "'calgate token create' or POST /api/v1/tokens)"
        )
    secret = _presented_secret(header)
    if secret is None:
        raise AuthenticationRequired(
            "the Authorization header is malformed: send 'Bearer <token>', or Basic with any "
            "user name and the token as password (base64 of UTF-8 'name:token')"
        )
    return secret


def active_grant(runtime: Runtime, secret: str) -> Grant:
    """The grant of the token ``secret``, read from the database; AuthenticationRequired when
    it is unknown or revoked."""
    with runtime.db.engine.connect() as conn:
        grant = tokens.active_grant(conn, secret)
    if grant is None:
        raise AuthenticationRequired("the token is unknown or revoked")
    return grant


def authenticate(runtime: Runtime, header: str | None) -> Grant:
    """The grant of the token an ``Authorization`` header presents; AuthenticationRequired
    when there is none or it is malformed, unknown or revoked."""
    return active_grant(runtime, presented_secret(header))


async def get_grant(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]) -> Grant:
    """The grant the request intake checked before the body was read (checked here in a short
    session of its own when the intake did not run: event routes then talk to CalDAV servers
    without holding a database connection)."""
    checked = request.scope.get(GRANT_SCOPE_KEY)
    if isinstance(checked, Grant):
        return checked
    return await run_in_threadpool(authenticate, runtime, request.headers.get("authorization"))


async def get_admin(grant: Annotated[Grant, Depends(get_grant)]) -> Grant:
    require_role(grant, Role.admin, "this operation")
    return grant


async def get_unscoped_admin(grant: Annotated[Grant, Depends(get_grant)]) -> Grant:
    require_unscoped_admin(grant, "managing sources")
    return grant


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
GrantDep = Annotated[Grant, Depends(get_grant)]
AdminDep = Annotated[Grant, Depends(get_admin)]
UnscopedAdminDep = Annotated[Grant, Depends(get_unscoped_admin)]
