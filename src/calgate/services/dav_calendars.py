"""Calendars made, deleted and changed through the ``/dav/`` door, as through the API.

- MKCALENDAR (or an extended MKCOL of a calendar) by an admin token that is not scoped to
  calendars (the token that may create calendars through the API) makes a calgate calendar:
  its id is the collection's name, its name the ``displayname``, its zone the
  ``calendar-timezone`` when that names an IANA zone (else the server's default). The id is
  claimed in calgate first, so an id another calendar holds is refused (409,
  ``DAV:resource-must-be-null``) and nothing is made; a collection that is not a calendar is
  undone (403, ``DAV:valid-resourcetype``).
- DELETE of a calendar by such a token deletes it from the store and from calgate (its index
  and change feed with it).
- PROPPATCH by a token that may write the calendar: the new ``displayname`` and
  ``calendar-timezone`` are the calendar's name and zone in the API too.

Radicale does the WebDAV work (and answers as it does); calgate follows its answer. Other
tokens' requests go to Radicale untouched (its 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from calgate.domain.access import Grant, Role
from calgate.embedded.grants import is_calendar_id
from calgate.errors import InvalidInput
from calgate.services import calendars
from calgate.services.dav_answers import DavAnswer, dav_error
from calgate.upstream.timezones import tzid_of

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from calgate.embedded.store import EmbeddedStore
    from calgate.runtime import Runtime

Call = Callable[["WSGIEnvironment"], DavAnswer]
_HOME = "/calgate/"


def calendar_named(path: str) -> str | None:
    """The id of the calendar collection ``path`` names (``/calgate/<id>`` with or without
    the slash), when it is one calgate could hold."""
    if not path.startswith(_HOME):
        return None
    name = path[len(_HOME) :].rstrip("/")
    return name if is_calendar_id(name) else None


def _makes_calendars(grant: Grant) -> bool:
    return grant.at_least(Role.admin) and grant.calendars is None


def _zone(props: dict[str, str]) -> str | None:
    text = props.get("C:calendar-timezone")
    return (tzid_of(text) if text else None) or props.get("C:calendar-timezone-id")


def make(
    runtime: Runtime, store: EmbeddedStore, call: Call, environ: WSGIEnvironment, calendar_id: str
) -> DavAnswer:
    try:
        calendars.claim_calendar(runtime, calendar_id, name=calendar_id, time_zone=None)
    except InvalidInput as exc:
        return dav_error("409 Conflict", "<D:resource-must-be-null/>", exc.detail)
    try:
        answer = call(environ)
        props = store.calendar_properties(calendar_id) if answer.ok else None
    except BaseException:
        calendars.drop_calendar(runtime, calendar_id)
        raise
    if props is None:
        calendars.drop_calendar(runtime, calendar_id)
        return answer
    if props.get("tag") != "VCALENDAR":
        store.remove_calendar(calendar_id)
        calendars.drop_calendar(runtime, calendar_id)
        return dav_error(
            "403 Forbidden",
            "<D:valid-resourcetype/>",
            "calgate keeps calendar collections only: make one with MKCALENDAR",
        )
    calendars.settle_calendar(
        runtime,
        calendar_id,
        href=store.calendar_path(calendar_id),
        name=props.get("D:displayname") or calendar_id,
        time_zone=_zone(props),
    )
    return answer


def delete(runtime: Runtime, call: Call, environ: WSGIEnvironment, calendar_id: str) -> DavAnswer:
    answer = call(environ)
    if answer.ok:
        calendars.drop_calendar(runtime, calendar_id)
    return answer


def change(
    runtime: Runtime, store: EmbeddedStore, call: Call, environ: WSGIEnvironment, calendar_id: str
) -> DavAnswer:
    answer = call(environ)
    props = store.calendar_properties(calendar_id) if answer.ok else None
    if props is not None:
        calendars.settle_calendar(
            runtime,
            calendar_id,
            href=store.calendar_path(calendar_id),
            name=props.get("D:displayname"),
            time_zone=_zone(props),
        )
    return answer


def handle(
    runtime: Runtime, call: Call, environ: WSGIEnvironment, calendar_id: str, grant: Grant
) -> DavAnswer | None:
    """calgate's part of a request on a calendar collection; None: Radicale's alone."""
    store = runtime.embedded
    method = environ.get("REQUEST_METHOD", "")
    if store is None:
        return None
    if method in ("MKCALENDAR", "MKCOL") and _makes_calendars(grant):
        return make(runtime, store, call, environ, calendar_id)
    if method == "DELETE" and _makes_calendars(grant):
        return delete(runtime, call, environ, calendar_id)
    if method == "PROPPATCH" and grant.at_least(Role.write) and grant.sees(calendar_id):
        return change(runtime, store, call, environ, calendar_id)
    return None


__all__ = ["calendar_named", "handle"]
