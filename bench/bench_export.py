"""Export and feed benchmark (issue 18, points 2 and 4): an in-process calgate on SQLite whose
index holds ``--events`` objects (a tenth of them weekly series with an override), entered
straight into the index (what is measured is the serializer's read of the index, not CalDAV
writes). Reports the time of a full export, of a windowed export, of a full and a busy feed,
of a 304, the bytes, and the peak of memory Python allocated while the export streamed
(tracemalloc: the objects are never all held at once).

Usage: .venv/bin/python bench/bench_export.py [--events 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from calgate.api.app import create_app
from calgate.index import store
from calgate.index.materialize import materialize
from calgate.settings import Settings

TOKEN = "cg_bench-admin-" + "0" * 32


def _object(i: int, now: datetime) -> str:
    start = (now + timedelta(days=i % 400 - 30, hours=i % 9)).strftime("%Y%m%dT%H0000")
    series = ""
    if i % 10 == 0:
        moved = (now + timedelta(days=i % 400 - 23, hours=i % 9)).strftime("%Y%m%dT%H0000")
        series = (
            "RRULE:FREQ=WEEKLY;COUNT=20\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n"
            f"UID:bench-{i:06d}\r\nDTSTAMP:20260101T000000Z\r\n"
            f"RECURRENCE-ID;TZID=Europe/Berlin:{moved}\r\n"
            f"DTSTART;TZID=Europe/Berlin:{moved}\r\nDURATION:PT2H\r\nSUMMARY:Moved {i}\r\n"
        )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:bench-{i:06d}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT1H\r\nSUMMARY:Event {i}\r\n"
        f"DESCRIPTION:{'words ' * 30}\r\nX-BENCH:{i}\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
        f"{series}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _fill(client: TestClient, count: int) -> None:
    runtime = client.app.state.runtime
    now = datetime.now(UTC)
    puts = []
    for i in range(count):
        text, event_id = _object(i, now), f"bench-{i:06d}"
        fields = materialize(
            text,
            event_id=event_id,
            calendar_id="default",
            etag=f'"{i}"',
            floating_tz="UTC",
            now=now,
            max_occurrences=1000,
        )
        puts.append(store.Put(event_id, f"/{event_id}.ics", f'"{i}"', text, fields))
    with runtime.db.session() as session:
        state = store.sync_state(session, calendar_id="default", for_update=True)
        store.put_objects(session, state, puts)


def _timed(client: TestClient, path: str, **headers: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    resp = client.get(path, headers=headers)
    return time.perf_counter() - started, resp.status_code, len(resp.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(folder),
            admin_token=TOKEN,
            index_max_age=3600,
            background_sync=False,
        )
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {TOKEN}"
            client.get("/api/v1/calendars/default/export")  # the first sync
            started = time.perf_counter()
            _fill(client, args.events)
            filled = time.perf_counter() - started
            print(f"filled the index with {args.events} objects in {filled:.1f} s")
            tracemalloc.start()
            took, status, size = _timed(client, "/api/v1/calendars/default/export")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"export, all: {took:.2f} s, {status}, {size / 1e6:.1f} MB, "
                f"{args.events / took:.0f} objects/s, Python peak {peak / 1e6:.1f} MB "
                "(the body collected by the test client included)"
            )
            day = datetime.now(UTC).date()
            window = f"?start={day.isoformat()}&end={(day + timedelta(days=30)).isoformat()}"
            took, status, size = _timed(client, "/api/v1/calendars/default/export" + window)
            print(f"export, 30 days: {took:.2f} s, {status}, {size / 1e6:.2f} MB")
            for detail in ("full", "busy"):
                url = client.post(
                    "/api/v1/calendars/default/feeds", json={"detail": detail}
                ).json()["url"]
                path = urlsplit(url).path
                took, status, size = _timed(client, path)
                etag = client.get(path).headers["etag"]
                took304, status304, _ = _timed(client, path, **{"If-None-Match": etag})
                print(
                    f"feed {detail} (30 days back, 365 ahead): {took:.2f} s, {status}, "
                    f"{size / 1e6:.1f} MB; 304: {took304 * 1000:.0f} ms ({status304})"
                )


if __name__ == "__main__":
    main()
