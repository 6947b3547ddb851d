"""The local index through the API, on every server of the contract suite: external edits
appear and disappear, the change feed, safe writes, idempotent creates, limits, and the same
answers as asking the server directly."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from calgate.services import writing
from tests.api.test_events_contract import events_url
from tests.conftest import connect_source


def _ical(uid: str, start: str, end: str, *, summary: str = "x", extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _list(client, cal, **params):
    params = {"start": "2026-05-01", "end": "2026-06-01", **params}
    resp = client.get(events_url(cal), params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def fresh(client):
    """Reads sync first whenever the index is older than 0 s (every read)."""
    client.app.state.runtime.settings.index_max_age = 0
    return client


def test_external_create_edit_delete_show_up(fresh, calendar_id, raw):
    uid = f"ext-{uuid.uuid4().hex}"
    obj = raw.add_event(_ical(uid, "20260505T100000Z", "20260505T110000Z", summary="Outside"))
    titles = {e["uid"]: e["title"] for e in _list(fresh, calendar_id)["items"]}
    assert titles.get(uid) == "Outside"
    obj.data = _ical(uid, "20260505T100000Z", "20260505T110000Z", summary="Edited outside")
    obj.save()
    titles = {e["uid"]: e["title"] for e in _list(fresh, calendar_id)["items"]}
    assert titles.get(uid) == "Edited outside"
    obj.delete()
    assert uid not in {e["uid"] for e in _list(fresh, calendar_id)["items"]}


def test_change_feed_created_updated_deleted_and_410(fresh, calendar_id):
    first = fresh.get(f"/api/v1/calendars/{calendar_id}/changes")
    assert first.status_code == 200, first.text
    token = first.json()["token"]
    made = fresh.post(
        events_url(calendar_id),
        json={"title": "feed", "start": "2026-05-07T10:00:00Z", "end": "2026-05-07T11:00:00Z"},
    ).json()
    feed = fresh.get(f"/api/v1/calendars/{calendar_id}/changes", params={"since": token}).json()
    assert [(c["type"], c["id"]) for c in feed["changes"]] == [("created", made["id"])]
    assert feed["changes"][0]["event"]["title"] == "feed"
    token = feed["token"]
    fresh.patch(f"{events_url(calendar_id)}/{made['id']}", json={"title": "feed 2"})
    fresh.delete(f"{events_url(calendar_id)}/{made['id']}")
    feed = fresh.get(f"/api/v1/calendars/{calendar_id}/changes", params={"since": token}).json()
    kinds = [(c["type"], c["id"]) for c in feed["changes"]]
    assert kinds[-1] == ("deleted", made["id"]) and kinds[-1:] == [("deleted", made["id"])]
    assert feed["changes"][-1]["event"] is None
    again = fresh.get(f"/api/v1/calendars/{calendar_id}/changes", params={"since": feed["token"]})
    assert again.json()["changes"] == []
    gone = fresh.get(f"/api/v1/calendars/{calendar_id}/changes", params={"since": "bogus"})
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"


def test_rfc6578_rejected_sync_token_means_full_resync_not_an_error(fresh, calendar_id, raw):
    from calgate.db.models import CalendarSyncRow

    _list(fresh, calendar_id)
    runtime = fresh.app.state.runtime
    with runtime.db.session() as session:
        state = session.get(CalendarSyncRow, calendar_id)
        state.sync_token = "http://radicale.org/ns/sync/not-a-real-token"
    uid = f"ext-{uuid.uuid4().hex}"
    raw.add_event(_ical(uid, "20260506T100000Z", "20260506T110000Z"))
    assert uid in {e["uid"] for e in _list(fresh, calendar_id)["items"]}


def test_idempotency_key_replays_without_a_second_event(fresh, calendar_id):
    body = {"title": "once", "start": "2026-05-08T10:00:00Z", "end": "2026-05-08T11:00:00Z"}
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    first = fresh.post(events_url(calendar_id), json=body, headers=key)
    second = fresh.post(events_url(calendar_id), json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    titles = [e["title"] for e in _list(fresh, calendar_id)["items"]]
    assert titles.count("once") == 1
    other = fresh.post(events_url(calendar_id), json={**body, "title": "other"}, headers=key)
    assert other.status_code == 422 and other.json()["errors"][0]["pointer"] == "Idempotency-Key"


def test_idempotency_key_under_concurrency_makes_one_event(fresh, calendar_id):
    body = {"title": "racing", "start": "2026-05-09T10:00:00Z", "end": "2026-05-09T11:00:00Z"}
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(
                lambda _: fresh.post(events_url(calendar_id), json=body, headers=key), range(6)
            )
        )
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    titles = [e["title"] for e in _list(fresh, calendar_id)["items"]]
    assert titles.count("racing") == 1


def test_server_side_412_is_412_and_the_index_is_refreshed(fresh, calendar_id, raw, monkeypatch):
    made = fresh.post(
        events_url(calendar_id),
        json={"title": "v1", "start": "2026-05-10T10:00:00Z", "end": "2026-05-10T11:00:00Z"},
    ).json()
    url = f"{events_url(calendar_id)}/{made['id']}"
    # Another client changes the object between calgate's read and its write.
    original = writing.load_for_edit

    def load_then_change(ctx, href, if_match):
        loaded = original(ctx, href, if_match)
        obj = next(o for o in raw.events() if made["uid"] in o.data)
        obj.data = obj.data.replace("SUMMARY:v1", "SUMMARY:changed underneath")
        obj.save()
        return loaded

    monkeypatch.setattr(writing, "load_for_edit", load_then_change)
    resp = fresh.patch(url, json={"title": "v2"})
    assert resp.status_code == 412, resp.text
    monkeypatch.undo()
    fresh.app.state.runtime.settings.index_max_age = 3600  # no sync on this read: the 412 did it
    assert fresh.get(url).json()["title"] == "changed underneath"


def test_window_longer_than_the_limit_is_422_naming_it(client):
    resp = client.get(events_url("default"), params={"start": "2026-01-01", "end": "2027-06-01"})
    assert resp.status_code == 422 and "366 days" in resp.json()["detail"]


def test_filters_order_and_pages(fresh, calendar_id):
    for i, (title, cat, status) in enumerate(
        [
            ("Deploy api", "ops", "confirmed"),
            ("Lunch", "social", "tentative"),
            ("Deploy web", "ops", "cancelled"),
            ("Retro", "team", "confirmed"),
        ]
    ):
        fresh.post(
            events_url(calendar_id),
            json={
                "title": title,
                "start": f"2026-05-1{i}T10:00:00Z",
                "end": f"2026-05-1{i}T11:00:00Z",
                "categories": [cat],
                "status": status,
                "attendees": [{"email": f"p{i}@example.com"}],
            },
        )
        time.sleep(1.05)  # created/updated stamps have second resolution
    titles = lambda **p: [e["title"] for e in _list(fresh, calendar_id, **p)["items"]]  # noqa: E731
    assert titles(q="deploy") == ["Deploy api", "Deploy web"]
    assert titles(category="ops") == ["Deploy api", "Deploy web"]
    assert titles(status="confirmed") == ["Deploy api", "Retro"]
    assert titles(attendee="P1@example.com") == ["Lunch"]
    assert titles(orderBy="created") == ["Retro", "Deploy web", "Lunch", "Deploy api"]
    page1 = _list(fresh, calendar_id, limit=3)
    assert len(page1["items"]) == 3 and page1["nextPageToken"]
    page2 = _list(fresh, calendar_id, limit=3, pageToken=page1["nextPageToken"])
    assert [e["title"] for e in page2["items"]] == ["Retro"] and page2["nextPageToken"] is None
    bad = fresh.get(
        events_url(calendar_id),
        params={
            "start": "2026-05-01",
            "end": "2026-06-01",
            "pageToken": page1["nextPageToken"],
            "q": "x",
        },
    )
    assert bad.status_code == 422


def test_background_loop_keeps_a_read_calendar_fresh(make_client, radicale_server):
    from calgate.db.models import IndexedEventRow

    client = make_client(index_max_age=1, background_sync=True)
    cal = connect_source(client, radicale_server)
    _list(client, cal)  # a read marks the calendar busy
    import caldav

    with caldav.DAVClient(
        url=radicale_server.url,
        username=radicale_server.username,
        password=radicale_server.password,
    ) as dav:
        uid = f"bg-{uuid.uuid4().hex}"
        dav.calendar(url=radicale_server.calendar_url).add_event(
            _ical(uid, "20260511T100000Z", "20260511T110000Z")
        )
    runtime = client.app.state.runtime
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # no request to calgate in between
        with runtime.db.session() as session:
            from sqlalchemy import select

            if session.scalar(select(IndexedEventRow.id).where(IndexedEventRow.uid == uid)):
                return
        time.sleep(0.2)
    pytest.fail("the background loop did not index the external change within 10 s")


def test_expansion_larger_than_the_limit_is_422_naming_it(make_client):
    client = make_client(max_expansion=50)
    client.post(
        events_url("default"),
        json={
            "title": "dense",
            "start": "2026-05-01T00:00:00Z",
            "duration": "PT5M",
            "rrule": "FREQ=HOURLY",
        },
    )
    resp = client.get(
        events_url("default"),
        params={"start": "2026-05-01", "end": "2026-05-10", "expand": "true"},
    )
    assert resp.status_code == 422, resp.text
    assert "50" in resp.json()["detail"]
    ok = client.get(
        events_url("default"),
        params={"start": "2026-05-01T00:00:00Z", "end": "2026-05-01T12:00:00Z", "expand": "true"},
    )
    assert ok.status_code == 200 and len(ok.json()["items"]) == 12
