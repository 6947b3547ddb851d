"""Translate what the CalDAV library and the server say into calgate's error tree, in one place.

``upstream_error()`` maps a library exception or an HTTP status to a domain error; callers raise it
``from`` the original. ``source_connect_failed()`` re-words a domain error for the moment a user
adds a source. Details are sentences for people that end up in error bodies: they never name a
URL, host name or port (an upstream server's, or the embedded store's internal address), never
quote the server's body and never the credentials. The address is logged instead, at debug
level (``hrefs.public_url``: without user info or query string), next to the detail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from caldav.lib import error as dav_error
from caldav.lib.http_sync import requests as http

from calgate.errors import (
    CalgateError,
    Conflict,
    NotFound,
    PreconditionFailed,
    SourceConnectFailed,
    SyncTokenRejected,
    SyncUnsupported,
    UpstreamError,
    UpstreamRefusedEvent,
    UpstreamRejectedCredentials,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from calgate.upstream.davxml import CALDAV, DAV, NotMultistatus
from calgate.upstream.hrefs import public_url

log = logging.getLogger(__name__)

# DAV:error preconditions (RFC 4918 section 16) that decide the error whatever the status:
# another object holds this UID (RFC 4791 section 5.3.2.1, RFC 6638 section 3.2.4.1; Radicale
# says 409, Xandikos 412, Cyrus 403), or MKCALENDAR where something exists (Xandikos says 403).
_CONFLICTS = {
    CALDAV + "no-uid-conflict": "Another event in this calendar already has the same UID.",
    CALDAV + "unique-scheduling-object-resource": "Another event already has the same UID.",
    "{DAV:}resource-must-be-null": "Something already exists at {where} on the CalDAV server.",
}

# RFC 4791 section 5.3.2.1 preconditions on the data of a PUT: the event, not the server or the
# credentials, is what has to change (Cyrus answers 403 valid-calendar-data for an event that
# does not end after it starts).
_REFUSED_DATA = {
    CALDAV + "valid-calendar-data": "it is not valid iCalendar data for this server",
    CALDAV + "valid-calendar-object-resource": "it breaks the server's rules for calendar objects",
    CALDAV + "supported-calendar-component": "this calendar does not take this kind of component",
    CALDAV + "supported-calendar-data": "this calendar does not take this media type",
    CALDAV + "max-resource-size": "the event is larger than the server allows",
    CALDAV + "min-date-time": "it starts earlier than the server allows",
    CALDAV + "max-date-time": "it ends later than the server allows",
    CALDAV + "max-instances": "it has more occurrences than the server allows",
    CALDAV + "max-attendees-per-instance": "it has more attendees than the server allows",
}

# Exceptions that mean "the conversation with the server failed"; anything else is a bug.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    dav_error.DAVError,
    http.exceptions.RequestException,
    SyntaxError,  # lxml.etree.XMLSyntaxError: a reply labelled XML that is not
    NotMultistatus,
    OSError,
)


def _unreachable_cause(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, http.exceptions.SSLError):
        return "the TLS handshake failed (check the certificate and the https:// address)"
    if "NameResolution" in text or "resolve" in text or "Name or service not known" in text:
        return "its host name could not be resolved"
    if "refused" in text.lower():
        return "the connection was refused"
    return "the connection failed"


def target(url: str) -> str:
    """What ``url`` names, fit for an error body: an object by its resource name (``'x.ics'``,
    which is calgate's event id plus ``.ics``), else "the collection". Never a host or path."""
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    return f"the object {name!r}" if name else "the collection"


def upstream_error(
    url: str,
    *,
    exc: BaseException | None = None,
    status: int | None = None,
    body: bytes | str | None = None,
    subject: str | None = None,
) -> CalgateError:
    """The domain error for a failed request to ``url``: from ``exc`` when the library raised,
    else from the HTTP ``status`` (and the DAV:error preconditions in ``body``). The detail
    does not name the address; it is logged at debug level. ``subject`` (``calendar 'work'``)
    names what the server was asked about when it could not be reached."""
    err = _upstream_error(url, exc=exc, status=status, body=body, subject=subject)
    log.debug("CalDAV request for %s failed: %s", public_url(url), err.detail)
    return err


def _upstream_error(
    url: str,
    *,
    exc: BaseException | None,
    status: int | None,
    body: bytes | str | None,
    subject: str | None = None,
) -> CalgateError:
    what = target(url)
    server = f"the CalDAV server of {subject}" if subject else "the CalDAV server"
    if isinstance(exc, http.exceptions.Timeout):
        return UpstreamTimeout(f"{server[0].upper()}{server[1:]} did not answer in time.")
    if isinstance(
        exc,
        http.exceptions.InvalidURL | http.exceptions.MissingSchema | http.exceptions.InvalidSchema,
    ):
        return UpstreamUnreachable("The CalDAV server's address is not a valid http(s) address.")
    if isinstance(exc, http.exceptions.ConnectionError):
        return UpstreamUnreachable(f"Could not connect to {server}: {_unreachable_cause(exc)}.")
    if isinstance(exc, dav_error.RateLimitError):
        status = exc.status or 429
        return UpstreamError(
            f"The CalDAV server is busy (HTTP {status}); try again later.",
            upstream_status=status,
        )
    if isinstance(exc, dav_error.DAVError):
        status = exc.status if exc.status is not None else status
        body = exc.body if exc.body is not None else body
        if isinstance(exc, dav_error.AuthorizationError):
            status = status or 401
    if isinstance(exc, SyntaxError | NotMultistatus):
        return UpstreamError(
            f"The CalDAV server sent a reply about {what} that is not valid WebDAV XML."
        )
    if status is None:
        return UpstreamError(f"The request to the CalDAV server about {what} failed.")
    for condition in dav_error.parse_preconditions(body):
        if condition in _CONFLICTS:
            return Conflict(_CONFLICTS[condition].format(where=what))
        if condition in _REFUSED_DATA:
            name = condition.rpartition("}")[2]
            detail = (
                f"The CalDAV server refused the event ({name}: {_REFUSED_DATA[condition]}; "
                f"HTTP {status})."
            )
            return UpstreamRefusedEvent(detail, upstreamStatus=status, precondition=name)
    if status == 401:
        return UpstreamRejectedCredentials(
            "The CalDAV server rejected the user name or password (HTTP 401).",
            upstream_status=status,
        )
    if status == 403:
        return UpstreamRejectedCredentials(
            f"The CalDAV server refused these credentials access to {what} (HTTP 403).",
            upstream_status=status,
        )
    if status in (404, 410):
        return NotFound(f"The CalDAV server has nothing at {what} (HTTP {status}).")
    if status == 412:
        return PreconditionFailed(
            f"{what[0].upper()}{what[1:]} was changed on the CalDAV server (or already "
            "exists); re-read it and retry."
        )
    return UpstreamError(
        f"The CalDAV server answered the request about {what} with HTTP {status}.",
        upstream_status=status,
    )


def sync_refused(
    url: str, *, token: str | None, status: int, body: bytes | str | None
) -> CalgateError:
    """The domain error for a sync-collection REPORT (RFC 6578) answered with ``status``.

    The token was refused when the server says so (``DAV:valid-sync-token``, whatever the
    status: Radicale and Cyrus send 403, Xandikos 412, RFC 6578 section 3.2 403 or 409), or when
    any other 4xx answers a non-empty token (Google-style 410 included), except 401/404/429,
    which mean what they always mean. The REPORT is missing when the server says so
    (``DAV:supported-report``: SabreDAV 1.8 sends it with 403), answers 405/501, or refuses an
    initial sync with 400/403/409/415/422: a server that in truth refused access shows it at
    the ctag/ETag fallback the caller turns to.
    """
    conditions = set(dav_error.parse_preconditions(body))
    if DAV + "valid-sync-token" in conditions:
        return SyncTokenRejected(
            "The CalDAV server no longer accepts the calendar's sync token.",
            upstream_status=status,
        )
    if DAV + "supported-report" in conditions or status in (405, 501):
        return sync_unsupported(url, status)
    if token and 400 <= status < 500 and status not in (401, 404, 429):
        return SyncTokenRejected(
            f"The CalDAV server refused the calendar's sync token (HTTP {status}).",
            upstream_status=status,
        )
    if not token and status in (400, 403, 409, 415, 422):
        return sync_unsupported(url, status)
    return upstream_error(url, status=status, body=body)


def sync_unsupported(url: str, status: int | None = None) -> SyncUnsupported:
    return SyncUnsupported(
        "The CalDAV server has no sync-collection REPORT (RFC 6578) for this calendar.",
        upstream_status=status,
    )


@contextmanager
def translated(url: str, subject: str | None = None) -> Iterator[None]:
    """Raise library and transport failures inside the block as domain errors."""
    try:
        yield
    except LIBRARY_ERRORS as exc:
        raise upstream_error(url, exc=exc, subject=subject) from exc


def source_connect_failed(
    err: CalgateError, url: str, credentials_field: str = "password"
) -> SourceConnectFailed:
    """Re-word ``err`` for a person who just typed ``url`` and credentials into a form;
    ``credentials_field`` is the field rejected credentials were sent in (``token``...).
    The address is logged (debug), not shown."""
    log.debug("connecting a source at %s failed: %s", public_url(url), err.detail)
    status = getattr(err, "upstream_status", None)
    if isinstance(err, UpstreamUnreachable):
        return SourceConnectFailed(
            f"{err.detail} Check the address and that the server is running.",
            reason="unreachable",
            pointer="#/url",
        )
    if isinstance(err, UpstreamTimeout):
        return SourceConnectFailed(
            f"{err.detail} Check the address, or try again when the server is less busy.",
            reason="timeout",
        )
    if isinstance(err, UpstreamRejectedCredentials):
        return SourceConnectFailed(
            f"{err.detail} Check the user name and password (or token) and the "
            "authentication type.",
            reason="credentials",
            pointer=f"#/{credentials_field}",
        )
    if isinstance(err, NotFound) or (
        isinstance(err, UpstreamError)
        and (status is None or 400 <= status < 500 or status in (501, 505))
    ):
        return SourceConnectFailed(
            "The address answers, but not as a CalDAV server, principal or calendar. "
            "Use the address of your CalDAV server, your principal or one calendar.",
            reason="not-caldav",
            pointer="#/url",
        )
    return SourceConnectFailed(
        "The CalDAV server failed"
        + (f" (HTTP {status})" if status else "")
        + "; try again later or ask its administrator.",
        reason="server-error",
    )
