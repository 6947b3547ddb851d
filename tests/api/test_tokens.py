"""Tokens: made by admins, secret shown once, stored hashed, scoped, revocable (on SQLite and
PostgreSQL)."""

from __future__ import annotations

import hashlib

from sqlalchemy import create_engine, text

from tests.conftest import ADMIN_TOKEN, auth


def _make(client, **body):
    resp = client.post("/api/v1/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_no_token_is_401_problem(db_client):
    resp = db_client.get("/api/v1/calendars", headers={"Authorization": ""})
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["www-authenticate"].startswith("Bearer")
    body = resp.json()
    assert body["status"] == 401 and "token" in body["detail"]


def test_unknown_token_is_401(db_client):
    resp = db_client.get("/api/v1/calendars", headers=auth("cg_nope"))
    assert resp.status_code == 401


def test_token_secret_shown_once_and_stored_hashed(db_client, make_settings):
    made = _make(db_client, role="write", calendars=["default"], name="ci")
    assert made["token"].startswith("cg_") and made["role"] == "write"
    listed = db_client.get("/api/v1/tokens").json()["items"]
    mine = next(t for t in listed if t["id"] == made["id"])
    assert "token" not in mine and mine["prefix"] == made["token"][:8]
    assert made["token"] not in db_client.get("/api/v1/tokens").text
    # The database holds only a SHA-256 of the secret.
    url = db_client.app.state.runtime.settings.effective_database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT secret_hash FROM tokens WHERE id = :i"), {"i": made["id"]}
        ).scalar()
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM tokens")) for v in row)
    engine.dispose()
    assert stored == hashlib.sha256(made["token"].encode()).hexdigest()
    assert made["token"] not in dump


def test_scoped_token_sees_only_its_calendars_and_404_elsewhere(db_client):
    db_client.post("/api/v1/calendars", json={"id": "rooms", "name": "Rooms"})
    made = _make(db_client, role="read", calendars=["rooms"])
    h = auth(made["token"])
    ids = [c["id"] for c in db_client.get("/api/v1/calendars", headers=h).json()["items"]]
    assert ids == ["rooms"]
    resp = db_client.get("/api/v1/calendars/default", headers=h)
    assert resp.status_code == 404  # does not reveal that it exists
    assert db_client.get("/api/v1/calendars/default/events", headers=h).status_code == 404


def test_read_token_writing_is_403(db_client):
    made = _make(db_client, role="read")
    resp = db_client.post(
        "/api/v1/calendars/default/events",
        json={"title": "x", "start": "2026-05-01T10:00:00Z", "end": "2026-05-01T11:00:00Z"},
        headers=auth(made["token"]),
    )
    assert resp.status_code == 403
    assert "write" in resp.json()["detail"]


def test_non_admin_cannot_manage_tokens(db_client):
    made = _make(db_client, role="write")
    assert db_client.get("/api/v1/tokens", headers=auth(made["token"])).status_code == 403
    assert db_client.post("/api/v1/tokens", json={}, headers=auth(made["token"])).status_code == 403


def test_revoked_token_is_refused_at_once(db_client):
    made = _make(db_client, role="read")
    h = auth(made["token"])
    assert db_client.get("/api/v1/calendars", headers=h).status_code == 200
    assert db_client.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    assert db_client.get("/api/v1/calendars", headers=h).status_code == 401
    assert db_client.delete(f"/api/v1/tokens/{made['id']}").status_code == 404


def test_token_for_unknown_calendar_is_422_with_pointer(db_client):
    resp = db_client.post("/api/v1/tokens", json={"calendars": ["nope"], "role": "read"})
    assert resp.status_code == 422
    assert resp.json()["errors"] == [
        {"detail": "unknown calendar id(s): nope", "pointer": "#/calendars"}
    ]


def test_bad_role_is_422(db_client):
    resp = db_client.post("/api/v1/tokens", json={"role": "owner"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["pointer"] == "#/role"


def test_basic_auth_with_token_as_password_works_like_bearer(client):
    resp = client.get(
        "/api/v1/calendars", headers={"Authorization": ""}, auth=("anyone", ADMIN_TOKEN)
    )
    assert resp.status_code == 200
