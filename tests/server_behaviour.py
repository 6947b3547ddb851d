"""What each CalDAV server product does where servers differ, as the contract tests check it.

Moved from ``calgate.upstream.quirks`` (issue 15): calgate's code handles each of these the same
way on every server, so only the tests ask which server does what. An unknown server gets
``DEFAULT``, the cautious answer (as the old table had it). What the code does read per server is
in ``calgate.upstream.quirks`` (``QUIRKS``, and the probed ``ServerFeatures``).
"""

from __future__ import annotations

from typing import Literal, TypedDict

# What a server does with RFC 6578 section 3.7 ``DAV:limit`` on sync-collection: "paged" (507 on
# the collection and a token to go on with, section 3.6), "ignored" (answers everything),
# "truncated" (answers fewer members with the final token: the rest is lost; never send a limit).
SyncLimit = Literal["paged", "ignored", "truncated"]


class Behaviour(TypedDict):
    sync_collection: bool  # RFC 6578 sync-collection REPORT works
    # Refuses a VEVENT whose end is not after its start, so also a DATE-TIME DTSTART with
    # neither DTEND nor DURATION, which RFC 5545 section 3.6.1 lets end at its start (an
    # instant). Cyrus 3.6: 403 valid-calendar-data "DTEND must occur after DTSTART", for
    # DTEND = DTSTART and DURATION:PT0S too; a DATE DTSTART alone (one day) it accepts.
    requires_dtend: bool
    # A GET answered with a content coding (gzip) carries a weak ETag, ``W/"x"``, for the object
    # PUT, PROPFIND and REPORT call ``"x"`` (Cyrus 3.6, for objects large enough to compress).
    weak_etag_when_compressed: bool
    report_limit: int | None  # most objects one REPORT may return (else 4xx)
    uid_conflict_status: int | None  # status of a PUT whose UID another object holds
    bad_sync_token_status: int | None  # status for a sync token it does not know
    sync_limit: SyncLimit | None  # see ``SyncLimit``; None: unknown or no sync-collection
    multiget_404_fails_report: bool  # one missing href fails the whole calendar-multiget
    scheduling: bool  # RFC 6638 (calendar-auto-schedule, a schedule inbox)


DEFAULT: Behaviour = {
    "sync_collection": False,
    "requires_dtend": True,
    "weak_etag_when_compressed": True,
    "report_limit": None,
    "uid_conflict_status": None,
    "bad_sync_token_status": None,
    "sync_limit": None,
    "multiget_404_fails_report": True,
    "scheduling": False,
}

SERVERS: dict[str, Behaviour] = {
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
    },
}


def behaviour_of(server: str | None) -> Behaviour:
    return SERVERS.get(server or "", DEFAULT)
