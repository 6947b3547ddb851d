"""What a CalDAV server can do, found by asking it (a handful of cheap requests), kept as data.

``probe()`` answers a ``quirks.ServerFeatures`` (stored with the source as its JSON report):

==================  ========================================================================
sync_collection     an RFC 6578 sync-collection REPORT without a token works
ctag                the calendar has ``CS:getctag``
server_side_expand  a calendar-query with ``<C:expand>`` is answered (RFC 4791 section 9.6.5);
                    only whether it is answered: calgate never uses it
scheduling          the DAV header says ``calendar-auto-schedule``, or the principal has a
                    ``schedule-inbox-URL`` (RFC 6638)
mkcalendar          OPTIONS on the calendar's parent (or, as SabreDAV wants it, on a free name
                    in it) allows MKCALENDAR
free_busy_query     a free-busy-query REPORT on the calendar answers 200 (RFC 4791 7.10)
server              the product, from ``quirks.detect_server`` (None when unknown)
emulated            what calgate does itself on this server: always ``recurrenceExpansion``,
                    and ``syncCollection`` (ctag/ETag comparison) when the server lacks it
==================  ========================================================================

The calendar must answer PROPFIND (else its error is raised). A missing feature is ``False``,
never an error; only failures that say nothing about a feature propagate: transport failures,
401 (credentials) and "busy" (429/503).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from calgate.errors import (
    CalgateError,
    UpstreamError,
    UpstreamRejectedCredentials,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from calgate.upstream import davxml, sync
from calgate.upstream.hrefs import as_collection, resolve_href, same_resource
from calgate.upstream.quirks import ALWAYS_EMULATED, ServerFeatures, detect_server
from calgate.upstream.transport import DavTransport

# A one-second window long ago: the REPORTs below cost the server little and return little.
PROBE_START = datetime(2000, 1, 1, tzinfo=UTC)
PROBE_END = datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC)


def probe(conn: DavTransport, calendar_url: str) -> ServerFeatures:
    url = conn.resolve(calendar_url)
    options = conn.send("OPTIONS", url)
    headers = _lowered(options.headers)
    found = conn.propfind(
        url, [davxml.GETCTAG, davxml.SYNC_TOKEN, davxml.CURRENT_USER_PRINCIPAL], depth=0
    )
    me = next((r for r in found if r.ok and same_resource(r.href, url)), None) or next(
        (r for r in found if r.ok), None
    )
    syncs = _feature(lambda: bool(sync.sync_collection(conn, url, None).token))
    scheduling = "calendar-auto-schedule" in _tokens(headers.get("dav"), str.lower)
    if not scheduling and me is not None:
        principals = me.hrefs(davxml.CURRENT_USER_PRINCIPAL)
        scheduling = _feature(lambda: any(_has_inbox(conn, p) for p in principals[:1]))
    return ServerFeatures(
        sync_collection=syncs,
        ctag=me is not None and me.text(davxml.GETCTAG) is not None,
        server_side_expand=_feature(lambda: _answers_multistatus(conn, url)),
        scheduling=scheduling,
        mkcalendar=_feature(lambda: _allows_mkcalendar(conn, url)),
        free_busy_query=_feature(lambda: _answers_free_busy(conn, url)),
        server=detect_server(headers),
        emulated=(*ALWAYS_EMULATED, *(() if syncs else ("syncCollection",))),
    )


def _feature(check: Callable[[], bool]) -> bool:
    """``check()``, with any answer that is not about the feature raised and the rest False."""
    try:
        return check()
    except (UpstreamUnreachable, UpstreamTimeout):
        raise
    except UpstreamError as err:
        if isinstance(err, UpstreamRejectedCredentials) and err.upstream_status == 401:
            raise
        if err.upstream_status in (429, 503):
            raise
        return False
    except CalgateError:
        return False


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _tokens(value: str | None, case: Callable[[str], str]) -> set[str]:
    return {case(t.strip()) for t in (value or "").split(",") if t.strip()}


def _has_inbox(conn: DavTransport, principal: str) -> bool:
    found = conn.propfind(principal, [davxml.SCHEDULE_INBOX_URL], depth=0)
    return any(r.ok and r.hrefs(davxml.SCHEDULE_INBOX_URL) for r in found)


def _answers_multistatus(conn: DavTransport, url: str) -> bool:
    response = conn.report(url, davxml.expand_query_body(PROBE_START, PROBE_END), depth=1)
    return response.status == 207 and _is_multistatus(response.tree)


def _answers_free_busy(conn: DavTransport, url: str) -> bool:
    response = conn.report(url, davxml.free_busy_query_body(PROBE_START, PROBE_END), depth=1)
    return bool(response.status == 200 and "BEGIN:VCALENDAR" in (response.raw or ""))


def _allows_mkcalendar(conn: DavTransport, url: str) -> bool:
    """RFC 4791 section 5.3.1. Radicale, Xandikos and Cyrus list MKCALENDAR in the Allow of
    the calendar home; SabreDAV 1.8 only in that of a free name inside it."""
    parent = resolve_href(as_collection(url), "..")
    if "MKCALENDAR" in _allowed(conn, parent):
        return True
    free = resolve_href(parent, f"calgate-probe-{uuid.uuid4().hex}/")
    return "MKCALENDAR" in _allowed(conn, free)


def _allowed(conn: DavTransport, url: str) -> set[str]:
    response = conn.send("OPTIONS", url)
    if not 200 <= response.status < 300:
        return set()
    return _tokens(_lowered(response.headers).get("allow"), str.upper)


def _is_multistatus(tree: Any) -> bool:
    return tree is not None and isinstance(tree.tag, str) and tree.tag == davxml.DAV + "multistatus"
