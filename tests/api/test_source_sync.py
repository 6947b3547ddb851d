"""Sync now (``POST /api/v1/sources/{id}/sync``) and a subscription's refresh interval changed
with ``PATCH``: against a real feed server on loopback, the embedded store and Xandikos."""

from __future__ import annotations

import threading
from datetime import datetime

import caldav
import pytest

from tests.api.test_ics_subscription import HOLIDAYS, _events, _subscribe

SOURCES = "/api/v1/sources"


@pytest.fixture
def ics_client(make_client):
    return make_client(ics_allow_private=True)


def test_sync_now_fetches_a_feed_again(ics_client, feed_server):
    feed, url = feed_server
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    feed.body = HOLIDAYS.replace("SUMMARY:Feed meeting", "SUMMARY:Moved by sync now").encode()
    fetched = len(feed.requests)
    resp = ics_client.post(f"{SOURCES}/{source['id']}/sync")
    assert resp.status_code == 200, resp.text
    assert len(feed.requests) == fetched + 1
    assert feed.requests[-1].get("If-None-Match")  # conditional, as a scheduled refresh
    shown = resp.json()
    assert shown["id"] == source["id"] and shown["lastError"] is None
    assert shown["lastSuccessAt"] > source["lastSuccessAt"]
    assert "Moved by sync now" in {e["title"] for e in _events(ics_client, cal)}


def test_sync_now_of_an_unreadable_feed_is_a_502_and_keeps_the_copy(ics_client, feed_server):
    feed, url = feed_server
    source = _subscribe(ics_client, url)
    cal = source["calendars"][0]["id"]
    before = _events(ics_client, cal)
    feed.status = 500
    resp = ics_client.post(f"{SOURCES}/{source['id']}/sync")
    assert resp.status_code == 502, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"].endswith("/feed-unreadable") and "HTTP 500" in problem["detail"]
    assert ".." not in problem["detail"]
    assert _events(ics_client, cal) == before
    shown = ics_client.get(f"{SOURCES}/{source['id']}").json()
    assert "HTTP 500" in shown["lastError"]


def test_sync_now_reads_an_outside_change_on_a_caldav_source(make_client, xandikos_server):
    """An event written straight to Xandikos by another client is in the index after sync now,
    without any read of the calendar (the background sync is off in test apps)."""
    client = make_client(index_max_age=3600)
    added = client.post(SOURCES, json={"url": xandikos_server.url, "name": "x"})
    assert added.status_code == 201, added.text
    source = added.json()
    cal = source["calendars"][0]
    calendar = caldav.DAVClient(xandikos_server.url).calendar(url=cal["caldavUrl"])
    calendar.save_event(
        dtstart=datetime(2027, 2, 1, 9),
        dtend=datetime(2027, 2, 1, 10),
        uid="outside-sync-now",
        summary="Made elsewhere",
    )
    from calgate.db.models import IndexedEventRow

    def indexed() -> set[str]:
        with client.app.state.runtime.db.session() as session:
            rows = session.query(IndexedEventRow).filter_by(calendar_id=cal["id"], deleted=False)
            return {r.uid for r in rows}

    assert "outside-sync-now" not in indexed()
    resp = client.post(f"{SOURCES}/{source['id']}/sync")
    assert resp.status_code == 200, resp.text
    assert "outside-sync-now" in indexed()


def test_sync_now_of_the_embedded_store_and_unknown_ids(client):
    embedded = client.get(SOURCES).json()["items"][0]
    assert client.post(f"{SOURCES}/{embedded['id']}/sync").status_code == 200
    missing = client.post(f"{SOURCES}/no-such-source/sync")
    assert missing.status_code == 404 and missing.headers["content-type"].endswith("problem+json")


def test_sync_now_needs_an_unscoped_admin(client):
    embedded = client.get(SOURCES).json()["items"][0]
    made = client.post("/api/v1/tokens", json={"role": "write", "name": "w"}).json()["token"]
    resp = client.post(
        f"{SOURCES}/{embedded['id']}/sync", headers={"Authorization": f"Bearer {made}"}
    )
    assert resp.status_code == 403


def test_a_feeds_interval_is_changed_with_patch(ics_client, feed_server):
    _feed, url = feed_server
    source = _subscribe(ics_client, url)
    assert source["refreshInterval"] == 7200  # the feed's own REFRESH-INTERVAL
    resp = ics_client.patch(f"{SOURCES}/{source['id']}", json={"refreshInterval": 900})
    assert resp.status_code == 200, resp.text
    shown = resp.json()
    assert shown["refreshInterval"] == 900
    due = datetime.fromisoformat(shown["nextRefreshAt"]) - datetime.fromisoformat(
        shown["lastSuccessAt"]
    )
    assert due.total_seconds() == 900
    back = ics_client.patch(f"{SOURCES}/{source['id']}", json={"refreshInterval": None})
    assert back.json()["refreshInterval"] == 7200
    for bad in (60, 86401, "hourly"):
        wrong = ics_client.patch(f"{SOURCES}/{source['id']}", json={"refreshInterval": bad})
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["errors"][0]["pointer"] == "#/refreshInterval"


def test_a_caldav_source_has_no_interval_to_change(client):
    embedded = client.get(SOURCES).json()["items"][0]
    resp = client.patch(f"{SOURCES}/{embedded['id']}", json={"refreshInterval": 900})
    assert resp.status_code == 422, resp.text
    (error,) = resp.json()["errors"]
    assert error["pointer"] == "#/refreshInterval" and "kind ics" in error["detail"]


def test_a_sync_of_a_feeds_calendar_does_not_hold_its_lock(ics_client, feed_server):
    """``Indexer.sync`` on a subscription's calendar (the background sync keeps calendars with
    webhooks fresh, feeds too) returned without releasing the calendar's lock, so the feed's
    next refresh waited for it forever."""
    feed, url = feed_server
    source = _subscribe(ics_client, url)
    runtime = ics_client.app.state.runtime
    from calgate.services import sources, subscriptions

    with runtime.db.session() as session:
        row = sources.get_source(session, source["id"])
        (calendar,) = sources.source_calendars(session, source["id"])
        session.expunge_all()
    runtime.indexer.sync(calendar, row)
    feed.body = HOLIDAYS.replace("SUMMARY:Feed meeting", "SUMMARY:After a sync").encode()
    done: list[str] = []
    worker = threading.Thread(
        target=lambda: done.append(subscriptions.refresh(runtime, source["id"]).mode)
    )
    worker.start()
    worker.join(timeout=20)
    assert done == ["changed"]
