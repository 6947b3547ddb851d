"""Changes made outside calgate's API reach webhook receivers (issue 17, point 5): written by the
``caldav`` library straight to a real Xandikos (an upstream source) and seen by the background
sync; written through ``/dav/`` of the embedded store of a real ``calgate serve``; and a sync
token the upstream server refuses gives one ``calendar.resync_required``, not a flood of
``event.created``. Every message is verified with ``standardwebhooks`` on a real loopback
receiver."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import caldav
import httpx2 as httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from calgate.db.models import CalendarRow, CalendarSyncRow, SourceRow, WebhookCursorRow
from calgate.domain.timezones import instant
from calgate.services import webhook_delivery, webhook_dispatch
from tests.conftest import _reset_postgres
from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.servers import RunningServer
from tests.webhooks.test_delivery import Receiver

ALL = ["event.created", "event.updated", "event.deleted", "calendar.resync_required"]
WAIT = 10.0  # seconds a delivery may take before the test gives up (speed is for bench/)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def ics(uid: str, summary: str, day: int = 1) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//outside//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:202705{day:02d}T100000Z\r\n"
        f"DTEND:202705{day:02d}T110000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def messages(receiver: Receiver, secret: str, count: int, within: float = WAIT) -> list[dict]:
    """The first ``count`` messages the receiver got (waiting up to ``within`` s for them),
    each verified with the endpoint's secret."""
    deadline = time.monotonic() + within
    while len(receiver.got) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.got) >= count, f"{len(receiver.got)} of {count} messages arrived"
    webhook = Webhook(secret)
    return [webhook.verify(body, headers) for headers, body in receiver.got[:count]]


def summary(message: dict) -> tuple[str, str | None, str | None]:
    data = message["data"]
    return message["type"], data.get("uid"), data.get("origin")


def upstream_calendar(client, server: RunningServer) -> tuple[caldav.Calendar, str]:
    """A new calendar made on ``server`` with the ``caldav`` library, connected to calgate as a
    source: the library's handle on it and calgate's calendar id."""
    dav = caldav.DAVClient(url=server.url, username=server.username, password=server.password)
    calendar = dav.principal().make_calendar(name="hooks", cal_id=f"hooks-{uuid.uuid4().hex[:8]}")
    body = {
        "url": str(calendar.url),
        "username": server.username,
        "password": server.password,
        "authType": server.auth_type,
    }
    made = client.post("/api/v1/sources", json=body)
    assert made.status_code == 201, made.text
    return calendar, made.json()["calendars"][0]["id"]


def subscribe(client, receiver: Receiver, calendar_id: str) -> dict:
    made = client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ALL, "calendars": [calendar_id]}
    )
    assert made.status_code == 201, made.text
    return made.json()


def wait_for_cursor(client, endpoint: dict, calendar_id: str) -> None:
    """Until the worker has seen the endpoint (after the calendar's first sync): changes from
    then on are delivered."""
    runtime = client.app.state.runtime
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with runtime.db.session() as session:
            if session.get(WebhookCursorRow, (endpoint["id"], calendar_id)) is not None:
                return
        time.sleep(0.05)
    pytest.fail("the webhook worker never started the endpoint's cursor")


def synced_after(client, calendar_id: str, moment: datetime) -> None:
    """Until the background sync has run (finished) after ``moment``."""
    runtime = client.app.state.runtime
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with runtime.db.session() as session:
            state = session.get(CalendarSyncRow, calendar_id)
            if state and state.last_synced and instant(state.last_synced, UTC) > moment:
                return
        time.sleep(0.05)
    pytest.fail("the background sync did not run")


def test_changes_on_xandikos_are_delivered_once_with_their_origin(
    make_client, xandikos_server, receiver
):
    """Reads never sync here (index_max_age is an hour): only the background sync of watched
    calendars, every second, can see what the caldav library writes to Xandikos."""
    client = make_client(
        background_sync=True,
        index_max_age=3600,
        webhook_sync_interval=1,
        webhook_interval=0.5,  # the background worker delivers
        webhook_allow_http=True,
        webhook_allow_private=True,
    )
    calendar, calendar_id = upstream_calendar(client, xandikos_server)
    endpoint = subscribe(client, receiver, calendar_id)
    wait_for_cursor(client, endpoint, calendar_id)
    uid = f"outside-{uuid.uuid4().hex}"

    def latest(count: int) -> tuple[str, str | None, str | None]:
        return summary(messages(receiver, endpoint["secret"], count)[-1])

    event = calendar.save_event(ics(uid, "Written by Thunderbird"))
    assert latest(1) == ("event.created", uid, "caldav")
    event.data = ics(uid, "Edited by Thunderbird")
    event.save()
    assert latest(2) == ("event.updated", uid, "caldav")
    event.delete()
    assert latest(3) == ("event.deleted", uid, "caldav")

    events = f"/api/v1/calendars/{calendar_id}/events"
    made = client.post(
        events,
        json={"title": "API", "start": "2027-05-02T10:00:00Z", "end": "2027-05-02T11:00:00Z"},
    )
    assert made.status_code == 201, made.text
    api_uid, api_event = made.json()["uid"], f"{events}/{made.json()['id']}"
    assert latest(4) == ("event.created", api_uid, "api")
    assert client.patch(api_event, json={"title": "Renamed"}).status_code == 200
    assert latest(5) == ("event.updated", api_uid, "api")
    assert client.delete(api_event).status_code == 204
    assert latest(6) == ("event.deleted", api_uid, "api")
    written = datetime.now(UTC)

    # the sync sees calgate's own writes on Xandikos: nothing more to tell
    synced_after(client, calendar_id, written)
    time.sleep(1.5)  # three rounds of the webhook worker
    assert [summary(m) for m in messages(receiver, endpoint["secret"], len(receiver.got))] == [
        ("event.created", uid, "caldav"),
        ("event.updated", uid, "caldav"),
        ("event.deleted", uid, "caldav"),
        ("event.created", api_uid, "api"),
        ("event.updated", api_uid, "api"),
        ("event.deleted", api_uid, "api"),
    ]
    assert len({headers["webhook-id"] for headers, _ in receiver.got}) == 6


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalgateProcess]:
    """``calgate serve`` whose index never refreshes on its own within a test (an hour), so only
    the /dav/ door's own entry in the index can get a /dav/ write delivered."""
    data = tmp_path_factory.mktemp("hooks-dav") / "data"
    process = CalgateProcess(
        data,
        env={
            "CALGATE_INDEX_MAX_AGE": "3600",
            "CALGATE_WEBHOOK_SYNC_INTERVAL": "3600",
            "CALGATE_WEBHOOK_ALLOW_HTTP": "true",
            "CALGATE_WEBHOOK_ALLOW_PRIVATE": "true",
        },
    )
    yield process
    process.stop()


def test_a_dav_write_is_delivered_at_once(served: CalgateProcess, receiver, record_property):
    h = served.headers
    api = f"{served.base}/api/v1"
    calendar_id = f"door-{uuid.uuid4().hex[:8]}"
    made = httpx.post(f"{api}/calendars", headers=h, json={"id": calendar_id, "name": "Door"})
    assert made.status_code == 201, made.text
    endpoint = httpx.post(
        f"{api}/webhooks",
        headers=h,
        json={"url": receiver.url, "events": ALL, "calendars": [calendar_id]},
    ).json()
    # the worker has seen the endpoint once an API write comes through
    deadline = time.monotonic() + WAIT
    while not receiver.got and time.monotonic() < deadline:
        httpx.post(
            f"{api}/calendars/{calendar_id}/events",
            headers=h,
            json={
                "title": "warm-up",
                "start": "2027-05-03T10:00:00Z",
                "end": "2027-05-03T11:00:00Z",
            },
        )
        time.sleep(0.5)
    messages(receiver, endpoint["secret"], 1)
    time.sleep(1)  # the last warm-up writes delivered too
    warm_up = len(receiver.got)

    uid = f"door-{uuid.uuid4().hex}"
    with caldav.DAVClient(url=f"{served.base}/dav/", username="x", password=ADMIN_TOKEN) as dav:
        calendar = dav.calendar(url=f"{served.base}/dav/calgate/{calendar_id}/")
        calendar.save_event(ics(uid, "Through the door", day=4))
        written = time.monotonic()
        deadline = written + WAIT
        while len(receiver.got) <= warm_up and time.monotonic() < deadline:
            time.sleep(0.005)
        latency = time.monotonic() - written
    record_property("dav_to_receiver_seconds", round(latency, 3))
    got = messages(receiver, endpoint["secret"], warm_up + 1)[warm_up:]
    assert [summary(m) for m in got] == [("event.created", uid, "caldav")]
    print(f"/dav/ write to receiver: {latency:.3f} s")


def _state(client, calendar_id: str) -> tuple[CalendarRow, SourceRow]:
    with client.app.state.runtime.db.session() as session:
        calendar = session.get(CalendarRow, calendar_id)
        source = session.scalar(select(SourceRow).where(SourceRow.id == calendar.source_id))
        session.expunge_all()
        return calendar, source


@pytest.mark.parametrize(
    ("server_name", "database"), [("xandikos", "sqlite"), ("radicale", "postgres")]
)
def test_a_rejected_sync_token_gives_one_resync_required(
    make_client, request, server_name, database, receiver
):
    """calgate's stored sync token is replaced by one the server never gave out: the server
        refuses it (Xandikos 412, Radicale 403, both DAV:valid-sync-token), calgate reads the
        calendar in full, and the endpoint hears it once instead of once per event. The
        dispatcher and the sender are called directly; reads sync first (index_max_age 0). One
    server on each metadata database."""
    server = request.getfixturevalue(f"{server_name}_server")
    on: dict[str, object] = {}
    if database == "postgres":
        on["database_url"] = url = request.getfixturevalue("postgres_database")
        _reset_postgres(url)
    client = make_client(
        webhook_allow_http=True, webhook_allow_private=True, webhook_interval=3600, **on
    )
    runtime = client.app.state.runtime
    calendar, calendar_id = upstream_calendar(client, server)
    for n in range(5):
        calendar.save_event(ics(f"before-{n}-{uuid.uuid4().hex}", f"Existing {n}", day=n + 1))
    events = f"/api/v1/calendars/{calendar_id}/events"
    window = {"start": "2027-05-01", "end": "2027-06-01"}
    assert len(client.get(events, params=window).json()["items"]) == 5
    endpoint = subscribe(client, receiver, calendar_id)
    webhook_dispatch.dispatch(runtime)  # the endpoint's cursor starts here

    with runtime.db.session() as session:
        state = session.get(CalendarSyncRow, calendar_id)
        assert state is not None and state.sync_token
        state.sync_token = state.sync_token[:-4] + "dead" + "-never-given-out"
    meanwhile = f"meanwhile-{uuid.uuid4().hex}"
    calendar.save_event(ics(meanwhile, "Made while calgate was not looking", day=20))
    items = client.get(events, params=window).json()["items"]  # syncs: the token is refused
    assert meanwhile in {e["uid"] for e in items} and len(items) == 6

    webhook_dispatch.dispatch(runtime)
    webhook_delivery.deliver_due(runtime)
    got = messages(receiver, endpoint["secret"], len(receiver.got))
    assert [m["type"] for m in got] == ["calendar.resync_required"]
    assert got[0]["data"]["calendarId"] == calendar_id
    # its token resumes the feed: nothing since
    resumed = client.get(
        f"/api/v1/calendars/{calendar_id}/changes", params={"since": got[0]["data"]["syncToken"]}
    )
    assert resumed.status_code == 200 and resumed.json()["changes"] == []

    # later changes are told one by one again, and the refusal is not told twice
    after = f"after-{uuid.uuid4().hex}"
    calendar.save_event(ics(after, "After the resync", day=21))
    client.get(events, params=window)
    webhook_dispatch.dispatch(runtime)
    webhook_delivery.deliver_due(runtime)
    got = messages(receiver, endpoint["secret"], len(receiver.got))
    assert [summary(m) for m in got[1:]] == [("event.created", after, "caldav")]
    assert json.loads(receiver.got[0][1])["type"] == "calendar.resync_required"


def test_a_calendar_id_used_again_gets_its_changes_delivered(
    make_client, xandikos_server, receiver
):
    """A source removed and added again gives its calendars the same ids, with a new change
    feed from the start: the messages for its changes are new ones, not taken for the ones
    delivered before under the same id (the endpoint covers every calendar, so it stays)."""
    client = make_client(webhook_allow_http=True, webhook_allow_private=True, webhook_interval=3600)
    runtime = client.app.state.runtime
    calendar, calendar_id = upstream_calendar(client, xandikos_server)
    made = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ALL})
    assert made.status_code == 201, made.text
    endpoint = made.json()
    events = f"/api/v1/calendars/{calendar_id}/events"
    window = {"start": "2027-05-01", "end": "2027-06-01"}

    def change_and_send(uid: str, day: int, title: str = "Outside") -> None:
        calendar.save_event(ics(uid, title, day=day))
        client.get(events, params=window)
        webhook_dispatch.dispatch(runtime)
        webhook_delivery.deliver_due(runtime)

    client.get(events, params=window)
    webhook_dispatch.dispatch(runtime)  # the endpoint's cursor starts here
    first = f"first-{uuid.uuid4().hex}"
    for n in range(3):  # created, updated, updated: the old feed's changes 1 to 3
        change_and_send(first, day=1, title=f"Version {n}")
    with runtime.db.session() as session:
        source_id = session.get(CalendarRow, calendar_id).source_id
    assert client.delete(f"/api/v1/sources/{source_id}").status_code == 204
    body = {"url": str(calendar.url), "username": "alice", "password": "password"}
    again = client.post("/api/v1/sources", json=body)
    assert again.status_code == 201, again.text
    assert again.json()["calendars"][0]["id"] == calendar_id
    client.get(events, params=window)
    webhook_dispatch.dispatch(runtime)  # the new calendar's cursor starts here
    second = f"second-{uuid.uuid4().hex}"
    change_and_send(second, day=2)
    got = messages(receiver, endpoint["secret"], 4)
    assert [summary(m) for m in got] == [
        ("event.created", first, "caldav"),
        ("event.updated", first, "caldav"),
        ("event.updated", first, "caldav"),
        ("event.created", second, "caldav"),
    ]
