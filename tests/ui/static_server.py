"""A plain static HTTP server on 127.0.0.1 that sends one Content-Security-Policy with every
response: for checking what the vendored scripts need before calgate serves /ui/ itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    csp = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test reads the page's own record, not an access log


@contextmanager
def serve_folder(folder: Path, csp: str) -> Iterator[str]:
    """Serves ``folder`` with ``csp``; yields the origin (``http://127.0.0.1:PORT``)."""
    handler = type("CspHandler", (_Handler,), {"csp": csp})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
