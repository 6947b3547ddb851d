"""What a CalDAV client may not store through ``/dav/`` although Radicale would take it: a
recurrence rule out of calgate's bounds or one that never occurs (``FREQ=MINUTELY;BYMONTH=2;
BYMONTHDAY=30``). Radicale walks a rule without an end to its first occurrence when it saves
the object, so such a rule would hold the store's lock until the year 9999 and stall every
reader; the API refuses the same rules (docs/recurring.md, "Bounds").

A WSGI wrapper in front of the public Radicale app: a PUT whose sender holds a valid token has
its body read (at most ``max_body`` bytes, as Radicale would), checked, and either refused with
403 and a ``DAV:error`` naming RFC 4791's ``valid-calendar-object-resource`` precondition and
the reason, or handed on unchanged. Everything else passes through untouched, so an unknown
sender still gets Radicale's 401 before any body is read.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from calgate.domain.ical_parse import parse_ical
from calgate.domain.ical_raw import rule_problem
from calgate.errors import InvalidInput

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

TokenKnown = Callable[[str], bool]


def _password(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip().encode("ascii"), validate=True).decode()
    except ValueError:
        return None
    return decoded.partition(":")[2] or None


def refusal_body(reason: str) -> bytes:
    """RFC 4791 5.3.2.1's precondition in a ``DAV:error``, with the reason as text a client
    can show (calgate's own element, ignored by clients that do not know it)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
        'xmlns:G="https://calgate.dev/ns/">'
        "<C:valid-calendar-object-resource/>"
        f"<G:reason>{escape(reason)}</G:reason>"
        "</D:error>\n"
    ).encode()


def refuse_unbounded_rules(
    app: WSGIApplication, token_known: TokenKnown, max_body: int | None
) -> WSGIApplication:
    def guarded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "PUT":
            return app(environ, start_response)
        password = _password(environ.get("HTTP_AUTHORIZATION", ""))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        too_big = max_body is not None and length > max_body
        if password is None or length <= 0 or too_big or not token_known(password):
            return app(environ, start_response)  # Radicale's own 401, 411 or 413
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            problem = rule_problem(parse_ical(body.decode("utf-8", errors="replace")))
        except (InvalidInput, ValueError):
            problem = None  # unparsable: Radicale answers it as it does
        if problem is None:
            return app(environ, start_response)
        answer = refusal_body(problem)
        start_response(
            "403 Forbidden",
            [
                ("Content-Type", "application/xml; charset=utf-8"),
                ("Content-Length", str(len(answer))),
            ],
        )
        return [answer]

    return guarded
