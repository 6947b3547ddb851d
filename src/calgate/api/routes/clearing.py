"""Clearing bookings: one calendar (``POST /api/v1/calendars/{cal}/clear-bookings``) or every
``autoClear`` calendar the token sees (``POST /api/v1/clear-bookings``). See docs/booking.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.domain.access import Grant, Role
from calgate.runtime import Runtime
from calgate.schemas.calendars import SLUG_PATTERN
from calgate.services import clearing
from calgate.services.calendars import get_visible, require_role, visible_calendars

router = APIRouter(prefix="/api/v1", tags=["booking"], route_class=StrictQueryRoute)

DryRun = Annotated[
    bool, Query(alias="dryRun", description="Report what would change; change nothing.")
]


def clear_one(
    runtime: Runtime, grant: Grant, calendar_id: str, *, dry_run: bool
) -> clearing.Outcome:
    """One calendar, named by the caller: its server failing is the request's error."""
    with runtime.db.session() as session:
        calendar, source = get_visible(session, grant, calendar_id)
    if not dry_run:
        require_role(grant, Role.write, "clearing bookings")
    return clearing.run_pass(runtime, calendar, source, dry_run=dry_run)


def clear_marked(
    runtime: Runtime, grant: Grant, *, dry_run: bool
) -> tuple[list[clearing.Outcome], list[clearing.Failure]]:
    """Every calendar the token sees that is marked ``autoClear``. A calendar whose server
    fails is reported in the failures and the others are cleared; when every one fails, the
    answer is that error (``errors`` names each)."""
    if not dry_run:
        require_role(grant, Role.write, "clearing bookings")
    with runtime.db.session() as session:
        marked = [(c, s) for c, s in visible_calendars(session, grant) if c.auto_clear]
    outcomes, failures = clearing.clear_each(runtime, marked, dry_run=dry_run)
    if failures and not outcomes:
        raise clearing.nothing_cleared(failures)
    return outcomes, failures


@router.post("/calendars/{calendar_id}/clear-bookings")
def clear_calendar(
    runtime: RuntimeDep,
    grant: GrantDep,
    calendar_id: Annotated[str, Path(pattern=SLUG_PATTERN)],
    dry_run: DryRun = False,
) -> dict[str, Any]:
    """Delete cancelled bookings and resolve overlaps (the first created stays, unless the
    other is prioritized); the report lists every decision."""
    return clearing.report(clear_one(runtime, grant, calendar_id, dry_run=dry_run))


@router.post("/clear-bookings")
def clear_marked_calendars(
    runtime: RuntimeDep, grant: GrantDep, dry_run: DryRun = False
) -> dict[str, Any]:
    """Clear every calendar marked ``autoClear`` that the token sees: one report each, and
    in ``errors`` each calendar whose server failed."""
    outcomes, failures = clear_marked(runtime, grant, dry_run=dry_run)
    return {
        "reports": [clearing.report(o) for o in outcomes],
        "errors": [f.as_dict() for f in failures],
    }
