"""Changes collapsed by the change feed (it keeps an event's latest state): an event created and
changed again before the worker's next round is announced once, as ``event.created`` with the
latest state (the receiver was never told of it)."""

from __future__ import annotations

import json

import pytest

from tests.webhooks.test_delivery import EVENTS, run, subscribe, verified


@pytest.fixture
def hooked(make_client):
    return make_client(webhook_allow_http=True, webhook_allow_private=True, webhook_interval=3600)


def test_a_created_then_changed_event_is_announced_as_created(hooked, receiver):
    endpoint = subscribe(hooked, receiver)
    made = hooked.post(
        EVENTS,
        json={"title": "First", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z"},
    )
    assert made.status_code == 201, made.text
    event_id = made.json()["id"]
    patched = hooked.patch(f"{EVENTS}/{event_id}", json={"title": "Second"})
    assert patched.status_code == 200, patched.text
    assert run(hooked).delivered == 1
    ((headers, body),) = receiver.got
    message = verified(endpoint, headers, body)
    assert (message["type"], message["data"]["eventId"]) == ("event.created", event_id)
    assert message["data"]["etag"] == patched.headers["etag"]  # the latest state
    # a later change is an update
    hooked.patch(f"{EVENTS}/{event_id}", json={"title": "Third"})
    assert run(hooked).delivered == 1
    assert json.loads(receiver.got[1][1])["type"] == "event.updated"
