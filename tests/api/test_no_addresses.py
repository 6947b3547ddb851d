"""Error bodies never show where a CalDAV server is: no URL, host name or port of an upstream
server or of the embedded store's internal loopback server (issue 13, point 2). calgate logs
the address at debug level instead."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.api.test_problems import assert_problem
from tests.conftest import connect_source
from tests.servers import free_port, run_radicale

ADDRESS = re.compile(r"https?://|127\.0\.0\.1|localhost|\[::1\]|:\d{2,5}\b")
EVENT = {"title": "x", "start": "2026-05-01T10:00:00Z", "end": "2026-05-01T11:00:00Z"}


def no_address(body: dict, *urls: str) -> None:
    text = repr({k: v for k, v in body.items() if k != "type"})  # type: calgate's own URI
    assert not ADDRESS.search(text), text
    for url in urls:
        parts = urlsplit(url)
        assert parts.hostname not in text and parts.path.rstrip("/") not in text, text


@pytest.mark.parametrize("calendar_id", ["embedded", "xandikos", "radicale"], indirect=True)
def test_missing_event_404_names_the_event_not_the_server(client, calendar_id):
    base = f"/api/v1/calendars/{calendar_id}/events/no-such-event"
    calls = [
        ("GET", base, {}),
        ("GET", base, {"headers": {"Accept": "text/calendar"}}),
        ("GET", base, {"headers": {"Accept": "application/jscalendar+json"}}),
        ("DELETE", base, {}),
        ("PATCH", base, {"json": {"title": "y"}}),
        ("PUT", base, {"json": EVENT, "headers": {"If-Match": '"abc"'}}),
        ("GET", base + "/instances", {}),
        ("DELETE", f"/api/{calendar_id}/events/no-such-event", {}),
    ]
    for method, path, extra in calls:
        resp = client.request(method, path, **extra)
        status = 412 if method == "PUT" else 404
        body = assert_problem(resp, status)
        no_address(body)
        if status == 404:
            assert "no-such-event" in body["detail"], body


def test_stopped_server_answers_without_its_address(client, tmp_path):
    with run_radicale(tmp_path / "radicale") as server:
        cal_id = connect_source(client, server, name="soon-gone")
    for resp in (
        client.get(f"/api/v1/calendars/{cal_id}/events"),
        client.get(f"/api/v1/calendars/{cal_id}/events/some-event"),
        client.post(f"/api/v1/calendars/{cal_id}/events", json=EVENT),
    ):
        body = assert_problem(resp, 503)
        no_address(body, server.calendar_url)


def test_adding_an_unreachable_source_names_no_address(client):
    url = f"http://127.0.0.1:{free_port()}/secret-path/"
    resp = client.post("/api/v1/sources", json={"url": url, "username": "a", "password": "b"})
    body = assert_problem(resp, 422)
    assert body["errors"][0]["pointer"] == "#/url"
    no_address(body, url)
