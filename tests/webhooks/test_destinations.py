"""Where webhook messages may go, checked again when they are sent (issue 17, point 6): a name
that did not resolve when the endpoint was made, and leads to loopback, IPv4-mapped loopback or
the cloud metadata address later ("DNS changed"), is refused on that attempt and nothing is
connected to; a redirect, even to the metadata address, is never followed. The 422s for such
literal URLs on create and change are in tests/api/test_webhooks.py.

There is no DNS here: the resolver calgate calls (``socket.getaddrinfo``, in
``outbound.addresses``) answers for one test name as a DNS server would, and passes every other
name on. Every connection calgate opens is recorded (``socket.create_connection``, which
``outbound.post`` uses), to show what was not reached; the real receivers on loopback show what
was.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from calgate.db.models import WebhookDeliveryRow
from calgate.services import webhook_delivery, webhook_dispatch
from tests.webhooks.test_delivery import Receiver

EVENTS = "/api/v1/calendars/default/events"
NAME = "hooks.calgate-test.invalid"
METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str | None]:
    """name -> the address it resolves to now (None: it does not resolve)."""
    records: dict[str, str | None] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in records:
            return real(host, port, *args, **kwargs)
        address = records[host]
        if address is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return records


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(address, port) of every connection opened, in order."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append((str(address[0]), int(address[1])))
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


def hooked(make_client, *, allow_private: bool):
    """calgate with http allowed, a short retry schedule, and its own webhook worker idle (the
    test runs the dispatcher and the sender itself)."""
    return make_client(
        webhook_allow_http=True,
        webhook_allow_private=allow_private,
        webhook_retry_scale=0.01,  # the first retry after 50 ms, the next after 3 s
        webhook_interval=3600,
    )


def subscribe(client, url: str) -> dict:
    made = client.post("/api/v1/webhooks", json={"url": url, "events": ["event.created"]})
    assert made.status_code == 201, made.text
    client.get(EVENTS)
    webhook_dispatch.dispatch(client.app.state.runtime)  # the endpoint's cursor starts here
    return made.json()


def change_and_send(client, day: int) -> webhook_delivery.DeliveryReport:
    made = client.post(
        EVENTS,
        json={
            "title": "Hook me",
            "start": f"2027-04-{day:02d}T10:00:00Z",
            "end": f"2027-04-{day:02d}T11:00:00Z",
        },
    )
    assert made.status_code == 201, made.text
    runtime = client.app.state.runtime
    webhook_dispatch.dispatch(runtime)
    return webhook_delivery.deliver_due(runtime)


def only_delivery(client) -> WebhookDeliveryRow:
    with client.app.state.runtime.db.session() as session:
        (row,) = session.scalars(select(WebhookDeliveryRow)).all()
        session.expunge(row)
        return row


@pytest.mark.parametrize(
    ("address", "allow_private"),
    [
        ("127.0.0.1", True),  # allowed by the test setting: reaches the receiver
        ("127.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("169.254.169.254", True),  # metadata: refused even where private addresses are allowed
    ],
    ids=["loopback-allowed", "loopback", "mapped-loopback", "metadata"],
)
def test_a_name_is_checked_again_on_every_attempt(
    make_client, receiver, dns, connections, address, allow_private
):
    client = hooked(make_client, allow_private=allow_private)
    dns[NAME] = None  # not set up yet: taken when the endpoint is made
    port = receiver.server.server_port
    endpoint = subscribe(client, f"http://{NAME}:{port}/hooks")
    dns[NAME] = address  # then the DNS changes

    report = change_and_send(client, day=1)
    row = only_delivery(client)
    if address == "127.0.0.1" and allow_private:
        assert report.delivered == 1 and connections == [("127.0.0.1", port)]
        ((headers, body),) = receiver.got
        assert Webhook(endpoint["secret"]).verify(body, headers)["type"] == "event.created"
        return
    assert (report.delivered, report.retrying) == (0, 1)
    assert connections == [] and receiver.got == []
    assert row.delivered_at is None and row.failed_at is None and row.attempts == 1
    assert row.last_status is None and "SSRF" in (row.last_error or "")


def test_a_name_leading_to_loopback_is_a_422_on_create_and_on_change(make_client, receiver, dns):
    client = hooked(make_client, allow_private=False)
    dns[NAME] = "127.0.0.1"
    url = f"http://{NAME}:{receiver.server.server_port}/hooks"
    created = client.post("/api/v1/webhooks", json={"url": url, "events": ["event.created"]})
    assert created.status_code == 422 and created.json()["errors"][0]["pointer"] == "#/url"
    dns["elsewhere.calgate-test.invalid"] = None
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "http://elsewhere.calgate-test.invalid/hooks", "events": ["event.created"]},
    )
    assert made.status_code == 201, made.text
    changed = client.patch(f"/api/v1/webhooks/{made.json()['id']}", json={"url": url})
    assert changed.status_code == 422 and changed.json()["errors"][0]["pointer"] == "#/url"


class Redirector:
    """A real receiver on loopback that answers every request with 302 to ``location``."""

    def __init__(self, location: str) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                redirector.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize("target", ["metadata", "another receiver"])
def test_a_redirect_is_not_followed(make_client, receiver, connections, target):
    """The metadata address cannot be listened on here, so the connections show it is never
    contacted; a second real receiver as the target shows the same from its side."""
    location = METADATA if target == "metadata" else receiver.url
    redirector = Redirector(location)
    try:
        client = hooked(make_client, allow_private=True)  # to reach the loopback receivers
        endpoint = subscribe(client, redirector.url)
        report = change_and_send(client, day=2)
        assert (report.delivered, report.retrying) == (0, 1)
        row = only_delivery(client)
        assert (row.last_status, row.attempts, row.delivered_at, row.failed_at) == (
            302,
            1,
            None,
            None,
        )
        time.sleep(0.1)  # the retry is due (5 s scaled down)
        assert webhook_delivery.deliver_due(client.app.state.runtime).retrying == 1
        assert only_delivery(client).attempts == 2
        assert len(redirector.got) == 2 and receiver.got == []
        port = redirector.server.server_port
        assert connections == [("127.0.0.1", port), ("127.0.0.1", port)]
        ids = {headers["webhook-id"] for headers, _ in redirector.got}
        assert len(ids) == 1  # a retry, not a new message
        for headers, body in redirector.got:
            Webhook(endpoint["secret"]).verify(body, headers)
    finally:
        redirector.server.shutdown()
