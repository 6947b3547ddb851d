"""Subscriptions to iCalendar feeds (sources of kind ics), against a real HTTP server on
loopback whose content, status and validators a test changes between refreshes."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from calgate.db.models import IcsFeedRow, IndexedEventRow
from calgate.jobs.ics_refresh import refresh_due
from calgate.services import subscriptions

# a holiday feed as public ones are: all-day events, yearly RRULEs, one moved occurrence
HOLIDAYS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Holidays//EN\r
X-WR-CALNAME:Public holidays\r
REFRESH-INTERVAL;VALUE=DURATION:PT2H\r
BEGIN:VEVENT\r
UID:new-year@holidays.example\r
DTSTAMP:20250101T000000Z\r
DTSTART;VALUE=DATE:20250101\r
DTEND;VALUE=DATE:20250102\r
RRULE:FREQ=YEARLY\r
SUMMARY:New Year's Day\r
TRANSP:TRANSPARENT\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:labour-day@holidays.example\r
DTSTAMP:20250101T000000Z\r
DTSTART;VALUE=DATE:20250501\r
DTEND;VALUE=DATE:20250502\r
RRULE:FREQ=YEARLY\r
SUMMARY:Labour Day\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:labour-day@holidays.example\r
DTSTAMP:20250101T000000Z\r
RECURRENCE-ID;VALUE=DATE:20270501\r
DTSTART;VALUE=DATE:20270503\r
DTEND;VALUE=DATE:20270504\r
SUMMARY:Labour Day (observed)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:meeting@holidays.example\r
DTSTAMP:20250101T000000Z\r
DTSTART;TZID=Europe/Berlin:20270310T100000\r
DTEND;TZID=Europe/Berlin:20270310T110000\r
SUMMARY:Feed meeting\r
END:VEVENT\r
END:VCALENDAR\r
"""

NO_UIDS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Export//EN\r
BEGIN:VEVENT\r
DTSTART:20270105T090000Z\r
DTEND:20270105T100000Z\r
SUMMARY:Lecture\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART:20270105T090000Z\r
DTEND:20270105T100000Z\r
SUMMARY:Lecture\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART:20270106T090000Z\r
DTEND:20270106T100000Z\r
SUMMARY:Seminar\r
END:VEVENT\r
END:VCALENDAR\r
"""


@dataclass
class Feed:
    """What the server answers; a test changes it between refreshes."""

    body: bytes = HOLIDAYS.encode()
    status: int = 200
    conditional: bool = True  # answer 304 to a matching If-None-Match
    delay: float = 0.0
    redirect: str | None = None
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest() + '"'


@pytest.fixture
def feed_server() -> Iterator[tuple[Feed, str]]:
    yield from _serve(Feed())


def _serve(feed: Feed) -> Iterator[tuple[Feed, str]]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            feed.requests.append(dict(self.headers))
            if feed.delay:
                time.sleep(feed.delay)
            if feed.redirect is not None:
                self.send_response(302)
                self.send_header("Location", feed.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if (
                feed.status == 200
                and feed.conditional
                and self.headers.get("If-None-Match") == feed.etag
            ):
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(feed.status)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("ETag", feed.etag)
            self.send_header("Content-Length", str(len(feed.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # a client that gave up (the slow test)
                self.wfile.write(feed.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield feed, f"http://127.0.0.1:{server.server_address[1]}/holidays.ics"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ics_client(make_client):
    return make_client(ics_allow_private=True)


def _subscribe(client, url, **extra):
    resp = client.post("/api/v1/sources", json={"kind": "ics", "url": url, **extra})
    assert resp.status_code == 201, resp.text
    return resp.json()


def _refresh(client, source_id):
    return subscriptions.refresh(client.app.state.runtime, source_id)


def _events(client, cal):
    resp = client.get(
        f"/api/v1/calendars/{cal}/events",
        params={"start": "2026-12-01T00:00:00Z", "end": "2027-12-01T00:00:00Z"},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def _origins(client, cal):
    with client.app.state.runtime.db.session() as session:
        rows = session.execute(
            select(IndexedEventRow.event_id, IndexedEventRow.origin).where(
                IndexedEventRow.calendar_id == cal
            )
        )
        return dict(rows.all())


def test_subscribe_lists_the_first_copy_read_only(ics_client, feed_server):
    _, url = feed_server
    source = _subscribe(ics_client, url)
    assert source["kind"] == "ics"
    assert source["name"] == "Public holidays"  # the feed's own name
    assert source["lastSuccessAt"] is not None and source["lastError"] is None
    assert source["refreshInterval"] == 7200  # the feed's REFRESH-INTERVAL, in bounds
    [cal] = source["calendars"]
    listed = ics_client.get("/api/v1/calendars").json()["items"]
    assert any(c["id"] == cal["id"] and c["source"] == source["id"] for c in listed)
    titles = sorted({e["title"] for e in _events(ics_client, cal["id"])})
    assert titles == ["Feed meeting", "Labour Day", "New Year's Day"]
    # a master and its override are one object, with the feed's UID as its id basis
    origins = _origins(ics_client, cal["id"])
    assert len(origins) == 3 and set(origins.values()) == {"ics"}
    ids = {e["id"] for e in _events(ics_client, cal["id"])}
    for event_id in ids:
        got = ics_client.get(f"/api/v1/calendars/{cal['id']}/events/{event_id}")
        assert got.status_code == 200, got.text
        raw = ics_client.get(
            f"/api/v1/calendars/{cal['id']}/events/{event_id}", headers={"Accept": "text/calendar"}
        )
        assert raw.status_code == 200 and "BEGIN:VEVENT" in raw.text
        jscal = ics_client.get(
            f"/api/v1/calendars/{cal['id']}/events/{event_id}",
            headers={"Accept": "application/jscalendar+json"},
        )
        assert jscal.status_code == 200 and jscal.json()["@type"] == "Event", jscal.text
    labour = next(e for e in _events(ics_client, cal["id"]) if e["title"] == "Labour Day")
    expanded = ics_client.get(
        f"/api/v1/calendars/{cal['id']}/events",
        params={
            "start": "2026-12-01T00:00:00Z",
            "end": "2027-12-01T00:00:00Z",
            "expand": "true",
        },
    ).json()["items"]
    assert {e["title"] for e in expanded if e.get("uid") == labour["uid"]} == {
        "Labour Day (observed)"
    }


def test_writes_to_a_subscription_are_409(ics_client, feed_server):
    _, url = feed_server
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    event_id = _events(ics_client, cal)[0]["id"]
    base = f"/api/v1/calendars/{cal}/events"
    attempts = [
        ics_client.post(
            base,
            json={"title": "x", "start": "2026-03-01T10:00:00Z", "end": "2026-03-01T11:00:00Z"},
        ),
        ics_client.patch(f"{base}/{event_id}", json={"title": "y"}),
        ics_client.delete(f"{base}/{event_id}"),
        ics_client.put(
            f"{base}/new-one",
            content=HOLIDAYS.split("BEGIN:VEVENT")[0]
            + "BEGIN:VEVENT\r\nUID:new-one\r\nDTSTAMP:20250101T000000Z\r\n"
            + "DTSTART:20260101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            headers={"Content-Type": "text/calendar"},
        ),
    ]
    for resp in attempts:
        assert resp.status_code == 409, resp.text
        problem = resp.json()
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert problem["type"].endswith("read-only-calendar")
        assert f"read-only subscription to {url}" in problem["detail"]
    assert len(_events(ics_client, cal)) == 3


def test_a_changed_event_is_one_update_and_an_unchanged_feed_none(ics_client, feed_server):
    feed, url = feed_server
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    token = ics_client.get(f"/api/v1/calendars/{cal}/changes").json()["token"]
    # unchanged: the server answers 304 to the stored ETag
    assert _refresh(ics_client, source["id"]).mode == "not-modified"
    assert feed.requests[-1].get("If-None-Match") == feed.etag
    assert (
        ics_client.get(f"/api/v1/calendars/{cal}/changes", params={"since": token}).json()[
            "changes"
        ]
        == []
    )
    # one event changed, one removed
    text = HOLIDAYS.replace("SUMMARY:Feed meeting", "SUMMARY:Feed meeting (moved)")
    start = text.index("BEGIN:VEVENT\r\nUID:new-year")
    end = text.index("END:VEVENT\r\n", start) + len("END:VEVENT\r\n")
    feed.body = (text[:start] + text[end:]).encode()
    outcome = _refresh(ics_client, source["id"])
    assert (outcome.mode, outcome.changed, outcome.deleted) == ("changed", 1, 1)
    changes = ics_client.get(f"/api/v1/calendars/{cal}/changes", params={"since": token}).json()[
        "changes"
    ]
    assert sorted(c["type"] for c in changes) == ["deleted", "updated"]
    updated = next(c for c in changes if c["type"] == "updated")
    assert updated["event"]["title"] == "Feed meeting (moved)"
    assert _origins(ics_client, cal)[updated["id"]] == "ics"


def test_a_server_ignoring_validators_costs_no_index_work(ics_client, feed_server):
    feed, url = feed_server
    feed.conditional = False
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    token = ics_client.get(f"/api/v1/calendars/{cal}/changes").json()["token"]
    assert _refresh(ics_client, source["id"]).mode == "same-body"
    # the same events in another order, with other line folding: a new body, no change
    feed.body = HOLIDAYS.replace(
        "PRODID:-//Example//Holidays//EN", "PRODID:-//Example//Holidays 2//EN"
    ).encode()
    outcome = _refresh(ics_client, source["id"])
    assert (outcome.mode, outcome.changed, outcome.deleted) == ("changed", 0, 0)
    assert (
        ics_client.get(f"/api/v1/calendars/{cal}/changes", params={"since": token}).json()[
            "changes"
        ]
        == []
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": 503}, "HTTP 503"),
        ({"body": b""}, "empty body"),
        ({"body": b"<html>not a calendar</html>"}, "not iCalendar"),
        ({"body": b"BEGIN:VCALENDAR\r\n" + b"X" * (11 * 1024 * 1024)}, "larger than 10 MB"),
    ],
)
def test_a_failed_refresh_keeps_the_last_copy_and_shows_why(
    ics_client, feed_server, change, reason
):
    feed, url = feed_server
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    before = _events(ics_client, cal)
    for name, value in change.items():
        setattr(feed, name, value)
    assert _refresh(ics_client, source["id"]).mode == "failed"
    shown = ics_client.get(f"/api/v1/sources/{source['id']}").json()
    assert reason in shown["lastError"]
    assert shown["lastErrorAt"] is not None and shown["lastSuccessAt"] == source["lastSuccessAt"]
    assert shown["nextRefreshAt"] > shown["lastErrorAt"]
    assert _events(ics_client, cal) == before
    # back to normal: the error clears
    feed.status, feed.body = 200, HOLIDAYS.encode()
    _refresh(ics_client, source["id"])
    assert ics_client.get(f"/api/v1/sources/{source['id']}").json()["lastError"] is None


def test_a_slow_feed_is_given_up_on(ics_client, feed_server, monkeypatch):
    feed, url = feed_server
    source = _subscribe(ics_client, url)
    monkeypatch.setattr("calgate.outbound.get.TOTAL_TIMEOUT", 1.0)
    feed.delay = 3.0
    outcome = _refresh(ics_client, source["id"])
    assert outcome.mode == "failed" and "within" in (outcome.error or "")


def test_a_redirect_to_loopback_is_refused_unless_private_is_allowed(make_client, feed_server):
    feed, url = feed_server
    for outer in _serve(Feed(redirect=url)):
        front, front_url = outer
        # the first address is checked too: with private addresses refused, even the
        # redirecting server (on loopback) is refused
        strict = make_client()
        resp = strict.post("/api/v1/sources", json={"kind": "ics", "url": front_url})
        assert resp.status_code == 422
        assert not front.requests
        allowed = make_client(ics_allow_private=True)
        source = _subscribe(allowed, front_url)
        assert len(_events(allowed, source["calendars"][0]["id"])) == 3
        assert front.requests and feed.requests


def test_a_redirect_from_a_public_address_to_loopback_is_refused(
    ics_client, feed_server, monkeypatch
):
    """The redirect's target is checked on its own: here the first hop is allowed and the
    second (a loopback target) is not."""
    feed, url = feed_server
    from calgate.outbound import addresses

    real = addresses.safe_addresses
    calls: list[str] = []

    def first_only(target, **kwargs):
        calls.append(target)
        return real(target, **{**kwargs, "allow_private": len(calls) == 1})

    monkeypatch.setattr("calgate.outbound.get.safe_addresses", first_only)
    for outer in _serve(Feed(redirect=url)):
        _, front_url = outer
        resp = ics_client.post("/api/v1/sources", json={"kind": "ics", "url": front_url})
        assert resp.status_code == 422, resp.text
        assert "SSRF" in resp.json()["detail"]
        assert not feed.requests


def test_too_many_redirects_fail(ics_client):
    for outer in _serve(Feed()):
        loop, loop_url = outer
        loop.redirect = loop_url
        resp = ics_client.post("/api/v1/sources", json={"kind": "ics", "url": loop_url})
        assert resp.status_code == 422
        assert "redirected more than 5 times" in resp.json()["detail"]
        assert len(loop.requests) == 6


def test_events_without_uids_keep_their_ids(ics_client, feed_server):
    feed, url = feed_server
    feed.body = NO_UIDS.encode()
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    first = sorted(e["id"] for e in _events(ics_client, cal))
    assert len(first) == 3
    # a new body (another PRODID, one more event): the others keep their ids and stay unchanged
    feed.body = (
        NO_UIDS.replace("Export//EN", "Export 2//EN")
        .replace(
            "END:VCALENDAR",
            "BEGIN:VEVENT\r\nDTSTART:20270107T090000Z\r\nSUMMARY:Exam\r\nEND:VEVENT\r\nEND:VCALENDAR",
        )
        .encode()
    )
    outcome = _refresh(ics_client, source["id"])
    assert (outcome.changed, outcome.deleted) == (1, 0)
    again = sorted(e["id"] for e in _events(ics_client, cal))
    assert set(first) < set(again)


def test_webcal_is_read_as_https_and_bounds_are_checked(ics_client):
    assert subscriptions.feed_url("webcal://example.org/a.ics") == "https://example.org/a.ics"
    assert subscriptions.feed_url("webcals://example.org/a.ics") == "https://example.org/a.ics"
    for bad in (899, 86401):
        resp = ics_client.post(
            "/api/v1/sources",
            json={"kind": "ics", "url": "https://example.org/a.ics", "refreshInterval": bad},
        )
        assert resp.status_code == 422
        assert resp.json()["errors"][0]["pointer"] == "#/refreshInterval"


def test_webcal_subscription_fetches_over_https(ics_client):
    """webcal:// becomes https://: a plain-http server on loopback cannot answer TLS, and the
    error says the feed could not be read (not that the scheme is wrong)."""
    for outer in _serve(Feed()):
        _, url = outer
        webcal = url.replace("http://", "webcal://")
        resp = ics_client.post("/api/v1/sources", json={"kind": "ics", "url": webcal})
        assert resp.status_code == 422, resp.text
        assert resp.json()["reason"] == "unreachable"


def test_the_job_refreshes_due_feeds_once(ics_client, feed_server):
    _, url = feed_server
    source = _subscribe(ics_client, url)
    runtime = ics_client.app.state.runtime
    assert refresh_due(runtime) == {}  # not due for two hours
    with runtime.db.session() as session:
        row = session.get(IcsFeedRow, source["id"])
        row.next_refresh_at = row.last_success_at
    done = refresh_due(runtime)
    assert done[source["id"]].mode == "not-modified"
    assert refresh_due(runtime) == {}


def test_removing_a_subscription_forgets_its_feed(ics_client, feed_server):
    _, url = feed_server
    source = _subscribe(ics_client, url)
    assert ics_client.delete(f"/api/v1/sources/{source['id']}").status_code == 204
    with ics_client.app.state.runtime.db.session() as session:
        assert session.get(IcsFeedRow, source["id"]) is None
    again = _subscribe(ics_client, url)  # the same feed may be subscribed again
    assert again["calendars"]
    twice = ics_client.post("/api/v1/sources", json={"kind": "ics", "url": url})
    assert twice.status_code == 409, twice.text
    assert twice.json()["existing"] == [
        {"calendar": again["calendars"][0]["id"], "source": again["id"]}
    ]


def test_instances_free_busy_and_the_calendar_marker(ics_client, feed_server):
    _, url = feed_server
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]
    assert cal["readOnly"] is True
    listed = {c["id"]: c for c in ics_client.get("/api/v1/calendars").json()["items"]}
    assert listed[cal["id"]]["readOnly"] is True and listed["default"]["readOnly"] is False
    labour = next(e for e in _events(ics_client, cal["id"]) if e["title"] == "Labour Day")
    base = f"/api/v1/calendars/{cal['id']}/events/{labour['id']}/instances"
    got = ics_client.get(base, params={"start": "2027-01-01", "end": "2028-12-31"})
    assert got.status_code == 200, got.text
    titles = [i["title"] for i in got.json()["items"]]
    assert titles == ["Labour Day (observed)", "Labour Day"]
    one = got.json()["items"][0]["recurrenceId"]
    changed = ics_client.patch(f"{base}/{one}", json={"title": "mine"})
    assert changed.status_code == 409 and "read-only" in changed.json()["detail"]
    assert ics_client.delete(f"{base}/{one}").status_code == 409
    # the meeting (in a VTIMEZONE-less Europe/Berlin) is busy; transparent holidays are not
    busy = ics_client.post(
        "/api/v1/freebusy",
        json={"calendars": [cal["id"]], "start": "2027-03-10", "end": "2027-03-11"},
    )
    assert busy.status_code == 200, busy.text
    assert busy.json()["calendars"][0]["busy"] == [
        {"start": "2027-03-10T09:00:00Z", "end": "2027-03-10T10:00:00Z"}
    ]
    clear = ics_client.patch(f"/api/v1/calendars/{cal['id']}", json={"autoClear": True})
    assert clear.status_code == 422 and clear.json()["errors"][0]["pointer"] == "#/autoClear"
    # a calendar cannot be made in a subscription's source
    made = ics_client.post("/api/v1/calendars", json={"name": "x", "source": source["id"]})
    assert made.status_code == 422, made.text


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_two_processes_refresh_a_due_feed_once(make_client, feed_server, database, request):
    """Two apps on one database (as two processes): the turn ``ics:<source>`` and the due
    time read again under it let one of them fetch."""
    feed, url = feed_server
    extra: dict[str, object] = {"ics_allow_private": True}
    if database == "postgres":
        from tests.conftest import _reset_postgres

        db_url = request.getfixturevalue("postgres_database")
        _reset_postgres(db_url)
        extra["database_url"] = db_url
    first = make_client(**extra)
    second = make_client(**extra)
    source = _subscribe(first, url)
    with first.app.state.runtime.db.session() as session:
        row = session.get(IcsFeedRow, source["id"])
        row.next_refresh_at = row.last_success_at
    feed.requests.clear()
    results: list[dict[str, subscriptions.Outcome]] = []
    threads = [
        threading.Thread(target=lambda c=c: results.append(refresh_due(c.app.state.runtime)))
        for c in (first, second)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r) for r in results) == [0, 1]
    assert len(feed.requests) == 1


def test_a_refresh_reaches_webhooks_with_origin_ics(make_client, feed_server):
    from calgate.services import webhook_delivery, webhook_dispatch
    from tests.webhooks.test_delivery import Receiver
    from tests.webhooks.test_outside_changes import messages, subscribe, summary

    feed, url = feed_server
    client = make_client(
        ics_allow_private=True, webhook_allow_http=True, webhook_allow_private=True
    )
    runtime = client.app.state.runtime
    receiver = Receiver()
    try:
        source = _subscribe(client, url)
        cal = source["calendars"][0]["id"]
        endpoint = subscribe(client, receiver, cal)
        webhook_dispatch.dispatch(runtime)
        feed.body = HOLIDAYS.replace("SUMMARY:Feed meeting", "SUMMARY:Moved").encode()
        assert _refresh(client, source["id"]).changed == 1
        webhook_dispatch.dispatch(runtime)
        webhook_delivery.deliver_due(runtime)
        [got] = messages(receiver, endpoint["secret"], 1)
        assert summary(got) == ("event.updated", "meeting@holidays.example", "ics")
    finally:
        receiver.server.shutdown()


def test_an_asked_interval_wins_and_an_odd_feed_interval_is_ignored(ics_client, feed_server):
    feed, url = feed_server
    asked = _subscribe(ics_client, url, refreshInterval=900)
    assert asked["refreshInterval"] == 900  # not the feed's two hours
    ics_client.delete(f"/api/v1/sources/{asked['id']}")
    feed.body = HOLIDAYS.replace("REFRESH-INTERVAL;VALUE=DURATION:PT2H", "X-PUBLISHED-TTL:PT1M")
    feed.body = feed.body.encode()
    assert _subscribe(ics_client, url)["refreshInterval"] == 3600  # 1 min: out of bounds
