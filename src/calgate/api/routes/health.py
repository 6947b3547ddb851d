"""GET /health: liveness plus a quick database check (no token needed, no details leaked)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from calgate import __version__
from calgate.api.deps import RuntimeDep
from calgate.api.query_params import StrictQueryRoute

router = APIRouter(tags=["health"], route_class=StrictQueryRoute)


@router.get("/health")
def health(runtime: RuntimeDep) -> JSONResponse:
    try:
        with runtime.db.session() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # a health probe reports, it does not raise
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JSONResponse(
        {
            "status": "ok" if status == 200 else "degraded",
            "version": __version__,
            "database": database,
        },
        status_code=status,
    )
