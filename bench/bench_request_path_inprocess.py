"""The request path in-process: calgate's ASGI app and the bare app of bench_request_path.py,
called directly, one request at a time (issue 15).

No network, no client, no uvicorn: the CPU microseconds each app spends on one ``GET`` of one
event and on the month listing, which other work on the machine moves far less than the
requests/s of bench_request_path.py. For finding what a change to the request path gives.

Usage: .venv/bin/python bench/bench_request_path_inprocess.py [--requests 1000] [--events 50]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN
from bench_request_path import BARE_APP, EVENTS, HEADERS, MONTH, fill_with

from calgate.api.app import create_app
from calgate.settings import Settings


def bare_app(answers: dict[str, dict[str, str]]) -> Any:
    """The bench's bare app, its answers given here rather than read from a file."""
    source = BARE_APP.replace(
        "answers = json.loads(pathlib.Path(sys.argv[1]).read_text())", "answers = ANSWERS"
    ).replace('if __name__ == "__main__":', "if False:")
    namespace: dict[str, Any] = {"ANSWERS": answers}
    exec(compile(source, "bare_app", "exec"), namespace)  # the bench's own text
    return namespace["app"]


async def call(app: Any, path: str, query: str) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
        + [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    status = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    if status != [200]:
        raise SystemExit(f"{path}: {status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="calgate-bench-inprocess-")) / "data"
    app = create_app(Settings(data_dir=data, admin_token=TOKEN))
    with TestClient(app) as client:
        client.headers.update(HEADERS)
        first = fill_with(client, args.events)
        paths = {
            "one event": (f"{EVENTS}/{first}", ""),
            "month listing": (EVENTS, urlencode(MONTH)),
        }
        answers = {}
        for path, query in paths.values():
            resp = client.get(path + (f"?{query}" if query else ""))
            answers[path] = {"body": resp.text, "type": resp.headers["content-type"]}
        bare = bare_app(answers)

        async def measure() -> None:
            for name, (path, query) in paths.items():
                for label, target in (("bare", bare), ("calgate", app)):
                    for _ in range(50):  # warm-up (and the token into calgate's cache)
                        await call(target, path, query)
                    cpu = time.process_time()
                    for _ in range(args.requests):
                        await call(target, path, query)
                    used = (time.process_time() - cpu) / args.requests
                    print(f"{name:14} {label:8} {1e6 * used:7.0f} us CPU per request", flush=True)

        assert client.portal is not None
        client.portal.call(measure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
