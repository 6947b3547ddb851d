"""/api/v1/calendars/{cal}/changes: the change feed (created, updated, deleted since a token)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.api.routes.event_params import calendar_context
from calgate.schemas.calendars import SLUG_PATTERN
from calgate.services.change_feed import changes_page

router = APIRouter(
    prefix="/api/v1/calendars/{calendar_id}", tags=["changes"], route_class=StrictQueryRoute
)


class ChangePublic(BaseModel):
    type: str = Field(description="created, updated or deleted")
    id: str
    event: dict[str, Any] | None = Field(
        None, description="The event as GET returns it; null when deleted."
    )


class ChangesPublic(BaseModel):
    changes: list[ChangePublic]
    token: str = Field(description="Opaque: send it as `since` next time.")
    more: bool = Field(description="True when more changes wait: ask again with `token` at once.")


@router.get("/changes", response_model=ChangesPublic)
def list_changes(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: Annotated[str, Path(pattern=SLUG_PATTERN)],
    since: Annotated[str | None, Query(max_length=500, description="A token from before.")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    """Without `since`: every event and a first token. With it: what changed since, deletions
    as tombstones. An unknown or expired token is 410 Gone: start again without `since`."""
    ctx = calendar_context(runtime, grant, calendar_id, write=False)
    page = changes_page(ctx, since=since, limit=limit)
    parts = []
    for change in page.changes:
        head = json.dumps({"type": change.kind, "id": change.event_id})[:-1]
        parts.append(f'{head},"event":{change.event_json or "null"}}}')
    tail = json.dumps({"token": page.token, "more": page.more})[1:]
    return Response('{"changes":[' + ",".join(parts) + "]," + tail, media_type="application/json")
