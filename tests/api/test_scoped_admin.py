"""Issue 13 point 1: an admin token scoped to ``["team"]`` must not escalate. It makes only
tokens inside its own scope (never an unscoped one), lists and revokes only those, and has no
access to sources or calendar creation; answers never reveal what lies outside its scope (on
SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.conftest import auth

NOT_SCOPED = "needs an admin token that is not scoped to calendars"


def _token(client, headers=None, **body) -> dict:
    resp = client.post("/api/v1/tokens", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.fixture
def team_admin(db_client) -> dict[str, str]:
    """Headers of an admin token scoped to the calendar ``team`` (``other`` exists too)."""
    for cal in ("team", "other"):
        resp = db_client.post("/api/v1/calendars", json={"id": cal, "name": cal.title()})
        assert resp.status_code == 201, resp.text
    return auth(_token(db_client, role="admin", calendars=["team"], name="team admin")["token"])


def _active_ids(client) -> set[str]:
    return {t["id"] for t in client.get("/api/v1/tokens").json()["items"]}


def _refused(resp, pointer: str) -> dict:
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert pointer in [e["pointer"] for e in body["errors"]]
    assert body["detail"] == (
        "this token may make only tokens with role read, write or admin on calendars team"
    )
    return body


def test_scoped_admin_cannot_mint_an_unscoped_admin_token(db_client, team_admin):
    before = _active_ids(db_client)
    for body in ({"role": "admin"}, {"role": "read"}, {"role": "admin", "calendars": None}):
        resp = db_client.post("/api/v1/tokens", json=body, headers=team_admin)
        refused = _refused(resp, "#/calendars")
        assert "cannot make a token for every calendar" in refused["errors"][0]["detail"]
    assert _active_ids(db_client) == before


def test_scoped_admin_cannot_mint_for_calendars_outside_its_scope(db_client, team_admin):
    before = _active_ids(db_client)
    resp = db_client.post(
        "/api/v1/tokens", json={"calendars": ["team", "other"]}, headers=team_admin
    )
    body = _refused(resp, "#/calendars")
    assert body["errors"][0]["detail"].endswith(": other")
    assert _active_ids(db_client) == before


def test_calendar_outside_the_scope_answers_the_same_whether_it_exists(db_client, team_admin):
    existing = db_client.post("/api/v1/tokens", json={"calendars": ["other"]}, headers=team_admin)
    missing = db_client.post("/api/v1/tokens", json={"calendars": ["ghost"]}, headers=team_admin)
    _refused(existing, "#/calendars")
    assert missing.status_code == existing.status_code
    assert missing.text.replace("ghost", "other") == existing.text


def test_scoped_admin_mints_tokens_inside_its_scope(db_client, team_admin):
    made = _token(db_client, team_admin, calendars=["team"], role="write", name="team writer")
    assert made["calendars"] == ["team"] and made["role"] == "write"
    ids = [
        c["id"]
        for c in db_client.get("/api/v1/calendars", headers=auth(made["token"])).json()["items"]
    ]
    assert ids == ["team"]
    assert _token(db_client, team_admin, calendars=["team"], role="admin")["role"] == "admin"


def test_scoped_admin_lists_only_tokens_inside_its_scope(db_client, team_admin):
    inside = _token(db_client, calendars=["team"], name="inside")
    _token(db_client, calendars=["other"], name="outside")
    _token(db_client, calendars=["team", "other"], name="wider")
    _token(db_client, name="everything")
    resp = db_client.get("/api/v1/tokens", headers=team_admin)
    assert resp.status_code == 200
    listed = {t["name"]: t for t in resp.json()["items"]}
    assert set(listed) == {"team admin", "inside"}
    assert listed["inside"]["id"] == inside["id"]
    assert "inside" in {t["name"] for t in db_client.get("/api/v1/tokens").json()["items"]}


def test_revoking_outside_the_scope_is_404_like_an_unknown_token(db_client, team_admin):
    outside = _token(db_client, calendars=["other"], name="outside")
    everything = _token(db_client, name="everything")
    unknown = db_client.delete("/api/v1/tokens/tok_ffffffffffff", headers=team_admin)
    assert unknown.status_code == 404
    for victim in (outside, everything):
        resp = db_client.delete(f"/api/v1/tokens/{victim['id']}", headers=team_admin)
        assert resp.status_code == 404
        assert resp.text.replace(victim["id"], "tok_ffffffffffff") == unknown.text
        still = db_client.get("/api/v1/calendars", headers=auth(victim["token"]))
        assert still.status_code == 200


def test_scoped_admin_revokes_tokens_inside_its_scope_and_itself(db_client, team_admin):
    inside = _token(db_client, calendars=["team"], name="inside")
    assert db_client.delete(f"/api/v1/tokens/{inside['id']}", headers=team_admin).status_code == 204
    assert db_client.get("/api/v1/calendars", headers=auth(inside["token"])).status_code == 401
    own = next(
        t["id"]
        for t in db_client.get("/api/v1/tokens", headers=team_admin).json()["items"]
        if t["name"] == "team admin"
    )
    assert db_client.delete(f"/api/v1/tokens/{own}", headers=team_admin).status_code == 204
    assert db_client.get("/api/v1/tokens", headers=team_admin).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/sources", None),
        ("POST", "/api/v1/sources", {"url": "http://127.0.0.1:9/dav/", "password": "p"}),
        ("GET", "/api/v1/sources/embedded", None),
        ("PATCH", "/api/v1/sources/embedded", {"name": "Mine now"}),
        ("DELETE", "/api/v1/sources/embedded", None),
        ("GET", "/api/v1/sources/no-such", None),
    ],
)
def test_scoped_admin_has_no_access_to_sources(db_client, team_admin, method, path, body):
    resp = db_client.request(method, path, json=body, headers=team_admin)
    assert resp.status_code == 403, resp.text
    assert NOT_SCOPED in resp.json()["detail"]
    assert db_client.get("/api/v1/sources/embedded").json()["name"] != "Mine now"


def test_scoped_admin_cannot_create_calendars(db_client, team_admin):
    resp = db_client.post(
        "/api/v1/calendars", json={"id": "mine", "name": "Mine"}, headers=team_admin
    )
    assert resp.status_code == 403, resp.text
    assert NOT_SCOPED in resp.json()["detail"]
    assert db_client.get("/api/v1/calendars/mine").status_code == 404
