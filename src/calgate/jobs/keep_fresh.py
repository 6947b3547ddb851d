"""``calgate-sync``: keeps the calendars read in the last ten minutes fresh, so reads rarely
wait for a sync and changes by other clients show up within ``index_max_age``; and the
calendars a webhook endpoint watches, read or not, within ``webhook_sync_interval``.

Each sync runs in its source's pool (``Indexer.refresh``, failures logged there): a stalled
server delays only its own calendars, and never this loop. Several processes on one database
share the calendars: each calendar's sync is a turn (``db.job_leases``, ``sync:<calendar>``)
that one process takes per interval. The turn holds no lease: the sync runs on in the pool,
the interval alone spaces the turns (a calendar read again is due after the shorter read
interval, whatever the watched one was).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from calgate.db import job_leases
from calgate.db.models import CalendarRow, SourceRow
from calgate.index import recent
from calgate.jobs.loop import Loop, LoopJob
from calgate.runtime import Runtime

log = logging.getLogger(__name__)

RECENTLY = timedelta(minutes=10)


class KeepFresh(LoopJob):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        settings = runtime.settings
        self._interval = max(settings.index_max_age, 1.0)
        # rounds often enough for the stricter of the two promises: a watched calendar must not
        # wait for index_max_age when webhook_sync_interval is shorter
        every = max(min(settings.index_max_age, settings.webhook_sync_interval), 1.0)
        self._loop = Loop(
            "calgate-sync",
            self._round,
            interval=every,
            failure="background sync round failed",
            logger=log,
        )

    def _round(self) -> None:
        db = self._runtime.db
        read_age = timedelta(seconds=self._interval)
        watch_age = timedelta(seconds=self._runtime.settings.webhook_sync_interval)
        due: dict[str, tuple[CalendarRow, SourceRow, timedelta]] = {}
        for calendar, source in recent.watched(db):
            due[calendar.id] = (calendar, source, watch_age)
        for calendar, source in recent.recently_read(db, within=RECENTLY):
            due[calendar.id] = (calendar, source, min(read_age, watch_age))
        for calendar, source, max_age in due.values():
            if self._loop.stopping:
                return
            if self._take_turn(calendar.id, max_age):
                self._runtime.indexer.refresh(calendar, source, max_age=max_age)

    def _take_turn(self, calendar_id: str, every: timedelta) -> bool:
        with self._runtime.db.session() as session:
            return job_leases.take(
                session,
                f"sync:{calendar_id}",
                worker=uuid.uuid4().hex,
                now=datetime.now(UTC),
                every=every,
                lease=timedelta(0),
            )
