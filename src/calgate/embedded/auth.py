"""Radicale auth plugins: calgate API tokens (for /dav) and the internal credential.

Radicale's ``auth.type`` may be a callable taking the configuration; the factories here
bind the plugin to its secret source, so nothing is read from files or globals.
Radicale calls ``_login_ext_with_groups`` on every request (login caching is off), so a
revoked token is refused at its next request.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from radicale import auth, config

from calgate.domain.access import Grant

from .grants import GROUP_INTERNAL, PRINCIPAL, grant_groups, request_groups

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

TokenCheck = Callable[[str], Grant | None]
"""Secret -> grant; None when the token is unknown, expired or revoked."""

_REFUSED: tuple[str, set[str]] = ("", set())


class TokenAuth(auth.BaseAuth):
    """Any user name; the password is a calgate API token. Every token maps to the one
    shared principal ``calgate`` and carries its grant as groups. The groups of the request
    are also left in ``request_groups`` for the rights plugin (see there)."""

    def __init__(self, configuration: config.Configuration, check_token: TokenCheck) -> None:
        super().__init__(configuration)
        self._check_token = check_token

    def _login_ext_with_groups(
        self, login: str, password: str, context: auth.AuthContext
    ) -> tuple[str, set[str]]:
        request_groups.remember(set())
        if not password:
            return _REFUSED
        grant = self._check_token(password)
        if grant is None:
            return _REFUSED
        groups = grant_groups(grant)
        request_groups.remember(groups)
        return PRINCIPAL, groups


class InternalAuth(auth.BaseAuth):
    """Only ``calgate`` with the per-process secret; it gets the internal group."""

    def __init__(self, configuration: config.Configuration, password: str) -> None:
        super().__init__(configuration)
        self._password = password.encode()

    def __repr__(self) -> str:
        return "InternalAuth()"

    def _login_ext_with_groups(
        self, login: str, password: str, context: auth.AuthContext
    ) -> tuple[str, set[str]]:
        user_ok = hmac.compare_digest(login.encode(), PRINCIPAL.encode())
        password_ok = hmac.compare_digest(password.encode(), self._password)
        if user_ok and password_ok:
            request_groups.remember({GROUP_INTERNAL})
            return PRINCIPAL, {GROUP_INTERNAL}
        request_groups.remember(set())
        return _REFUSED


class PluginFactory:
    """A named callable for Radicale's ``<section>.type`` option.

    Radicale logs the type it loaded (and puts it in "Successful login" lines), so the
    factory has a short, secret-free repr instead of a lambda's.
    """

    def __init__(self, name: str, build: Callable[[config.Configuration], object]) -> None:
        self._name = name
        self._build = build

    def __call__(self, configuration: config.Configuration) -> object:
        return self._build(configuration)

    def __repr__(self) -> str:
        return self._name

    def __str__(self) -> str:
        return self._name


REALM = "calgate"


def basic_password(header: str) -> str | None:
    """The password of a ``Basic`` header (any user name), where calgate takes its token on
    ``/dav/`` and the API alike; None for another scheme, base64 that is not ASCII or does not
    decode, credentials that are not UTF-8 or have no colon, an empty password."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip().encode("ascii"), validate=True).decode()
    except ValueError:  # binascii.Error, UnicodeEncodeError, UnicodeDecodeError
        return None
    return decoded.partition(":")[2] or None


REQUEST_GRANT = "calgate.grant"  # the WSGI environ key of the request's checked token


def request_grant(environ: WSGIEnvironment, check_token: TokenCheck) -> Grant | None:
    """The grant of the token a ``/dav/`` request sends as its Basic password, checked once
    per request: calgate's door, the throttle and the guard all ask, and the answer is kept in
    the request's environ. (Radicale's auth plugin checks again, on its own.)"""
    if REQUEST_GRANT not in environ:
        secret = basic_password(environ.get("HTTP_AUTHORIZATION", ""))
        environ[REQUEST_GRANT] = check_token(secret) if secret else None
    grant: Grant | None = environ[REQUEST_GRANT]
    return grant


def readable_basic(header: str) -> bool:
    """Whether Radicale can read an ``Authorization`` header: anything but Basic, or Basic
    whose value is ASCII base64 of ``user:password`` (Radicale raises on the rest)."""
    if not header.startswith("Basic"):
        return True
    try:
        decoded = base64.b64decode(header[len("Basic") :].strip().encode("ascii"), validate=True)
    except ValueError:  # not ASCII, not base64
        return False
    return b":" in decoded


def refuse_unreadable_credentials(app: WSGIApplication) -> WSGIApplication:
    """``app`` behind a check of the ``Authorization`` header: one Radicale cannot read (not
    base64, not ASCII, no colon, empty) is the 401 Radicale gives a wrong password, with its
    ``WWW-Authenticate``, instead of an exception inside Radicale (a 500)."""

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if readable_basic(environ.get("HTTP_AUTHORIZATION", "")):
            return app(environ, start_response)
        body = b"Access to the requested resource forbidden."
        start_response(
            "401 Unauthorized",
            [
                ("Content-Type", "text/plain"),
                ("Content-Length", str(len(body))),
                ("WWW-Authenticate", f'Basic realm="{REALM}"'),
            ],
        )
        return [body]

    return wrapped
