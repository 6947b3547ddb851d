"""A small threaded WSGI server on loopback for calgate's own CalDAV client.

wsgiref with one thread per connection (HTTP/1.0, one request per connection). It logs
nothing itself, gives each connection a socket timeout, and does not copy the process
environment into the WSGI environ (wsgiref's default would).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

_SOCKET_TIMEOUT = 30.0


def utf8_paths(app: WSGIApplication) -> WSGIApplication:
    """Hand Radicale real text paths.

    PEP 3333 servers (wsgiref, a2wsgi) give PATH_INFO and SCRIPT_NAME as UTF-8 bytes
    decoded as latin-1; Radicale's own server gives decoded text, and Radicale expects
    that. Also drops ``X-Script-Name``: hrefs follow where the app is really mounted,
    not a header a client chose.
    """

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        for key in ("PATH_INFO", "SCRIPT_NAME"):
            value = environ.get(key)
            if value:
                # Not latin-1 (already text) or not UTF-8: leave it to Radicale.
                with contextlib.suppress(UnicodeError):
                    environ[key] = value.encode("latin-1").decode("utf-8")
        environ.pop("HTTP_X_SCRIPT_NAME", None)
        return app(environ, start_response)

    return wrapped


class _QuietServerHandler(ServerHandler):
    os_environ: dict[str, str] = {}  # not os.environ: keep the process environment out


class _RequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: calgate logs its own requests."""

    def handle(self) -> None:
        # WSGIRequestHandler.handle, with the handler class above.
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _QuietServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # wsgiref's own handler passes this too
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False

    def get_request(self) -> tuple[socket.socket, Any]:
        request, address = super().get_request()
        request.settimeout(_SOCKET_TIMEOUT)
        return request, address


class LoopbackServer:
    """Serve ``app`` at ``http://127.0.0.1:<ephemeral port>/`` from a daemon thread."""

    def __init__(self, app: WSGIApplication) -> None:
        self._server = _ThreadingServer(("127.0.0.1", 0), _RequestHandler)
        self._server.set_app(app)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"calgate-embedded-caldav:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
