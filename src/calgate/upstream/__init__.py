"""The only code in calgate that speaks CalDAV (see ``connection.CalDAVConnection``).

Modules: ``models`` (values crossing the boundary), ``connection`` (requests), ``discovery``
(finding calendars behind a URL), ``sync`` (sync-collection, multiget, ctag), ``capabilities``
(probing what a server can do), ``davxml`` (request bodies, multistatus parsing), ``errors``
(library/HTTP failures -> ``calgate.errors``), ``hrefs`` (one spelling per URL), ``timezones``,
``quirks`` (what a server can do, probed and known, as data: ``ServerFeatures``), ``transport``
(the requests discovery, sync and the probe make, as a Protocol the connection implements),
``source_kind`` (how one kind of source is reached: ``SourceKind``, and ``CalDAVKind``).
"""

from calgate.upstream.connection import CalDAVConnection
from calgate.upstream.hrefs import resolve_href
from calgate.upstream.models import (
    AuthType,
    Credentials,
    DiscoveredCalendar,
    RemoteObject,
    SyncDelta,
)
from calgate.upstream.quirks import ServerFeatures, detect_server, quirks_for

__all__ = [
    "AuthType",
    "CalDAVConnection",
    "Credentials",
    "DiscoveredCalendar",
    "RemoteObject",
    "ServerFeatures",
    "SyncDelta",
    "detect_server",
    "quirks_for",
    "resolve_href",
]
