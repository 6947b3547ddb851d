"""What each CalDAV server product can and cannot do, as data (not ``if server == ...`` branches).

Other modules ask ``features_for(detect_server(headers))["sync_collection"]`` and so on. An
unknown server gets ``DEFAULT_FEATURES``, chosen so that following them is always safe (e.g. send
DTEND, do not count on sync tokens). Sources: /work/shared/design/test-servers.md and the servers'
own answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal, TypedDict

# What a server does with RFC 6578 section 3.7 ``DAV:limit`` on sync-collection: "paged" (507 on
# the collection and a token to go on with, section 3.6), "ignored" (answers everything),
# "truncated" (answers fewer members with the final token: the rest is lost; never send a limit).
SyncLimit = Literal["paged", "ignored", "truncated"]


class Features(TypedDict):
    sync_collection: bool  # RFC 6578 sync-collection REPORT works
    # Refuses a VEVENT whose end is not after its start, so also a DATE-TIME DTSTART with
    # neither DTEND nor DURATION, which RFC 5545 section 3.6.1 lets end at its start (an
    # instant). Cyrus 3.6: 403 valid-calendar-data "DTEND must occur after DTSTART", for
    # DTEND = DTSTART and DURATION:PT0S too; a DATE DTSTART alone (one day) it accepts.
    requires_dtend: bool
    # A GET answered with a content coding (gzip) carries a weak ETag, ``W/"x"``, for the object
    # PUT, PROPFIND and REPORT call ``"x"`` (Cyrus 3.6, for objects large enough to compress).
    # ``CalDAVConnection.get`` asks for the identity coding, so edits can use the strong tag.
    weak_etag_when_compressed: bool
    report_limit: int | None  # most objects one REPORT may return (else 4xx)
    uid_conflict_status: int | None  # status of a PUT whose UID another object holds
    bad_sync_token_status: int | None  # status for a sync token it does not know
    sync_limit: SyncLimit | None  # see ``SyncLimit``; None: unknown or no sync-collection
    multiget_404_fails_report: bool  # one missing href fails the whole calendar-multiget
    scheduling: bool  # RFC 6638 (calendar-auto-schedule, a schedule inbox)
    # Stores a PUT's object changed yet answers with an ETag (RFC 4791 5.3.4 says it should
    # not): Cyrus 3.6 drops VLOCATION components, for one. calgate reads such objects back.
    rewrites_on_put: bool


DEFAULT_FEATURES: Features = {
    "sync_collection": False,
    "requires_dtend": True,
    "weak_etag_when_compressed": True,
    "report_limit": None,
    "uid_conflict_status": None,
    "bad_sync_token_status": None,
    "sync_limit": None,
    "multiget_404_fails_report": True,
    "scheduling": False,
    "rewrites_on_put": True,
}

SERVER_FEATURES: dict[str, Features] = {
    "radicale": {
        "sync_collection": True,
        "requires_dtend": False,
        "weak_etag_when_compressed": False,
        "report_limit": 10_000,  # "REPORT occurrences limit of 10000 hit", 400
        "uid_conflict_status": 409,
        "bad_sync_token_status": 403,  # with DAV:valid-sync-token
        "sync_limit": "ignored",
        "multiget_404_fails_report": False,
        "scheduling": False,
        "rewrites_on_put": False,
    },
    "xandikos": {
        "sync_collection": True,
        "requires_dtend": False,
        "weak_etag_when_compressed": False,
        "report_limit": None,
        "uid_conflict_status": 412,
        "bad_sync_token_status": 412,  # with DAV:valid-sync-token
        "sync_limit": "truncated",
        "multiget_404_fails_report": False,
        "scheduling": True,
        "rewrites_on_put": False,
    },
    "cyrus": {
        "sync_collection": True,
        "requires_dtend": True,
        "weak_etag_when_compressed": True,
        "report_limit": None,
        "uid_conflict_status": 403,
        "bad_sync_token_status": 403,  # with DAV:valid-sync-token
        "sync_limit": "paged",
        "multiget_404_fails_report": False,
        "scheduling": True,
        "rewrites_on_put": True,
    },
    "sabredav": {  # Sabre 1.8 as packaged by Debian: no sync-collection, no scheduling
        "sync_collection": False,  # 403 with DAV:supported-report
        "requires_dtend": False,
        "weak_etag_when_compressed": False,
        "report_limit": None,
        "uid_conflict_status": None,
        "bad_sync_token_status": None,
        "sync_limit": None,
        "multiget_404_fails_report": True,  # 404 "Calendar object not found" for the REPORT
        "scheduling": False,
        "rewrites_on_put": False,
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
