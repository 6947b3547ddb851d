"""Find the event calendars behind a URL a person typed: a server root, a principal, a calendar
home or one calendar (Confluence Team Calendars hand out the URL of one calendar).

RFC 4791 section 6.2.1 and RFC 5397: the URL itself may be a calendar; else its
``calendar-home-set``, else the ``calendar-home-set`` of its ``current-user-principal``, else
(for a bare server root) the same via ``/.well-known/caldav`` (RFC 6764 section 5), else the URL
as a calendar home. The homes are listed with Depth 1.
"""

from __future__ import annotations

from calgate.errors import (
    CalgateError,
    NotFound,
    SourceConnectFailed,
    UpstreamError,
    UpstreamRejectedCredentials,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from calgate.upstream import davxml
from calgate.upstream.davxml import DavResource
from calgate.upstream.errors import source_connect_failed
from calgate.upstream.hrefs import resolve_href, same_resource
from calgate.upstream.models import DiscoveredCalendar
from calgate.upstream.timezones import tzid_of
from calgate.upstream.transport import DavTransport

CALENDAR_PROPS = [
    davxml.RESOURCETYPE,
    davxml.DISPLAYNAME,
    davxml.COMPONENT_SET,
    davxml.CALENDAR_TIMEZONE,
    davxml.CALENDAR_TIMEZONE_ID,
]
PROBE_PROPS = [davxml.CURRENT_USER_PRINCIPAL, davxml.CALENDAR_HOME_SET, *CALENDAR_PROPS]


def discover(conn: DavTransport, credentials_field: str = "password") -> list[DiscoveredCalendar]:
    """The calendars at or under ``conn.url`` that hold VEVENTs; ``SourceConnectFailed`` when
    the URL leads to none (or cannot be asked), pointing at ``credentials_field`` when the
    server refused the credentials."""
    try:
        return _discover(conn)
    except SourceConnectFailed:
        raise
    except CalgateError as err:
        raise source_connect_failed(err, conn.url, credentials_field) from err


def calendar_home(conn: DavTransport) -> str:
    """The (first) calendar home of the logged-in user; ``NotFound`` when there is none."""
    me = _probe(conn, conn.url)
    homes = _homes(conn, me) if me is not None else []
    if not homes:
        raise NotFound("No calendar home was found at the source's address.")
    return homes[0]


def _probe(conn: DavTransport, url: str) -> DavResource | None:
    found = conn.propfind(url, PROBE_PROPS, depth=0)
    return next((r for r in found if r.ok and same_resource(r.href, url)), None) or next(
        (r for r in found if r.ok), None
    )


def _homes(conn: DavTransport, me: DavResource) -> list[str]:
    homes = me.hrefs(davxml.CALENDAR_HOME_SET)
    if homes:
        return homes
    for principal in me.hrefs(davxml.CURRENT_USER_PRINCIPAL):
        if same_resource(principal, me.href):
            continue
        found = conn.propfind(principal, [davxml.CALENDAR_HOME_SET], depth=0)
        homes = [h for r in found if r.ok for h in r.hrefs(davxml.CALENDAR_HOME_SET)]
        if homes:
            return homes
    return []


def _well_known(conn: DavTransport, url: str) -> DavResource | None:
    """RFC 6764 section 5: a server root may only point the way via ``/.well-known/caldav``."""
    if resolve_href(url, "/") != url:
        return None
    try:
        return _probe(conn, resolve_href(url, "/.well-known/caldav"))
    except CalgateError:
        return None


def _discover(conn: DavTransport) -> list[DiscoveredCalendar]:
    try:
        me = _probe(conn, conn.url)
    except (NotFound, UpstreamError) as err:
        if isinstance(err, UpstreamUnreachable | UpstreamTimeout | UpstreamRejectedCredentials):
            raise
        # A server root that does not answer PROPFIND may still point the way.
        if (me := _well_known(conn, conn.url)) is None:
            raise
    if me is None:
        raise NotFound("Nothing was found at the address.")
    if me.is_calendar:
        return _event_calendars([me])
    homes = _homes(conn, me)
    if not homes:
        hint = _well_known(conn, conn.url)
        homes = _homes(conn, hint) if hint is not None else []
    if homes:
        listed = [r for home in homes for r in conn.propfind(home, CALENDAR_PROPS, depth=1)]
        return _event_calendars(listed)
    # Maybe a calendar home given directly, on a server that names no principal.
    listed = conn.propfind(conn.url, CALENDAR_PROPS, depth=1) if me.is_collection else []
    if any(r.is_calendar for r in listed):
        return _event_calendars(listed)
    raise SourceConnectFailed(
        "The address answers WebDAV, but names no CalDAV principal, calendar home "
        "or calendar. Use the address of your CalDAV server, your principal or one calendar.",
        reason="not-caldav",
        pointer="#/url",
    )


def _event_calendars(resources: list[DavResource]) -> list[DiscoveredCalendar]:
    out: dict[str, DiscoveredCalendar] = {}
    for r in resources:
        if not (r.ok and r.is_calendar):
            continue
        components = r.component_names()
        # RFC 4791 section 5.2.3: no supported-calendar-component-set means any component.
        supports_events = components is None or "VEVENT" in components
        if not supports_events:
            continue
        zone = r.text(davxml.CALENDAR_TIMEZONE_ID)
        if zone is None and (vtimezone := r.raw_text(davxml.CALENDAR_TIMEZONE)):
            zone = tzid_of(vtimezone)
        out.setdefault(
            r.href,
            DiscoveredCalendar(
                url=r.href,
                name=r.text(davxml.DISPLAYNAME),
                time_zone=zone,
                supports_events=supports_events,
            ),
        )
    return list(out.values())
