"""``calgate-heartbeat``: this process's row in the process table (``calgate.services.processes``),
made on start, renewed every ``HEARTBEAT_SECONDS`` and deleted on a clean stop."""

from __future__ import annotations

import logging

from calgate.jobs.loop import Loop
from calgate.runtime import Runtime
from calgate.services import processes

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._loop = Loop(
            "calgate-heartbeat",
            lambda: processes.beat(runtime),
            interval=processes.HEARTBEAT_SECONDS,
            failure="heartbeat failed",  # the lease is generous: the next beat may make it
            logger=log,
        )

    def start(self) -> None:
        processes.register(self._runtime)
        self._loop.start()

    def stop(self) -> None:
        """A clean stop: this process holds nothing any more."""
        if not self._loop.running:
            return
        self._loop.stop()
        processes.forget(self._runtime)
