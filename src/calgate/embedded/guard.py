"""What a CalDAV client may not send through ``/dav/`` although Radicale would take it:

- a recurrence rule out of calgate's bounds or one that never occurs (``FREQ=MINUTELY;BYMONTH=2;
  BYMONTHDAY=30``) in a PUT. Radicale walks a rule without an end to its first occurrence when
  it saves the object, so such a rule would hold the store's lock until the year 9999 and stall
  every reader; the API refuses the same rules (docs/recurring.md, "Bounds"). Answer: 403 with a
  ``DAV:error`` naming RFC 4791's ``valid-calendar-object-resource`` precondition and the reason.
- an XML body (PROPFIND, REPORT, PROPPATCH...) nested deeper than ``MAX_XML_DEPTH`` or carrying
  a DOCTYPE (entity expansion): Radicale's XML handling recurses (a RecursionError, a 500) and
  expands entities. Answer: 400 with the reason. WebDAV bodies need no DTD (RFC 4918 17).

A WSGI wrapper in front of the public Radicale app: a request whose sender holds a valid token
has its body read (at most ``max_body`` bytes, as Radicale would), checked, and either refused or
handed on unchanged. Everything else passes through untouched, so an unknown sender still gets
Radicale's 401 before any body is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING
from xml.parsers import expat
from xml.sax.saxutils import escape

from calgate.domain.ical_parse import parse_ical
from calgate.domain.ical_raw import rule_problem
from calgate.errors import InvalidInput

from .auth import TokenCheck, basic_password, request_grant

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MAX_XML_DEPTH = 64  # a calendar-query with filters nests about 8 deep
_XML_METHODS = frozenset({"PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL", "LOCK"})


class _Refused(Exception):
    pass


def xml_problem(body: bytes) -> str | None:
    """Why an XML request body is refused (a DOCTYPE, nesting past ``MAX_XML_DEPTH``, not
    well-formed); None when it may go on. expat is a C parser: the depth is counted in its
    callbacks, with no recursion on calgate's side."""
    parser = expat.ParserCreate()
    depth = 0

    def start(name: str, attrs: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _Refused(f"the XML body nests deeper than {MAX_XML_DEPTH} elements")

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*args: object) -> None:
        raise _Refused("a WebDAV request body has no DOCTYPE (entity declarations are refused)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(body, True)
    except _Refused as exc:
        return str(exc)
    except expat.ExpatError as exc:
        return f"the XML body is not well-formed: {expat.ErrorString(exc.code)}"
    return None


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


def refuse_hostile_requests(
    app: WSGIApplication, check_token: TokenCheck, max_body: int | None
) -> WSGIApplication:
    def guarded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method != "PUT" and method not in _XML_METHODS:
            return app(environ, start_response)
        password = basic_password(environ.get("HTTP_AUTHORIZATION", ""))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        too_big = max_body is not None and length > max_body
        if (
            password is None
            or length <= 0
            or too_big
            or request_grant(environ, check_token) is None
        ):
            return app(environ, start_response)  # Radicale's own 401, 411 or 413
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        if method != "PUT":
            reason = xml_problem(body)
            if reason is None:
                return app(environ, start_response)
            text = reason.encode()
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(text)))],
            )
            return [text]
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
