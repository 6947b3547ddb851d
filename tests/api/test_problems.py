"""RFC 9457: every error is problem+json with the same shape; nothing a client sends is a 500."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import connect_source

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status and body["type"].startswith("https://")
    assert body["instance"] == resp.request.url.path
    return body


def test_rfc9457_shape_is_pinned(client):
    body = assert_problem(client.get("/api/v1/calendars/nope"), 404)
    assert body == {
        "type": "https://calgate.dev/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "no calendar with id 'nope'",
        "instance": "/api/v1/calendars/nope",
    }


def test_unknown_route_and_method_are_problems(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.delete("/api/v1/calendars"), 405)


def test_malformed_json_is_422(client):
    resp = client.post(
        "/api/v1/calendars/default/events",
        content=b'{"title": ',
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(resp, 422)
    assert body["errors"]


def test_validation_422_lists_every_bad_field_with_pointer(client):
    resp = client.post(
        "/api/v1/calendars/default/events",
        json={"title": 5, "start": "2026-05-01T10:00:00Z", "priority": 42, "colour": "red"},
    )
    body = assert_problem(resp, 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"#/title", "#/priority", "#/colour"} <= pointers


def test_bad_query_window_is_422_naming_the_parameter(client):
    body = assert_problem(
        client.get("/api/v1/calendars/default/events", params={"start": "soon"}), 422
    )
    assert body["errors"][0]["pointer"] == "start"
    body = assert_problem(
        client.get(
            "/api/v1/calendars/default/events", params={"start": "2026-05-02", "end": "2026-05-01"}
        ),
        422,
    )
    assert body["errors"][0]["pointer"] == "end"


def test_weird_event_ids_are_404_not_500(client):
    for event_id in ("~", "~%%%", "..x", "a/b", "~Li4", "x" * 300):
        resp = client.get(f"/api/v1/calendars/default/events/{event_id}")
        assert resp.status_code in (404, 422), (event_id, resp.status_code)
        assert resp.headers["content-type"] == "application/problem+json"


def test_put_create_with_unsafe_id_is_422(client):
    resp = client.put(
        "/api/v1/calendars/default/events/~" + "YUBi",  # base64 of "a@b" without .ics
        json={"title": "x", "start": "2026-05-01T10:00:00Z"},
    )
    assert resp.status_code in (404, 422)


# -- the upstream server misbehaves -------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "error"

    def _answer(self) -> None:
        if self.mode == "slow":
            time.sleep(3)
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_DELETE = do_REPORT = do_PROPFIND = _answer

    def log_message(self, *args) -> None:
        pass


@contextmanager
def broken_server(mode: str) -> Iterator[str]:
    handler = type("H", (_Handler,), {"mode": mode})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cal/"
    finally:
        server.shutdown()
        server.server_close()


def _point_calendar_at(client, cal_id: str, url: str) -> None:
    """Re-point a connected calendar at another address (a server that has since failed)."""
    from sqlalchemy import update

    from calgate.db.models import CalendarRow, SourceRow

    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        row = session.get(CalendarRow, cal_id)
        session.execute(update(SourceRow).where(SourceRow.id == row.source_id).values(url=url))
        row.href = url
        runtime.forget_connection(row.source_id)


@pytest.fixture
def connected(client, radicale_server):
    return connect_source(client, radicale_server)


def test_upstream_5xx_is_502_with_upstream_status(client, connected):
    with broken_server("error") as url:
        _point_calendar_at(client, connected, url)
        body = assert_problem(client.get(f"/api/v1/calendars/{connected}/events"), 502)
    assert body["upstreamStatus"] == 500


def test_upstream_unreachable_is_503_with_retry_after(client, connected):
    with broken_server("error") as url:
        pass  # the port is closed again when the block ends
    _point_calendar_at(client, connected, url)
    resp = client.get(f"/api/v1/calendars/{connected}/events")
    assert_problem(resp, 503)
    assert int(resp.headers["retry-after"]) > 0


def test_upstream_timeout_is_504(make_client, radicale_server):
    client = make_client(upstream_timeout=1)
    cal_id = connect_source(client, radicale_server)
    with broken_server("slow") as url:
        _point_calendar_at(client, cal_id, url)
        assert_problem(client.get(f"/api/v1/calendars/{cal_id}/events"), 504)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "a\u0000b"), ("location", "bell\u0007"), ("description", "\ud800")],
)
def test_text_that_icalendar_cannot_hold_is_422(client, field, value):
    import json

    body = {"title": "ok", "start": "2026-05-01T10:00:00Z", field: value}
    resp = client.post(
        "/api/v1/calendars/default/events",
        content=json.dumps(body).encode(),  # ASCII escapes carry a lone surrogate too
        headers={"Content-Type": "application/json"},
    )
    problem = assert_problem(resp, 422)
    assert problem["errors"][0]["pointer"] == f"#/{field}"


def test_newlines_and_tabs_are_fine_in_text(client):
    body = {"title": "a\tb", "start": "2026-05-01T10:00:00Z", "description": "line 1\nline 2"}
    resp = client.post("/api/v1/calendars/default/events", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["description"] == "line 1\nline 2"


def test_calendar_name_with_nul_is_422(client):
    assert_problem(client.post("/api/v1/calendars", json={"name": "a\u0000"}), 422)
