"""Which calendars a clearing pass without a calendar touches, and what one failing server
does to it: the drop-in `DELETE /api/clear-bookings` (no `calendar`) and
`POST /api/v1/clear-bookings` both cover exactly the calendars marked `autoClear` that the token
sees (never a personal calendar), and a calendar whose CalDAV server is down (a real Radicale,
stopped mid-test) is reported per calendar while the others are cleared."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from calgate.services.clearing import LISTS
from tests.booking.helpers import ics
from tests.conftest import connect_source
from tests.servers import RunningServer, run_radicale

ICS = {"Content-Type": "text/calendar"}
WINDOW = {"start": "2027-03-01", "end": "2027-03-03"}


def add_pair(client, cal: str, prefix: str = "", day: str = "20270301") -> None:
    """Two overlapping bookings on ``day``: ``first`` (older) stays, ``second`` loses."""
    for uid, start, end, created in (
        (f"{prefix}first", f"{day}T100000Z", f"{day}T110000Z", "20260101T000000Z"),
        (f"{prefix}second", f"{day}T103000Z", f"{day}T113000Z", "20260102T000000Z"),
    ):
        resp = client.post(
            f"/api/v1/calendars/{cal}/events",
            content=ics(uid, start, end, created=created),
            headers=ICS,
        )
        assert resp.status_code == 201, resp.text


def uids(client, cal: str) -> list[str]:
    resp = client.get(f"/api/v1/calendars/{cal}/events", params=WINDOW)
    assert resp.status_code == 200, resp.text
    return sorted(e["uid"] for e in resp.json()["items"])


def make_room(client, cal: str, *, auto_clear: bool = True) -> str:
    made = client.post("/api/v1/calendars", json={"id": cal, "name": cal})
    assert made.status_code == 201, made.text
    marked = client.patch(f"/api/v1/calendars/{cal}", json={"autoClear": auto_clear})
    assert marked.status_code == 200, marked.text
    return cal


def entries(report: dict) -> list[tuple[str, str]]:
    return [(e["calendar"], e["event"]["uid"]) for name in LISTS for e in report[name]]


def test_drop_in_clearing_without_calendar_leaves_unmarked_calendars_alone(client):
    room = make_room(client, "room-a")
    add_pair(client, room)
    add_pair(client, "default")  # a personal calendar the admin token sees, not autoClear
    resp = client.delete("/api/clear-bookings")
    assert resp.status_code == 200, resp.text
    assert list(resp.json()) == [*LISTS, "test_mode"]
    assert entries(resp.json()) == [("room-a", "second")]
    assert uids(client, room) == ["first"]
    assert uids(client, "default") == ["first", "second"]
    # the same set as calgate's own route
    reports = client.post("/api/v1/clear-bookings", params={"dryRun": True}).json()["reports"]
    assert [r["calendar"] for r in reports] == ["room-a"]
    # a calendar named explicitly is cleared, marked or not
    named = client.delete("/api/clear-bookings", params={"calendar": "default"})
    assert entries(named.json()) == [("default", "second")]
    assert uids(client, "default") == ["first"]


@dataclass
class Doomed:
    calendar: str
    server: RunningServer
    stack: ExitStack

    def stop(self) -> None:
        self.stack.close()


@pytest.fixture
def doomed(client, tmp_path: Path) -> Iterator[Doomed]:
    """A standalone Radicale connected as a source, its calendar marked autoClear and holding
    an overlapping pair; the test stops the server."""
    with ExitStack() as stack:
        server = stack.enter_context(run_radicale(tmp_path / "doomed"))
        cal = connect_source(client, server, name="doomed")
        marked = client.patch(f"/api/v1/calendars/{cal}", json={"autoClear": True})
        assert marked.status_code == 200, marked.text
        add_pair(client, cal, prefix="far-")
        yield Doomed(cal, server, stack.pop_all())
    stack.close()


def assert_no_address(text: str, server: RunningServer) -> None:
    port = server.url.rstrip("/").rsplit(":", 1)[1]
    for leak in ("127.0.0.1", "localhost", "http://", f":{port}", port):
        assert leak not in text, (leak, text)


def test_an_unreachable_source_does_not_stop_the_pass(client, doomed):
    room = make_room(client, "room-a")
    add_pair(client, room)
    doomed.stop()

    resp = client.delete("/api/clear-bookings")
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert list(report) == [*LISTS, "test_mode", "errors"]
    assert entries(report) == [("room-a", "second")]
    (error,) = report["errors"]
    assert error["calendar"] == doomed.calendar and error["status"] == 503
    assert "could not be reached" in error["detail"] and "not cleared" in error["detail"]
    assert_no_address(resp.text, doomed.server)
    assert uids(client, room) == ["first"]

    add_pair(client, room, prefix="again-", day="20270302")
    own = client.post("/api/v1/clear-bookings")
    assert own.status_code == 200, own.text
    assert [r["calendar"] for r in own.json()["reports"]] == ["room-a"]
    assert own.json()["reports"][0]["deleted_overlapping_events"][0]["event"]["uid"] == (
        "again-second"
    )
    assert own.json()["errors"] == [error]
    assert_no_address(own.text, doomed.server)


def test_when_every_calendar_of_a_pass_fails_the_answer_is_the_failure(client, doomed):
    room = make_room(client, "room-a", auto_clear=False)
    add_pair(client, room)
    doomed.stop()
    for resp in (
        client.delete("/api/clear-bookings", params={"test": "1"}),
        client.post("/api/v1/clear-bookings"),
    ):
        assert resp.status_code == 503, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.headers["retry-after"]
        body = resp.json()
        assert body["title"] == "No calendar could be cleared"
        assert doomed.calendar in body["detail"] and "could not be reached" in body["detail"]
        assert [(e["calendar"], e["status"]) for e in body["errors"]] == [(doomed.calendar, 503)]
        assert_no_address(resp.text, doomed.server)
    assert uids(client, room) == ["first", "second"]  # not marked: never touched


def test_cli_clears_what_it_can_and_names_the_calendar_it_could_not(client, doomed, make_settings):
    room = make_room(client, "room-a")
    add_pair(client, room)
    doomed.stop()
    data_dir = str(make_settings().data_dir)
    cmd = [sys.executable, "-m", "calgate", "clear-bookings", "--data-dir", data_dir]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    (report,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert report["calendar"] == "room-a"
    assert [e["event"]["uid"] for e in report["deleted_overlapping_events"]] == ["second"]
    failure = json.loads(done.stderr.strip().splitlines()[-1])
    assert (failure["calendar"], failure["status"]) == (doomed.calendar, 503)
    assert_no_address(failure["detail"], doomed.server)
    assert uids(client, room) == ["first"]
