"""A loopback HTTP server for calgate's own CalDAV client to reach the embedded store.

It logs no access lines and binds 127.0.0.1 on an ephemeral port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import uvicorn
from a2wsgi import WSGIMiddleware

_KEEP_ALIVE = 30


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


class LoopbackServer:
    """Serve ``app`` at ``http://127.0.0.1:<ephemeral port>/`` from a daemon thread.

    uvicorn (HTTP/1.1 with keep-alive) through a2wsgi, not wsgiref: wsgiref speaks HTTP/1.0,
    so every request calgate made paid a new connection, and under concurrent load its
    one-request-per-connection handling dropped connections without an answer.
    """

    def __init__(self, app: WSGIApplication) -> None:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says
        # TCP; with proto 0 every keep-alive request waited ~40 ms on Nagle + delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(
            WSGIMiddleware(app, workers=16),  # type: ignore[arg-type]
            lifespan="off",
            access_log=False,
            log_level="warning",
            timeout_keep_alive=_KEEP_ALIVE,
            log_config=None,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"calgate-embedded-caldav:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the embedded store's internal server did not start")
            time.sleep(0.01)

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving; with ``wait``, return once the server is closed (uvicorn notices
        within its 0.1 s tick and pauses another 0.1 s while closing). Without, return at
        once: the port is ephemeral, so nothing waits for it, and the thread is a daemon."""
        self._server.should_exit = True
        if wait:
            self._thread.join(timeout=5)
