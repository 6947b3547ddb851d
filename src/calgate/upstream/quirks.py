"""What each CalDAV server product can and cannot do, as data (not ``if server == ...`` branches).

Other modules ask ``features_for(detect_server(headers))["sync_collection"]`` and so on. An
unknown server gets ``DEFAULT_FEATURES``, chosen so that following them is always safe (e.g. send
DTEND, do not count on sync tokens). Sources: /work/shared/design/test-servers.md and the servers'
own answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypedDict


class Features(TypedDict):
    sync_collection: bool  # RFC 6578 sync-collection REPORT works
    requires_dtend: bool  # refuses a VEVENT without DTEND/DURATION
    report_limit: int | None  # most objects one REPORT may return (else 4xx)
    uid_conflict_status: int | None  # status of a PUT whose UID another object holds


DEFAULT_FEATURES: Features = {
    "sync_collection": False,
    "requires_dtend": True,
    "report_limit": None,
    "uid_conflict_status": None,
}

SERVER_FEATURES: dict[str, Features] = {
    "radicale": {
        "sync_collection": True,
        "requires_dtend": False,
        "report_limit": 10_000,  # "REPORT occurrences limit of 10000 hit", 400
        "uid_conflict_status": 409,
    },
    "xandikos": {
        "sync_collection": True,
        "requires_dtend": False,
        "report_limit": None,
        "uid_conflict_status": 412,
    },
    "cyrus": {
        "sync_collection": True,
        "requires_dtend": True,
        "report_limit": None,
        "uid_conflict_status": 403,
    },
    "sabredav": {  # Sabre 1.8 as packaged by Debian: no sync-collection, no scheduling
        "sync_collection": False,
        "requires_dtend": False,
        "report_limit": None,
        "uid_conflict_status": None,
    },
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


def features_for(product: str | None) -> Features:
    return SERVER_FEATURES.get(product or "", DEFAULT_FEATURES)
