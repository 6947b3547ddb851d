"""The deliveries API of a webhook endpoint (docs/webhooks.md, "Deliveries"): a test message
reaches a real receiver on loopback, signed; the list shows every attempt's answer; a replay
sends the same message (same ``webhook-id``, same body) again; who may see what; a disabled
endpoint refuses tests and replays. On SQLite and PostgreSQL. The background worker is kept
out of the way (a round an hour); the sender is called directly, on the real retry schedule,
with the clock "advanced" by making a retry due in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from standardwebhooks import Webhook

from calgate.db.models import WebhookDeliveryRow
from calgate.services import webhook_delivery
from tests.conftest import auth
from tests.webhooks.test_delivery import Receiver

HOOKS = "/api/v1/webhooks"


@pytest.fixture
def hooked(make_client, database):
    return make_client(
        webhook_allow_http=True,
        webhook_allow_private=True,
        webhook_interval=3600,
        **database,
    )


def _endpoint(client, receiver: Receiver, headers=None) -> dict:
    # subscribed to one type only: a test message goes out whatever the endpoint wants
    made = client.post(
        HOOKS, json={"url": receiver.url, "events": ["event.deleted"]}, headers=headers
    )
    assert made.status_code == 201, made.text
    return made.json()


def _deliver(client) -> webhook_delivery.DeliveryReport:
    return webhook_delivery.deliver_due(client.app.state.runtime)


def _make_due(client, delivery_id: int) -> None:
    """As if the retry's wait had passed."""
    with client.app.state.runtime.db.session() as session:
        session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery_id)
            .values(next_attempt_at=datetime.now(UTC))
        )


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    return resp.json()


def test_a_test_message_is_delivered_signed_and_can_be_polled(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    queued = hooked.post(f"{HOOKS}/{endpoint['id']}/test")
    assert queued.status_code == 202, queued.text
    delivery = queued.json()
    assert (delivery["type"], delivery["status"], delivery["attempts"]) == (
        "webhook.test",
        "pending",
        0,
    )
    where = f"{HOOKS}/{endpoint['id']}/deliveries/{delivery['id']}"
    assert queued.headers["location"] == where
    assert _deliver(hooked).delivered == 1
    ((headers, body),) = receiver.got
    message = Webhook(endpoint["secret"]).verify(body, headers)  # raises unless genuine
    assert message["type"] == "webhook.test"
    assert message["data"] == {"endpointId": endpoint["id"]}
    assert headers["webhook-id"] == delivery["messageId"]
    polled = hooked.get(where)
    assert polled.status_code == 200, polled.text
    done = polled.json()
    assert (done["status"], done["attempts"], done["lastStatus"]) == ("delivered", 1, 200)
    assert done["deliveredAt"] and done["lastAttemptAt"] and done["nextAttemptAt"] is None
    assert done["payload"] == json.loads(body)


def test_the_list_shows_each_attempts_answer(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    receiver.answers = [500, 500]
    delivery = hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()
    seen = []
    for _ in range(3):
        _deliver(hooked)  # one attempt: the retry after it is seconds away
        (item,) = hooked.get(f"{HOOKS}/{endpoint['id']}/deliveries").json()["items"]
        seen.append(item)
        _make_due(hooked, delivery["id"])
    assert [(i["attempts"], i["lastStatus"], i["status"]) for i in seen] == [
        (1, 500, "pending"),
        (2, 500, "pending"),
        (3, 200, "delivered"),
    ]
    assert seen[0]["lastError"] == "HTTP 500" and seen[2]["lastError"] is None
    assert seen[0]["deliveredAt"] is None and seen[2]["deliveredAt"]
    waits = [_at(i["nextAttemptAt"]) - _at(i["lastAttemptAt"]) for i in seen[:2]]
    assert 4.4 < waits[0].total_seconds() < 5.6  # the schedule: 5 s, then 5 min (±10%)
    assert 270 < waits[1].total_seconds() < 330
    assert {i["id"] for i in seen} == {delivery["id"]}
    assert {h["webhook-id"] for h, _ in receiver.got} == {delivery["messageId"]}


def test_the_list_is_newest_first_paged_and_filtered(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    url = f"{HOOKS}/{endpoint['id']}/deliveries"
    ids = [hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()["id"] for _ in range(3)]
    _deliver(hooked)
    ids.append(hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()["id"])  # still pending
    first = hooked.get(url, params={"limit": 3}).json()
    assert [i["id"] for i in first["items"]] == ids[::-1][:3]
    assert first["nextBefore"] == ids[1]
    rest = hooked.get(url, params={"limit": 3, "before": first["nextBefore"]}).json()
    assert ([i["id"] for i in rest["items"]], rest["nextBefore"]) == ([ids[0]], None)
    statuses = {
        status: [i["id"] for i in hooked.get(url, params={"status": status}).json()["items"]]
        for status in ("pending", "delivered", "failed")
    }
    assert statuses == {"pending": [ids[3]], "delivered": ids[2::-1], "failed": []}
    for bad in ({"limit": 501}, {"limit": 0}, {"status": "sent"}, {"before": 0}, {"page": 2}):
        _problem(hooked.get(url, params=bad), 422)


def test_a_replay_sends_the_same_message_again(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    delivery = hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()
    _deliver(hooked)
    replayed = hooked.post(f"{HOOKS}/{endpoint['id']}/deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 202, replayed.text
    again = replayed.json()
    assert (again["id"], again["status"], again["attempts"]) == (delivery["id"], "pending", 0)
    assert replayed.headers["location"].endswith(f"/deliveries/{delivery['id']}")
    assert _deliver(hooked).delivered == 1
    (first_headers, first_body), (headers, body) = receiver.got
    assert headers["webhook-id"] == first_headers["webhook-id"] == delivery["messageId"]
    assert body == first_body
    Webhook(endpoint["secret"]).verify(body, headers)


def test_a_given_up_delivery_can_be_replayed(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    delivery = hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()
    with hooked.app.state.runtime.db.session() as session:  # as the end of the schedule leaves it
        session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery["id"])
            .values(attempts=10, failed_at=WebhookDeliveryRow.created_at, last_status=500)
        )
    where = f"{HOOKS}/{endpoint['id']}/deliveries/{delivery['id']}"
    assert hooked.get(where).json()["status"] == "failed"
    assert _deliver(hooked).delivered == 0
    assert hooked.post(f"{where}/replay").status_code == 202
    assert _deliver(hooked).delivered == 1
    assert (hooked.get(where).json()["status"], len(receiver.got)) == ("delivered", 1)


def test_another_tokens_endpoint_and_delivery_answer_as_unknown_ones(hooked, receiver):
    writer = hooked.post("/api/v1/tokens", json={"role": "write"}).json()
    theirs = _endpoint(hooked, receiver)  # the admin's
    mine = _endpoint(hooked, receiver, headers=auth(writer["token"]))
    their_delivery = hooked.post(f"{HOOKS}/{theirs['id']}/test").json()["id"]
    mine_delivery = hooked.post(f"{HOOKS}/{mine['id']}/test", headers=auth(writer["token"])).json()[
        "id"
    ]
    as_writer = auth(writer["token"])
    for endpoint_id in (theirs["id"], "wh_0000000000000000"):
        for method, path in (
            ("post", "test"),
            ("get", "deliveries"),
            ("get", f"deliveries/{their_delivery}"),
            ("post", f"deliveries/{their_delivery}/replay"),
        ):
            resp = getattr(hooked, method)(f"{HOOKS}/{endpoint_id}/{path}", headers=as_writer)
            assert _problem(resp, 404)["detail"] == f"no webhook endpoint with id {endpoint_id!r}"
    # another endpoint's delivery under one's own endpoint: as an unknown delivery
    for delivery_id in (str(their_delivery), "99999", "x1", "99999999999", "²"):
        for method, suffix in (("get", ""), ("post", "/replay")):
            path = f"{HOOKS}/{mine['id']}/deliveries/{delivery_id}{suffix}"
            _problem(getattr(hooked, method)(path, headers=as_writer), 404)
    listed = hooked.get(f"{HOOKS}/{mine['id']}/deliveries", headers=as_writer).json()
    assert [i["id"] for i in listed["items"]] == [mine_delivery]
    # an unscoped admin sees every endpoint's deliveries
    assert hooked.get(f"{HOOKS}/{mine['id']}/deliveries/{mine_delivery}").status_code == 200
    reader = hooked.post("/api/v1/tokens", json={"role": "read"}).json()
    _problem(hooked.post(f"{HOOKS}/{mine['id']}/test", headers=auth(reader["token"])), 403)


def test_a_disabled_endpoint_refuses_tests_and_replays(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    delivery = hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()
    _deliver(hooked)
    assert hooked.patch(f"{HOOKS}/{endpoint['id']}", json={"enabled": False}).status_code == 200
    refused = _problem(hooked.post(f"{HOOKS}/{endpoint['id']}/test"), 409)
    assert "enable it first" in refused["detail"]
    replay = f"{HOOKS}/{endpoint['id']}/deliveries/{delivery['id']}/replay"
    assert "enable it first" in _problem(hooked.post(replay), 409)["detail"]
    assert len(hooked.get(f"{HOOKS}/{endpoint['id']}/deliveries").json()["items"]) == 1
    assert hooked.patch(f"{HOOKS}/{endpoint['id']}", json={"enabled": True}).status_code == 200
    assert hooked.post(replay).status_code == 202
    assert _deliver(hooked).delivered == 1 and len(receiver.got) == 2


def test_a_revoked_makers_endpoint_refuses_tests(hooked, receiver):
    writer = hooked.post("/api/v1/tokens", json={"role": "write"}).json()
    endpoint = _endpoint(hooked, receiver, headers=auth(writer["token"]))
    assert hooked.delete(f"/api/v1/tokens/{writer['id']}").status_code == 204
    refused = _problem(hooked.post(f"{HOOKS}/{endpoint['id']}/test"), 409)  # as the admin
    assert "revoked" in refused["detail"]


def test_a_replay_waits_for_an_attempt_under_way(hooked, receiver):
    endpoint = _endpoint(hooked, receiver)
    delivery = hooked.post(f"{HOOKS}/{endpoint['id']}/test").json()
    replay = f"{HOOKS}/{endpoint['id']}/deliveries/{delivery['id']}/replay"

    def lease(until: datetime) -> None:  # as a worker holding the delivery leaves it
        with hooked.app.state.runtime.db.session() as session:
            session.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id == delivery["id"])
                .values(claimed_by="another-worker", claimed_until=until)
            )

    lease(datetime.now(UTC) + timedelta(minutes=1))
    assert "being attempted" in _problem(hooked.post(replay), 409)["detail"]
    lease(datetime.now(UTC) - timedelta(seconds=1))  # that worker died: its lease ran out
    assert hooked.post(replay).status_code == 202
