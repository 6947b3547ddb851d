"""First benchmark: calgate against the plain `caldav` library on the same Radicale.

Starts calgate for real (uvicorn on a loopback port, embedded Radicale store in a temporary data
folder), fills the default calendar, then measures in one run, side by side:

- create one event: POST through calgate vs `Calendar.add_event` straight to Radicale
- get one event:    GET through calgate vs `Calendar.event_by_url(...).load()` (one GET), and
                    `event_by_uid` (what a tool that only knows the UID pays)
- list one month:   GET ?expand=true through calgate vs `Calendar.search(expand=True)`
- the caldav client mode calgate uses: sync client in worker threads vs the async client

Usage: .venv/bin/python bench/bench_basic.py [--events 300] [--repeat 15] [--report bench/REPORT.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import caldav
import httpx2 as httpx
import uvicorn
from caldav import aio

from calgate.api.app import create_app
from calgate.lifecycle import Lifecycle
from calgate.runtime import Runtime
from calgate.settings import Settings

TOKEN = "cg_bench-admin-token-0123456789abcdef"
MONTH = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))


def ical(uid: str, start: datetime, minutes: int = 60, rrule: str | None = None) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calgate bench//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART:{start.strftime(fmt)}",
        f"DTEND:{(start + timedelta(minutes=minutes)).strftime(fmt)}",
        f"SUMMARY:Bench {uid[:8]}",
    ]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_health(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"calgate at {base} did not come up")


def start_calgate(data_dir: Path, **overrides: Any) -> tuple[uvicorn.Server, Lifecycle, str]:
    """calgate for real: uvicorn on a loopback port, the embedded store in ``data_dir``;
    ``overrides`` are settings (bench_index.py sets index_max_age)."""
    port = free_port()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, admin_token=TOKEN, port=port, **overrides
    )
    lifecycle = Lifecycle(settings)
    lifecycle.start()
    config = uvicorn.Config(
        create_app(lifecycle=lifecycle), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    wait_health(base)
    return server, lifecycle, base


@contextmanager
def warm_calgate(data_dir: Path) -> Iterator[tuple[Runtime, httpx.Client, caldav.DAVClient]]:
    """calgate with its index kept warm (no background sync), an API client with the admin
    token and a caldav client on the embedded store's internal URL; all stopped after."""
    server, lifecycle, base = start_calgate(data_dir, index_max_age=3600, background_sync=False)
    runtime = lifecycle.runtime
    store = runtime.embedded
    assert store is not None
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600)
    dav = caldav.DAVClient(
        url=runtime.embedded_base_url(),
        username=store.internal_username,
        password=store.internal_password,
    )
    try:
        yield runtime, api, dav
    finally:
        api.close()
        dav.close()
        server.should_exit = True
        lifecycle.stop()


def client_modes(
    url: str, user: str, password: str, cal_url: str, n: int = 48, workers: int = 8
) -> dict[str, float]:
    """Wall time for n PUTs with `workers` in flight: sync client in threads vs async client."""
    local = threading.local()

    def sync_put(_: int) -> None:
        # One client per worker thread, as calgate.upstream keeps them.
        if not hasattr(local, "dav"):
            local.dav = caldav.DAVClient(url=url, username=user, password=password)
        local.dav.put(
            f"{cal_url}mode-{uuid.uuid4().hex}.ics",
            ical(uuid.uuid4().hex, MONTH[0]),
            {"Content-Type": "text/calendar"},
        )

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(sync_put, range(n)))
    sync_s = time.perf_counter() - t0

    async def run_async() -> int:
        """Returns how many PUTs failed (the async client shares one session between tasks)."""
        sem = asyncio.Semaphore(workers)
        async with aio.AsyncDAVClient(url=url, username=user, password=password) as dav:

            async def one() -> bool:
                async with sem:
                    try:
                        resp = await dav.put(
                            f"{cal_url}mode-{uuid.uuid4().hex}.ics",
                            ical(uuid.uuid4().hex, MONTH[0]),
                            {"Content-Type": "text/calendar"},
                        )
                    except Exception:
                        return False
                    return resp.status == 201

            results = await asyncio.gather(*(one() for _ in range(n)))
        return results.count(False)

    t0 = time.perf_counter()
    failed = asyncio.run(run_async())
    async_s = time.perf_counter() - t0
    return {"sync": sync_s * 1000 / n, "async": async_s * 1000 / n, "async_failed": failed, "n": n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=300, help="events in the calendar (10%% weekly series)"
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per operation (median)")
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "REPORT.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server, lifecycle, base = start_calgate(Path(tmp) / "data")
        runtime = lifecycle.runtime
        store = runtime.embedded
        assert store is not None
        dav = caldav.DAVClient(
            url=runtime.embedded_base_url(),
            username=store.internal_username,
            password=store.internal_password,
        )
        cal_url = runtime.embedded_base_url().rstrip("/") + store.calendar_path("default")
        cal = dav.calendar(url=cal_url)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)

        print(f"filling the calendar with {args.events} events ...", flush=True)
        first = datetime(2027, 1, 4, 9, tzinfo=UTC)
        for i in range(args.events):
            start = first + timedelta(days=(i * 7) % 180, hours=i % 8)
            rrule = "FREQ=WEEKLY;COUNT=20" if i % 10 == 0 else None
            cal.add_event(ical(f"fill-{i}-{uuid.uuid4().hex}", start, rrule=rrule))

        body = {"title": "Bench", "start": "2027-03-10T10:00:00Z", "end": "2027-03-10T11:00:00Z"}
        made = api.post("/api/v1/calendars/default/events", json=body).json()
        probe_uid = made["uid"]
        probe_url = f"{cal_url}{made['id']}.ics"

        rows = []

        def row(
            name: str,
            calgate_fn: Callable[[], object],
            direct_fn: Callable[[], object],
            direct_name: str,
        ) -> None:
            c = median_ms(calgate_fn, args.repeat)
            d = median_ms(direct_fn, args.repeat)
            rows.append((name, c, d, direct_name))
            print(
                f"{name:<28} calgate {c:8.1f} ms   {direct_name} {d:8.1f} ms   ratio {c / d:5.2f}",
                flush=True,
            )

        row(
            "create one event",
            lambda: api.post("/api/v1/calendars/default/events", json=body).raise_for_status(),
            lambda: cal.add_event(ical(uuid.uuid4().hex, datetime(2027, 3, 10, 10, tzinfo=UTC))),
            "caldav add_event",
        )
        row(
            "get one event (by id)",
            lambda: api.get(f"/api/v1/calendars/default/events/{made['id']}").raise_for_status(),
            lambda: cal.event_by_url(probe_url).load(),
            "caldav event_by_url().load()",
        )
        row(
            "get one event (by UID)",
            lambda: api.get(f"/api/v1/calendars/default/events/{made['id']}").raise_for_status(),
            lambda: cal.event_by_uid(probe_uid),
            "caldav event_by_uid",
        )
        params = {"start": MONTH[0].isoformat(), "end": MONTH[1].isoformat(), "expand": "true"}
        month_count = len(
            api.get("/api/v1/calendars/default/events", params=params).json()["items"]
        )
        row(
            f"list a month, expanded ({month_count})",
            lambda: api.get("/api/v1/calendars/default/events", params=params).raise_for_status(),
            lambda: cal.search(start=MONTH[0], end=MONTH[1], event=True, expand=True),
            "caldav search(expand=True)",
        )

        modes = client_modes(
            runtime.embedded_base_url(), store.internal_username, store.internal_password, cal_url
        )
        print(
            f"client mode, 48 PUTs, 8 in flight: sync+threads {modes['sync']:.1f} ms/PUT, "
            f"async {modes['async']:.1f} ms/PUT ({modes['async_failed']} failed)",
            flush=True,
        )
        api.close()
        dav.close()
        server.should_exit = True
        time.sleep(0.5)
        lifecycle.stop()

    write_report(args, rows, modes)
    print(f"report written to {args.report}")
    return 0


def write_report(
    args: argparse.Namespace, rows: list[tuple[str, float, float, str]], modes: dict[str, float]
) -> None:
    lines = [
        "# Benchmark: calgate against the plain caldav library",
        "",
        "Made by `.venv/bin/python bench/bench_basic.py "
        f"--events {args.events} --repeat {args.repeat}` "
        f"on {datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}.",
        "",
        "calgate runs for real (uvicorn on loopback, embedded Radicale); the direct column uses",
        "the `caldav` library against the same Radicale (calgate's internal loopback server),",
        "in the same run.",
        f"The calendar holds {args.events} events, one in ten a weekly series of 20. Medians of "
        f"{args.repeat} runs after one warm-up.",
        "",
        "| operation | calgate (ms) | direct (ms) | direct operation | calgate / direct |",
        "|---|---:|---:|---|---:|",
    ]
    for name, c, d, direct in rows:
        lines.append(f"| {name} | {c:.1f} | {d:.1f} | {direct} | {c / d:.2f} |")
    lines += [
        "",
        "## caldav client mode (the choice in docs/architecture.md)",
        "",
        "48 PUTs to Radicale with 8 in flight, milliseconds of wall time per PUT:",
        "",
        "| sync client in worker threads | async client (asyncio) | async PUTs that failed |",
        "|---:|---:|---:|",
        f"| {modes['sync']:.1f} | {modes['async']:.1f} | {modes['async_failed']} of {modes['n']} |",
        "",
        "## Reading it",
        "",
        "- calgate talks to Radicale itself, so each calgate request costs the direct operation",
        "  plus one HTTP hop, a token check and JSON: a few milliseconds, visible on the cheapest",
        "  call (get by id). A tool that knows only a UID pays the `caldav` library's three",
        "  REPORTs; calgate's ids map to the resource directly.",
        "- Listing a month asks Radicale for the window and expands in calgate; with no local",
        "  index yet, it costs the same as the direct search. The index (issue 3) makes it fast.",
        "- The async client failures are PUTs that reached Radicale with an empty body",
        '  ("Request body too short: 0") when several requests shared its session.',
        "",
    ]
    write_section(args.report, lines)


BEGIN, END = "<!-- bench_basic:begin -->", "<!-- bench_basic:end -->"


def write_section(report: Path, lines: list[str]) -> None:
    """This benchmark's part of the report, between its markers; the other benchmarks'
    sections (free/busy, clearing) stay. A report from before the markers: its head is ours."""
    old = report.read_text() if report.exists() else ""
    if BEGIN in old and END in old:
        rest = old.split(END, 1)[1]
    else:
        found = [i for i in (old.find("\n<!-- bench_"), old.find("\n## Clearing")) if i >= 0]
        rest = old[min(found) :] if found else ""
    tail = "\n\n" + rest.lstrip("\n") if rest.strip() else "\n"
    report.write_text("\n".join([BEGIN, *lines, END]) + tail)


def put_section(report: Path, lines: list[str]) -> None:
    """A benchmark's section of the report, between the markers that are its first and last
    line: replaced where it is, else appended; the other sections stay."""
    begin, end = lines[0], lines[-1]
    current = report.read_text() if report.exists() else ""
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        report.write_text(head + "\n".join(lines) + rest.split(end, 1)[1])
    else:
        report.write_text(current.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
