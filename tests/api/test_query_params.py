"""Query parameters a route does not declare are an RFC 9457 422 naming each one (``pointer``
is the name as sent) and the nearest name the route does take, on every route calgate
defines; after the token check (401 first), before anything is written."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from calgate.api.app import create_app
from calgate.api.query_params import unknown_parameter
from calgate.settings import Settings
from tests.conftest import ADMIN_TOKEN

EVENTS = "/api/v1/calendars/default/events"
UNKNOWN = "zz_not_a_parameter"
# Values for path parameters: none needs to exist, the check runs before the endpoint does.
PATH_VALUES = {"recurrence_id": "2026-01-05T09:00:00", "calendar_id": "default"}


def _routes() -> list[tuple[str, str]]:
    """(method, path template) of every FastAPI route of the app (the docs pages and the /dav/
    mount are Starlette's, not calgate's routes)."""
    found = set()
    with tempfile.TemporaryDirectory() as folder:  # the app is built, never started
        app = create_app(Settings(_env_file=None, data_dir=Path(folder)))
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if isinstance(route, APIRoute):
                found.update((method, route.path) for method in route.methods)
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


# The public feed URL ignores a query string: calendar clients add cache-busters to it
# (tests/feeds/test_feeds.py::test_a_cache_buster_gets_the_feed).
QUERY_IGNORED = {"/feeds/{name:path}"}
ROUTES = [(m, p) for m, p in _routes() if p not in QUERY_IGNORED]


def _concrete(template: str) -> str:
    path = template
    while "{" in path:
        name = path[path.index("{") + 1 : path.index("}")]
        path = path.replace("{" + name + "}", PATH_VALUES.get(name, "no-such-" + name[:-3]))
    return path


def problem(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert body["type"].endswith("/invalid-request") and body["status"] == 422
    return body


def test_every_kind_of_route_is_walked() -> None:
    paths = {path for _, path in ROUTES}
    assert {"/health", EVENTS.replace("default", "{calendar_id}")} <= paths
    assert "/api/{calendar_id}/events/" in paths  # the room-booking drop-in routes
    assert len(ROUTES) > 30


def _as_signed_in_page(client: Any, method: str, path: str) -> Any:
    """The request a browser signed in to the UI makes (a page checks its session first, as
    the API checks the token first), with an unknown query parameter."""
    signed = client.post("/ui/sign-in", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/calendars").text)
    assert csrf is not None
    form = {"csrf": csrf.group(1)} if method == "POST" else None
    return client.request(method, path, params={UNKNOWN: "1"}, data=form, follow_redirects=False)


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_unknown_query_parameter_is_422_naming_it_on_every_route(client, method, template):
    if template.startswith("/ui/"):  # a page: the same 422, as a page a person reads
        resp = _as_signed_in_page(client, method, _concrete(template))
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("text/html")
        assert f"unknown query parameter &#39;{UNKNOWN}&#39;" in resp.text
        return
    body = {} if method in ("POST", "PUT", "PATCH") else None
    resp = client.request(method, _concrete(template), params={UNKNOWN: "1"}, json=body)
    if method == "HEAD":  # an answer to HEAD has no body to name the parameter in
        assert resp.status_code == 422
        assert resp.headers["content-type"] == "application/problem+json"
        return
    answer = problem(resp)
    assert [e["pointer"] for e in answer["errors"]] == [UNKNOWN]
    assert f"unknown query parameter '{UNKNOWN}'" in answer["errors"][0]["detail"]
    assert answer["detail"] == answer["errors"][0]["detail"]


# The names a client of the reference APIs sends, on the route it would use, and calgate's.
MIGRATING = [
    ("calendar-events order_by", EVENTS, {"order_by": "created_at"}, "did you mean 'orderBy'?"),
    ("calendar-events date range", EVENTS, {"date_range_start": "2026-01-01"}, "'start'?"),
    ("calendar-events date range end", EVENTS, {"date_range_end": "2026-02-01"}, "'end'?"),
    (
        "calendar-events num_in_series",
        f"{EVENTS}/abc",
        {"num_in_series": "3"},
        f"use GET {EVENTS}/abc/instances?n=K",
    ),
    ("num_in_series on instances", f"{EVENTS}/abc/instances", {"num_in_series": "3"}, "'n'?"),
    ("egroupware sync-token", EVENTS, {"sync-token": ""}, "did you mean 'syncToken'?"),
    ("egroupware nresults", EVENTS, {"nresults": "10"}, "did you mean 'limit'?"),
    ("egroupware props[]", EVENTS, {"props[]": "getetag"}, "did you mean 'props'?"),
    ("sync-token on the change feed", "/api/v1/calendars/default/changes", {"sync-token": "x"},
     "did you mean 'since'?"),
    ("paging", EVENTS, {"per_page": "10"}, "did you mean 'limit'?"),
    ("room-booking test on calgate's route", "/api/v1/clear-bookings", {"test": "1"},
     "did you mean 'dryRun'?"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "params", "hint"), [m[1:] for m in MIGRATING], ids=[m[0] for m in MIGRATING]
)
def test_reference_api_names_are_422_with_calgates_name(client, path, params, hint):
    method = "POST" if path.endswith("clear-bookings") else "GET"
    resp = client.request(method, path, params=params, headers={"Accept": "application/json"})
    answer = problem(resp)
    (name,) = params
    assert answer["errors"] == [
        {"pointer": name, "detail": answer["detail"]},
    ]
    assert answer["detail"].startswith(f"unknown query parameter '{name}': ")
    assert answer["detail"].endswith(hint), answer["detail"]


def test_every_unknown_name_is_one_entry(client):
    resp = client.get(EVENTS, params={"order_by": "x", "nresults": "3", "props[]": "a"})
    answer = problem(resp)
    assert [e["pointer"] for e in answer["errors"]] == ["order_by", "nresults", "props[]"]


def test_jscalendar_client_sending_sync_token_gets_the_422(client):
    resp = client.get(
        EVENTS, params={"sync-token": ""}, headers={"Accept": "application/jscalendar+json"}
    )
    assert problem(resp)["errors"][0]["pointer"] == "sync-token"


def test_declared_parameters_still_work_and_may_repeat(client):
    made = client.post(
        EVENTS, json={"title": "A", "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00"}
    )
    assert made.status_code == 201, made.text
    resp = client.get(
        EVENTS,
        params=[
            ("start", "2026-03-01"),
            ("end", "2026-04-01"),
            ("orderBy", "created"),
            ("limit", "5"),
            ("category", "a"),
            ("category", "b"),
        ],
    )
    assert resp.status_code == 200, resp.text
    listed = client.get(EVENTS, params={"start": "2026-03-01", "end": "2026-04-01"})
    assert [i["title"] for i in listed.json()["items"]] == ["A"]
    assert client.get("/health").status_code == 200


def test_authentication_comes_before_unknown_parameters(client):
    problem(client.get(EVENTS, params={"order_by": "x"}))  # with the admin token
    anonymous = {"Authorization": ""}
    resp = client.get(EVENTS, params={"order_by": "x"}, headers=anonymous)
    assert resp.status_code == 401, resp.text
    resp = client.get(EVENTS, params={"order_by": "x"}, headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401, resp.text
    resp = client.post("/api/v1/tokens", params={"x": "1"}, json={}, headers=anonymous)
    assert resp.status_code == 401, resp.text


def test_a_write_with_an_unknown_parameter_writes_nothing(client):
    body = {"title": "Not made", "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00"}
    problem(client.post(EVENTS, params={"sendNotifications": "true"}, json=body))
    listed = client.get(EVENTS, params={"start": "2026-03-01", "end": "2026-04-01"})
    assert listed.json()["items"] == []


def test_a_token_without_the_role_is_refused_before_the_parameters_are_looked_at(client):
    made = client.post("/api/v1/tokens", json={"role": "read", "name": "r"})
    assert made.status_code == 201, made.text
    reader = {"Authorization": f"Bearer {made.json()['token']}"}
    resp = client.get("/api/v1/tokens", params={"page": "2"}, headers=reader)
    assert resp.status_code == 403, resp.text
    problem(client.get("/api/v1/tokens", params={"page": "2"}))  # the admin's


@pytest.mark.parametrize(
    ("name", "known", "said"),
    [
        ("limt", ("since", "limit"), "did you mean 'limit'?"),  # the closest spelling
        ("page_token", ("limit", "pageToken"), "did you mean 'pageToken'?"),  # spelt otherwise
        ("ORDERBY", ("orderBy",), "did you mean 'orderBy'?"),
        ("order_by", ("since", "limit"), "this route takes since, limit"),  # nothing close
        ("q", (), "this route takes no query parameters"),
    ],
)
def test_the_nearest_name(name, known, said):
    text = unknown_parameter(name, known, route="/r", path="/r")
    assert text == f"unknown query parameter '{name}': {said}"
