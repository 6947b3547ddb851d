"""The background sync keeps the calendars a webhook endpoint watches fresh, read or not, so
changes made on their servers reach the endpoint (issue 17, point 5)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from calgate.index import recent
from calgate.index import store as index_store
from calgate.jobs.keep_fresh import KeepFresh

HOOK = {"url": "https://receiver.example.org/hooks", "events": ["event.created"]}


def ids(client) -> list[str]:
    return [c.id for c, _ in recent.watched(client.app.state.runtime.db)]


def test_which_calendars_are_watched(client):
    for cal in ("room", "other"):
        assert client.post("/api/v1/calendars", json={"id": cal, "name": cal}).status_code == 201
    assert ids(client) == []
    one = client.post("/api/v1/webhooks", json={**HOOK, "calendars": ["room"]}).json()
    assert ids(client) == ["room"]
    client.patch(f"/api/v1/webhooks/{one['id']}", json={"enabled": False})
    assert ids(client) == []
    client.post("/api/v1/webhooks", json=HOOK)  # an unscoped admin's: every calendar
    assert ids(client) == ["default", "other", "room"]


def last_synced(client, calendar_id: str):
    with client.app.state.runtime.db.session() as session:
        return index_store.sync_state(session, calendar_id=calendar_id).last_synced


def test_a_round_syncs_a_watched_calendar_nobody_read(client):
    assert client.post("/api/v1/calendars", json={"id": "room", "name": "Room"}).status_code == 201
    client.post("/api/v1/webhooks", json={**HOOK, "calendars": ["room"]})
    # (making the endpoint read the calendar once: time passes, and nobody reads it again)
    with client.app.state.runtime.db.session() as session:
        state = index_store.sync_state(session, calendar_id="room")
        state.last_synced = datetime.now(UTC) - timedelta(hours=2)
    before = last_synced(client, "room")
    KeepFresh(client.app.state.runtime)._round()
    deadline = time.monotonic() + 10
    while last_synced(client, "room") == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert last_synced(client, "room") != before
