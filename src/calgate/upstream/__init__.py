"""The only code in calgate that speaks CalDAV (see ``connection.CalDAVConnection``).

Modules: ``models`` (values crossing the boundary), ``connection`` (requests), ``discovery``
(finding calendars behind a URL), ``sync`` (sync-collection, multiget, ctag), ``capabilities``
(probing what a server can do), ``davxml`` (request bodies, multistatus parsing), ``errors``
(library/HTTP failures -> ``calgate.errors``), ``hrefs`` (one spelling per URL), ``timezones``,
``quirks`` (server features as data).
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
from calgate.upstream.quirks import detect_server, features_for

__all__ = [
    "AuthType",
    "CalDAVConnection",
    "Credentials",
    "DiscoveredCalendar",
    "RemoteObject",
    "SyncDelta",
    "detect_server",
    "features_for",
    "resolve_href",
]
