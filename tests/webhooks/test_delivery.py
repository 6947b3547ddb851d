"""Webhook delivery end to end: a change through the API or /dav/ reaches a real HTTP receiver
on loopback, signed so that the ``standardwebhooks`` library verifies it; failures are retried
with the same ``webhook-id``; a 410 disables the endpoint. The dispatcher and the sender are
called directly (the background worker runs the same two calls)."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from calgate.db.models import WebhookCursorRow, WebhookDeliveryRow
from calgate.services import webhook_delivery, webhook_dispatch
from tests.conftest import ADMIN_TOKEN

EVENTS = "/api/v1/calendars/default/events"


class Receiver:
    """A real HTTP server on 127.0.0.1 answering with the statuses queued in ``answers``
    (then 200), recording each request's headers and body."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hooked(make_client):
    return make_client(
        webhook_allow_http=True, webhook_allow_private=True, webhook_retry_scale=0.0001
    )


def subscribe(client, receiver: Receiver, **extra) -> dict:
    body = {"url": receiver.url, "events": ["event.created", "event.updated", "event.deleted"]}
    made = client.post("/api/v1/webhooks", json={**body, **extra})
    assert made.status_code == 201, made.text
    client.get(EVENTS)  # the calendar read once: its feed exists
    webhook_dispatch.dispatch(client.app.state.runtime)  # the endpoint's cursor starts here
    return made.json()


def run(client) -> webhook_delivery.DeliveryReport:
    runtime = client.app.state.runtime
    webhook_dispatch.dispatch(runtime)
    return webhook_delivery.deliver_due(runtime)


def verified(endpoint: dict, headers: dict[str, str], body: bytes) -> dict:
    return Webhook(endpoint["secret"]).verify(body, headers)  # raises when it does not verify


def test_an_api_change_is_delivered_signed(hooked, receiver):
    endpoint = subscribe(hooked, receiver)
    made = hooked.post(
        EVENTS,
        json={"title": "Standup", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z"},
    )
    assert made.status_code == 201
    assert run(hooked).delivered == 1
    ((headers, body),) = receiver.got
    message = verified(endpoint, headers, body)
    assert message["type"] == "event.created"
    data = message["data"]
    assert (data["calendarId"], data["eventId"], data["origin"]) == (
        "default",
        made.json()["id"],
        "api",
    )
    assert data["etag"] == made.headers["etag"] and data["syncToken"]
    with pytest.raises(Exception):  # a tampered body does not verify
        verified(endpoint, headers, body.replace(b"Standup", b"Hacked") + b" ")
    # an edit and a delete follow, in order
    hooked.patch(f"{EVENTS}/{made.json()['id']}", json={"title": "Renamed"})
    assert run(hooked).delivered == 1
    hooked.delete(f"{EVENTS}/{made.json()['id']}")
    assert run(hooked).delivered == 1
    kinds = [json.loads(b)["type"] for _, b in receiver.got[1:]]
    assert kinds == ["event.updated", "event.deleted"]


def test_failures_are_retried_with_the_same_webhook_id(hooked, receiver):
    subscribe(hooked, receiver)
    receiver.answers = [500, 503]
    hooked.post(
        EVENTS,
        json={"title": "Retry", "start": "2027-03-02T10:00:00Z", "end": "2027-03-02T11:00:00Z"},
    )
    runtime = hooked.app.state.runtime
    webhook_dispatch.dispatch(runtime)
    delivered = 0
    for _ in range(50):
        delivered += webhook_delivery.deliver_due(runtime).delivered
        if delivered:
            break
        time.sleep(0.05)
    assert delivered == 1 and len(receiver.got) == 3
    assert len({h["webhook-id"] for h, _ in receiver.got}) == 1


def test_a_410_disables_the_endpoint(hooked, receiver):
    endpoint = subscribe(hooked, receiver)
    receiver.answers = [410]
    hooked.post(
        EVENTS,
        json={"title": "Gone", "start": "2027-03-03T10:00:00Z", "end": "2027-03-03T11:00:00Z"},
    )
    assert run(hooked).failed == 1
    back = hooked.get(f"/api/v1/webhooks/{endpoint['id']}").json()
    assert (back["enabled"], back["active"]) == (False, False)


def test_a_dav_write_is_delivered_with_origin_caldav(hooked, receiver):
    endpoint = subscribe(hooked, receiver)
    basic = base64.b64encode(f"someone:{ADMIN_TOKEN}".encode()).decode()
    put = hooked.put(
        "/dav/calgate/default/from-dav.ics",
        content=(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:from-dav\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20270304T100000Z\r\nDURATION:PT1H\r\n"
            "SUMMARY:Thunderbird\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
        headers={"Authorization": f"Basic {basic}", "Content-Type": "text/calendar"},
    )
    assert put.status_code == 201, put.text
    assert run(hooked).delivered == 1
    ((headers, body),) = receiver.got
    data = verified(endpoint, headers, body)["data"]
    assert (data["eventId"], data["origin"]) == ("from-dav", "caldav")


def test_the_background_worker_delivers_on_its_own(make_client, receiver):
    hooked = make_client(webhook_allow_http=True, webhook_allow_private=True, webhook_interval=0.2)
    made = hooked.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["event.created"]})
    assert made.status_code == 201
    hooked.get(EVENTS)
    runtime = hooked.app.state.runtime
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the worker has seen the endpoint
        with runtime.db.session() as session:
            if session.get(WebhookCursorRow, (made.json()["id"], "default")) is not None:
                break
        time.sleep(0.05)
    hooked.post(
        EVENTS,
        json={"title": "Alone", "start": "2027-03-05T10:00:00Z", "end": "2027-03-05T11:00:00Z"},
    )
    while not receiver.got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [json.loads(b)["data"]["origin"] for _, b in receiver.got] == ["api"]


def test_a_revoked_makers_messages_stop(make_client, receiver):
    """Queued and tried before the revocation, never sent after it. (The background worker is
    kept out of the way: a round an hour; the retry waits about a second.)"""
    client = make_client(
        webhook_allow_http=True,
        webhook_allow_private=True,
        webhook_retry_scale=0.2,
        webhook_interval=3600,
    )
    maker = client.post("/api/v1/tokens", json={"role": "write"}).json()
    made = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["event.created"]},
        headers={"Authorization": f"Bearer {maker['token']}"},
    )
    assert made.status_code == 201, made.text
    client.get(EVENTS)
    runtime = client.app.state.runtime
    webhook_dispatch.dispatch(runtime)
    receiver.answers = [500]
    client.post(
        EVENTS,
        json={"title": "Late", "start": "2027-03-06T10:00:00Z", "end": "2027-03-06T11:00:00Z"},
    )
    webhook_dispatch.dispatch(runtime)
    assert webhook_delivery.deliver_due(runtime).retrying == 1
    assert client.delete(f"/api/v1/tokens/{maker['id']}").status_code == 204
    time.sleep(1.5)  # the retry is due
    assert webhook_delivery.deliver_due(runtime).failed == 1
    with runtime.db.session() as session:
        row = session.scalar(select(WebhookDeliveryRow))
        assert row is not None and "revoked" in (row.last_error or "")
    assert len(receiver.got) == 1


def test_a_change_right_after_the_endpoint_is_made_is_delivered(hooked, receiver):
    """The endpoint's positions are set when it is made, not when a worker first sees it: a
    change between the 201 and the next worker round (an API-only process, a worker started
    later) is still sent; on a calendar calgate never read before too (a new install's
    `default`: it is read when the endpoint is made)."""
    made = hooked.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["event.created"]})
    assert made.status_code == 201, made.text
    created = hooked.post(
        EVENTS,
        json={"title": "Early", "start": "2027-03-02T10:00:00Z", "end": "2027-03-02T11:00:00Z"},
    )
    assert created.status_code == 201
    assert run(hooked).delivered == 1
    ((headers, body),) = receiver.got
    assert verified(made.json(), headers, body)["data"]["eventId"] == created.json()["id"]


def test_a_calendar_added_by_patch_starts_at_the_patch(hooked, receiver):
    other = hooked.post("/api/v1/calendars", json={"id": "other", "name": "Other"})
    assert other.status_code == 201, other.text
    hooked.get(
        "/api/v1/calendars/other/events",
        params={"start": "2027-01-01T00:00:00Z", "end": "2027-12-31T00:00:00Z"},
    )
    endpoint = subscribe(hooked, receiver, calendars=["default"], events=["event.created"])
    changed = hooked.patch(
        f"/api/v1/webhooks/{endpoint['id']}", json={"calendars": ["default", "other"]}
    )
    assert changed.status_code == 200, changed.text
    created = hooked.post(
        "/api/v1/calendars/other/events",
        json={"title": "There", "start": "2027-03-02T10:00:00Z", "end": "2027-03-02T11:00:00Z"},
    )
    assert created.status_code == 201, created.text
    assert run(hooked).delivered == 1
    ((headers, body),) = receiver.got
    data = verified(endpoint, headers, body)["data"]
    assert (data["calendarId"], data["eventId"]) == ("other", created.json()["id"])


def test_one_endpoints_failure_does_not_hold_up_the_others(hooked, receiver, monkeypatch):
    """A pass that fails for one endpoint (a fault injected into its calendar's step) still
    queues the other endpoints' messages, and the failed one's come next round."""
    first = subscribe(hooked, receiver, events=["event.created"])
    second = subscribe(hooked, receiver, events=["event.created"])
    real = webhook_dispatch._dispatch_one

    def failing(session, endpoint, calendar_id):
        if endpoint.id == first["id"]:
            raise RuntimeError("injected")
        return real(session, endpoint, calendar_id)

    monkeypatch.setattr(webhook_dispatch, "_dispatch_one", failing)
    made = hooked.post(
        EVENTS,
        json={"title": "Both", "start": "2027-03-03T10:00:00Z", "end": "2027-03-03T11:00:00Z"},
    )
    assert made.status_code == 201
    assert run(hooked).delivered == 1
    monkeypatch.setattr(webhook_dispatch, "_dispatch_one", real)
    assert run(hooked).delivered == 1
    ids = {
        Webhook(e["secret"]).verify(b, h)["data"]["eventId"]
        for e, (h, b) in zip((second, first), receiver.got)
    }
    assert ids == {made.json()["id"]}
