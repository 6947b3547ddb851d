"""The ``CalGate-Stale`` header: an answer read from the index because a calendar's CalDAV server
did not answer within ``upstream_read_deadline`` (``index/staleness.py`` collects the notes).

``CalGate-Stale: since=2026-05-04T09:00:00Z; calendars=work`` names the oldest last good sync
among the calendars the answer was read from, and those calendars. A pure ASGI middleware, so
the request's context (and the notes' dict in it) reaches the worker thread that runs the route.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calgate.index import staleness

HEADER = "CalGate-Stale"


class StaleMarker:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with staleness.collecting() as found:

            async def marked(message: Message) -> None:
                start = message["type"] == "http.response.start"
                if start and found and message["status"] < 400:
                    MutableHeaders(scope=message).append(HEADER, staleness.header_value(found))
                await send(message)

            await self.app(scope, receive, marked)
