"""The request path's token cache (issue 15): a ``GET`` whose token this process found active
before passes the intake without a database read, and is confirmed within the request. A token
revoked behind the process's back (in the database, as another process would) is refused on the
very next request, whatever that request would have answered otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import auth

EVENT = {"title": "Standup", "start": "2027-03-01T09:00:00Z", "end": "2027-03-01T09:15:00Z"}


def _revoke_elsewhere(client, token_id: str) -> None:
    """Revoke through a connection of its own, as another calgate process would."""
    engine = create_engine(client.app.state.runtime.settings.effective_database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE tokens SET revoked = :at WHERE id = :id"),
            {"at": datetime.now(UTC), "id": token_id},
        )
    engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/calendars/default/events/{event}",  # confirmed in the route's first read
        "/api/v1/calendars/default/events",
        "/api/v1/calendars",  # a route that reads no calendar: the intake confirms
        "/api/v1/calendars/default/events/{event}?order_by=start",  # a 422 otherwise
        "/api/v1/calendars/nope/events",  # a 404 otherwise
        "/api/v1/no-such-route",  # a 404 otherwise
    ],
)
def test_a_cached_token_revoked_elsewhere_is_refused_on_the_next_get(db_client, path):
    event = db_client.post("/api/v1/calendars/default/events", json=EVENT).json()["id"]
    made = db_client.post("/api/v1/tokens", json={"role": "read"}).json()
    headers = auth(made["token"])
    url = path.format(event=event)
    # the token is known to this process: the same GET passes the intake from the cache
    for _ in range(2):
        assert db_client.get("/api/v1/calendars", headers=headers).status_code == 200
        assert db_client.get(
            f"/api/v1/calendars/default/events/{event}", headers=headers
        ).is_success

    _revoke_elsewhere(db_client, made["id"])
    for _ in range(2):  # the first refusal drops it from the cache; the next one is checked anew
        resp = db_client.get(url, headers=headers)
        assert resp.status_code == 401, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.headers["www-authenticate"].startswith("Bearer")
        assert resp.json()["detail"] == "the token is unknown or revoked"


def test_a_write_with_a_cached_token_is_checked_before_its_body(db_client):
    made = db_client.post("/api/v1/tokens", json={"role": "write"}).json()
    headers = auth(made["token"])
    assert db_client.get("/api/v1/calendars", headers=headers).status_code == 200
    _revoke_elsewhere(db_client, made["id"])
    resp = db_client.post("/api/v1/calendars/default/events", json=EVENT, headers=headers)
    assert resp.status_code == 401
    listed = db_client.get("/api/v1/calendars/default/events?start=2027-03-01&end=2027-03-02")
    assert listed.json()["items"] == []
