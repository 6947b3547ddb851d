"""The request path: calgate beside a bare FastAPI app that returns the same bytes (issue 15).

One run on one machine: a real `calgate serve` on the embedded store with ``--events`` events in
one month, and a bare FastAPI app under the same uvicorn that answers the same two paths with the
bytes calgate gave (same status, same content type), nothing else. A closed-loop client of
``--connections`` keep-alive connections (threads, one ``httpx`` client each) sends one request
after another for ``--seconds`` seconds to each, for:

1. ``GET`` one event (calgate JSON);
2. the month listing of all the events.

It prints requests/s of both and calgate's share of the bare app's, against the goals of issue 15
(60% for one event, 50% for the listing), and writes a section of bench/REPORT.md. The client runs
on the same cores as the servers, so absolute numbers are low on a small machine; the ratio is
the point.

Usage: .venv/bin/python bench/bench_request_path.py [--events 50] [--connections 16]
       [--seconds 8] [--report bench/REPORT.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN, free_port, put_section
from bench_recovery import Serve

BEGIN = "<!-- bench_request_path:begin -->"
END = "<!-- bench_request_path:end -->"
GOALS = {"one event": 0.60, "month listing": 0.50}
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
EVENTS = "/api/v1/calendars/default/events"
MONTH = {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z", "limit": "250"}

BARE_APP = textwrap.dedent(
    """
    import json, pathlib, sys
    from fastapi import FastAPI, Request, Response

    answers = json.loads(pathlib.Path(sys.argv[1]).read_text())
    app = FastAPI()

    @app.get("/{path:path}")
    def answer(path: str, request: Request) -> Response:
        found = answers["/" + path]
        return Response(found["body"].encode(), media_type=found["type"])

    if __name__ == "__main__":
        import uvicorn
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


def fill(base: str, events: int) -> str:
    """``events`` one-hour events in March 2027; the id of the first."""
    with httpx.Client(base_url=base, headers=HEADERS, timeout=30) as api:
        return fill_with(api, events)


def fill_with(api: Any, events: int) -> str:
    """:func:`fill` through a client already made (an httpx or a Starlette test client)."""
    first = ""
    for n in range(events):
        day, hour = 1 + n % 28, 8 + n % 10
        resp = api.post(
            EVENTS,
            json={
                "title": f"Event {n}",
                "start": f"2027-03-{day:02d}T{hour:02d}:00:00Z",
                "end": f"2027-03-{day:02d}T{hour:02d}:45:00Z",
                "location": "Room 1",
            },
        )
        resp.raise_for_status()
        first = first or resp.json()["id"]
    return first


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process, all its threads (None where /proc is not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def closed_loop(
    url: str, params: dict[str, str], connections: int, seconds: float, pid: int | None = None
) -> tuple[float, float | None]:
    """Requests per second of ``connections`` clients each sending the next request when the
    last answered (the first second is a warm-up and not counted), and the CPU milliseconds
    the server process ``pid`` spent per request meanwhile (None when not measured)."""
    counts = [0] * connections
    start = time.monotonic() + 1.0
    stop = start + seconds
    used: list[float | None] = []

    def meter() -> None:
        for moment in (start, stop):
            time.sleep(max(moment - time.monotonic(), 0))
            used.append(cpu_seconds(pid) if pid is not None else None)

    def client(i: int) -> None:
        with httpx.Client(headers=HEADERS, timeout=30) as http:
            while (now := time.monotonic()) < stop:
                resp = http.get(url, params=params)
                if resp.status_code != 200:
                    raise SystemExit(f"{url}: {resp.status_code} {resp.text[:200]}")
                if now >= start:
                    counts[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    threads.append(threading.Thread(target=meter))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = sum(counts)
    before, after = used
    per_request = None
    if before is not None and after is not None and done:
        per_request = 1000 * (after - before) / done
    return done / seconds, per_request


def run(events: int, connections: int, seconds: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="calgate-bench-path-"))
    serve = Serve(folder / "data", free_port())
    bare: subprocess.Popen[bytes] | None = None
    try:
        serve.until(lambda: httpx.get(f"{serve.base}/health", timeout=1).status_code == 200)
        event_id = fill(serve.base, events)
        paths = {"one event": (f"{EVENTS}/{event_id}", {}), "month listing": (EVENTS, MONTH)}
        answers = {}
        for name, (path, params) in paths.items():
            resp = httpx.get(serve.base + path, params=params, headers=HEADERS, timeout=30)
            resp.raise_for_status()
            answers[path] = {"body": resp.text, "type": resp.headers["content-type"]}
            if name == "month listing" and len(resp.json()["items"]) != events:
                raise SystemExit("the month listing does not hold every event")
        (folder / "answers.json").write_text(json.dumps(answers))
        (folder / "bare.py").write_text(BARE_APP)
        port = free_port()
        bare = subprocess.Popen(
            [sys.executable, str(folder / "bare.py"), str(folder / "answers.json"), str(port)]
        )
        base_bare = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(base_bare + EVENTS, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows = {}
        for name, (path, params) in paths.items():
            bare_rate, bare_cpu = closed_loop(
                base_bare + path, params, connections, seconds, bare.pid
            )
            rate, cpu = closed_loop(serve.base + path, params, connections, seconds, serve.proc.pid)
            rows[name] = (rate, bare_rate, len(answers[path]["body"]), cpu, bare_cpu)
        return {
            "events": events,
            "connections": connections,
            "seconds": seconds,
            "rows": rows,
            "load": os.getloadavg()[0],
        }
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=20)
        serve.stop()


def report_lines(facts: dict[str, Any]) -> list[str]:
    lines = [
        BEGIN,
        "## The request path: calgate beside a bare FastAPI app (bench/bench_request_path.py)",
        "",
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"{facts['connections']} keep-alive connections, closed loop, {facts['seconds']:g} s each, "
        f"client and servers on the same cores. The embedded store holds {facts['events']} events "
        "in March 2027; the bare app returns the bytes calgate gave for the same path. "
        f"Load average at the end: {facts['load']:.1f} (other work on the machine moves the "
        "requests/s; the CPU time each server spent per request, all its threads, moves less).",
        "",
        "| request | bytes | calgate req/s | bare FastAPI req/s | calgate's share | goal "
        "| calgate CPU ms/request | bare CPU ms/request |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (mine, bare, size, cpu, bare_cpu) in facts["rows"].items():
        share = mine / bare if bare else 0.0
        verdict = "met" if share >= GOALS[name] else "not yet"
        lines.append(
            f"| {name} | {size:,} | {mine:.0f} | {bare:.0f} | {share:.0%} | "
            f"{GOALS[name]:.0%} ({verdict}) | {_ms(cpu)} | {_ms(bare_cpu)} |"
        )
    lines.append(END)
    return lines


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "REPORT.md")
    parser.add_argument("--no-report", action="store_true", help="print only")
    args = parser.parse_args()
    lines = report_lines(run(args.events, args.connections, args.seconds))
    print("\n".join(lines[1:-1]))
    if not args.no_report:
        put_section(args.report, lines)
        print(f"section written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
