"""``CalDAVConnection``: the requests calgate makes to one CalDAV server, over the caldav library.

The caldav ``DAVClient`` carries the HTTP session, authentication and redirects; calgate builds the
bodies and reads the replies itself (``davxml``), so conditional headers go out exactly as given and
every status comes back to ``errors.upstream_error``. Safe to share between worker threads: each
thread gets its own ``DAVClient`` (and so its own HTTP session), made on first use.

The connection is its server's bulkhead: at most ``slots`` requests are in flight to it at once,
and a request that finds none free within ``slot_wait`` seconds fails with ``UpstreamBusy``
instead of queueing behind a server that has stopped answering.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

from caldav.davclient import DAVClient
from caldav.lib import error as dav_error

from calgate.errors import CalgateError, Conflict, UpstreamBusy, UpstreamError
from calgate.upstream import capabilities, davxml, discovery, sync
from calgate.upstream.davxml import DavResource, crlf
from calgate.upstream.errors import target, translated, upstream_error
from calgate.upstream.hrefs import public_url, resolve_href, same_resource, without_user_info
from calgate.upstream.models import Credentials, DiscoveredCalendar, RemoteObject, SyncDelta
from calgate.upstream.quirks import ServerFeatures, detect_server, quirks_for
from calgate.upstream.timezones import vtimezone_calendar

XML = davxml.CONTENT_TYPE
ICAL = "text/calendar; charset=utf-8"
USER_AGENT = "calgate (python-caldav)"


@dataclass(frozen=True)
class Refusal:
    """A 403 answer, which the caldav library raises instead of returning: shaped like its
    response, body included, since a 403 may carry a precondition rather than mean "forbidden"
    (RFC 4918 section 16; RFC 6578 section 3.2 ``DAV:valid-sync-token``)."""

    status: int
    raw: str
    headers: dict[str, str] = field(default_factory=dict)
    tree: Any = None


def is_weak(etag: str) -> bool:
    """A weak entity tag, ``W/"..."`` (RFC 9110 section 8.8.3; the prefix is case-sensitive)."""
    return etag.startswith("W/")


class CalDAVConnection:
    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        timeout: float,
        slots: int = 8,
        slot_wait: float = 1.0,
    ) -> None:
        # Credentials travel in ``credentials`` only: user info in the URL is dropped.
        self.url = resolve_href(url, without_user_info(url))
        self._credentials = credentials
        self.timeout = timeout
        self._local = threading.local()
        self._clients: list[DAVClient] = []
        self._lock = threading.Lock()
        self.slots = slots
        self.slot_wait = slot_wait
        self._slots = threading.BoundedSemaphore(slots)
        # what errors say the server was asked about ("calendar 'work'"), see ``about``
        self.subject: str | None = None

    def about(self, subject: str) -> CalDAVConnection:
        """This connection (same clients, same slots), its errors naming ``subject``
        (``calendar 'work'``) where the server could not be reached, never its address."""
        view = copy.copy(self)
        view.subject = subject
        return view

    @property
    def _client(self) -> DAVClient:
        """This thread's DAVClient: an HTTP session (connection pool) per worker thread, since
        requests-style sessions do not promise thread safety."""
        client: DAVClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._new_client()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _new_client(self) -> DAVClient:
        c = self._credentials
        with translated(self.url):
            client = DAVClient(
                url=self.url,
                username=None if c.anonymous else (c.username or ""),
                password=None if c.anonymous else (c.secret or ""),
                # Given explicitly, the auth object is built up front: Basic and Bearer go out
                # with the first request, no probing 401 round trip, no guessing.
                auth_type=None if c.anonymous else c.auth_type,
                timeout=None,
                headers={"User-Agent": USER_AGENT},
                enable_rfc6764=False,
            )
        # DAVClient's signature says int, but the value goes straight to the HTTP library.
        client.timeout = self.timeout  # type: ignore[assignment]
        return client

    def __repr__(self) -> str:
        c = self._credentials
        return (
            f"CalDAVConnection({public_url(self.url)!r}, user={c.username!r}, auth={c.auth_type})"
        )

    def __enter__(self) -> CalDAVConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()
        self._local = threading.local()

    # -- low level -----------------------------------------------------------------------------

    def resolve(self, href: str) -> str:
        """``href`` (relative to the server URL, or absolute) in calgate's normalized spelling."""
        return resolve_href(self.url, href)

    def send(
        self, method: str, url: str, body: str = "", headers: dict[str, str] | None = None
    ) -> Any:
        """One request; transport failures become domain errors, any status is returned (but
        401, which means wrong credentials whatever was asked). Waits ``slot_wait`` at most for
        one of the server's slots."""
        if not self._slots.acquire(timeout=self.slot_wait):
            server = f"The CalDAV server of {self.subject}" if self.subject else "The CalDAV server"
            raise UpstreamBusy(
                f"{server} is not keeping up: {self.slots} requests to it are still waiting for "
                "an answer. Try again later."
            )
        try:
            with translated(url, self.subject):
                try:
                    return self._client.request(url, method, body, headers or {})
                except dav_error.AuthorizationError as exc:
                    if exc.status != 403:
                        raise
                    body_of = exc.body
                    if isinstance(body_of, bytes):
                        body_of = body_of.decode("utf-8", "replace")
                    return Refusal(403, body_of or "")
        finally:
            self._slots.release()

    def request(
        self, method: str, url: str, body: str = "", headers: dict[str, str] | None = None
    ) -> Any:
        """``send`` that raises the mapped domain error for any status outside 2xx."""
        response = self.send(method, url, body, headers)
        if not 200 <= response.status < 300:
            raise upstream_error(url, status=response.status, body=response.raw)
        return response

    def report(self, url: str, body: str, *, depth: int) -> Any:
        """A REPORT to ``url``; any status comes back, as with ``send``."""
        headers = {"Depth": str(depth), "Content-Type": XML}
        return self.send("REPORT", self.resolve(url), body, headers)

    def propfind(self, url: str, props: list[str], *, depth: int) -> list[DavResource]:
        url = self.resolve(url)
        headers = {"Depth": str(depth), "Content-Type": XML}
        response = self.request("PROPFIND", url, davxml.propfind_body(props), headers)
        with translated(url):
            resources = davxml.parse_multistatus(response.tree, url)
        # RFC 4918 section 14.24: a missing resource may come back as a 207 whose only response
        # carries a bare 404 (Xandikos does this).
        if resources and all(r.status == 404 and not r.props for r in resources):
            raise upstream_error(url, status=404)
        return resources

    # -- the API -------------------------------------------------------------------------------

    def discover(self, credentials_field: str = "password") -> list[DiscoveredCalendar]:
        """See ``discovery.discover``; ``credentials_field`` names the request field the
        credentials came in, for the error when the server refuses them."""
        return discovery.discover(self, credentials_field)

    def get(self, href: str, *, as_stored: bool = False) -> RemoteObject:
        """The stored object and its ETag, strong whenever the server has a strong one.

        The ETag is what an edit sends back in If-Match, where only strong tags count (RFC 9110
        section 13.1.1). A content-coded answer may carry a weakened tag: Cyrus gzips larger
        objects and then sends ``W/"x"`` for the object PUT, PROPFIND and REPORT call ``"x"``
        (see ``quirks``). So GET asks for the identity coding, the
        representation those tags describe; a tag still weak is checked against the
        ``DAV:getetag`` property (``_strong_etag``)."""
        url = self.resolve(href)
        headers = {"Accept": "text/calendar", "Accept-Encoding": "identity"}
        response = self.request("GET", url, headers=headers)
        ical = response.raw
        if "BEGIN:VCALENDAR" not in ical:
            raise UpstreamError(
                f"The CalDAV server did not return iCalendar data for {target(url)}."
            )
        etag = response.headers.get("ETag")
        if etag is not None and is_weak(etag):
            etag = self._strong_etag(url, etag)
        # as_stored: the text exactly as the server sent it (GET with Accept: text/calendar)
        return RemoteObject(href=url, etag=etag, ical=ical if as_stored else crlf(ical))

    def _strong_etag(self, url: str, weak: str) -> str:
        """The strong tag the server lists as ``DAV:getetag`` for ``url`` when it weakly equals
        ``weak`` (same opaque-tag, RFC 9110 section 8.8.3.2: the version just read); else
        ``weak`` itself (the object changed in between, or the server has no strong tag), which
        an If-Match then fails on, as it should."""
        try:
            found = self.propfind(url, [davxml.GETETAG], depth=0)
        except CalgateError:
            return weak
        for r in found:
            tag = r.text(davxml.GETETAG)
            if r.ok and same_resource(r.href, url) and tag and not is_weak(tag):
                return tag if tag == weak[2:] else weak
        return weak

    def put(
        self, href: str, ical: str, *, if_match: str | None = None, if_none_match: bool = False
    ) -> str | None:
        if if_match is not None and if_none_match:
            raise ValueError("give if_match or if_none_match, not both")
        url = self.resolve(href)
        etag, _ = self._put(url, ical, if_match=if_match, if_none_match=if_none_match)
        if etag:
            return etag
        # RFC 4791 section 5.3.4: no ETag means the server may have changed the data; ask.
        try:
            found = self.propfind(url, [davxml.GETETAG], depth=0)
        except CalgateError:
            return None
        return next((r.text(davxml.GETETAG) for r in found if r.text(davxml.GETETAG)), None)

    def write(
        self, href: str, ical: str, *, if_match: str | None = None, if_none_match: bool = False
    ) -> RemoteObject:
        """PUT, and the object as the server now holds it: the text sent when the server
        answers with an ETag (RFC 4791 5.3.4: it stored the data unchanged) and is not known
        to change objects anyway (``quirks``: ``rewrites_on_put``), else the object read back."""
        url = self.resolve(href)
        etag, headers = self._put(url, ical, if_match=if_match, if_none_match=if_none_match)
        if etag and not quirks_for(detect_server(headers)).rewrites_on_put:
            return RemoteObject(href=url, etag=etag, ical=ical)
        try:
            return self.get(url)
        except CalgateError:
            return RemoteObject(href=url, etag=None, ical=ical)

    def _put(
        self, url: str, ical: str, *, if_match: str | None, if_none_match: bool
    ) -> tuple[str | None, Mapping[str, str]]:
        if if_match is not None and if_none_match:
            raise ValueError("give if_match or if_none_match, not both")
        headers = {"Content-Type": ICAL}
        if if_match is not None:
            headers["If-Match"] = if_match
        if if_none_match:
            headers["If-None-Match"] = "*"
        response = self.request("PUT", url, ical, headers)
        etag = response.headers.get("ETag")
        return (str(etag) if etag else None), response.headers

    def delete(self, href: str, *, if_match: str | None = None) -> None:
        url = self.resolve(href)
        self.request("DELETE", url, headers={"If-Match": if_match} if if_match is not None else {})

    def query(
        self, calendar_url: str, *, start: datetime | None, end: datetime | None
    ) -> list[RemoteObject]:
        url = self.resolve(calendar_url)
        body = davxml.calendar_query_body(start, end)
        response = self.request("REPORT", url, body, {"Depth": "1", "Content-Type": XML})
        with translated(url):
            resources = davxml.parse_multistatus(response.tree, url)
        out: list[RemoteObject] = []
        for r in resources:
            data = r.raw_text(davxml.CALENDAR_DATA)
            if r.ok and data and not same_resource(r.href, url):
                out.append(RemoteObject(href=r.href, etag=r.text(davxml.GETETAG), ical=crlf(data)))
        return out

    def list_hrefs(self, calendar_url: str) -> dict[str, str | None]:
        url = self.resolve(calendar_url)
        found = self.propfind(url, [davxml.GETETAG, davxml.RESOURCETYPE], depth=1)
        return {
            r.href: r.text(davxml.GETETAG)
            for r in found
            if r.ok and not r.is_collection and not same_resource(r.href, url)
        }

    def make_calendar(
        self, *, home_url: str | None, slug: str, name: str, time_zone: str | None
    ) -> str:
        home = self.resolve(home_url) if home_url else discovery.calendar_home(self)
        url = resolve_href(home.rstrip("/") + "/", quote(slug, safe="") + "/")
        body = davxml.mkcalendar_body(name, vtimezone_calendar(time_zone) if time_zone else None)
        response = self.send("MKCALENDAR", url, body, {"Content-Type": XML})
        # RFC 4791 section 5.3.1 (resource-must-be-null) says 405; Radicale says 409, which
        # RFC 4918 section 9.3.1 also uses for a missing parent collection.
        if response.status in (405, 409):
            raise Conflict(
                f"Could not create the calendar {slug!r} on the CalDAV server: something exists "
                "there already (or the calendar home does not)."
            )
        if not 200 <= response.status < 300:
            raise upstream_error(url, status=response.status, body=response.raw)
        return url

    # -- what the index needs (see ``sync`` and ``capabilities``, which take this connection as
    # their ``transport.DavTransport``) ------------------------------------------------------

    def sync_collection(self, calendar_url: str, token: str | None) -> SyncDelta:
        """RFC 6578: what changed in the calendar since ``token`` (everything when None).
        Raises ``SyncTokenRejected`` (sync again with None) and ``SyncUnsupported``."""
        return sync.sync_collection(self, calendar_url, token)

    def multiget(
        self, calendar_url: str, hrefs: list[str], *, batch_size: int = sync.MULTIGET_BATCH
    ) -> list[RemoteObject]:
        """RFC 4791 section 7.9: these objects, ``batch_size`` per REPORT; missing ones are
        left out."""
        return sync.multiget(self, calendar_url, hrefs, batch_size=batch_size)

    def ctag(self, calendar_url: str) -> str | None:
        """A value that changes whenever the calendar's contents do: ``CS:getctag``, else the
        ``DAV:sync-token`` property; None when the server has neither."""
        return sync.ctag(self, calendar_url)

    def probe_capabilities(self, calendar_url: str) -> ServerFeatures:
        """What the server behind this calendar can do, found by asking (a handful of
        requests); see ``capabilities.probe``."""
        return capabilities.probe(self, calendar_url)
