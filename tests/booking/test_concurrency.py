"""50 parallel requests for one slot: exactly one booking, 49 conflicts, and the CalDAV server
(read directly) holds exactly one event. Real `calgate serve` processes on real ports: one on
SQLite, and two sharing one PostgreSQL database (and one embedded store)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import caldav
import httpx2 as httpx
import pytest

from tests.test_serve import start_serve

TOKEN = "cg_booking-concurrency-token-1234567890"
H = {"Authorization": f"Bearer {TOKEN}"}
N = 50


def _dav_booking(http: httpx.Client, base: str, i: int, day: int) -> int:
    """The same slot as a CalDAV client books it through ``/dav/``."""
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//race//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:race-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:202605{day:02}T100000Z\r\n"
        f"DTEND:202605{day:02}T110000Z\r\nSUMMARY:Request {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return http.put(
        f"{base}/dav/calgate/default/race-{i}.ics",
        content=text.encode(),
        headers={"Content-Type": "text/calendar", "If-None-Match": "*"},
        auth=("someone", TOKEN),
    ).status_code


def _race(bases: list[str], *, dav_too: bool = False, day: int = 4) -> list[int]:
    """``N`` bookings of one slot (10:00-11:00 on May ``day``, 2026) at once, spread over
    ``bases``; with ``dav_too`` every other one through ``/dav/``."""
    slot = {"start": f"2026-05-{day:02}T10:00:00Z", "end": f"2026-05-{day:02}T11:00:00Z"}

    def one(i: int) -> int:
        body = {"title": f"Request {i}", **slot}
        base = bases[i % len(bases)]
        with httpx.Client(timeout=120) as http:
            if dav_too and (i // len(bases)) % 2:
                return _dav_booking(http, base, i, day)
            return http.post(
                f"{base}/api/v1/calendars/default/events", headers=H, json=body
            ).status_code

    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(one, range(N)))


def _events_on_server(base: str) -> list[str]:
    dav = caldav.DAVClient(url=f"{base}/dav/", username="checker", password=TOKEN)
    try:
        calendar = dav.principal().calendars()[0]
        return [str(e.icalendar_component["SUMMARY"]) for e in calendar.events()]
    finally:
        dav.close()


def _reject(base: str) -> None:
    resp = httpx.patch(f"{base}/api/v1/calendars/default", headers=H, json={"overlap": "reject"})
    assert resp.status_code == 200, resp.text


def test_fifty_requests_one_process_sqlite(tmp_path: Path):
    served = start_serve(tmp_path / "data", env={"CALGATE_ADMIN_TOKEN": TOKEN})
    try:
        _reject(served.base)
        codes = _race([served.base])
        assert sorted(codes) == [201] + [409] * (N - 1), codes
        assert len(_events_on_server(served.base)) == 1
    finally:
        served.stop()


@pytest.mark.postgres
def test_fifty_requests_two_processes_one_postgres(tmp_path: Path, postgres_database: str):
    env = {"CALGATE_ADMIN_TOKEN": TOKEN, "CALGATE_DATABASE_URL": postgres_database}
    first = start_serve(tmp_path / "data", env=env)
    second = None
    try:
        second = start_serve(tmp_path / "data", env=env)
        _reject(first.base)
        codes = _race([first.base, second.base])
        assert sorted(codes) == [201] + [409] * (N - 1), codes
        assert len(_events_on_server(first.base)) == 1
        assert len(_events_on_server(second.base)) == 1
        # the API and /dav/ of both processes at once, for the next day: still one booking
        codes = _race([first.base, second.base], dav_too=True, day=5)
        assert sorted(codes) == [201] + [409] * (N - 1), codes
        assert len(_events_on_server(first.base)) == 2
    finally:
        first.stop()
        if second is not None:
            second.stop()
