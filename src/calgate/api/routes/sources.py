"""/api/v1/sources: connect CalDAV servers (an admin token not scoped to calendars: sources
hold upstream credentials and reach beyond any scope)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from calgate.api.deps import RuntimeDep, SessionDep, UnscopedAdminDep
from calgate.api.query_params import StrictQueryRoute
from calgate.schemas.sources import SourceCreate, SourcePublic, SourcesPublic, SourceUpdate
from calgate.services import source_sync, sources

router = APIRouter(prefix="/api/v1/sources", tags=["sources"], route_class=StrictQueryRoute)


@router.post("", status_code=201, response_model=SourcePublic)
def add_source(
    body: SourceCreate,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    _a: UnscopedAdminDep,
) -> SourcePublic:
    row = sources.get_source(session, sources.add_source(runtime, body))
    response.headers["Location"] = f"/api/v1/sources/{row.id}"
    return sources.to_public(runtime, session, row)


@router.get("", response_model=SourcesPublic)
def list_sources(runtime: RuntimeDep, session: SessionDep, _a: UnscopedAdminDep) -> SourcesPublic:
    return SourcesPublic(
        items=[sources.to_public(runtime, session, r) for r in sources.list_sources(session)]
    )


@router.get("/{source_id}", response_model=SourcePublic)
def get_source(
    source_id: str, runtime: RuntimeDep, session: SessionDep, _a: UnscopedAdminDep
) -> SourcePublic:
    return sources.to_public(runtime, session, sources.get_source(session, source_id))


@router.patch("/{source_id}", response_model=SourcePublic)
def update_source(
    source_id: str,
    body: SourceUpdate,
    runtime: RuntimeDep,
    session: SessionDep,
    _a: UnscopedAdminDep,
) -> SourcePublic:
    """Rename, or replace the credentials (tried before they are stored; a refused one is a
    422 and the old one stays). Calendars and their settings are kept."""
    sources.update_source(runtime, source_id, body)
    return sources.to_public(runtime, session, sources.get_source(session, source_id))


@router.post("/{source_id}/sync", response_model=SourcePublic)
def sync_source(
    source_id: str, runtime: RuntimeDep, session: SessionDep, _a: UnscopedAdminDep
) -> SourcePublic:
    """Sync now: each calendar of a CalDAV source with its server (whatever the index's age),
    or an iCalendar subscription fetched again. The source as it then stands; a server or feed
    that fails is its 502/503/504 (a feed's last copy is kept)."""
    source_sync.sync_now(runtime, source_id)
    return sources.to_public(runtime, session, sources.get_source(session, source_id))


@router.delete("/{source_id}", status_code=204)
def remove_source(
    source_id: str, runtime: RuntimeDep, session: SessionDep, _a: UnscopedAdminDep
) -> Response:
    sources.remove_source(session, runtime, source_id)
    return Response(status_code=204)
