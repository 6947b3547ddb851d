"""gzip for what clients read: ``GET`` answers of the API, the public feeds and the UI's static
files, when the client accepts it (a week of 5,000 events is 3.5 MB of JSON, 0.4 MB gzipped).

Only reads: the answer to a change can hold a secret beside text the client chose (a new
token's secret next to its name), which compression would let an observer of sizes guess
(BREACH); the UI's pages hold a CSRF token and are left alone for the same reason."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

COMPRESSED = ("/api/", "/feeds/", "/ui/static/")
_LEVEL = 5  # most of level 9's gain for a fraction of its CPU on large listings


class ReadCompression:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024, compresslevel=_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") == "GET"
            and str(scope.get("path", "")).startswith(COMPRESSED)
        ):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
