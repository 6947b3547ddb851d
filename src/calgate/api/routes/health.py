"""GET /health: liveness plus a quick database check (no token needed, no details leaked).

An async route with no dependency that needs a thread: it never waits for the worker threads,
which requests to a stalled CalDAV server may be holding. The database check runs on a small
pool of its own and is given up on after a few seconds (then ``database: unavailable``).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from calgate import __version__
from calgate.api.query_params import StrictQueryRoute
from calgate.runtime import Runtime

router = APIRouter(tags=["health"], route_class=StrictQueryRoute)

DATABASE_WAIT = 5.0  # seconds
_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="calgate-health")


def _database_ok(runtime: Runtime) -> bool:
    try:
        with runtime.db.session() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # a health probe reports, it does not raise
        return False
    return True


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    check = asyncio.wrap_future(_checks.submit(_database_ok, runtime))
    try:
        ok = await asyncio.wait_for(check, DATABASE_WAIT)
    except TimeoutError:  # a check still queued is cancelled with it
        ok = False
    status = 200 if ok else 503
    return JSONResponse(
        {
            "status": "ok" if ok else "degraded",
            "version": __version__,
            "database": "ok" if ok else "unavailable",
        },
        status_code=status,
    )
