"""``calgate-imports``: every ``import_interval`` seconds, runs the queued ``.ics`` imports
(``services.import_run``); an import a killed process left is taken over once its lease ends."""

from __future__ import annotations

import logging

from calgate.jobs.loop import Loop, LoopJob
from calgate.runtime import Runtime
from calgate.services import import_run

log = logging.getLogger(__name__)


class ImportWorker(LoopJob):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._loop = Loop(
            "calgate-imports",
            self._round,
            interval=runtime.settings.import_interval,
            failure="import round failed",
            stop_wait=30.0,
            logger=log,
        )

    def _round(self) -> None:
        import_run.run_due(self._runtime, stopping=lambda: self._loop.stopping)
