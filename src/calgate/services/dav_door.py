"""The embedded store's CalDAV door (``/dav/``) keeping the API's promises.

A WSGI wrapper in front of the public Radicale app. For a write by a client whose token may
write the calendar (PUT, DELETE or MOVE of one event):

- into a calendar whose booking policy is ``overlap: reject``, the object is checked against
  the calendar's bookings under the same lock as an API write (``booking.guard``: the lock, a
  fresh index, the check), and Radicale stores it only when it takes no busy time; a refused
  write is a 409 with a ``DAV:error`` naming the booking in the way, and nothing is stored
  (webhook endpoints get ``booking.rejected`` with origin ``caldav``, as the check queues it);
- after Radicale stored it, the index (and so the change feed) learns of the change before the
  client gets its answer: a client that reads the API right after its CalDAV write sees it.

Everything else (reads, requests Radicale will refuse anyway, unknown senders) passes through
untouched, so Radicale's own answers (401, 403, 412...) stay what a CalDAV client expects.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from calgate.domain import ical_events as ical
from calgate.domain.access import Grant, Role
from calgate.domain.ids import id_from_href, resource_name_from_id
from calgate.embedded.auth import request_grant
from calgate.errors import BookingConflict, CalgateError, InvalidInput
from calgate.index.sync import CALDAV
from calgate.services import booking, dav_calendars
from calgate.services.calendars import read_visible
from calgate.services.context import CalendarContext
from calgate.services.dav_answers import DavAnswer, call, dav_error

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from calgate.runtime import Runtime

log = logging.getLogger(__name__)

_CALENDAR_HOME = "/calgate/"
_COLLECTION_METHODS = frozenset({"MKCALENDAR", "MKCOL", "DELETE", "PROPPATCH"})


@dataclass(frozen=True)
class _Target:
    """One event of an embedded calendar a request names: its calendar and store path."""

    ctx: CalendarContext
    path: str  # /calgate/<calendar id>/<resource name>
    grant: Grant  # the writer's

    @property
    def event_id(self) -> str:
        return id_from_href(self.path)


def _text_path(raw: str) -> str:
    """A WSGI path (UTF-8 bytes read as latin-1, PEP 3333) as text."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return raw


def event_path(path: str) -> tuple[str, str] | None:
    """``(calendar id, path)`` when ``path`` names one object in a calendar of the store."""
    if not path.startswith(_CALENDAR_HOME):
        return None
    parts = path[len(_CALENDAR_HOME) :].split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], path


def _conflict_items(exc: BookingConflict, calendar_href: str) -> str:
    """The bookings in the way: their ``/dav/`` hrefs, times and titles."""
    items = []
    for found in exc.extra.get("conflicts", []):
        name = resource_name_from_id(found["id"]) or found["id"]
        items.append(
            f"<G:conflict href={quoteattr(calendar_href + name)} start={quoteattr(found['start'])} "
            f"end={quoteattr(found['end'])}>{escape(found.get('title') or '')}</G:conflict>"
        )
    return "".join(items)


class DavDoor:
    """The WSGI app mounted at ``/dav``: ``app`` (the store's public app) behind the booking
    policy and the index (see the module's docstring)."""

    def __init__(self, runtime: Runtime, app: WSGIApplication) -> None:
        self._runtime = runtime
        self._app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = _text_path(environ.get("PATH_INFO", ""))
        answer: DavAnswer | None = None
        if method in self._handlers and (named := event_path(path)):
            grant = self._grant(environ)
            target = self._target(grant, named) if grant is not None else None
            if target is not None:
                answer = self._handlers[method](self, environ, target)
        elif method in _COLLECTION_METHODS and (calendar_id := dav_calendars.calendar_named(path)):
            grant = self._grant(environ)
            if grant is not None:
                answer = dav_calendars.handle(
                    self._runtime, self._call, environ, calendar_id, grant
                )
        if answer is None:
            return self._app(environ, start_response)  # Radicale's own answer
        start_response(answer.status, answer.headers)
        return [answer.body]

    # -- who and what ----------------------------------------------------------------------
    def _grant(self, environ: WSGIEnvironment) -> Grant | None:
        return request_grant(environ, self._runtime.check_token)

    def _target(self, grant: Grant, named: tuple[str, str]) -> _Target | None:
        """The event a writer names, in a calendar of the embedded store it may write; None
        for anything else (Radicale refuses or serves it as it does)."""
        calendar_id, path = named
        if not grant.at_least(Role.write):
            return None
        try:
            calendar, source = read_visible(self._runtime.db, grant, calendar_id)
        except CalgateError:
            return None
        if source.kind != "embedded" or calendar.href.rstrip("/") != path.rsplit("/", 1)[0]:
            return None
        ctx = CalendarContext(self._runtime, calendar, source, origin=CALDAV)
        return _Target(ctx, path, grant)

    def _destination(self, environ: WSGIEnvironment, grant: Grant) -> _Target | None:
        """A MOVE's destination, when it is an event of a calendar the token may write."""
        url = urlsplit(environ.get("HTTP_DESTINATION", ""))
        root = environ.get("SCRIPT_NAME", "")
        path = unquote(url.path)
        if not path.startswith(root + "/"):
            return None
        named = event_path(path[len(root) :])
        return self._target(grant, named) if named else None

    # -- the writes ------------------------------------------------------------------------
    def _put(self, environ: WSGIEnvironment, target: _Target) -> DavAnswer:
        body = _read_body(environ, self._runtime.settings.dav_max_body_bytes)
        if body is None or target.ctx.calendar.overlap != booking.REJECT:
            return self._store(environ, target)
        try:
            cal = ical.parse_ical(body.decode("utf-8", errors="replace"))
        except InvalidInput:
            return self._store(environ, target)  # not a booking: Radicale answers it
        return self._guarded(
            environ, target, lambda: booking.check_free(target.ctx, target.event_id, cal)
        )

    def _delete(self, environ: WSGIEnvironment, target: _Target) -> DavAnswer:
        answer = self._call(environ)
        if answer.ok:
            self._record(target, deleted=True)
        return answer

    def _move(self, environ: WSGIEnvironment, source: _Target) -> DavAnswer:
        target = self._destination(environ, source.grant)
        if target is None:
            return self._call(environ)
        store = self._runtime.embedded
        held = store.read_item(source.path) if store is not None else None
        if held is None or target.ctx.calendar.overlap != booking.REJECT:
            return self._moved(environ, source, target)
        try:
            cal = ical.parse_ical(held[0])
        except InvalidInput:
            return self._moved(environ, source, target)
        # within one calendar the moved event gives up the time it holds
        same = source.ctx.calendar.id == target.ctx.calendar.id
        held_by = source.event_id if same else None

        def check() -> None:
            booking.check_free(target.ctx, target.event_id, cal, held_by=held_by)

        return self._guarded(environ, target, check, moved_from=source)

    def _moved(self, environ: WSGIEnvironment, source: _Target, target: _Target) -> DavAnswer:
        answer = self._call(environ)
        if answer.ok:
            self._record(source, deleted=True)
            self._record(target)
        return answer

    def _store(self, environ: WSGIEnvironment, target: _Target) -> DavAnswer:
        answer = self._call(environ)
        if answer.ok:
            self._record(target)
        return answer

    def _guarded(
        self,
        environ: WSGIEnvironment,
        target: _Target,
        check: Callable[[], None],
        *,
        moved_from: _Target | None = None,
    ) -> DavAnswer:
        """Check and write under the calendar's booking lock, as the API does. What the check
        cannot take is refused as a CalDAV client can show it, never a 500."""
        ctx = target.ctx
        try:
            with booking.calendar_lock(ctx.runtime, ctx.calendar.id):
                ctx.runtime.indexer.sync(ctx.calendar, ctx.source)
                check()
                if moved_from is not None:
                    return self._moved(environ, moved_from, target)
                return self._store(environ, target)
        except BookingConflict as exc:
            return _refused(exc, environ.get("SCRIPT_NAME", ""), ctx.calendar.id)
        except InvalidInput as exc:  # a rule too dense to check, out of bounds, never occurring
            return dav_error("403 Forbidden", "<C:valid-calendar-object-resource/>", exc.detail)
        except CalgateError as exc:  # the index could not be brought up to date
            status = f"{exc.status} {HTTPStatus(exc.status).phrase}"
            return dav_error(status, "", exc.detail)

    # -- Radicale and the index --------------------------------------------------------------
    def _call(self, environ: WSGIEnvironment) -> DavAnswer:
        return call(self._app, environ)

    def _record(self, target: _Target, *, deleted: bool = False) -> None:
        """Tell the index what the store now holds at ``target``. A failure here is logged
        and left to the next sync: the write itself happened."""
        indexer = self._runtime.indexer
        calendar = target.ctx.calendar
        try:
            store = self._runtime.embedded
            held = None if deleted or store is None else store.read_item(target.path)
            if held is None:
                indexer.record_delete(calendar, href=target.path, origin=CALDAV)
            else:
                indexer.record_write(
                    calendar, href=target.path, etag=held[1], ical=held[0], origin=CALDAV
                )
        except Exception:
            log.warning("indexing the /dav/ write of %s failed", target.path, exc_info=True)

    _handlers: dict[str, Callable[[DavDoor, WSGIEnvironment, _Target], DavAnswer]] = {
        "PUT": _put,
        "DELETE": _delete,
        "MOVE": _move,
    }


def _read_body(environ: WSGIEnvironment, most: int) -> bytes | None:
    """The request body (and put back for Radicale), when it has a Content-Length of at most
    ``most`` bytes; None for the rest (Radicale answers them as it does: 411, 413)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > most:
        return None
    body: bytes = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _refused(exc: BookingConflict, dav_root: str, calendar_id: str) -> DavAnswer:
    """A refused booking: calgate's precondition, the reason, the bookings in the way."""
    items = _conflict_items(exc, f"{dav_root}{_CALENDAR_HOME}{calendar_id}/")
    return dav_error("409 Conflict", "<G:no-overlapping-booking/>", exc.detail, items)


__all__ = ["DavDoor", "event_path"]
