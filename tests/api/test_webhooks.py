"""Webhook endpoints (docs/webhooks.md, "Endpoints"): create with the secret shown once and
stored sealed, list, read, change, delete, rotate the secret; who may, which calendars, and
the validation errors; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from calgate.db.models import WebhookEndpointRow
from calgate.domain.webhooks.signing import new_secret
from tests.conftest import auth

HOOK = {"url": "https://receiver.example.org/hooks", "events": ["event.created"]}


def _token(client, role="write", calendars=None):
    resp = client.post("/api/v1/tokens", json={"role": role, "calendars": calendars})
    assert resp.status_code == 201, resp.text
    return resp.json()


def _create(client, headers=None, **body):
    resp = client.post("/api/v1/webhooks", json={**HOOK, **body}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _stored(client, endpoint_id):
    """The endpoint's row, read straight from the database."""
    engine = create_engine(client.app.state.runtime.settings.effective_database_url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT * FROM webhook_endpoints WHERE id = :i"), {"i": endpoint_id}
        ).mappings()
        found = dict(row.one())
    engine.dispose()
    return found


def _problem(resp, status):
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    return resp.json()


def test_new_secret_is_whsec_and_32_random_bytes():
    one, two = new_secret(), new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(base64.b64decode(one.removeprefix("whsec_"), validate=True)) == 32


def test_create_shows_the_secret_once_and_stores_it_sealed(db_client, caplog):
    caplog.set_level(logging.DEBUG)
    made = _create(db_client, description="CRM sync", include="event")
    assert made["id"].startswith("wh_") and made["secret"].startswith("whsec_")
    assert made["events"] == ["event.created"] and made["calendars"] is None
    assert made["active"] is True and made["enabled"] is True
    assert (made["description"], made["include"]) == ("CRM sync", "event")
    listed = db_client.get("/api/v1/webhooks")
    one = db_client.get(f"/api/v1/webhooks/{made['id']}")
    assert one.status_code == 200 and "secret" not in one.json()
    assert [i["id"] for i in listed.json()["items"]] == [made["id"]]
    for text_seen in (listed.text, one.text, caplog.text):
        assert made["secret"] not in text_seen
    row = _stored(db_client, made["id"])
    sealed = bytes(row["secret_encrypted"])
    assert made["secret"].encode() not in sealed
    assert db_client.app.state.runtime.box.open(sealed) == made["secret"]
    assert row["created_by_token_id"] and row["previous_secret_encrypted"] is None
    with db_client.app.state.runtime.db.session() as session:
        assert made["secret"] not in repr(session.get(WebhookEndpointRow, made["id"]))


def test_patch_changes_only_the_fields_sent(db_client):
    made = _create(db_client, description="d")
    resp = db_client.patch(
        f"/api/v1/webhooks/{made['id']}",
        json={"events": ["event.deleted", "booking.rejected"], "calendars": ["default"]},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["events"] == ["booking.rejected", "event.deleted"]
    assert body["calendars"] == ["default"] and body["url"] == HOOK["url"]
    assert body["description"] == "d" and "secret" not in body
    off = db_client.patch(f"/api/v1/webhooks/{made['id']}", json={"enabled": False}).json()
    assert (off["enabled"], off["active"], off["inactiveReason"]) == (False, False, "disabled")
    back = db_client.patch(
        f"/api/v1/webhooks/{made['id']}",
        json={"enabled": True, "url": "https://other.example.org/x", "include": None},
    ).json()
    assert back["active"] is True and back["url"] == "https://other.example.org/x"
    nulled = db_client.patch(f"/api/v1/webhooks/{made['id']}", json={"events": None})
    assert _problem(nulled, 422)["errors"][0]["pointer"] == "#/events"


def test_delete_is_204_then_404(db_client):
    made = _create(db_client)
    assert db_client.delete(f"/api/v1/webhooks/{made['id']}").status_code == 204
    _problem(db_client.get(f"/api/v1/webhooks/{made['id']}"), 404)
    _problem(db_client.delete(f"/api/v1/webhooks/{made['id']}"), 404)
    assert db_client.get("/api/v1/webhooks").json()["items"] == []


def test_rotate_secret_shows_the_new_one_once_and_keeps_the_old_for_a_day(db_client):
    made = _create(db_client)
    before = datetime.now(UTC)
    resp = db_client.post(f"/api/v1/webhooks/{made['id']}/rotate-secret")
    assert resp.status_code == 200, resp.text
    rotated = resp.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    until = datetime.fromisoformat(rotated["previousSecretUntil"])
    assert before + timedelta(hours=24) <= until <= datetime.now(UTC) + timedelta(hours=24)
    box = db_client.app.state.runtime.box
    row = _stored(db_client, made["id"])
    assert box.open(bytes(row["secret_encrypted"])) == rotated["secret"]
    assert box.open(bytes(row["previous_secret_encrypted"])) == made["secret"]
    shown = db_client.get(f"/api/v1/webhooks/{made['id']}").text
    assert rotated["secret"] not in shown and made["secret"] not in shown


def test_validation_errors_name_the_pointer(db_client):
    cases = [
        ({"url": "ftp://example.org/x"}, "#/url"),
        ({"url": "https://"}, "#/url"),
        ({"url": "/relative"}, "#/url"),
        ({"url": "https://[::1/x"}, "#/url"),
        ({"url": "https://exa mple.org/x"}, "#/url"),
        ({"url": "https://example.org/\nx"}, "#/url"),
        ({"url": "https://example.org/" + "a" * 2000}, "#/url"),
        ({"events": ["event.created", "event.exploded"]}, "#/events/1"),
        ({"events": []}, "#/events"),
        ({"include": "everything"}, "#/include"),
        ({"secret": "whsec_mine"}, "#/secret"),
        ({"calendars": ["no-such"]}, "#/calendars/0"),
    ]
    for change, pointer in cases:
        body = _problem(db_client.post("/api/v1/webhooks", json={**HOOK, **change}), 422)
        assert pointer in [e["pointer"] for e in body["errors"]], (change, body)
    missing = _problem(db_client.post("/api/v1/webhooks", json={"url": HOOK["url"]}), 422)
    assert [e["pointer"] for e in missing["errors"]] == ["#/events"]
    assert db_client.get("/api/v1/webhooks").json()["items"] == []


def test_read_tokens_are_refused(db_client):
    reader = _token(db_client, role="read")
    h = auth(reader["token"])
    assert (
        "role write"
        in _problem(db_client.post("/api/v1/webhooks", json=HOOK, headers=h), 403)["detail"]
    )
    _problem(db_client.get("/api/v1/webhooks", headers=h), 403)


def test_scoped_token_gets_its_scope_and_cannot_name_other_calendars(db_client):
    db_client.post("/api/v1/calendars", json={"id": "team", "name": "Team"})
    scoped = _token(db_client, calendars=["team"])
    h = auth(scoped["token"])
    made = _create(db_client, headers=h)
    assert made["calendars"] == ["team"]  # stored explicitly, not "every calendar"
    assert _stored(db_client, made["id"])["created_by_token_id"] == scoped["id"]
    for asked in (["default"], ["team", "no-such"]):
        body = _problem(
            db_client.post("/api/v1/webhooks", json={**HOOK, "calendars": asked}, headers=h), 422
        )
        assert [e["pointer"] for e in body["errors"]] == [f"#/calendars/{len(asked) - 1}"]
        # a calendar outside the scope gets the answer of an unknown one
        assert body["errors"][0]["detail"] == f"no calendar with id {asked[-1]!r}"
    widened = db_client.patch(
        f"/api/v1/webhooks/{made['id']}", json={"calendars": ["default"]}, headers=h
    )
    _problem(widened, 422)
    cleared = db_client.patch(f"/api/v1/webhooks/{made['id']}", json={"calendars": None}, headers=h)
    assert cleared.json()["calendars"] == ["team"]


def test_tokens_manage_only_their_own_endpoints(db_client):
    one, two = _token(db_client), _token(db_client, role="admin", calendars=["default"])
    mine = _create(db_client, headers=auth(one["token"]))
    admins = _create(db_client)
    theirs = auth(two["token"])
    assert db_client.get("/api/v1/webhooks", headers=theirs).json()["items"] == []
    listed = db_client.get("/api/v1/webhooks", headers=auth(one["token"])).json()["items"]
    assert [i["id"] for i in listed] == [mine["id"]]
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/rotate-secret")):
        body = {"enabled": False} if method == "PATCH" else None
        resp = db_client.request(
            method, f"/api/v1/webhooks/{mine['id']}{suffix}", json=body, headers=theirs
        )
        assert _problem(resp, 404)["detail"] == f"no webhook endpoint with id {mine['id']!r}"
    # the unscoped admin sees and manages every endpoint
    everything = {i["id"] for i in db_client.get("/api/v1/webhooks").json()["items"]}
    assert everything == {mine["id"], admins["id"]}
    assert db_client.patch(f"/api/v1/webhooks/{mine['id']}", json={"enabled": False}).is_success


def test_a_revoked_tokens_endpoints_are_inactive(db_client):
    maker = _token(db_client)
    made = _create(db_client, headers=auth(maker["token"]))
    assert db_client.delete(f"/api/v1/tokens/{maker['id']}").status_code == 204
    shown = db_client.get(f"/api/v1/webhooks/{made['id']}").json()
    assert (shown["active"], shown["inactiveReason"], shown["enabled"]) == (
        False,
        "token_revoked",
        True,
    )


def test_an_admin_changing_a_scoped_tokens_endpoint_stays_inside_its_scope(db_client):
    db_client.post("/api/v1/calendars", json={"id": "team", "name": "Team"})
    scoped = _token(db_client, calendars=["team"])
    made = _create(db_client, headers=auth(scoped["token"]))
    path = f"/api/v1/webhooks/{made['id']}"
    outside = db_client.patch(path, json={"calendars": ["team", "default"]})
    assert _problem(outside, 422)["errors"][0]["pointer"] == "#/calendars/1"
    everything = db_client.patch(path, json={"calendars": None})
    assert everything.json()["calendars"] == ["team"]


# -- which URLs are allowed (docs/webhooks.md): checked on create and on every change ----------


REFUSED = [
    "http://receiver.example.org/hooks",  # http
    "https://127.0.0.1/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1:8080/x",
    "https://100.64.0.1/x",  # CGNAT
    "https://2130706433/x",  # 127.0.0.1 spelt as one number
    "https://localhost/x",
    "https://user:pw@receiver.example.org/x",
]


def test_urls_calgate_will_not_send_to_are_a_422_on_create_and_on_change(client):
    made = _create(client)
    for url in REFUSED:
        created = client.post("/api/v1/webhooks", json={**HOOK, "url": url})
        assert _problem(created, 422)["errors"][0]["pointer"] == "#/url", url
        changed = client.patch(f"/api/v1/webhooks/{made['id']}", json={"url": url})
        assert _problem(changed, 422)["errors"][0]["pointer"] == "#/url", url
    assert client.get(f"/api/v1/webhooks/{made['id']}").json()["url"] == HOOK["url"]


def test_the_test_settings_allow_http_and_private_addresses_but_never_metadata(make_client):
    client = make_client(webhook_allow_http=True, webhook_allow_private=True)
    for url in ("http://127.0.0.1:9/hooks", "https://10.0.0.1:8080/x", "http://localhost:8080/x"):
        assert client.post("/api/v1/webhooks", json={**HOOK, "url": url}).status_code == 201, url
    metadata = client.post(
        "/api/v1/webhooks", json={**HOOK, "url": "http://169.254.169.254/latest/meta-data/"}
    )
    assert _problem(metadata, 422)["errors"][0]["pointer"] == "#/url"
