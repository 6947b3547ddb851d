"""The embedded store's CalDAV door (issue 16): how soon a ``/dav/`` write is in the API, and
what the door costs a CalDAV write.

One run on one machine: a real ``calgate serve`` on the embedded store, with the index's own
refresh set to an hour (``CALGATE_INDEX_MAX_AGE=3600``), so only the door can make a write
visible. For ``--writes`` events each:

1. a ``/dav/`` PUT of a new event (as Thunderbird sends it: Basic auth, ``If-None-Match: *``)
   into a calendar that allows overlaps, then ``GET .../events`` of its day until the event is
   listed: the time from the PUT's answer to the first listing that holds it (goal <= 50 ms;
   before the door up to ``CALGATE_INDEX_MAX_AGE``, 5 s by default);
2. the same PUT into a calendar with ``overlap: reject`` (the booking check under the lock);
3. ``POST .../events`` of the same event through the API, for comparison.

Prints p50/p95 and writes a section of bench/REPORT.md.

Usage: .venv/bin/python bench/bench_dav_door.py [--writes 200] [--report bench/REPORT.md]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN, free_port, put_section
from bench_recovery import Serve

BEGIN = "<!-- bench_dav_door:begin -->"
END = "<!-- bench_dav_door:end -->"
GOAL_MS = 50.0
H = {"Authorization": f"Bearer {TOKEN}"}
DAY0 = datetime(2028, 1, 3, 9, tzinfo=UTC)


def ics(uid: str, start: datetime) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//dav door//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start.strftime(stamp)}\r\n"
        f"DTEND:{(start + timedelta(minutes=30)).strftime(stamp)}\r\nSUMMARY:{uid}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def make_calendar(api: httpx.Client, calendar_id: str, overlap: str) -> None:
    api.post("/api/v1/calendars", json={"id": calendar_id, "name": calendar_id}).raise_for_status()
    api.patch(f"/api/v1/calendars/{calendar_id}", json={"overlap": overlap}).raise_for_status()
    api.get(f"/api/v1/calendars/{calendar_id}/events").raise_for_status()  # first sync


def run(writes: int) -> dict[str, tuple[float, float]]:
    folder = Path(tempfile.mkdtemp(prefix="calgate-bench-door-"))
    serve = Serve(folder / "data", free_port(), env={"CALGATE_INDEX_MAX_AGE": "3600"})
    results: dict[str, list[float]] = {"visible": [], "put": [], "put reject": [], "api": []}
    polls: list[int] = []
    try:
        serve.until(lambda: httpx.get(f"{serve.base}/health", timeout=1).status_code == 200)
        with (
            httpx.Client(base_url=serve.base, headers=H, timeout=60) as api,
            httpx.Client(base_url=serve.base, auth=("bench", TOKEN), timeout=60) as dav,
        ):
            make_calendar(api, "open", "allow")
            make_calendar(api, "rooms", "reject")
            make_calendar(api, "viaapi", "reject")
            for i in range(writes):
                start = DAY0 + timedelta(hours=i)
                headers = {"Content-Type": "text/calendar", "If-None-Match": "*"}
                t0 = time.perf_counter()
                put = dav.put(
                    f"/dav/calgate/open/e{i}.ics", content=ics(f"e{i}", start), headers=headers
                )
                t1 = time.perf_counter()
                put.raise_for_status()
                window = {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                }
                n = 0
                while True:
                    n += 1
                    listed = api.get("/api/v1/calendars/open/events", params=window).json()["items"]
                    if any(item["title"] == f"e{i}" for item in listed):
                        break
                    if time.perf_counter() - t1 > 30:
                        raise SystemExit(f"e{i} not listed 30 s after its PUT")
                results["put"].append(1000 * (t1 - t0))
                results["visible"].append(1000 * (time.perf_counter() - t1))
                polls.append(n)
                t0 = time.perf_counter()
                dav.put(
                    f"/dav/calgate/rooms/r{i}.ics", content=ics(f"r{i}", start), headers=headers
                ).raise_for_status()
                results["put reject"].append(1000 * (time.perf_counter() - t0))
                body = {
                    "title": f"a{i}",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=30)).isoformat(),
                }
                t0 = time.perf_counter()
                api.post("/api/v1/calendars/viaapi/events", json=body).raise_for_status()
                results["api"].append(1000 * (time.perf_counter() - t0))
    finally:
        serve.stop()
    out = {name: percentiles(values) for name, values in results.items()}
    out["polls"] = (max(polls), statistics.mean(polls))
    return out


def report_lines(found: dict[str, tuple[float, float]], writes: int) -> list[str]:
    visible = found["visible"][0]
    met = "met" if found["visible"][1] <= GOAL_MS else "**not met**"
    rows = [
        (
            "PUT's answer → listed by `GET .../events`",
            "visible",
            f"goal <= {GOAL_MS:g} ms: {met}",
        ),
        ("`/dav/` PUT, calendar allows overlaps", "put", ""),
        ("`/dav/` PUT, `overlap: reject` (check under the lock)", "put reject", ""),
        ("API `POST .../events`, `overlap: reject`", "api", ""),
    ]
    lines = [
        BEGIN,
        "## The embedded store's CalDAV door (bench/bench_dav_door.py)",
        "",
        f"{platform.python_version()} on {platform.machine()}, run {datetime.now(UTC):%Y-%m-%d}; "
        f"{writes} writes of each kind into calendars that grow to {writes} events; the index's "
        "own refresh set to an hour, so only the door makes a write visible.",
        "",
        "| what | p50 | p95 | note |",
        "|---|---:|---:|---|",
    ]
    for label, key, note in rows:
        p50, p95 = found[key]
        lines.append(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {note} |")
    most, mean = found["polls"]
    lines += [
        "",
        f"Every write was listed by the first `GET` after its PUT's answer (most GETs needed: "
        f"{most:g}, mean {mean:.2f}); p50 {visible:.1f} ms is that one GET. Before the door a "
        "`/dav/` write waited for the next refresh, up to `CALGATE_INDEX_MAX_AGE` (5 s).",
        END,
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "REPORT.md")
    args = parser.parse_args()
    found = run(args.writes)
    lines = report_lines(found, args.writes)
    print("\n".join(lines[1:-1]))
    put_section(args.report, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
