"""Week view benchmark (issue 19, Benchmark): ``--rooms`` calendars (10) with ``--events``
events each (500) in the week shown, on the embedded store of a real ``calgate serve`` process
(SQLite), filled with one ``POST .../imports`` per room. Then, ``--runs`` times (30):

1. the page: ``GET /ui/week?cal=...`` (all rooms) with the session cookie: the HTML;
2. what week.js then fetches: per room ``GET /api/v1/calendars/{room}/events?start=&end=
   &expand=true&limit=2500`` with the cookie, the week as UTC instants; timed one after the
   other (the sum) and as the browser sends them (at once, 6 connections: the wall time);
3. the direct way without the UI: the same listings with a bearer token, one after the other.

Times are measured by the client over loopback on a keep-alive connection (so they are the
server's time plus a loopback round trip); p50 and p95. And the bytes a browser downloads on a
first load: the HTML, the CSS and the JavaScript (vendored files included), and the listings'
JSON for the week, each uncompressed and gzip-compressed (what calgate sends a browser that
accepts gzip, except the HTML page, which calgate never compresses: it holds a CSRF token).

Usage: .venv/bin/python bench/bench_ui.py [--rooms 10] [--events 500] [--runs 30]
       [--report bench/REPORT.md]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import random
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN, free_port, put_section
from bench_dav_door import percentiles
from bench_recovery import Serve

BEGIN = "<!-- bench_ui:begin -->"
END = "<!-- bench_ui:end -->"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
ENV = {"CALGATE_IMPORT_INTERVAL": "0.2", "CALGATE_BACKGROUND_SYNC": "false"}
MONDAY = "2027-03-01"  # the week shown: 2027-03-01 to 2027-03-08, Europe/Berlin
WEEK_UTC = ("2027-02-28T23:00:00Z", "2027-03-07T23:00:00Z")  # as week.js sends it


def ics(room: str, events: int, seed: int) -> str:
    """``events`` 15 to 90 minute events in the week, 07:00 to 19:00 Berlin, UTC times."""
    rnd = random.Random(seed)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calgate bench ui//EN"]
    for n in range(events):
        day = 1 + n % 7
        start = rnd.randrange(6 * 60, 18 * 60, 15)  # minutes after 00:00 UTC (07:00 Berlin)
        length = rnd.choice((15, 30, 45, 60, 90))
        end = min(start + length, 24 * 60 - 1)
        out += [
            "BEGIN:VEVENT",
            f"UID:{room}-{n}@bench-ui.example",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:202703{day:02d}T{start // 60:02d}{start % 60:02d}00Z",
            f"DTEND:202703{day:02d}T{end // 60:02d}{end % 60:02d}00Z",
            f"SUMMARY:Meeting {n} in {room}",
            "END:VEVENT",
        ]
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def fill(api: httpx.Client, rooms: list[str], events: int) -> float:
    started = time.monotonic()
    pending = []
    for i, room in enumerate(rooms):
        made = api.post(
            "/api/v1/calendars", json={"id": room, "name": room, "timeZone": "Europe/Berlin"}
        )
        made.raise_for_status()
        resp = api.post(
            f"/api/v1/calendars/{room}/imports",
            content=ics(room, events, i).encode(),
            headers={"Content-Type": "text/calendar"},
        )
        if resp.status_code != 202:
            raise SystemExit(f"import refused: {resp.status_code} {resp.text[:300]}")
        pending.append(resp.headers["Location"])
    for location in pending:
        while (state := api.get(location).json())["status"] not in ("done", "failed"):
            time.sleep(0.2)
        if state["created"] != events:
            raise SystemExit(f"import: {state}")
    return time.monotonic() - started


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    resp = client.post("/ui/sign-in", data={"token": TOKEN, "next": "/ui/week"})
    if resp.status_code not in (200, 303) or "calgate_ui" not in client.cookies:
        raise SystemExit(f"sign-in failed: {resp.status_code}")
    return client


def listing(client: httpx.Client, room: str) -> httpx.Response:
    params = {"start": WEEK_UTC[0], "end": WEEK_UTC[1], "expand": "true", "limit": "2500"}
    resp = client.get(f"/api/v1/calendars/{room}/events", params=params)
    resp.raise_for_status()
    return resp


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(base: str, rooms: list[str], runs: int) -> dict[str, list[float]]:
    page = "/ui/week?" + "&".join(f"cal={r}" for r in rooms) + f"&date={MONDAY}"
    out: dict[str, list[float]] = {k: [] for k in ("html", "api_seq", "api_par", "direct")}
    with ExitStack() as stack:
        ui = signed_in(base)
        stack.callback(ui.close)
        direct = stack.enter_context(httpx.Client(base_url=base, headers=HEADERS, timeout=60))
        # the browser's parallel fetches: one keep-alive client per connection
        workers = [signed_in(base) for _ in range(6)]
        for worker in workers:
            stack.callback(worker.close)
        pool = stack.enter_context(ThreadPoolExecutor(6))
        for _ in range(3):  # warm up (first sync, caches)
            ui.get(page).raise_for_status()
            for room in rooms:
                listing(ui, room)
                listing(direct, room)
        for _ in range(runs):
            out["html"].append(timed(lambda: ui.get(page).raise_for_status()))
            out["api_seq"].append(timed(lambda: [listing(ui, r) for r in rooms]))
            out["api_par"].append(
                timed(
                    lambda: list(
                        pool.map(lambda ir: listing(workers[ir[0] % 6], ir[1]), enumerate(rooms))
                    )
                )
            )
            out["direct"].append(timed(lambda: [listing(direct, r) for r in rooms]))
    return out


def first_load(base: str, rooms: list[str]) -> tuple[list[tuple[str, int, int]], int, int, int]:
    """(url, bytes, gzip bytes) of the page and every stylesheet and script it names; the
    listings' bytes (plain and gzip) and items."""
    ui = signed_in(base)
    try:
        page = "/ui/week?" + "&".join(f"cal={r}" for r in rooms) + f"&date={MONDAY}"
        html = ui.get(page).content
        assets = re.findall(rb'(?:href|src)="(/ui/static/[^"]+\.(?:css|js))"', html)
        rows = [(page.split("?")[0] + "?cal=...", len(html), len(gzip.compress(html)))]
        for url in dict.fromkeys(a.decode() for a in assets):
            body = ui.get(url).content
            rows.append((url, len(body), len(gzip.compress(body))))
        bodies = [listing(ui, r).content for r in rooms]
        items = sum(b.count(b'"recurrenceId"') for b in bodies)
        size = sum(len(b) for b in bodies)
        zipped = sum(len(gzip.compress(b)) for b in bodies)
    finally:
        ui.close()
    return rows, size, zipped, items


CHROMIUM = os.environ.get("CALGATE_TEST_CHROMIUM", "/usr/bin/chromium")


def in_browser(base: str, rooms: list[str], runs: int) -> list[dict[str, float]] | None:
    """Headless Chromium (1280x800): ms from the navigation's start until week.js has handed
    the week's events to EventCalendar and the widget drew them, and how many it drew."""
    if runs == 0 or not os.access(CHROMIUM, os.X_OK):
        return None
    from playwright.sync_api import sync_playwright

    page_url = f"{base}/ui/week?" + "&".join(f"cal={r}" for r in rooms) + f"&date={MONDAY}"
    out = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/ui/sign-in?next=/ui/calendars")
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url("**/ui/calendars")
        for _ in range(runs + 1):  # the first warms the cache
            page.goto(page_url)
            page.wait_for_selector("#week-calendar[data-loaded]", state="attached", timeout=300_000)
            page.wait_for_function("document.querySelectorAll('.ec-event').length > 0")
            took = page.evaluate(
                "new Promise(r => requestAnimationFrame(() => r(performance.now())))"
            )
            marks = page.evaluate(
                "Object.fromEntries(performance.getEntriesByType('mark')"
                ".map(m => [m.name, m.startTime]))"
            )
            out.append(
                {
                    "start": 0.0,
                    "fetch": marks["week-fetch"],
                    "fetched": marks["week-fetched"],
                    "converted": marks["week-converted"],
                    "set": marks["week-set"],
                    "drawn": float(took),
                    "count": int(page.locator(".ec-event").count()),
                }
            )
        browser.close()
    return out[1:]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--browser-runs", type=int, default=5, help="0: no browser")
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "REPORT.md")
    args = parser.parse_args()
    rooms = [f"room-{i + 1:02d}" for i in range(args.rooms)]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        process = Serve(Path(tmp) / "data", free_port(), env=ENV)
        stack.callback(process.stop)
        api = stack.enter_context(httpx.Client(base_url=process.base, headers=HEADERS, timeout=300))
        process.until(lambda: api.get("/health").status_code == 200)
        filled = fill(api, rooms, args.events)
        print(f"filled {len(rooms)} rooms x {args.events} events in {filled:.1f} s")
        times = measure(process.base, rooms, args.runs)
        rows, size, zipped, items = first_load(process.base, rooms)
        drawn = in_browser(process.base, rooms, args.browser_runs)
    lines = report_lines(args, filled, times, rows, size, zipped, items, drawn)
    print("\n".join(lines[1:-1]))
    put_section(args.report, lines)
    return 0


def report_lines(
    args: argparse.Namespace,
    filled: float,
    times: dict[str, list[float]],
    rows: list[tuple[str, int, int]],
    size: int,
    zipped: int,
    items: int,
    drawn: list[dict[str, float]] | None,
) -> list[str]:
    n = args.rooms
    p = {k: percentiles(v) for k, v in times.items()}
    lines = [
        BEGIN,
        "## Week view (bench/bench_ui.py)",
        "",
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores (shared "
        f"with the client), load {os.getloadavg()[0]:.1f}. {n} rooms x {args.events} events in "
        f"the week shown ({items:,} listed), embedded store, SQLite, one `calgate serve` "
        f"process; filled by one import per room in {filled:.0f} s. {args.runs} runs after 3 "
        "warm-up runs; client-side times over loopback on keep-alive connections.",
        "",
        "| what | p50 | p95 |",
        "|---|---|---|",
        f"| `GET /ui/week?cal=...` x{n} (the HTML page) | {p['html'][0]:.1f} ms "
        f"| {p['html'][1]:.1f} ms |",
        f"| week.js's {n} listings with the session cookie, one after the other (sum) "
        f"| {p['api_seq'][0]:.0f} ms | {p['api_seq'][1]:.0f} ms |",
        f"| the same {n} listings at once over 6 connections, as the browser sends them (wall) "
        f"| {p['api_par'][0]:.0f} ms | {p['api_par'][1]:.0f} ms |",
        f"| direct: the same {n} listings with a bearer token, no UI, one after the other "
        f"| {p['direct'][0]:.0f} ms | {p['direct'][1]:.0f} ms |",
        "",
        "A first load downloads (gzip: what calgate sends a browser that accepts it; the HTML "
        "page goes uncompressed, as it holds a CSRF token):",
        "",
        "| file | bytes | gzip |",
        "|---|---|---|",
    ]
    for url, plain, gz in rows:
        lines.append(f"| `{url}` | {plain:,} | {gz:,} |")
    total, total_gz = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines += [
        f"| **page, CSS and JS** | **{total:,}** | **{total_gz:,}** |",
        f"| the week's {n} listings (JSON, {items:,} events) | {size:,} | {zipped:,} |",
        "",
    ]
    if drawn:

        def span(a: str, b: str) -> str:
            mid, high = percentiles([d[b] - d[a] for d in drawn])
            return f"{mid:,.0f} ms | {high:,.0f} ms"

        lines += [
            f"In headless Chromium (1280x800, side by side, {len(drawn)} loads after one that "
            f"fills the cache; {int(drawn[-1]['count']):,} event elements drawn), from "
            "week.js's performance marks:",
            "",
            "| step | p50 | p95 |",
            "|---|---|---|",
            f"| navigation start to week.js's first fetch (HTML, CSS, JS, widget set up) "
            f"| {span('start', 'fetch')} |",
            f"| the {n} listings fetched and parsed | {span('fetch', 'fetched')} |",
            f"| converted into the shown zone (Intl.DateTimeFormat) | "
            f"{span('fetched', 'converted')} |",
            f"| handed to EventCalendar (`setOption('events')`) | {span('converted', 'set')} |",
            f"| until drawn (the next animation frame) | {span('set', 'drawn')} |",
            f"| **navigation start to events drawn** | {span('start', 'drawn')} |",
            "",
        ]
    lines += [
        "The static files are cacheable (served with ETag and Last-Modified, not `no-store`): "
        "a second load fetches the HTML and the listings, and revalidates the rest.",
        END,
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
