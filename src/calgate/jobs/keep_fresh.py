"""``calgate-sync``: keeps the calendars read in the last ten minutes fresh, so reads rarely
wait for a sync and changes by other clients show up within ``index_max_age``.

Each sync runs in its source's pool (``Indexer.refresh``, failures logged there): a stalled
server delays only its own calendars, and never this loop.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from calgate.index import recent
from calgate.jobs.loop import Loop
from calgate.runtime import Runtime

log = logging.getLogger(__name__)

RECENTLY = timedelta(minutes=10)


class KeepFresh:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._interval = max(runtime.settings.index_max_age, 1.0)
        self._loop = Loop(
            "calgate-sync",
            self._round,
            interval=self._interval,
            failure="background sync round failed",
            logger=log,
        )

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def _round(self) -> None:
        max_age = timedelta(seconds=self._interval)
        for calendar, source in recent.recently_read(self._runtime.db, within=RECENTLY):
            if self._loop.stopping:
                return
            self._runtime.indexer.refresh(calendar, source, max_age=max_age)
