"""``calgate-clear``: clears the calendars marked ``autoClear`` every ``clear_interval``
seconds. Every process with background jobs runs the schedule; each calendar's pass is a turn
(``db.job_leases``, ``clear:<calendar>``) that one process takes per interval, so several
processes on one database share the calendars instead of each clearing every one."""

from __future__ import annotations

import logging
from datetime import timedelta

from calgate.db import job_leases
from calgate.jobs.loop import Loop, LoopJob
from calgate.runtime import Runtime
from calgate.services.clearing import clear_each, marked_calendars

log = logging.getLogger(__name__)

# how long a process's turn on one calendar holds it: a process killed during a pass leaves
# the calendar to the others once this has passed (and the interval: the next turn is due then)
LEASE = timedelta(seconds=60)


class ClearingSchedule(LoopJob):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._loop = Loop(
            "calgate-clear",
            self._round,
            interval=runtime.settings.clear_interval,
            failure="clearing round failed",
            stop_wait=30.0,  # a pass in progress finishes its calendar
            logger=log,
        )

    def _round(self) -> None:
        clear_due(self._runtime)


def clear_due(runtime: Runtime) -> list[str]:
    """One pass over each marked calendar whose turn this process gets; their ids."""
    every = timedelta(seconds=runtime.settings.clear_interval)
    cleared: list[str] = []
    for calendar, source in marked_calendars(runtime):
        name = f"clear:{calendar.id}"
        with job_leases.turn(runtime.db, name, every=every, lease=LEASE) as mine:
            if mine:  # a failing calendar is logged by clear_each and tried next turn
                clear_each(runtime, [(calendar, source)], dry_run=False)
                cleared.append(calendar.id)
    return cleared
