"""/api/v1/freebusy and /api/v1/availability: thin routes over services/freebusy.py."""

from __future__ import annotations

from fastapi import APIRouter

from calgate.api.deps import GrantDep, RuntimeDep
from calgate.api.query_params import StrictQueryRoute
from calgate.schemas.freebusy import (
    AvailabilityPublic,
    AvailabilityQuery,
    FreeBusyPublic,
    FreeBusyQuery,
)
from calgate.services import freebusy

router = APIRouter(prefix="/api/v1", tags=["free/busy"], route_class=StrictQueryRoute)


@router.post("/freebusy", response_model=FreeBusyPublic)
def free_busy(body: FreeBusyQuery, runtime: RuntimeDep, grant: GrantDep) -> FreeBusyPublic:
    """Merged busy periods per calendar in a window: recurring, all-day and floating events
    count; cancelled and transparent (``free``) ones do not."""
    return freebusy.free_busy(runtime, grant, body)


@router.post("/availability", response_model=AvailabilityPublic)
def availability(
    body: AvailabilityQuery, runtime: RuntimeDep, grant: GrantDep
) -> AvailabilityPublic:
    """Free slots for groups of calendars (all of a group, or any ``required`` of them), with
    buffers and working hours; per slot, which calendars of each group are free."""
    return freebusy.availability(runtime, grant, body)
