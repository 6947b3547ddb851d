"""The token scope matrix of docs/api.md ("Token scopes and roles"), request by request: every
token, source, webhook and calendar route (and the routes that reach several calendars) for
each role, scoped to one calendar (``team``) or unscoped. Each cell is the exact status;
listings are checked for exactly what they show. The rule: a token makes, lists and revokes
only tokens it covers (role at most its own, calendars inside its scope; itself included);
sources and new calendars need an admin token that is not scoped; a calendar outside the scope
is a 404; webhook endpoints need write or admin, and a token manages only its own (an unscoped
admin every one).

One calgate (SQLite) serves the module: every case puts back what it changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from calgate.api.app import create_app
from calgate.db.models import CalendarRow
from tests.conftest import app_settings, auth

# The columns of the table in docs/api.md, in its order.
CALLERS = ("read-scoped", "read-all", "write-scoped", "write-all", "admin-scoped", "admin-all")
SCOPE = ["team"]
ENV_ADMIN = "admin (CALGATE_ADMIN_TOKEN)"
# Tokens made once for the module, by name: (role, calendars).
STANDING = {
    **{c: (c.split("-")[0], SCOPE if c.endswith("scoped") else None) for c in CALLERS},
    "v-team": ("read", ["team"]),
    "v-admin-team": ("admin", ["team"]),
    "v-none": ("read", []),
    "v-other": ("read", ["other"]),
    "v-both": ("write", ["team", "other"]),
    "v-all": ("read", None),
}
INSIDE_TEAM = {"read-scoped", "write-scoped", "admin-scoped", "v-team", "v-admin-team", "v-none"}
WINDOW = {"start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z"}


@dataclass
class World:
    client: TestClient
    secrets: dict[str, str]
    xandikos: Any


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_sqlite, xandikos_server) -> Iterator[World]:
    settings = app_settings(tmp_path_factory.mktemp("matrix") / "data", migrated_sqlite)
    with TestClient(create_app(settings)) as client:
        client.headers.update(auth(settings.admin_token.get_secret_value()))
        for cal in ("team", "other"):
            made = client.post("/api/v1/calendars", json={"id": cal, "name": cal.title()})
            assert made.status_code == 201, made.text
            # two overlapping prioritized bookings: every clearing pass reports them (in
            # ignored_overlapping_events, naming the calendar) and none removes them
            day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
            for hour in ("10", "11"):
                clash = {**_CLASH, "start": f"{day}T{hour}:00:00Z", "end": f"{day}T12:00:00Z"}
                booked = client.post(f"/api/v1/calendars/{cal}/events", json=clash)
                assert booked.status_code == 201, booked.text
            marked = {"autoClear": True, "overlap": "reject"}
            assert client.patch(f"/api/v1/calendars/{cal}", json=marked).status_code == 200
        secrets = {}
        for name, (role, calendars) in STANDING.items():
            body = {"name": name, "role": role, "calendars": calendars}
            resp = client.post("/api/v1/tokens", json=body)
            assert resp.status_code == 201, resp.text
            secrets[name] = resp.json()["token"]
        yield World(client, secrets, xandikos_server)


_CLASH = {"title": "Prioritized", "prioritized": True}


def _names(body: Any) -> set[str]:
    return {item["name"] for item in body["items"]}


def _ids(body: Any) -> set[str]:
    return {item["id"] for item in body["items"]}


def _calendars_named(body: Any) -> set[str]:
    """Every ``calendar`` a clearing answer names, whatever its shape."""
    if isinstance(body, dict):
        own = {body["calendar"]} if isinstance(body.get("calendar"), str) else set()
        return own.union(*(_calendars_named(v) for v in body.values()))
    if isinstance(body, list):
        return set().union(*(_calendars_named(v) for v in body))
    return set()


@dataclass(frozen=True)
class Row:
    """One route as the table shows it, the request that exercises it, and the status for
    each caller (the order of ``CALLERS``)."""

    route: str
    statuses: tuple[int, int, int, int, int, int]
    path: str = ""  # default: the route's path
    body: Any = None
    params: dict[str, str] = field(default_factory=dict)
    # What a listing shows: (what to read from the body, scoped answer, unscoped answer).
    listing: tuple[Callable[[Any], set[str]], set[str], set[str]] | None = None
    superset: bool = False  # the unscoped listing holds at least these (other rules may add)
    victim: tuple[str, list[str] | None] | None = None  # a token made for the case: {id}
    own: bool = False  # the caller revokes a token of its own kind, made for the case
    source: bool = False  # a source connected for the case: {id}
    # a webhook endpoint made for the case ({webhook_id}): by the unscoped admin ("admin") or
    # by the caller itself ("own"; a read token cannot make one, so the admin's)
    webhook: str | None = None
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.route} {self.label}".strip().replace(" ", "_")


HOOK = {"url": "https://receiver.example.org/hook", "events": ["event.created"]}
WEBHOOK_ROUTES = [
    ("GET /api/v1/webhooks/{webhook_id}", "", None, 200),
    ("PATCH /api/v1/webhooks/{webhook_id}", "", {"description": "matrix"}, 200),
    ("DELETE /api/v1/webhooks/{webhook_id}", "", None, 204),
    ("POST /api/v1/webhooks/{webhook_id}/rotate-secret", "/rotate-secret", None, 200),
]
ADMIN_ONLY = (403, 403, 403, 403)
ALL = (200,) * 6
SCOPED_404 = (404, 200, 404, 200, 404, 200)
ROWS = [
    # tokens
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 201, 201), body={"calendars": ["team"]},
        label="read-on-team"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 201, 201),
        body={"calendars": ["team"], "role": "admin"}, label="admin-on-team"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 201, 201), body={"calendars": []},
        label="no-calendars"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 403, 201), body={"role": "admin"},
        label="unscoped-admin"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 403, 201), body={}, label="unscoped-read"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 403, 201), body={"calendars": ["other"]},
        label="other"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 403, 201), body={"calendars": ["team", "other"]},
        label="team-and-other"),
    Row("POST /api/v1/tokens", (*ADMIN_ONLY, 403, 422), body={"calendars": ["no-such"]},
        label="unknown-calendar"),
    Row("GET /api/v1/tokens", (*ADMIN_ONLY, 200, 200),
        listing=(_names, INSIDE_TEAM, {*STANDING, ENV_ADMIN})),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 204, 204), victim=("read", ["team"]),
        label="read-on-team"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 204, 204), victim=("admin", ["team"]),
        label="admin-on-team"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 404, 204), victim=("read", ["other"]),
        label="read-on-other"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 404, 204),
        victim=("read", ["team", "other"]), label="read-on-team-and-other"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 404, 204), victim=("read", None),
        label="read-unscoped"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 404, 204), victim=("admin", None),
        label="admin-unscoped"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 204, 204), own=True, label="itself"),
    Row("DELETE /api/v1/tokens/{token_id}", (*ADMIN_ONLY, 404, 404),
        path="/api/v1/tokens/tok_000000000000", label="unknown"),
    # sources
    Row("GET /api/v1/sources", (*ADMIN_ONLY, 403, 200), listing=(_ids, set(), {"embedded"})),
    Row("POST /api/v1/sources", (*ADMIN_ONLY, 403, 201), body="xandikos"),
    Row("GET /api/v1/sources/{source_id}", (*ADMIN_ONLY, 403, 200),
        path="/api/v1/sources/embedded"),
    Row("GET /api/v1/sources/{source_id}", (*ADMIN_ONLY, 403, 404),
        path="/api/v1/sources/no-such", label="unknown"),
    Row("PATCH /api/v1/sources/{source_id}", (*ADMIN_ONLY, 403, 200),
        path="/api/v1/sources/embedded", body={"name": "Embedded store"}),
    Row("POST /api/v1/sources/{source_id}/sync", (*ADMIN_ONLY, 403, 200),
        path="/api/v1/sources/embedded/sync"),
    Row("DELETE /api/v1/sources/{source_id}", (*ADMIN_ONLY, 403, 204), source=True),
    # webhook endpoints: write or admin; each token manages its own, the unscoped admin all
    Row("POST /api/v1/webhooks", (403, 403, 201, 201, 201, 201), body=HOOK, label="scope"),
    Row("POST /api/v1/webhooks", (403, 403, 201, 201, 201, 201),
        body={**HOOK, "calendars": ["team"]}, label="team"),
    Row("POST /api/v1/webhooks", (403, 403, 422, 201, 422, 201),
        body={**HOOK, "calendars": ["other"]}, label="other"),
    Row("GET /api/v1/webhooks", (403, 403, 200, 200, 200, 200)),
    *(
        Row(route, (403, 403, 404, 404, 404, ok), path=f"/api/v1/webhooks/{{webhook_id}}{tail}",
            body=body, webhook="admin", label="admin's")
        for route, tail, body, ok in WEBHOOK_ROUTES
    ),
    *(
        Row(route, (403, 403, ok, ok, ok, ok), path=f"/api/v1/webhooks/{{webhook_id}}{tail}",
            body=body, webhook="own", label="own")
        for route, tail, body, ok in WEBHOOK_ROUTES
    ),
    # calendars
    Row("GET /api/v1/calendars", ALL, listing=(_ids, {"team"}, {"default", "team", "other"})),
    Row("POST /api/v1/calendars", (*ADMIN_ONLY, 403, 201), body={"name": "Made in matrix"}),
    Row("GET /api/v1/calendars/{calendar_id}", ALL, path="/api/v1/calendars/team",
        label="team"),
    Row("GET /api/v1/calendars/{calendar_id}", SCOPED_404, path="/api/v1/calendars/other",
        label="other"),
    Row("GET /api/v1/calendars/{calendar_id}", (404,) * 6, path="/api/v1/calendars/no-such",
        label="unknown"),
    Row("PATCH /api/v1/calendars/{calendar_id}", (403, 403, 200, 200, 200, 200),
        path="/api/v1/calendars/team", body={"name": "Team"}, label="team"),
    Row("PATCH /api/v1/calendars/{calendar_id}", (404, 403, 404, 200, 404, 200),
        path="/api/v1/calendars/other", body={"name": "Other"}, label="other"),
    Row("GET /api/v1/calendars/{calendar_id}/events", ALL, path="/api/v1/calendars/team/events",
        params=WINDOW, label="team"),
    Row("GET /api/v1/calendars/{calendar_id}/events", SCOPED_404,
        path="/api/v1/calendars/other/events", params=WINDOW, label="other"),
    Row("POST /api/v1/calendars/{calendar_id}/events", (403, 403, 201, 201, 201, 201),
        path="/api/v1/calendars/team/events",
        body={"title": "Matrix", "start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z"},
        label="team"),
    Row("POST /api/v1/calendars/{calendar_id}/events", (404, 403, 404, 201, 404, 201),
        path="/api/v1/calendars/other/events",
        body={"title": "Matrix", "start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z"},
        label="other"),
    Row("GET /api/v1/calendars/{calendar_id}/changes", SCOPED_404,
        path="/api/v1/calendars/other/changes", label="other"),
    # export (read) and published feeds (write)
    Row("GET /api/v1/calendars/{calendar_id}/export", ALL, path="/api/v1/calendars/team/export",
        label="team"),
    Row("GET /api/v1/calendars/{calendar_id}/export", SCOPED_404,
        path="/api/v1/calendars/other/export", label="other"),
    Row("POST /api/v1/calendars/{calendar_id}/feeds", (403, 403, 201, 201, 201, 201),
        path="/api/v1/calendars/team/feeds", body={}, label="team"),
    Row("POST /api/v1/calendars/{calendar_id}/feeds", (404, 403, 404, 201, 404, 201),
        path="/api/v1/calendars/other/feeds", body={}, label="other"),
    Row("GET /api/v1/calendars/{calendar_id}/feeds", (403, 403, 200, 200, 200, 200),
        path="/api/v1/calendars/team/feeds", label="team"),
    Row("GET /api/v1/calendars/{calendar_id}/feeds", (404, 403, 404, 200, 404, 200),
        path="/api/v1/calendars/other/feeds", label="other"),
    # several calendars at once
    Row("POST /api/v1/freebusy", ALL, body={"calendars": ["team"], **WINDOW}, label="team"),
    Row("POST /api/v1/freebusy", SCOPED_404, body={"calendars": ["team", "other"], **WINDOW},
        label="team-and-other"),
    Row("POST /api/v1/availability", SCOPED_404,
        body={"groups": [{"calendars": ["other"]}], "duration": "PT30M", **WINDOW},
        label="other"),
    Row("POST /api/v1/calendars/{calendar_id}/clear-bookings", ALL,
        path="/api/v1/calendars/team/clear-bookings", params={"dryRun": "true"},
        label="team-dry-run"),
    Row("POST /api/v1/calendars/{calendar_id}/clear-bookings", (403, 403, 200, 200, 200, 200),
        path="/api/v1/calendars/team/clear-bookings", label="team"),
    Row("POST /api/v1/calendars/{calendar_id}/clear-bookings", SCOPED_404,
        path="/api/v1/calendars/other/clear-bookings", params={"dryRun": "true"},
        label="other-dry-run"),
    Row("POST /api/v1/clear-bookings", ALL, params={"dryRun": "true"},
        listing=(_calendars_named, {"team"}, {"team", "other"}), label="dry-run"),
    Row("POST /api/v1/clear-bookings", (403, 403, 200, 200, 200, 200),
        listing=(_calendars_named, {"team"}, {"team", "other"})),
    Row("DELETE /api/clear-bookings", ALL, params={"test": "1"},
        listing=(_calendars_named, {"team"}, {"team", "other"}), label="dry-run"),
    Row("DELETE /api/clear-bookings", (403, 403, 200, 200, 200, 200),
        listing=(_calendars_named, {"team"}, {"team", "other"})),
]  # fmt: skip


def _path(row: Row) -> str:
    return row.path or row.route.split(" ", 1)[1]


def _make_token(world: World, role: str, calendars: list[str] | None) -> dict[str, Any]:
    body = {"name": "matrix case", "role": role, "calendars": calendars}
    resp = world.client.post("/api/v1/tokens", json=body)
    assert resp.status_code == 201, resp.text
    made: dict[str, Any] = resp.json()
    return made


def _connect_xandikos(world: World, headers: dict[str, str] | None = None) -> Any:
    server = world.xandikos
    body = {"url": server.calendar_url, "username": server.username, "password": server.password}
    return world.client.post("/api/v1/sources", json=body, headers=headers)


def _put_back(world: World, row: Row, resp: Any) -> None:
    """Undo what the request made (the module's one calgate serves every case)."""
    admin = world.client
    if resp.status_code != 201:
        return
    if row.route == "POST /api/v1/tokens":
        assert admin.delete(f"/api/v1/tokens/{resp.json()['id']}").status_code == 204
    elif row.route == "POST /api/v1/webhooks":
        assert admin.delete(f"/api/v1/webhooks/{resp.json()['id']}").status_code == 204
    elif row.route == "POST /api/v1/sources":
        assert admin.delete(f"/api/v1/sources/{resp.json()['id']}").status_code == 204
    elif row.route == "POST /api/v1/calendars":
        runtime = admin.app.state.runtime
        with runtime.db.session() as session:
            session.execute(delete(CalendarRow).where(CalendarRow.id == resp.json()["id"]))
    elif row.route.endswith("/events"):
        assert admin.delete(resp.headers["location"]).status_code == 204


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_token_scope_matrix(world: World, row: Row, caller: str) -> None:
    expected = row.statuses[CALLERS.index(caller)]
    secret = world.secrets[caller]
    path = _path(row)
    made: list[str] = []  # tokens and sources to remove afterwards, as "kind:id"
    if row.victim is not None:
        victim = _make_token(world, *row.victim)
        path = path.format(token_id=victim["id"])
        made.append(f"tokens:{victim['id']}")
    if row.own:
        role, calendars = STANDING[caller]
        mine = _make_token(world, role, calendars)
        secret, path = mine["token"], path.format(token_id=mine["id"])
        made.append(f"tokens:{mine['id']}")
    if row.source:
        connected = _connect_xandikos(world)
        assert connected.status_code == 201, connected.text
        path = path.format(source_id=connected.json()["id"])
        made.append(f"sources:{connected.json()['id']}")
    if row.webhook is not None:
        maker = auth(secret) if row.webhook == "own" and not caller.startswith("read") else None
        hook = world.client.post("/api/v1/webhooks", json=HOOK, headers=maker)
        assert hook.status_code == 201, hook.text
        path = path.format(webhook_id=hook.json()["id"])
        made.append(f"webhooks:{hook.json()['id']}")
    headers = auth(secret)
    resp = None
    try:
        if row.body == "xandikos":
            resp = _connect_xandikos(world, headers)
        else:
            method = row.route.split(" ", 1)[0]
            resp = world.client.request(
                method, path, json=row.body, params=row.params, headers=headers
            )
        assert resp.status_code == expected, resp.text
        if expected >= 400:
            assert resp.headers["content-type"] == "application/problem+json"
        if row.listing is not None and expected == 200:
            read, scoped, unscoped = row.listing
            shown = read(resp.json())
            if caller.endswith("scoped"):
                assert shown == scoped
            elif row.superset:
                assert shown >= unscoped
            else:
                assert shown == unscoped
    finally:
        if resp is not None:
            _put_back(world, row, resp)
        for item in made:
            kind, _, item_id = item.partition(":")
            world.client.delete(f"/api/v1/{kind}/{item_id}")
