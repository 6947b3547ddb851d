"""An endpoint that fails every attempt for 5 days is disabled and the admins get one mail each,
through the outbox, from a real SMTP server (aiosmtpd) on loopback; a 2xx ends a run of
failures. The run's start is moved into the past in the database (5 days cannot pass in a
test); the sender is called directly, the mail goes out through calgate's own mail thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from calgate.db.models import OutboxRow, WebhookEndpointRow
from calgate.domain.timezones import instant
from calgate.domain.webhooks.schedule import GIVE_UP_AFTER
from calgate.services import webhook_delivery, webhook_health
from tests.mail.smtp_server import SmtpServer
from tests.webhooks.test_delivery import Receiver

HOOKS = "/api/v1/webhooks"
ADMINS = ["ops@example.org", "oncall@example.org"]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer("plain")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hooked(make_client, database, smtp):
    return make_client(
        webhook_allow_http=True,
        webhook_allow_private=True,
        webhook_interval=3600,  # the sender is called by the test
        public_url="https://calgate.example.org",
        smtp_server="127.0.0.1",
        smtp_port=smtp.port,
        smtp_email="calgate@example.org",
        smtp_ssl=False,
        smtp_bcc="rooms-office@example.org",  # booking notifications' copy: not for admins
        admin_emails=", ".join(ADMINS),
        outbox_interval=0.1,
        **database,
    )


def _endpoint(client, receiver: Receiver) -> dict:
    made = client.post(HOOKS, json={"url": receiver.url, "events": ["event.created"]})
    assert made.status_code == 201, made.text
    return made.json()


def _failing_since(client, endpoint_id: str) -> datetime | None:
    with client.app.state.runtime.db.session() as session:
        row = session.get(WebhookEndpointRow, endpoint_id)
        assert row is not None
        return None if row.failing_since is None else instant(row.failing_since, UTC)


def _set_failing_since(client, endpoint_id: str, when: datetime) -> None:
    with client.app.state.runtime.db.session() as session:
        row = session.get(WebhookEndpointRow, endpoint_id)
        assert row is not None
        row.failing_since = when


def _test_message(client, endpoint_id: str) -> None:
    assert client.post(f"{HOOKS}/{endpoint_id}/test").status_code == 202


def _deliver(client) -> webhook_delivery.DeliveryReport:
    return webhook_delivery.deliver_due(client.app.state.runtime)


def _mails_queued(client) -> int:
    with client.app.state.runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow)) or 0


def test_five_days_of_failures_disable_the_endpoint_and_mail_each_admin_once(
    hooked, receiver, smtp
):
    endpoint = _endpoint(hooked, receiver)
    receiver.answers = [500] * 10
    _test_message(hooked, endpoint["id"])
    assert _deliver(hooked).retrying == 1
    began = _failing_since(hooked, endpoint["id"])
    assert began is not None  # the first failure starts the run

    # four days of failures: still enabled, and the run keeps its start
    four_days_ago = datetime.now(UTC) - timedelta(days=4)
    _set_failing_since(hooked, endpoint["id"], four_days_ago)
    _test_message(hooked, endpoint["id"])
    _deliver(hooked)
    assert hooked.get(f"{HOOKS}/{endpoint['id']}").json()["enabled"] is True
    assert _failing_since(hooked, endpoint["id"]) == four_days_ago

    # past five days: the next failure disables it; what is still queued is not sent
    since = datetime.now(UTC) - GIVE_UP_AFTER - timedelta(hours=1)
    _set_failing_since(hooked, endpoint["id"], since)
    _test_message(hooked, endpoint["id"])
    _test_message(hooked, endpoint["id"])
    sent_before = len(receiver.got)
    _deliver(hooked)
    assert len(receiver.got) == sent_before + 1
    back = hooked.get(f"{HOOKS}/{endpoint['id']}").json()
    assert (back["enabled"], back["active"]) == (False, False)
    assert back["inactiveReason"] == "every delivery failed for 5 days"
    failed = hooked.get(f"{HOOKS}/{endpoint['id']}/deliveries", params={"status": "failed"})
    assert any(i["lastError"] == "the endpoint is disabled" for i in failed.json()["items"])

    # one mail to each admin, none to the booking notifications' blind copy
    deadline = time.monotonic() + 10
    while len(smtp.recorder.messages) < len(ADMINS) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a second mail would have arrived by now
    got = smtp.recorder.messages
    assert sorted(r for m in got for r in m.rcpt_tos) == sorted(ADMINS)
    body = got[0].message.get_payload(decode=True).decode()
    assert endpoint["id"] in str(got[0].message["Subject"])
    for expected in (
        endpoint["id"],
        receiver.url,
        since.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "HTTP 500",
        '{"enabled": true}',
        f"https://calgate.example.org/api/v1/webhooks/{endpoint['id']}",
    ):
        assert expected in body

    # a failure reported again for the disabled endpoint (another worker, at the same moment)
    # neither disables it again nor mails
    with hooked.app.state.runtime.db.session() as session:
        again = webhook_health.failed(
            hooked.app.state.runtime, session, endpoint["id"], datetime.now(UTC), "HTTP 500"
        )
    assert again is False and _mails_queued(hooked) == len(ADMINS)

    # enabled again by hand: the count starts again
    assert hooked.patch(f"{HOOKS}/{endpoint['id']}", json={"enabled": True}).status_code == 200
    assert _failing_since(hooked, endpoint["id"]) is None


def test_a_2xx_ends_the_run_of_failures(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    long_ago = datetime.now(UTC) - timedelta(days=4)
    _set_failing_since(hooked, endpoint["id"], long_ago)
    _test_message(hooked, endpoint["id"])
    assert _deliver(hooked).delivered == 1
    assert _failing_since(hooked, endpoint["id"]) is None
    # a failure after the success starts a new run, now, far from the 5 days
    receiver.answers = [503]
    before = datetime.now(UTC)
    _test_message(hooked, endpoint["id"])
    assert _deliver(hooked).retrying == 1
    began = _failing_since(hooked, endpoint["id"])
    assert began is not None and began >= before - timedelta(seconds=1)
    assert hooked.get(f"{HOOKS}/{endpoint['id']}").json()["enabled"] is True
    assert _mails_queued(hooked) == 0


def test_workers_failing_on_one_endpoint_at_once_disable_it_and_mail_once(hooked, receiver):
    """Several workers find the 5 days over at the same moment (threads, each in its own
    transaction): one of them disables the endpoint and queues the mails."""
    endpoint = _endpoint(hooked, receiver)
    _set_failing_since(hooked, endpoint["id"], datetime.now(UTC) - GIVE_UP_AFTER * 2)
    runtime = hooked.app.state.runtime
    start = threading.Barrier(4)
    outcomes: list[bool] = []

    def worker() -> None:
        start.wait()
        with runtime.db.session() as session:
            outcomes.append(
                webhook_health.failed(runtime, session, endpoint["id"], datetime.now(UTC), "x")
            )

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [False, False, False, True]
    assert _mails_queued(hooked) == len(ADMINS)
    assert hooked.get(f"{HOOKS}/{endpoint['id']}").json()["enabled"] is False
