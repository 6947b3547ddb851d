"""A bearer-token front for a real CalDAV server, for sources that log in with a token (a
Confluence personal access token): none of the real test servers takes ``Authorization:
Bearer``. The gateway answers 401 (``WWW-Authenticate: Bearer``) unless the request carries one
of the tokens it accepts at that moment, and relays everything else unchanged to the server
behind it, logged in with that server's own user name and password. Paths are the server's, so
the hrefs it answers with hold through the gateway. Change ``accepted`` to let a token expire.
"""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.servers import HOST, RunningServer

_METHODS = [
    "GET",
    "HEAD",
    "PUT",
    "POST",
    "DELETE",
    "OPTIONS",
    "PROPFIND",
    "PROPPATCH",
    "REPORT",
    "MKCALENDAR",
    "MKCOL",
    "MOVE",
    "COPY",
]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class BearerGateway:
    url: str  # the server root, through the gateway
    calendar_url: str  # the server's calendar, through the gateway
    accepted: set[str] = field(default_factory=set)


def _relay(handler: BaseHTTPRequestHandler, gateway: BearerGateway, server: RunningServer) -> None:
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    scheme, _, token = (handler.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or token.strip() not in gateway.accepted:
        status, headers, data = 401, [("WWW-Authenticate", 'Bearer realm="gateway"')], b""
    else:
        login = base64.b64encode(f"{server.username}:{server.password}".encode()).decode()
        sent = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        sent["Authorization"] = f"Basic {login}"
        upstream = http.client.HTTPConnection(HOST, urlsplit(server.url).port, timeout=10)
        try:
            upstream.request(handler.command, handler.path, body=body or None, headers=sent)
            answer = upstream.getresponse()
            status, data = answer.status, answer.read()
            headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
        finally:
            upstream.close()
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


@contextmanager
def bearer_gateway(server: RunningServer, *accepted: str) -> Iterator[BearerGateway]:
    """A gateway on an ephemeral port in front of ``server``, taking the ``accepted`` tokens."""
    holder: list[BearerGateway] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

    def relay(self: BaseHTTPRequestHandler) -> None:
        _relay(self, holder[0], server)

    for method in _METHODS:
        setattr(Handler, f"do_{method}", relay)
    httpd = ThreadingHTTPServer((HOST, 0), Handler)
    httpd.daemon_threads = True
    root = f"http://{HOST}:{httpd.server_port}"
    path = urlsplit(server.calendar_url).path
    holder.append(BearerGateway(f"{root}/", f"{root}{path}", set(accepted)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
