"""Clearing on a schedule (calendars marked ``autoClear``) and from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.booking.helpers import ics


def _post(client, body: str) -> None:
    resp = client.post(
        "/api/v1/calendars/default/events", content=body, headers={"Content-Type": "text/calendar"}
    )
    assert resp.status_code == 201, resp.text


def _uids(client) -> list[str]:
    params = {"start": "2027-03-01T00:00:00Z", "end": "2027-03-02T00:00:00Z"}
    items = client.get("/api/v1/calendars/default/events", params=params).json()["items"]
    return sorted(e["uid"] for e in items)


def test_marked_calendars_are_cleared_on_a_schedule(make_client):
    client = make_client(clear_interval=0.3)
    _post(client, ics("a", "20270301T100000Z", "20270301T110000Z", created="20260101T000000Z"))
    _post(client, ics("b", "20270301T103000Z", "20270301T113000Z", created="20260102T000000Z"))
    time.sleep(1.0)  # not marked yet: nothing happens
    assert _uids(client) == ["a", "b"]
    client.patch("/api/v1/calendars/default", json={"autoClear": True})
    deadline = time.monotonic() + 30
    while _uids(client) != ["a"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _uids(client) == ["a"]


def test_cli_clear_bookings(client, make_settings):
    _post(client, ics("a", "20270301T100000Z", "20270301T110000Z", created="20260101T000000Z"))
    _post(client, ics("b", "20270301T103000Z", "20270301T113000Z", created="20260102T000000Z"))
    data_dir = str(make_settings().data_dir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "calgate", "clear-bookings", "--data-dir", data_dir, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    dry = run("--calendar", "default", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["test_mode"] is True
    assert [e["event"]["uid"] for e in report["deleted_overlapping_events"]] == ["b"]
    assert _uids(client) == ["a", "b"]
    assert run().stdout == ""  # no calendar marked autoClear: nothing to do
    unknown = run("--calendar", "nope")
    assert unknown.returncode == 2 and "nope" in unknown.stderr
    done = run("--calendar", "default")
    assert done.returncode == 0, done.stderr
    assert _uids(client) == ["a"]
