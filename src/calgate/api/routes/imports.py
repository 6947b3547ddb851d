"""/api/v1/calendars/{cal}/imports: ``.ics`` files imported as a background job (services/imports.py
takes them in, services/import_run.py runs them; docs/import.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes.event_params import CalendarId, calendar_context
from calgate.api.uploads import uploaded_file
from calgate.schemas.imports import ImportPublic, ImportsPublic, OnConflict
from calgate.services import idempotency, imports

router = APIRouter(
    prefix="/api/v1/calendars/{calendar_id}/imports", tags=["imports"], route_class=StrictQueryRoute
)
ImportId = Annotated[str, Path(max_length=40, description="An import's id.")]


def _location(calendar_id: str, import_id: str) -> str:
    return f"/api/v1/calendars/{calendar_id}/imports/{import_id}"


@router.post(
    "",
    status_code=202,
    response_model=ImportPublic,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/calendar": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def create_import(
    request: Request,
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: CalendarId,
    on_conflict: Annotated[
        OnConflict,
        Query(
            alias="onConflict",
            description="An object whose UID the calendar holds: skip it, update it, fail (stop "
            "the import there), or newUid (import it under a new UID).",
        ),
    ] = "skip",
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="A retry gets the same import.")
    ] = None,
) -> Response:
    """Import an `.ics` file (the body as `text/calendar`, or the `file` part of a form): the
    file is checked at once (422 when it is not iCalendar) and imported in the background; poll
    the import at `Location`."""
    body = await request.body()

    def take() -> tuple[ImportPublic, bool]:
        ctx = calendar_context(runtime, grant, calendar_id, write=True)
        data = uploaded_file(request.headers.get("content-type"), body)
        return imports.start(
            ctx, data, on_conflict=on_conflict, token_id=grant.token_id, key=idempotency_key
        )

    made, replayed = await run_in_threadpool(take)
    headers = {"Location": _location(calendar_id, made.id)}
    if replayed:
        headers[idempotency.REPLAY_HEADER] = "true"
    return Response(
        made.model_dump_json(by_alias=True),
        status_code=202,
        media_type="application/json",
        headers=headers,
    )


@router.get("", response_model=ImportsPublic)
def list_imports(runtime: RuntimeDep, grant: GrantDep, calendar_id: CalendarId) -> ImportsPublic:
    """The calendar's latest 50 imports, newest first."""
    calendar_context(runtime, grant, calendar_id, write=False)
    with runtime.db.session() as session:
        return imports.list_imports(session, calendar_id)


@router.get("/{import_id}", response_model=ImportPublic)
def get_import(
    runtime: RuntimeDep, grant: GrantDep, calendar_id: CalendarId, import_id: ImportId
) -> ImportPublic:
    """One import, with its counts as they stand (`processed` grows while it runs) and each
    object not stored with the reason."""
    calendar_context(runtime, grant, calendar_id, write=False)
    with runtime.db.session() as session:
        return imports.get(session, calendar_id, import_id)
