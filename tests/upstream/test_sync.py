"""What calgate's index asks of a server: RFC 6578 sync-collection (hrefs and ETags only),
RFC 4791 section 7.9 calendar-multiget in batches, and the ctag, on each real server; then the
answers real servers will not give on demand (truncation, odd refusals) from a fake one."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from calgate.errors import (
    NotFound,
    SyncTokenRejected,
    SyncUnsupported,
    UpstreamError,
    UpstreamRejectedCredentials,
)
from calgate.upstream import CalDAVConnection, Credentials, davxml
from tests.server_behaviour import behaviour_of
from tests.servers import RunningServer
from tests.upstream.support import (
    Reply,
    Seen,
    always,
    dav_response,
    event_ical,
    fake_server,
    multistatus,
    put_events,
)


@pytest.fixture
def syncing(caldav_server: RunningServer) -> RunningServer:
    """The server under test, when it has sync-collection (see ``tests.server_behaviour``; the
    test below that expects ``SyncUnsupported`` keeps the table honest)."""
    if not behaviour_of(caldav_server.name)["sync_collection"]:
        pytest.skip(f"{caldav_server.name} has no sync-collection (calgate compares ETags)")
    return caldav_server


def counting(conn: CalDAVConnection, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods of the requests ``conn`` sends from now on."""
    sent: list[str] = []
    send = conn.send

    def spy(method: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(method)
        return send(method, *args, **kwargs)

    monkeypatch.setattr(conn, "send", spy)
    return sent


# -- sync-collection on real servers ------------------------------------------------------------


def test_rfc6578_3_2_initial_sync_lists_members(
    syncing: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    created = put_events(conn, calendar, 3)
    delta = conn.sync_collection(calendar, None)
    assert delta.changed.keys() == created.keys() == conn.list_hrefs(calendar).keys()
    listing = conn.list_hrefs(calendar)
    assert all(delta.changed[h] == listing[h] and listing[h] for h in created)
    assert delta.deleted == []
    assert delta.token


def test_rfc6578_3_2_initial_sync_of_empty_calendar(
    syncing: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    delta = conn.sync_collection(calendar, None)
    assert (delta.changed, delta.deleted) == ({}, [])
    assert delta.token


def test_rfc6578_3_5_delta_has_created_changed_and_deleted(
    syncing: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    kept, edited, removed = put_events(conn, calendar, 3)
    first = conn.sync_collection(calendar, None)

    new = next(iter(put_events(conn, calendar, 1)))
    new_etag = conn.list_hrefs(calendar)[new]
    edited_etag = conn.put(edited, event_ical(edited.rsplit("/", 1)[1][:-4], summary="Moved"))
    conn.delete(removed)
    # RFC 6578 section 3.5.2: an object created and deleted after the token may be reported as
    # deleted, or not at all.
    ephemeral = next(iter(put_events(conn, calendar, 1)))
    conn.delete(ephemeral)

    delta = conn.sync_collection(calendar, first.token)
    assert delta.changed.keys() == {new, edited}
    assert delta.changed[new] == new_etag
    assert delta.changed[edited] == (edited_etag or conn.list_hrefs(calendar)[edited])
    assert removed in delta.deleted
    assert set(delta.deleted) <= {removed, ephemeral}
    assert kept not in delta.changed and kept not in delta.deleted
    assert delta.token != first.token


def test_rfc6578_3_2_sync_with_the_latest_token_is_empty(
    syncing: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    put_events(conn, calendar, 2)
    first = conn.sync_collection(calendar, None)
    again = conn.sync_collection(calendar, first.token)
    assert (again.changed, again.deleted) == ({}, [])


def test_rfc6578_3_2_unknown_token_raises_sync_token_rejected(
    syncing: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    conn.sync_collection(calendar, None)
    # Not ``token + "x"``: Cyrus reads "data:,UIDVALIDITY-MODSEQ" with strtoul and ignores the x.
    for bogus in ("http://calgate.invalid/sync/1", "garbage"):
        with pytest.raises(SyncTokenRejected) as caught:
            conn.sync_collection(calendar, bogus)
        # Radicale and Cyrus 403, Xandikos 412: all with DAV:valid-sync-token.
        assert caught.value.upstream_status == behaviour_of(syncing.name)["bad_sync_token_status"]
        assert caught.value.status == 502


def test_rfc6578_3_servers_without_sync_collection_raise_sync_unsupported(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    if behaviour_of(caldav_server.name)["sync_collection"]:
        assert conn.sync_collection(calendar, None).token
        return
    for token in (None, "http://calgate.invalid/sync/1"):
        with pytest.raises(SyncUnsupported):
            conn.sync_collection(calendar, token)


def test_rfc6578_3_6_truncated_answer_is_followed_to_the_end(
    syncing: RunningServer,
    conn: CalDAVConnection,
    calendar: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a ``DAV:limit`` of 2 (RFC 6578 section 3.7; calgate never sends one, the test makes
    it), each server does what ``tests.server_behaviour`` says: Cyrus pages (507, followed here
    to the end), Radicale ignores the limit, Xandikos answers 2 members with the final token."""
    created = put_events(conn, calendar, 5)
    body = functools.partial(davxml.sync_collection_body, limit=2)
    monkeypatch.setattr(davxml, "sync_collection_body", body)
    sent = counting(conn, monkeypatch)
    delta = conn.sync_collection(calendar, None)
    behaviour = behaviour_of(syncing.name)["sync_limit"]
    if behaviour == "truncated":
        assert len(delta.changed) == 2 and delta.changed.keys() < created.keys()
        return
    assert delta.changed.keys() == created.keys()
    assert sent.count("REPORT") == (3 if behaviour == "paged" else 1)  # 2 + 2 + 1

    added = put_events(conn, calendar, 3)
    gone = sorted(created)[:2]
    for href in gone:
        conn.delete(href)
    later = conn.sync_collection(calendar, delta.token)
    assert later.changed.keys() == added.keys()
    assert set(later.deleted) == set(gone)


# -- multiget and ctag on real servers ----------------------------------------------------------


def test_rfc4791_7_9_multiget_fetches_250_in_batches_and_skips_missing(
    caldav_server: RunningServer,
    conn: CalDAVConnection,
    calendar: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = put_events(conn, calendar, 250)
    missing = calendar + "no-such-event.ics"
    hrefs = sorted(created)
    hrefs.insert(120, missing)  # SabreDAV fails the whole REPORT with 404 for it
    sent = counting(conn, monkeypatch)
    objects = conn.multiget(calendar, hrefs)
    assert [o.href for o in objects] == [h for h in hrefs if h != missing]
    assert sent.count("REPORT") >= 3  # 100 hrefs per REPORT
    for obj in objects:
        assert obj.etag == (created[obj.href] or conn.list_hrefs(calendar)[obj.href])
        assert f"UID:{obj.href.rsplit('/', 1)[1][:-4]}\r\n" in obj.ical


def test_rfc4791_7_9_missing_href_in_a_multiget_is_as_quirks_say(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    """RFC 4791 section 7.9: a missing href gets its own 404 response; SabreDAV 1.8 fails the
    whole REPORT instead (``multiget_404_fails_report``), which ``multiget`` works around."""
    (href,) = put_events(conn, calendar, 1)
    paths = [urlsplit(h).path for h in (href, calendar + "no-such-event.ics")]
    response = conn.report(calendar, davxml.multiget_body(paths), depth=1)
    fails = behaviour_of(caldav_server.name)["multiget_404_fails_report"]
    assert response.status == (404 if fails else 207)
    found = conn.multiget(calendar, [href, calendar + "no-such-event.ics"])
    assert [o.href for o in found] == [href]


def test_rfc4791_7_9_multiget_of_only_missing_hrefs_is_empty(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    put_events(conn, calendar, 1)
    assert conn.multiget(calendar, [calendar + "gone-1.ics", calendar + "gone-2.ics"]) == []
    assert conn.multiget(calendar, []) == []


def test_rfc4791_7_9_multiget_in_a_missing_calendar_raises_not_found(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    absent = calendar.rstrip("/") + "-absent/"
    with pytest.raises(NotFound):
        conn.multiget(absent, [absent + "a.ics", absent + "b.ics"])


def test_multiget_hrefs_match_the_sync_and_listing_spelling(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    href = calendar + "odd name@1.ics"
    conn.put(href, event_ical("odd-1"))
    listed = conn.list_hrefs(calendar)
    assert [o.href for o in conn.multiget(calendar, [href])] == list(listed) == [conn.resolve(href)]


def test_ctag_changes_after_a_put(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    before = conn.ctag(calendar)
    assert before is not None  # all four servers have CS:getctag
    put_events(conn, calendar, 1)
    after = conn.ctag(calendar)
    assert after is not None and after != before
    assert conn.ctag(calendar) == after


# -- answers real servers will not give on demand -----------------------------------------------

VALID_SYNC_TOKEN = b'<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>'
SUPPORTED_REPORT = b'<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:supported-report/></d:error>'
CAL = "/cal/"


def fake_conn(url: str) -> CalDAVConnection:
    return CalDAVConnection(url, Credentials("alice", "pw", "basic"), timeout=5)


def sync_page(token: str, *responses: str) -> Reply:
    reply = multistatus(*responses)
    body = reply.body.replace(b"</d:multistatus>", f"<d:sync-token>{token}</d:sync-token>".encode())
    return Reply(207, body + b"</d:multistatus>", reply.headers)


def etag(href: str, value: str) -> str:
    return dav_response(href, f"<d:getetag>&quot;{value}&quot;</d:getetag>")


def gone(href: str) -> str:
    return (
        f"<d:response><d:href>{href}</d:href>"
        "<d:status>HTTP/1.1 404 Not Found</d:status></d:response>"
    )


TRUNCATED = (
    f"<d:response><d:href>{CAL}</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status>"
    "<d:error><d:number-of-matches-within-limits/></d:error></d:response>"
)


def sent_token(request: Seen) -> str:
    match = re.search(r"<D:sync-token>([^<]*)</D:sync-token>", request.body)
    return match.group(1) if match else ""


def by_token(pages: dict[str, Reply]) -> Callable[[Seen], Reply]:
    return lambda request: pages[sent_token(request)]


def test_rfc6578_3_6_pages_are_merged_until_complete() -> None:
    pages = {
        "": sync_page("t1", etag(CAL + "a.ics", "1"), etag(CAL + "b.ics", "1"), TRUNCATED),
        "t1": sync_page("t2", gone(CAL + "b.ics"), etag(CAL + "c.ics", "1"), TRUNCATED),
        "t2": sync_page("t3", etag(CAL + "b.ics", "2"), gone(CAL + "c.ics")),
    }
    with fake_server(by_token(pages)) as fake, fake_conn(fake.url) as conn:
        delta = conn.sync_collection(fake.url + "cal/", None)
    base = fake.url + "cal/"
    assert delta.changed == {base + "a.ics": '"1"', base + "b.ics": '"2"'}
    assert delta.deleted == [base + "c.ics"]
    assert delta.token == "t3"
    assert [sent_token(r) for r in fake.seen] == ["", "t1", "t2"]
    assert all(r.method == "REPORT" and r.headers.get("Depth") == "0" for r in fake.seen)
    assert "<D:getetag/>" in fake.seen[0].body and "calendar-data" not in fake.seen[0].body


def test_rfc6578_3_6_truncation_that_never_advances_raises() -> None:
    stuck = sync_page("t1", etag(CAL + "a.ics", "1"), TRUNCATED)
    with (
        fake_server(always(stuck)) as fake,
        fake_conn(fake.url) as conn,
        pytest.raises(UpstreamError, match="kept truncating"),
    ):
        conn.sync_collection(fake.url + "cal/", "t1")
    assert len(fake.seen) == 1


def test_rfc6578_3_2_only_calendar_objects_count() -> None:
    page = sync_page(
        "t9",
        dav_response(CAL, "<d:getetag>&quot;col&quot;</d:getetag>"),  # the collection itself
        dav_response(CAL + "sub/", "<d:resourcetype><d:collection/></d:resourcetype>"),
        gone(CAL + "old/"),
        dav_response(CAL + "no-etag.ics", "<d:getetag/>", "HTTP/1.1 404 Not Found"),
        etag("x.ics", "7"),  # relative to the collection
        "<d:response><d:href>/cal/locked.ics</d:href>"
        "<d:status>HTTP/1.1 403 Forbidden</d:status></d:response>",
    )
    with fake_server(always(page)) as fake, fake_conn(fake.url) as conn:
        delta = conn.sync_collection(fake.url + "cal", "t8")
    base = fake.url + "cal/"
    assert delta.changed == {base + "no-etag.ics": None, base + "x.ics": '"7"'}
    assert delta.deleted == []


@pytest.mark.parametrize(
    ("status", "body", "token", "expected"),
    [
        (403, VALID_SYNC_TOKEN, "t", SyncTokenRejected),  # RFC 6578, Radicale, Cyrus
        (409, VALID_SYNC_TOKEN, "t", SyncTokenRejected),  # RFC 6578 allows 409 as well
        (412, VALID_SYNC_TOKEN, "t", SyncTokenRejected),  # Xandikos
        (400, b"", "t", SyncTokenRejected),
        (410, b"", "t", SyncTokenRejected),
        (403, SUPPORTED_REPORT, None, SyncUnsupported),  # SabreDAV 1.8
        (403, SUPPORTED_REPORT, "t", SyncUnsupported),
        (501, b"", "t", SyncUnsupported),
        (405, b"", None, SyncUnsupported),
        (400, b"", None, SyncUnsupported),
        (404, b"", "t", NotFound),
        (401, b"", "t", UpstreamRejectedCredentials),
        (500, b"", "t", UpstreamError),
    ],
)
def test_rfc6578_3_2_refusals_map_to_errors(
    status: int, body: bytes, token: str | None, expected: type[Exception]
) -> None:
    reply = Reply(status, body, {"Content-Type": "application/xml"} if body else {})
    with (
        fake_server(always(reply)) as fake,
        fake_conn(fake.url) as conn,
        pytest.raises(expected) as caught,
    ):
        conn.sync_collection(fake.url + "cal/", token)
    if expected is UpstreamError:
        assert not isinstance(caught.value, SyncTokenRejected | SyncUnsupported)


def test_rfc6578_6_2_a_multistatus_without_a_sync_token_is_no_sync_support() -> None:
    reply = multistatus(etag(CAL + "a.ics", "1"))
    with (
        fake_server(always(reply)) as fake,
        fake_conn(fake.url) as conn,
        pytest.raises(SyncUnsupported),
    ):
        conn.sync_collection(fake.url + "cal/", None)


def test_ctag_falls_back_to_the_sync_token_then_none() -> None:
    getctag = '<cs:getctag xmlns:cs="http://calendarserver.org/ns/">c1</cs:getctag>'
    cases = [
        (getctag + "<d:sync-token>s1</d:sync-token>", "c1"),
        ("<d:sync-token>s1</d:sync-token>", "s1"),
        ("<d:displayname>Work</d:displayname>", None),
    ]
    for props, expected in cases:
        reply = multistatus(dav_response(CAL, props))
        with fake_server(always(reply)) as fake, fake_conn(fake.url) as conn:
            assert conn.ctag(fake.url + "cal/") == expected
        assert 'xmlns:CS="http://calendarserver.org/ns/"' in fake.seen[0].body


def test_multiget_batch_size_must_be_positive() -> None:
    with fake_conn("http://127.0.0.1:9/") as conn, pytest.raises(ValueError):
        conn.multiget("http://127.0.0.1:9/cal/", ["a.ics"], batch_size=0)
