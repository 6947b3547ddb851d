"""Sources: discovery from a root, a principal or one calendar's URL; clear errors; nothing
stored on failure; credentials encrypted at rest (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.gateway import bearer_gateway


def _add(client, server, url, **extra):
    body = {"url": url, "username": server.username, "password": server.password, **extra}
    return client.post("/api/v1/sources", json=body)


def _source_count(client) -> int:
    return len(client.get("/api/v1/sources").json()["items"])


def test_add_source_from_calendar_url(db_client, radicale_server):
    resp = _add(db_client, radicale_server, radicale_server.calendar_url, name="Team")
    assert resp.status_code == 201, resp.text
    src = resp.json()
    assert src["kind"] == "caldav" and src["id"] == "team" and "password" not in src
    assert len(src["calendars"]) == 1
    cal = src["calendars"][0]
    assert cal["caldavUrl"].rstrip("/") == radicale_server.calendar_url.rstrip("/")
    ids = [c["id"] for c in db_client.get("/api/v1/calendars").json()["items"]]
    assert cal["id"] in ids and db_client.get(f"/api/v1/sources/{src['id']}").status_code == 200


def test_add_source_from_server_root_discovers_calendars(db_client, xandikos_server):
    resp = _add(db_client, xandikos_server, xandikos_server.url)
    assert resp.status_code == 201, resp.text
    urls = [c["caldavUrl"].rstrip("/") for c in resp.json()["calendars"]]
    assert xandikos_server.calendar_url.rstrip("/") in urls


def test_credentials_are_encrypted_at_rest(db_client, radicale_server):
    _add(db_client, radicale_server, radicale_server.calendar_url)
    url = db_client.app.state.runtime.settings.effective_database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM sources")).all()
    engine.dispose()
    dump = repr(rows)
    assert radicale_server.password not in dump
    assert any(r.secret_encrypted for r in rows)


def test_wrong_password_is_422_saying_credentials_and_stores_nothing(db_client, radicale_server):
    before = _source_count(db_client)
    resp = db_client.post(
        "/api/v1/sources",
        json={
            "url": radicale_server.calendar_url,
            "username": radicale_server.username,
            "password": "wrong-password-123",
        },
    )
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["reason"] == "credentials" and "wrong-password-123" not in resp.text
    assert [e["pointer"] for e in body["errors"]] == ["#/password"]
    assert _source_count(db_client) == before


def test_unreachable_url_is_422_saying_unreachable(db_client):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    resp = db_client.post(
        "/api/v1/sources",
        json={"url": f"http://127.0.0.1:{port}/dav/", "username": "a", "password": "b"},
    )
    assert resp.status_code == 422
    assert resp.json()["reason"] == "unreachable"
    assert resp.json()["errors"][0]["pointer"] == "#/url"


def test_bad_source_input_is_422_per_field(db_client):
    resp = db_client.post("/api/v1/sources", json={"url": "ftp://x", "password": "p", "token": "t"})
    assert resp.status_code == 422
    pointers = {e["pointer"] for e in resp.json()["errors"]}
    assert {"#/url", "#/token"} <= pointers


def test_events_on_a_connected_source(db_client, radicale_server):
    cal = _add(db_client, radicale_server, radicale_server.calendar_url).json()["calendars"][0][
        "id"
    ]
    resp = db_client.post(
        f"/api/v1/calendars/{cal}/events",
        json={
            "title": "On Radicale",
            "start": "2026-06-01T10:00:00Z",
            "end": "2026-06-01T11:00:00Z",
        },
    )
    assert resp.status_code == 201, resp.text
    got = db_client.get(resp.headers["location"])
    assert got.json()["title"] == "On Radicale"
    assert db_client.delete(resp.headers["location"]).status_code == 204


def test_remove_source_forgets_its_calendars(db_client, radicale_server):
    src = _add(db_client, radicale_server, radicale_server.calendar_url).json()
    assert db_client.delete(f"/api/v1/sources/{src['id']}").status_code == 204
    ids = [c["id"] for c in db_client.get("/api/v1/calendars").json()["items"]]
    assert src["calendars"][0]["id"] not in ids
    assert db_client.delete("/api/v1/sources/embedded").status_code == 422


def test_credentials_that_cannot_travel_in_a_header_are_422(db_client):
    resp = db_client.post(
        "/api/v1/sources",
        json={
            "url": "http://127.0.0.1:9/dav/",
            "token": "t\u00f6ken\U0004b36b",
            "authType": "bearer",
        },
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["pointer"] == "#/token"
    resp = db_client.post(
        "/api/v1/sources",
        json={"url": "http://127.0.0.1:9/dav/", "username": "ann", "password": "p\U0004b36b"},
    )
    assert resp.status_code == 422 and resp.json()["errors"][0]["pointer"] == "#/password"


def test_refused_token_points_at_the_field_that_carried_it(db_client, radicale_server):
    """A Confluence personal access token the server refuses: the error points at ``#/token``
    (issue 13, point 10), and at ``#/password`` when the token came as the password."""
    with bearer_gateway(radicale_server, "pat-good") as gateway:
        as_token = {"url": gateway.calendar_url, "token": "pat-bad"}
        as_password = {"url": gateway.calendar_url, "password": "pat-bad", "authType": "bearer"}
        answers = [db_client.post("/api/v1/sources", json=b) for b in (as_token, as_password)]
        assert (
            db_client.post("/api/v1/sources", json={**as_token, "token": "pat-good"}).status_code
            == 201
        )
    for resp, pointer in zip(answers, ["#/token", "#/password"], strict=True):
        assert resp.status_code == 422, resp.text
        assert resp.json()["reason"] == "credentials" and "pat-bad" not in resp.text
        assert [e["pointer"] for e in resp.json()["errors"]] == [pointer]
