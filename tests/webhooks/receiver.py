"""A real webhook receiver on 127.0.0.1 for the tests with several ``calgate serve`` processes:
it records every request (headers, body, when) and answers 200, after ``delay`` seconds (a slow
receiver), except that it can hold the first request unanswered (``hold_first``) so that the
sending process is caught mid-send."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Got:
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request was read

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self, *, hold_first: bool = False, delay: float = 0.0) -> None:
        self.got: list[Got] = []
        self.answered: list[Got] = []  # the requests answered 2xx
        self.held = threading.Event()  # set once the first request is being held
        self._release = threading.Event()
        self._hold_first = hold_first
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                got = Got({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                with receiver._lock:
                    receiver.got.append(got)
                    hold = receiver._hold_first and len(receiver.got) == 1
                if hold:  # never answered: the sender waits until it dies or times out
                    receiver.held.set()
                    receiver._release.wait(60)
                    return
                time.sleep(delay)  # a slow receiver
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with receiver._lock:
                    receiver.answered.append(got)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, within: float) -> None:
        """Until ``count`` requests were answered 2xx, or ``within`` seconds passed."""
        deadline = time.monotonic() + within
        while len(self.answered) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    def verified(self, secret: str) -> list[dict]:
        """Every answered request's message, each checked with ``standardwebhooks`` (raises
        when one does not verify)."""
        webhook = Webhook(secret)
        return [webhook.verify(g.body, g.headers) for g in self.answered]

    def repeated_ids(self) -> dict[str, int]:
        """webhook-ids answered more than once."""
        counts = Counter(g.webhook_id for g in self.answered)
        return {i: n for i, n in counts.items() if n > 1}
