"""Helpers for the upstream tests: ``connect()`` to a real server, events to fill it with, and
tiny HTTP servers in a thread for what real CalDAV servers will not do on demand (answer HTML,
sleep, send broken XML, double-encode hrefs, record the requests they were sent)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from calgate.upstream import CalDAVConnection, Credentials
from tests.servers import RunningServer


def connect(
    server: RunningServer, url: str | None = None, timeout: float = 10.0
) -> CalDAVConnection:
    """A connection to ``server`` (at ``url``, default its root) with the right password, sent
    the way the server wants it (SabreDAV: Digest)."""
    creds = Credentials(server.username, server.password, server.auth_type)
    return CalDAVConnection(url or server.url, creds, timeout=timeout)


def event_ical(uid: str, summary: str = "Meeting") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250110T100000Z\r\n"
        f"DTEND:20250110T110000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def put_events(conn: CalDAVConnection, calendar: str, count: int) -> dict[str, str | None]:
    """``count`` new events in ``calendar`` (a few PUTs at a time): href -> ETag of the PUT."""

    def put(_: int) -> tuple[str, str | None]:
        href = f"{calendar}{uuid.uuid4()}.ics"
        return href, conn.put(href, event_ical(href.rsplit("/", 1)[1][:-4]), if_none_match=True)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(put, range(count)))


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeServer:
    url: str
    seen: list[Seen]


Responder = Callable[[Seen], Reply]


@contextmanager
def fake_server(respond: Responder) -> Iterator[FakeServer]:
    """Serve every request on 127.0.0.1 (ephemeral port) with ``respond(request)``."""
    seen: list[Seen] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one_request(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or not self.parse_request():
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Seen(
                self.command,
                self.path,
                dict(self.headers.items()),
                body.decode("utf-8", "replace"),
            )
            seen.append(request)
            reply = respond(request)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                self.wfile.flush()
            except OSError:  # the client gave up (timeout tests)
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield FakeServer(f"http://127.0.0.1:{server.server_port}/", seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def always(reply: Reply) -> Responder:
    return lambda _request: reply


HTML = Reply(200, b"<html><body><h1>Welcome</h1></body></html>", {"Content-Type": "text/html"})


def multistatus(*responses: str) -> Reply:
    body = '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" ' + (
        'xmlns:c="urn:ietf:params:xml:ns:caldav">' + "".join(responses) + "</d:multistatus>"
    )
    return Reply(207, body.encode(), {"Content-Type": "application/xml; charset=utf-8"})


def dav_response(href: str, props: str, status: str = "HTTP/1.1 200 OK") -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
        f"<d:status>{status}</d:status></d:propstat></d:response>"
    )
