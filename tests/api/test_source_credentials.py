"""Replacing a source's credentials (``PATCH /api/v1/sources/{id}``) when a password or a
personal access token expires: the new one is tried first, a refused one is a 422 and the old
one stays, the calendars and their settings are kept, and the next request uses the new one.
Errors about refused credentials point at the field that carried them (a token: ``#/token``).

Real servers: a Radicale of the test's own (its password changes), and the shared Radicale
behind a bearer-token gateway (tests/gateway.py) for a Confluence-like token source."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.gateway import bearer_gateway
from tests.servers import run_radicale

DAY = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-02T00:00:00Z"}


def _event(client, cal: str) -> str:
    """A new event (the shared servers' calendars hold other tests' events too): its title."""
    title = f"Stand-up {uuid.uuid4().hex[:8]}"
    body = {"title": title, "start": "2026-05-01T09:00:00Z", "end": "2026-05-01T09:15:00Z"}
    resp = client.post(f"/api/v1/calendars/{cal}/events", json=body)
    assert resp.status_code == 201, resp.text
    return title


def _source(client, **body) -> tuple[str, str]:
    resp = client.post("/api/v1/sources", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"], resp.json()["calendars"][0]["id"]


def _password_source(client, server, url: str | None = None) -> tuple[str, str]:
    """``server`` (at ``url``, default its calendar) as a source: its id and first calendar's."""
    return _source(
        client,
        url=url or server.calendar_url,
        username=server.username,
        password=server.password,
    )


def _titles(client, cal: str) -> list[str]:
    resp = client.get(f"/api/v1/calendars/{cal}/events", params=DAY)
    assert resp.status_code == 200, resp.text
    return [e["title"] for e in resp.json()["items"]]


def _credentials_refused(resp, pointer: str, secret: str) -> None:
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["reason"] == "credentials"
    assert [e["pointer"] for e in body["errors"]] == [pointer]
    assert secret not in resp.text


def _stored_secret(client, source_id: str) -> str:
    url = client.app.state.runtime.settings.effective_database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT secret_encrypted FROM sources WHERE id = :i"), {"i": source_id}
        ).scalar()
    engine.dispose()
    return client.app.state.runtime.box.open(sealed)


def test_changed_password_is_replaced_and_calendars_keep_their_settings(client, tmp_path):
    with run_radicale(tmp_path / "radicale") as server:
        src, cal = _password_source(client, server)
        settings = {"timeZone": "Europe/Berlin", "overlap": "reject", "autoClear": True}
        assert client.patch(f"/api/v1/calendars/{cal}", json=settings).status_code == 200
        title = _event(client, cal)
        # The password expires on the server: calgate's stored one stops working.
        (tmp_path / "radicale" / "htpasswd").write_text(f"{server.username}:n3w-pass\n")
        assert client.get(f"/api/v1/calendars/{cal}/events", params=DAY).status_code == 502

        resp = client.patch(f"/api/v1/sources/{src}", json={"password": "n3w-pass"})

        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["authType"] == "basic" and body["username"] == server.username
        assert "n3w-pass" not in resp.text and "password" not in body
        assert [c["id"] for c in body["calendars"]] == [cal]
        got = client.get(f"/api/v1/calendars/{cal}").json()
        assert {k: got[k] for k in settings} == settings
        # The next request uses the new password: no restart, no pooled connection left over.
        assert title in _titles(client, cal)
        assert _stored_secret(client, src) == "n3w-pass"


def test_credentials_replaced_by_another_process_are_used_at_once(client, tmp_path):
    """Another calgate process on the same metadata database replaced the password: this
    one's pooled connection follows the stored row at the next request."""
    with run_radicale(tmp_path / "radicale") as server:
        src, cal = _password_source(client, server)
        title = _event(client, cal)
        (tmp_path / "radicale" / "htpasswd").write_text(f"{server.username}:n3w-pass\n")
        runtime = client.app.state.runtime
        engine = create_engine(runtime.settings.effective_database_url)
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE sources SET secret_encrypted = :s WHERE id = :i"),
                {"s": runtime.box.seal("n3w-pass"), "i": src},
            )
        engine.dispose()
        assert title in _titles(client, cal)


def test_refused_new_password_is_422_and_the_old_one_keeps_working(db_client, radicale_server):
    src, cal = _password_source(db_client, radicale_server)
    title = _event(db_client, cal)

    resp = db_client.patch(f"/api/v1/sources/{src}", json={"password": "not-the-password"})

    _credentials_refused(resp, "#/password", "not-the-password")
    assert _stored_secret(db_client, src) == radicale_server.password
    # Read again with what is stored, not with the connection already open.
    db_client.app.state.runtime.forget_connection(src)
    assert title in _titles(db_client, cal)


def test_bearer_token_is_replaced_when_it_expires(client, radicale_server):
    with bearer_gateway(radicale_server, "pat-one") as gateway:
        src, cal = _source(client, url=gateway.calendar_url, token="pat-one")
        title = _event(client, cal)
        gateway.accepted = {"pat-two"}  # the first token expired; a second one was issued

        refused = client.patch(f"/api/v1/sources/{src}", json={"token": "pat-wrong"})
        _credentials_refused(refused, "#/token", "pat-wrong")
        assert _stored_secret(client, src) == "pat-one"

        resp = client.patch(f"/api/v1/sources/{src}", json={"token": "pat-two"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["authType"] == "bearer" and "pat-two" not in resp.text
        assert title in _titles(client, cal)
        assert _stored_secret(client, src) == "pat-two"


def test_credentials_of_another_account_are_refused(client, tmp_path):
    """The server accepts them, but they open another account: the source's calendars would
    be lost, so they are refused and the old ones stay."""
    with run_radicale(tmp_path / "radicale") as server:
        src, cal = _password_source(client, server, server.url)
        (tmp_path / "radicale" / "htpasswd").write_text(
            f"{server.username}:{server.password}\nbob:bobs-password\n"
        )
        resp = client.patch(
            f"/api/v1/sources/{src}", json={"username": "bob", "password": "bobs-password"}
        )
        _credentials_refused(resp, "#/password", "bobs-password")
        assert "none of this source's calendars" in resp.json()["detail"]
        kept = client.get(f"/api/v1/sources/{src}").json()
        assert kept["username"] == server.username
        assert [c["id"] for c in kept["calendars"]] == [cal]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"url": "http://elsewhere.example/dav/"}, "#/url"),
        ({"name": None}, "#/name"),
        ({"token": "pat", "authType": "basic"}, "#/token"),
        ({"password": "p", "token": "t"}, "#/token"),
        ({"surprise": 1}, "#/surprise"),
    ],
)
def test_bad_patch_is_422_naming_the_field(client, radicale_server, body, pointer):
    src, _ = _password_source(client, radicale_server)
    resp = client.patch(f"/api/v1/sources/{src}", json=body)
    assert resp.status_code == 422, resp.text
    assert pointer in [e["pointer"] for e in resp.json()["errors"]]
    assert _stored_secret(client, src) == radicale_server.password


def test_name_only_patch_renames_without_connecting(client, radicale_server):
    src, cal = _password_source(client, radicale_server)
    resp = client.patch(f"/api/v1/sources/{src}", json={"name": "Team room"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["name"] == "Team room" and resp.json()["id"] == src
    assert [c["id"] for c in resp.json()["calendars"]] == [cal]


def test_embedded_store_takes_a_name_but_no_credentials(client):
    resp = client.patch("/api/v1/sources/embedded", json={"name": "Rooms"})
    assert resp.status_code == 200 and resp.json()["name"] == "Rooms"
    resp = client.patch("/api/v1/sources/embedded", json={"password": "x", "username": "y"})
    assert resp.status_code == 422
    assert {e["pointer"] for e in resp.json()["errors"]} == {"#/password", "#/username"}


def test_patch_unknown_source_is_404(client):
    resp = client.patch("/api/v1/sources/nope", json={"name": "x"})
    assert resp.status_code == 404
