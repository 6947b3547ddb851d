"""``calgate-clear``: clears the calendars marked ``autoClear`` every ``clear_interval``
seconds. Every process runs it; the booking lock makes a second pass at the same time find
nothing left to do."""

from __future__ import annotations

import logging

from calgate.jobs.loop import Loop
from calgate.runtime import Runtime
from calgate.services.clearing import clear_marked_calendars

log = logging.getLogger(__name__)


class ClearingSchedule:
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

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def _round(self) -> None:
        clear_marked_calendars(self._runtime)
