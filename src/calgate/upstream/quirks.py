"""What calgate knows about a CalDAV server, as data, in one place: ``ServerFeatures``.

It combines two halves:

- what the capability probe found when the source was connected (``capabilities.probe``),
  stored with the source as JSON (``to_json``: the camelCase report ``/api/v1/sources`` and
  ``/api/v1/calendars`` show, unchanged) and read back with ``from_json``;
- what each server product is known to do that no cheap request reveals (``QUIRKS``, keyed by
  the product ``detect_server`` names), as ``ServerFeatures.quirks`` or ``quirks_for(product)``.

An unknown server gets ``DEFAULT_QUIRKS``, chosen so that following them is always safe. Sources:
/work/shared/design/test-servers.md and the servers' own answers.

Differences calgate handles the same way on every server, so no code asks which server it is:
a refused sync token (Radicale and Cyrus 403, Xandikos 412, all ``DAV:valid-sync-token``:
``errors.sync_refused``); a second object with the same UID (Radicale 409, Xandikos 412,
Cyrus 403, by precondition: ``errors``; SabreDAV 1.8 stores it); a VEVENT that does not end
after its start (Cyrus 3.6: 403 ``valid-calendar-data``, an ``UpstreamRefusedEvent``); a weak
ETag on a gzip-coded GET (Cyrus 3.6: ``CalDAVConnection.get`` asks for the identity coding);
one missing href failing a whole multiget (SabreDAV 1.8: ``sync`` halves the batch); and
``DAV:limit`` on sync-collection (Cyrus pages, Radicale ignores it, Xandikos drops the rest:
calgate never sends one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Quirks:
    """What a server product does that the probe cannot see."""

    # Stores a PUT's object changed yet answers with an ETag (RFC 4791 5.3.4 says it should
    # not): Cyrus 3.6 drops VLOCATION components, for one. ``CalDAVConnection.write`` reads
    # such objects back.
    rewrites_on_put: bool


DEFAULT_QUIRKS = Quirks(rewrites_on_put=True)

QUIRKS: dict[str, Quirks] = {
    "radicale": Quirks(rewrites_on_put=False),
    "xandikos": Quirks(rewrites_on_put=False),
    "cyrus": Quirks(rewrites_on_put=True),
    "sabredav": Quirks(rewrites_on_put=False),  # Sabre 1.8 as packaged by Debian
}

# (product, response header, pattern): the first match names the server. DAV header values are
# the exact compliance classes each product sends (neither Radicale's nor Xandikos' built-in
# server names itself in ``Server``).
SIGNATURES: list[tuple[str, str, str]] = [
    ("sabredav", "X-Sabre-Version", r"."),
    ("cyrus", "Server", r"(?i)\bcyrus"),
    ("radicale", "Server", r"(?i)\bradicale"),
    ("xandikos", "Server", r"(?i)\bxandikos"),
    ("radicale", "DAV", r"^1, 2, 3, calendar-access, addressbook, extended-mkcol$"),
    ("xandikos", "DAV", r"\badd-member, sync-collection\b"),
]


def detect_server(headers: Mapping[str, str]) -> str | None:
    """The product behind a response's ``headers`` (any response; OPTIONS tells the most)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for product, header, pattern in SIGNATURES:
        value = lowered.get(header.lower())
        if value is not None and re.search(pattern, value.strip()):
            return product
    return None


def quirks_for(product: str | None) -> Quirks:
    return QUIRKS.get(product or "", DEFAULT_QUIRKS)


# What calgate does itself on every server (it expands recurrences from the stored objects).
ALWAYS_EMULATED = ("recurrenceExpansion",)
# ServerFeatures' fields and their keys in the stored JSON report.
JSON_KEYS = {
    "sync_collection": "syncCollection",
    "ctag": "ctag",
    "server_side_expand": "serverSideExpand",
    "scheduling": "scheduling",
    "mkcalendar": "mkcalendar",
    "free_busy_query": "freeBusyQuery",
    "server": "server",
    "emulated": "emulated",
}


@dataclass(frozen=True)
class ServerFeatures:
    """One source's server: what the probe found (see ``capabilities`` for each field) and,
    through ``quirks``, what its product is known to do. Defaults are those of a source not
    probed yet: sync-collection counts as worth trying (the first sync finds out)."""

    sync_collection: bool = True
    ctag: bool = False
    server_side_expand: bool = False  # only whether it is answered: calgate never uses it
    scheduling: bool = False
    mkcalendar: bool = False
    free_busy_query: bool = False
    server: str | None = None  # the product, from ``detect_server``
    # what calgate does itself on this server: ``recurrenceExpansion`` always, and
    # ``syncCollection`` (ctag/ETag comparison) when the probe found the server lacks it
    emulated: tuple[str, ...] = ()

    @property
    def quirks(self) -> Quirks:
        return quirks_for(self.server)

    def to_json(self) -> dict[str, Any]:
        """The report as stored with the source and shown by the API (camelCase)."""
        out: dict[str, Any] = {JSON_KEYS[f.name]: getattr(self, f.name) for f in fields(self)}
        out["emulated"] = list(self.emulated)
        return out

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> ServerFeatures:
        """The stored report (``to_json``); a missing key keeps its default."""
        found = {name: stored[key] for name, key in JSON_KEYS.items() if key in stored}
        if "emulated" in found:
            found["emulated"] = tuple(found["emulated"])
        return cls(**found)


def without_sync_collection(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored report once the server refused sync-collection after all
    (``SyncUnsupported``): that answer changes, the rest of the report stays as probed."""
    return {**stored, JSON_KEYS["sync_collection"]: False}
