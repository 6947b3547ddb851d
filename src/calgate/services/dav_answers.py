"""What the ``/dav/`` door sends back: Radicale's answer held until calgate has done its part,
or calgate's own refusal as a ``DAV:error`` a CalDAV client can show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

NAMESPACES = (
    'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:G="https://calgate.dev/ns/"'
)


@dataclass(frozen=True)
class DavAnswer:
    """An answer to a ``/dav/`` request, not yet sent."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def ok(self) -> bool:
        return self.status.startswith("2")


def call(app: WSGIApplication, environ: WSGIEnvironment) -> DavAnswer:
    """Run ``app`` on the request and hold its whole answer (small for the writes the door
    handles: a status, a few headers, at most a short XML body)."""
    captured: list[Any] = []
    written: list[bytes] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured[:] = [status, headers]
        return written.append

    result: Iterable[bytes] = app(environ, start)
    try:
        body = b"".join([*written, *result])
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return DavAnswer(captured[0], list(captured[1]), body)


def dav_error(status: str, condition: str, reason: str, extra: str = "") -> DavAnswer:
    """A ``DAV:error`` (RFC 4918 16) holding ``condition`` (an element such as
    ``<D:resource-must-be-null/>``), the reason as calgate's ``G:reason`` text, and ``extra``."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<D:error {NAMESPACES}>{condition}<G:reason>{escape(reason)}</G:reason>{extra}"
        "</D:error>\n"
    ).encode()
    headers = [
        ("Content-Type", "application/xml; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ]
    return DavAnswer(status, headers, body)
