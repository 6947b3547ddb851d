"""Webhook delivery benchmark (issue 17, Benchmark): real `calgate serve` processes on one
PostgreSQL database (a fresh one, dropped afterwards) and one data folder, a receiver on
loopback in this process.

1. Throughput and latency, with one process and with two: ``--changes`` creates through the
   API (8 client threads, spread over the processes); changes per second delivered (from the
   first write to the last receipt) and, per change, the time from the API write's response
   to the receiver's receipt of its ``event.created`` (p50, p99). The worker runs every
   ``CALGATE_WEBHOOK_INTERVAL`` (0.5 s, the default), which bounds the latency from below.
2. Memory: one process whose receiver is down (a closed port: every attempt is refused at
   once) with ``--pending`` messages queued (rows written straight into the table, as that
   many changes would leave them): the process's RSS while its worker claims and retries
   them, beside its RSS before they were queued.

Usage: .venv/bin/python bench/bench_webhooks.py [--changes 1000] [--pending 10000]
       [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--report bench/REPORT.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN, free_port, put_section
from bench_recovery import Serve

from calgate.db.models import WebhookDeliveryRow

BEGIN = "<!-- bench_webhooks:begin -->"
END = "<!-- bench_webhooks:end -->"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
EVENTS = "/api/v1/calendars/default/events"
MEMORY_SECONDS = 30.0


class Receiver:
    """Answers 204 at once and notes when each event's ``event.created`` arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.monotonic()
                self.send_response(204)
                self.end_headers()
                message = json.loads(body)
                receiver.requests += 1
                if message["type"] == "event.created":
                    receiver.arrived.setdefault(message["data"]["eventId"], now)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"calgate_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def processes(count: int, database: str, **env: str) -> Iterator[list[Serve]]:
    settings = {
        "CALGATE_DATABASE_URL": database,
        "CALGATE_WEBHOOK_ALLOW_HTTP": "true",
        "CALGATE_WEBHOOK_ALLOW_PRIVATE": "true",
        "CALGATE_LOG_LEVEL": "WARNING",
        **env,
    }
    with tempfile.TemporaryDirectory(prefix="calgate-webhooks-") as tmp:
        started: list[Serve] = []
        try:
            for _ in range(count):  # one after the other: the first migrates
                serve = Serve(Path(tmp) / "data", free_port(), settings)
                started.append(serve)
                serve.until(lambda s=serve: httpx.get(f"{s.base}/health").status_code == 200)
            yield started
        finally:
            for serve in started:
                if serve.proc.poll() is None:
                    serve.stop()


def subscribe(base: str, url: str) -> str:
    made = httpx.post(
        f"{base}/api/v1/webhooks", json={"url": url, "events": ["event.created"]}, headers=HEADERS
    )
    made.raise_for_status()
    return str(made.json()["id"])


def create(api: httpx.Client, n: int, title: str = "bench") -> str:
    month, day, hour = 1 + n // 672 % 12, 1 + n % 28, n // 28 % 24
    body = {
        "title": f"{title} {n}",
        "start": f"2027-{month:02d}-{day:02d}T{hour:02d}:00:00Z",
        "end": f"2027-{month:02d}-{day:02d}T{hour:02d}:30:00Z",
    }
    made = api.post(EVENTS, json=body)
    made.raise_for_status()
    return str(made.json()["id"])


def until_delivering(base: str, receiver: Receiver) -> None:
    """Probe changes until one arrives: the workers have seen the endpoint."""
    with httpx.Client(base_url=base, headers=HEADERS, timeout=60) as api:
        api.get(EVENTS).raise_for_status()
        for n in range(200):
            create(api, 9000 + n, "probe")
            deadline = time.monotonic() + 0.5
            while not receiver.arrived and time.monotonic() < deadline:
                time.sleep(0.02)
            if receiver.arrived:
                return
    raise SystemExit("no probe change was delivered")


def throughput(count: int, changes: int, postgres: str) -> dict[str, Any]:
    receiver = Receiver()
    try:
        with fresh_database(postgres) as database, processes(count, database) as started:
            subscribe(started[0].base, receiver.url)
            until_delivering(started[-1].base, receiver)
            clients = [httpx.Client(base_url=s.base, headers=HEADERS, timeout=120) for s in started]
            answered: dict[str, float] = {}
            lock = threading.Lock()

            def one(n: int) -> None:
                event_id = create(clients[n % count], n)
                with lock:
                    answered[event_id] = time.monotonic()

            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(one, range(changes)))
            writes_s = time.monotonic() - t0
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not set(answered) <= set(receiver.arrived):
                time.sleep(0.05)
            for client in clients:
                client.close()
    finally:
        receiver.close()
    got = [event_id for event_id in answered if event_id in receiver.arrived]
    last = max(receiver.arrived[e] for e in got)
    latency = sorted((receiver.arrived[e] - answered[e]) * 1000 for e in got)
    return {
        "processes": count,
        "changes": changes,
        "delivered": len(got),
        "writes_per_s": changes / writes_s,
        "delivered_per_s": len(got) / (last - t0),
        "p50_ms": statistics.median(latency),
        "p99_ms": latency[min(len(latency) - 1, int(len(latency) * 0.99))],
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory(pending: int, postgres: str) -> dict[str, Any]:
    down = f"http://127.0.0.1:{free_port()}/hooks"  # nothing listens there
    with fresh_database(postgres) as database, processes(1, database) as (serve,):
        endpoint = subscribe(serve.base, down)
        time.sleep(3)
        idle = rss_kib(serve.proc.pid)
        engine = create_engine(database)
        now = datetime.now(UTC)
        payload = json.dumps(
            {"type": "event.created", "timestamp": now.isoformat(), "data": {"x": "y" * 200}}
        )
        rows = [
            {
                "endpoint_id": endpoint,
                "message_id": f"msg_bench{n:08d}",
                "event_type": "event.created",
                "payload": payload,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for n in range(pending)
        ]
        with engine.begin() as conn:
            conn.execute(insert(WebhookDeliveryRow), rows)
        samples: list[int] = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < MEMORY_SECONDS:
            samples.append(rss_kib(serve.proc.pid))
            time.sleep(0.5)
        with engine.connect() as conn:
            attempts = conn.scalar(select(func.sum(WebhookDeliveryRow.attempts))) or 0
            tried = conn.scalar(select(func.count()).where(WebhookDeliveryRow.attempts > 0)) or 0
        engine.dispose()
    return {
        "pending": pending,
        "idle_mib": idle / 1024,
        "peak_mib": max(samples) / 1024,
        "end_mib": samples[-1] / 1024,
        "attempts": attempts,
        "tried": tried,
        "seconds": MEMORY_SECONDS,
    }


def report_lines(runs: list[dict[str, Any]], mem: dict[str, Any]) -> list[str]:
    lines = [
        BEGIN,
        "## Webhook delivery (bench/bench_webhooks.py)",
        "",
        f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores (shared "
        "with the client, the receiver and PostgreSQL). `calgate serve` processes on one "
        "PostgreSQL database and one data folder (the embedded store); creates through the API "
        "from 8 client threads spread over the processes; a receiver on loopback answering 204 "
        "at once; the worker's round every 0.5 s (`CALGATE_WEBHOOK_INTERVAL`, the default).",
        "",
        "| processes | changes | delivered | API writes/s | delivered/s | latency p50 | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['processes']} | {r['changes']:,} | {r['delivered']:,} | "
            f"{r['writes_per_s']:.1f} | {r['delivered_per_s']:.1f} | {r['p50_ms']:.0f} ms | "
            f"{r['p99_ms']:.0f} ms |"
        )
    lines += [
        "",
        "delivered/s: changes delivered from the first write to the last receipt. Latency: "
        "from the API write's response to the receiver reading the message; a quarter of a "
        "second on average is waiting for the worker's next round, the rest is the worker "
        "catching up: it sends one message at a time, and with one process it shares that "
        "process's CPU with the API writes, so it falls behind them while they last.",
        "",
        f"Memory: one process, its receiver down (a closed port), {mem['pending']:,} messages "
        f"queued: RSS {mem['idle_mib']:.0f} MiB before they were queued, at most "
        f"{mem['peak_mib']:.0f} MiB (at the end {mem['end_mib']:.0f} MiB) over "
        f"{mem['seconds']:.0f} s in which the worker tried {mem['tried']:,} of them (claimed "
        "20 at a time, each failure put back to wait for its next attempt): the pending "
        "messages stay in the database, not in memory.",
        "",
        f"Load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine moves "
        "these numbers).",
        END,
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "CALGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "REPORT.md")
    parser.add_argument("--no-report", action="store_true", help="print only")
    args = parser.parse_args()
    runs = [throughput(count, args.changes, args.postgres) for count in (1, 2)]
    mem = memory(args.pending, args.postgres)
    lines = report_lines(runs, mem)
    print("\n".join(lines[1:-1]))
    if not args.no_report:
        put_section(args.report, lines)
        print(f"section written to {args.report}")
    return 0 if all(r["delivered"] == r["changes"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
