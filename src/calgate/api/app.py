"""The FastAPI application: routes, problem+json handlers, and the embedded store at /dav/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from a2wsgi import WSGIMiddleware
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse

from calgate import __version__
from calgate.api import problems, webhook_messages
from calgate.api.compression import ReadCompression
from calgate.api.intake import Intake
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes import (
    calendars,
    changes,
    clearing,
    events,
    feeds,
    freebusy,
    health,
    imports,
    occurrences,
    roombooking,
    sources,
    tokens,
    webhooks,
)
from calgate.api.stale import StaleMarker
from calgate.lifecycle import Lifecycle
from calgate.services.dav_door import DavDoor
from calgate.settings import Settings
from calgate.ui import app as ui_app

SWAGGER = "/ui/static/vendor/swagger-ui"  # vendored swagger-ui-dist (VERSIONS.md there)

DESCRIPTION = """A clean REST/JSON API for calendar events on any CalDAV calendar.

Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem+json.
"""


def create_app(settings: Settings | None = None, *, lifecycle: Lifecycle | None = None) -> FastAPI:
    """Build the app. A lifecycle passed in (by `calgate serve`) may already be started; one
    made here is started and stopped with the app's lifespan (which stops either)."""
    lifecycle = lifecycle or Lifecycle(settings or Settings())
    runtime = lifecycle.runtime

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the pool sync routes run in; each source holds a bounded share of it (the bulkhead)
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = runtime.settings.worker_threads
        lifecycle.start()
        try:
            yield
        finally:
            lifecycle.stop()

    app = FastAPI(
        title="calgate",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # /api/docs below: Swagger UI from calgate itself, not from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.router.route_class = StrictQueryRoute  # the routes below refuse unknown query names too
    problems.install(app)
    app.add_middleware(StaleMarker)
    app.add_middleware(Intake, runtime=runtime)  # the credential, then the body's size and depth
    app.add_middleware(ReadCompression)  # around the others: gzip for GET answers (reads only)
    routers = (
        health,
        tokens,
        sources,
        webhooks,
        calendars,
        events,
        occurrences,
        changes,
        freebusy,
        clearing,
        feeds,
        imports,
    )
    for module in (*routers, roombooking):  # the room-booking tool's /api/{calendar} last
        app.include_router(module.router)
    app.include_router(feeds.public)  # /feeds/<token>.ics: outside /api/, no credential
    webhook_messages.document(app)  # the bodies calgate POSTs to webhook endpoints
    ui_app.install(app)  # /ui/: the web admin and booking pages

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="calgate API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )

    if runtime.embedded is not None:

        @app.api_route("/.well-known/caldav", methods=["GET", "PROPFIND"], include_in_schema=False)
        def well_known() -> RedirectResponse:
            return RedirectResponse("/dav/", status_code=301)

        @app.api_route("/dav", methods=["GET", "PROPFIND", "OPTIONS"], include_in_schema=False)
        def dav_slash() -> RedirectResponse:
            return RedirectResponse("/dav/", status_code=301)

        door = DavDoor(runtime, runtime.embedded.wsgi_app)
        app.mount("/dav", WSGIMiddleware(door))  # type: ignore[arg-type]
    return app
