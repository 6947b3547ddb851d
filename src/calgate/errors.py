"""The domain error tree. Every layer raises these; `api/problems.py` turns them into RFC 9457
problem+json in one place. Lower-level errors (HTTP client, CalDAV library, SQL) are translated
into this tree at the boundary that sees them, with ``raise ... from exc``.

::

    CalgateError                         500  (never raised directly)
    ├── InvalidInput                     422  one entry per bad field (``errors``)
    │   ├── UnknownTimeZone              422
    │   ├── WalkTooLong                  422  a rule so rare its next occurrence was not found
    │   └── UnsafeDestination            422  an outbound URL reaching calgate's own networks (SSRF)
    ├── AuthenticationRequired           401
    ├── PermissionDenied                 403  (``errors`` when a field asked for too much)
    ├── NotFound                         404  (also: outside the token's scope)
    ├── Conflict                         409
    │   ├── CalendarAlreadyConnected     409  a new source's calendar is connected already
    │   ├── ReadOnlyCalendar             409  a write to a subscribed iCalendar feed's calendar
    │   └── BookingConflict              409  the slot is taken in an ``overlap: reject`` calendar
    ├── PreconditionFailed               412  (If-Match / If-None-Match)
    ├── NotAcceptable                    406  no representation the Accept header allows
    ├── UnsupportedMediaType             415  a request body calgate does not read
    ├── ContentTooLarge                  413  a request body over the configured size
    ├── ChangeTokenGone                  410  a change-feed token calgate no longer knows
    ├── UpstreamError                    502  the CalDAV server answered badly (``upstream_status``)
    │   ├── UpstreamUnreachable          503  connection refused, DNS failure (``Retry-After``)
    │   │   └── UpstreamBusy             503  no free slot in the source's bulkhead in time
    │   ├── UpstreamTimeout              504  (``Retry-After``)
    │   ├── UpstreamRejectedCredentials  502  401/403 from the server on an existing source
    │   ├── SyncTokenRejected            502  RFC 6578 sync token refused: resync from scratch
    │   ├── FeedUnreachable              502  sync now: a subscribed feed could not be read
    │   ├── SyncUnsupported              502  no sync-collection here: compare ctag/ETags instead
    │   └── ClearingFailed               502  (or the failures' own status) no calendar of a
    │                                         clearing pass could be cleared (``errors``)
    ├── SourceConnectFailed              422  adding a source: bad URL, unreachable, bad credentials
    └── UpstreamRefusedEvent             422  the server refused the event's data (RFC 4791 5.3.2.1)

Outside the tree are signals a module raises and catches (or translates) itself, which never
reach a client as they are (``tests/test_error_tree.py`` holds the list to these):

- ``upstream.davxml.NotMultistatus``: a reply that is not a multistatus; ``upstream/errors.py``
  makes it an ``UpstreamError``;
- ``embedded.guard._Refused``: an XML body ``/dav/`` refuses; the guard answers 400;
- ``api.intake._TooLarge``: a body past the limit while it arrives; the intake raises
  ``ContentTooLarge``;
- ``domain.mail.TemplateTooLong`` and ``mail.templates.TemplateTooSlow``: a calendar's template
  past its limits; the mail falls back to the default template;
- ``mail.smtp.SendFailure``: a delivery failure and its kind; the outbox retries or gives up;
- ``outbound.post.PostFailed``: a webhook POST that got no HTTP answer; the delivery retries;
- ``outbound.get.FetchFailed`` and ``domain.ics_feed.FeedUnreadable``: a subscribed feed that
  gave no usable iCalendar; a refresh records it on the source (``lastError``), subscribing
  answers ``SourceConnectFailed``;
- ``services.import_run._Lost``: an import whose lease another worker took over; this worker
  stops its run and leaves the import to the other;
- ``client.http.ClientError``: in the HTTP client commands (``calgate import`` ...), not the
  server: the one line a command prints and its exit code;
- ``ui.pages.common.SignInNeeded``: a UI page asked for without a valid session; answered with
  a 303 to the sign-in page (which then leads back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def pointer_token(key: object) -> str:
    """A member name or array index as one JSON pointer reference token (RFC 6901 section 3:
    ``~`` as ``~0``, ``/`` as ``~1``)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def json_pointer(*keys: object) -> str:
    """The one builder of the pointers in ``errors`` (RFC 6901 in a URI fragment): ``#`` for the
    whole body, ``#/participants/a~1b/email`` for a member."""
    return "#" + "".join(f"/{pointer_token(k)}" for k in keys)


@dataclass(frozen=True)
class FieldError:
    """One bad field of a request: ``pointer`` is a JSON pointer into the body (``#/start``) or
    the name of a query parameter or header (``start``, ``If-Match``)."""

    detail: str
    pointer: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"detail": self.detail}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        return out


class CalgateError(Exception):
    status: int = 500
    title: str = "Internal error"
    slug: str = "internal-error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = extra
        self.headers: dict[str, str] = {}


class InvalidInput(CalgateError):
    status = 422
    title = "Invalid request"
    slug = "invalid-request"

    def __init__(self, detail: str, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = errors or []

    @classmethod
    def field(cls, pointer: str, detail: str) -> InvalidInput:
        return cls(detail, [FieldError(detail, pointer)])


class UnknownTimeZone(InvalidInput):
    title = "Unknown time zone"
    slug = "unknown-time-zone"


class WalkTooLong(InvalidInput):
    """A walk to an occurrence (``n``, an occurrence path) passed its bound of time or steps."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            "This series' rule matches so rarely that calgate stopped looking for its next "
            f"occurrence after {seconds:g} s; ask for a window (start and end) instead.",
            [],
        )


class UnsafeDestination(InvalidInput):
    """An outbound URL (a webhook endpoint) whose host is, or resolves to, an address calgate
    does not send to: loopback, private, link-local, cloud metadata ... ``reason`` names the
    kind for logs and tests; the problem itself names neither the kind nor the address, so the
    API is no probe of calgate's networks."""

    title = "Destination not allowed"
    slug = "unsafe-destination"

    def __init__(self, reason: str) -> None:
        detail = "The URL's host is not an address calgate sends to (SSRF protection)."
        super().__init__(detail, [FieldError(detail, "#/url")])
        self.reason = reason


class AuthenticationRequired(CalgateError):
    status = 401
    title = "Authentication required"
    slug = "authentication-required"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["WWW-Authenticate"] = 'Bearer realm="calgate"'


class PermissionDenied(CalgateError):
    status = 403
    title = "Permission denied"
    slug = "permission-denied"

    def __init__(self, detail: str, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = errors or []


class NotFound(CalgateError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(CalgateError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class ReadOnlyCalendar(Conflict):
    """A write to a calendar calgate mirrors read-only (a subscribed iCalendar feed)."""

    title = "Calendar is read-only"
    slug = "read-only-calendar"


class CalendarAlreadyConnected(Conflict):
    """A source being added leads to a calendar calgate already has (``existing``: each one's
    calendar and source id)."""

    title = "Calendar already connected"
    slug = "calendar-already-connected"


class BookingConflict(Conflict):
    """A booking overlaps another in a calendar whose policy is ``overlap: reject``
    (``conflicts``: the bookings in the way)."""

    title = "Booking conflict"
    slug = "booking-conflict"


class ChangeTokenGone(CalgateError):
    """A change-feed token that is unknown or expired: list the changes again without it."""

    status = 410
    title = "Change token expired"
    slug = "change-token-gone"


class PreconditionFailed(CalgateError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class NotAcceptable(CalgateError):
    status = 406
    title = "Not acceptable"
    slug = "not-acceptable"


class UnsupportedMediaType(CalgateError):
    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class ContentTooLarge(CalgateError):
    status = 413
    title = "Content too large"
    slug = "content-too-large"


class UpstreamError(CalgateError):
    """The CalDAV server answered with something calgate cannot use."""

    status = 502
    title = "Upstream CalDAV server error"
    slug = "upstream-error"

    def __init__(self, detail: str, upstream_status: int | None = None, **extra: Any) -> None:
        if upstream_status is not None:
            extra["upstreamStatus"] = upstream_status
        super().__init__(detail, **extra)
        self.upstream_status = upstream_status


class UpstreamUnreachable(UpstreamError):
    status = 503
    title = "Upstream CalDAV server unreachable"
    slug = "upstream-unreachable"
    retry_after_seconds = 30

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = str(self.retry_after_seconds)


class UpstreamBusy(UpstreamUnreachable):
    """Every one of the source's slots (``upstream_concurrency``) stayed taken for
    ``upstream_queue_wait``: its server is stalled or not keeping up."""

    title = "Upstream CalDAV server busy"
    slug = "upstream-busy"


class UpstreamTimeout(UpstreamError):
    status = 504
    title = "Upstream CalDAV server timed out"
    slug = "upstream-timeout"
    retry_after_seconds = 30

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers["Retry-After"] = str(self.retry_after_seconds)


class UpstreamRejectedCredentials(UpstreamError):
    title = "Upstream CalDAV server rejected the stored credentials"
    slug = "upstream-credentials-rejected"


class FeedUnreachable(UpstreamError):
    """``POST /api/v1/sources/{id}/sync`` on a subscription whose feed could not be read (the
    reason in the detail; the last copy stays)."""

    title = "iCalendar feed could not be read"
    slug = "feed-unreadable"


class SyncTokenRejected(UpstreamError):
    """The server refused a sync token (RFC 6578 section 3.2, ``DAV:valid-sync-token``): the
    caller drops it and syncs the whole collection again."""

    title = "Upstream CalDAV server rejected the sync token"
    slug = "upstream-sync-token-rejected"


class SyncUnsupported(UpstreamError):
    """The server has no RFC 6578 sync-collection REPORT (SabreDAV 1.8): the caller compares
    ctag and ETags instead."""

    title = "Upstream CalDAV server has no sync-collection"
    slug = "upstream-sync-unsupported"


class ClearingFailed(UpstreamError):
    """Every calendar of a clearing pass over several failed; ``errors`` names each one
    (``calendar``, ``status``, ``detail``). The status is theirs when they share one (503 when
    no server could be reached), else 502."""

    title = "No calendar could be cleared"
    slug = "clearing-failed"

    def __init__(self, detail: str, *, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)
        self.status = status
        if status == UpstreamUnreachable.status:
            self.headers["Retry-After"] = str(UpstreamUnreachable.retry_after_seconds)


class UpstreamRefusedEvent(InvalidInput):
    """The server refused the event as data (an RFC 4791 precondition such as
    ``valid-calendar-data``): the request, not calgate or the server, has to change."""

    title = "The CalDAV server refused this event"
    slug = "upstream-refused-event"


class SourceConnectFailed(InvalidInput):
    """Adding a source failed; ``reason`` says which part was wrong (url, credentials, server)."""

    title = "Could not connect the CalDAV source"
    slug = "source-connect-failed"

    def __init__(self, detail: str, reason: str, pointer: str | None = None) -> None:
        super().__init__(detail, [FieldError(detail, pointer)] if pointer else [], reason=reason)
        self.reason = reason
