"""Recovery benchmark: `kill -9` during a burst of creates, then a restart (issue 14, point 12).

A real `calgate serve` subprocess on the embedded store holding ``--events`` events (written
with Radicale's storage API, then indexed by one full listing), ``--burst`` creates in flight
with Idempotency-Keys when the process gets SIGKILL. Then it is started again on the same data
folder and this measures:

1. seconds from the restart until `/health`, a month listing and a create (a new key) answer;
2. the retries of every key of the burst: each must end in a 201 (no 409 "still being
   processed" for good), the ids answered before the kill replayed, and every acknowledged
   event in the calendar exactly once.

Goal: a read and a write work again within 10 s of the restart at 10,000 events.

Usage: .venv/bin/python bench/bench_recovery.py [--events 10000] [--burst 40]
       [--report bench/REPORT.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN, free_port, put_section
from bench_index import fill_store
from index_data import MONTH, dataset

from calgate.embedded.store import EmbeddedStore

BEGIN = "<!-- bench_recovery:begin -->"
END = "<!-- bench_recovery:end -->"
GOAL_SECONDS = 10.0
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


class Serve:
    """``python -m calgate serve`` on a loopback port; output to a file."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = (data_dir.parent / f"serve-{port}.log").open("ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "calgate", "serve", "--port", str(port), "--data-dir", data_dir],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "CALGATE_ADMIN_TOKEN": TOKEN, **(env or {})},
        )

    def until(self, ok: Any, within: float = 120.0) -> float:
        """Seconds from the start of the process until ``ok()`` is true."""
        while time.monotonic() - self.started < within:
            try:
                if ok():
                    return time.monotonic() - self.started
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"calgate serve exited with {self.proc.returncode}")
            time.sleep(0.05)
        raise SystemExit(f"no answer within {within} s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def body(n: int, title: str = "burst") -> dict[str, Any]:
    return {
        "title": f"{title} {n}",
        "start": f"2027-03-{1 + n % 28:02d}T{8 + n % 9:02d}:00:00Z",
        "end": f"2027-03-{1 + n % 28:02d}T{8 + n % 9:02d}:30:00Z",
    }


def create(api: httpx.Client, key: str, n: int, title: str = "burst") -> httpx.Response:
    return api.post(
        "/api/v1/calendars/default/events", json=body(n, title), headers={"Idempotency-Key": key}
    )


def burst_and_kill(serve: Serve, count: int) -> tuple[dict[str, str], float]:
    """``count`` creates from 8 threads; SIGKILL once a quarter has its answer (at most 60 s).
    The ids answered."""
    answered: dict[str, str] = {}
    keys = [f"burst-{n}" for n in range(count)]
    lock = threading.Lock()
    api = httpx.Client(base_url=serve.base, headers=HEADERS, timeout=30)

    def worker(mine: list[int]) -> None:
        for n in mine:
            try:
                r = create(api, keys[n], n)
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                with lock:
                    answered[keys[n]] = r.json()["id"]

    threads = [
        threading.Thread(target=worker, args=(list(range(i, count, 8)),), daemon=True)
        for i in range(8)
    ]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    while time.monotonic() - t0 < 60:
        with lock:
            if len(answered) >= count // 4:
                break
        time.sleep(0.01)
    serve.kill()
    killed = time.monotonic() - t0
    for t in threads:
        t.join(timeout=30)
    api.close()
    with lock:
        return dict(answered), killed


def run(events: int, burst: int) -> dict[str, Any]:
    facts: dict[str, Any] = {"events": events, "burst": burst}
    started: list[Serve] = []
    try:
        return _run(events, burst, facts, started)
    finally:
        for serve in started:
            if serve.proc.poll() is None:
                serve.proc.kill()
                serve.proc.wait(timeout=20)


def _run(events: int, burst: int, facts: dict[str, Any], started: list[Serve]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="calgate-recovery-") as tmp:
        data = Path(tmp) / "data"
        port = free_port()
        first = Serve(data, port)
        started.append(first)
        first.until(lambda: httpx.get(f"{first.base}/health", timeout=1).status_code == 200)
        first.stop()
        store = EmbeddedStore(data / "collections", lambda _s: None)
        t0 = time.monotonic()
        fill_store(data / "collections", store.calendar_path("default"), dataset(events, 500))
        facts["fill_s"] = time.monotonic() - t0
        listing = {"start": MONTH[0].isoformat(), "end": MONTH[1].isoformat(), "limit": "10"}
        serve = Serve(data, port)
        started.append(serve)
        api = httpx.Client(base_url=serve.base, headers=HEADERS, timeout=900)
        facts["index_s"] = serve.until(
            lambda: api.get("/api/v1/calendars/default/events", params=listing).status_code == 200,
            within=900,
        )
        # warm: one create so the burst measures steady state
        assert create(api, f"warm-{uuid.uuid4()}", 0, "warm").status_code == 201
        answered, facts["killed_after_s"] = burst_and_kill(serve, burst)
        facts["answered_before_kill"] = len(answered)

        again = Serve(data, port)
        started.append(again)
        api = httpx.Client(base_url=again.base, headers=HEADERS, timeout=60)
        facts["health_s"] = again.until(lambda: api.get("/health", timeout=1).status_code == 200)
        facts["read_s"] = again.until(
            lambda: api.get("/api/v1/calendars/default/events", params=listing).status_code == 200
        )
        facts["write_s"] = again.until(
            lambda: create(api, f"after-{uuid.uuid4()}", 1, "after").status_code == 201
        )
        t0 = time.monotonic()
        finals: dict[str, int] = {}
        ids: dict[str, str] = {}
        for n in range(burst):
            key = f"burst-{n}"
            r = create(api, key, n)
            finals[key] = r.status_code
            if r.status_code == 201:
                ids[key] = r.json()["id"]
        facts["retries_s"] = time.monotonic() - t0
        facts["retries_201"] = sum(1 for s in finals.values() if s == 201)
        facts["retries_other"] = {k: s for k, s in finals.items() if s != 201}
        facts["replay_changed_id"] = sorted(k for k, i in answered.items() if ids.get(k) != i)
        titles: dict[str, int] = {}
        page: str | None = None
        while True:
            params = {**listing, "q": "burst", "limit": "500"}
            if page:
                params["pageToken"] = page
            got = api.get("/api/v1/calendars/default/events", params=params).json()
            for item in got["items"]:
                titles[item["title"]] = titles.get(item["title"], 0) + 1
            page = got.get("nextPageToken")
            if not page:
                break
        facts["twice"] = sorted(t for t, c in titles.items() if c > 1)
        facts["missing"] = sorted(f"burst {n}" for n in range(burst) if f"burst {n}" not in titles)
        again.stop()
    return facts


def report_lines(facts: dict[str, Any]) -> list[str]:
    worst = max(facts["read_s"], facts["write_s"])
    verdict = "met" if worst <= GOAL_SECONDS else "MISSED"
    return [
        BEGIN,
        "## Recovery after kill -9 (bench/bench_recovery.py)",
        "",
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores. The "
        f"embedded store holds {facts['events']:,} events; {facts['burst']} creates with "
        f"Idempotency-Keys were in flight (8 at a time) when `calgate serve` got SIGKILL after "
        f"{facts['killed_after_s']:.1f} s ({facts['answered_before_kill']} had their 201).",
        "",
        "| after the restart | seconds |",
        "|---|---|",
        f"| `/health` answers | {facts['health_s']:.2f} |",
        f"| a month listing answers | {facts['read_s']:.2f} |",
        f"| a create (new key) answers 201 | {facts['write_s']:.2f} |",
        f"| the {facts['burst']} keys retried, one after another | {facts['retries_s']:.2f} |",
        "",
        f"Goal: a read and a write within {GOAL_SECONDS:.0f} s of the restart: {verdict} "
        f"({worst:.2f} s). Retries answered 201: {facts['retries_201']} of {facts['burst']}"
        f" (other answers: {facts['retries_other'] or 'none'}); ids answered before the kill "
        f"and replayed differently: {len(facts['replay_changed_id'])}; events twice: "
        f"{len(facts['twice'])}; missing: {len(facts['missing'])}. (Filling the store took "
        f"{facts['fill_s']:.1f} s, the first full index {facts['index_s']:.1f} s.)",
        END,
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "REPORT.md")
    parser.add_argument("--no-report", action="store_true", help="print only")
    args = parser.parse_args()
    facts = run(args.events, args.burst)
    lines = report_lines(facts)
    print("\n".join(lines[1:-1]))
    if not args.no_report:
        put_section(args.report, lines)
        print(f"section written to {args.report}")
    ok = (
        max(facts["read_s"], facts["write_s"]) <= GOAL_SECONDS
        and not facts["retries_other"]
        and not facts["twice"]
        and not facts["missing"]
        and not facts["replay_changed_id"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
