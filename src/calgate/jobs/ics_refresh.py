"""``calgate-ics``: refreshes each subscribed iCalendar feed when its next refresh is due
(``calgate.services.subscriptions``). Every process with background jobs runs the schedule;
each feed's refresh is a turn (``db.job_leases``, ``ics:<source>``), and whoever gets it reads
the feed's due time again first, so a feed is fetched once per interval however many
processes run."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from calgate.db import job_leases
from calgate.jobs.loop import Loop, LoopJob
from calgate.runtime import Runtime
from calgate.services import subscriptions

log = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds between looks for due feeds
# a refresh takes at most the fetch's 15 s and the index work; a process killed during one
# leaves the feed to the others once this has passed
LEASE = timedelta(seconds=120)
# the least time between two turns on one feed (the shortest interval allowed is 15 min)
SPACING = timedelta(seconds=30)


class IcsRefresh(LoopJob):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._loop = Loop(
            "calgate-ics",
            self._round,
            interval=CHECK_EVERY,
            failure="feed refresh round failed",
            stop_wait=20.0,  # a fetch in progress ends within its 15 s
            logger=log,
        )

    def _round(self) -> None:
        refresh_due(self._runtime)


def refresh_due(runtime: Runtime) -> dict[str, subscriptions.Outcome]:
    """Refresh each due feed whose turn this process gets; what each refresh did."""
    done: dict[str, subscriptions.Outcome] = {}
    now = datetime.now(UTC)
    for source_id in subscriptions.due(runtime, now):
        name = f"ics:{source_id}"
        with job_leases.turn(runtime.db, name, every=SPACING, lease=LEASE) as mine:
            if not (mine and subscriptions.still_due(runtime, source_id, now)):
                continue
            try:  # one feed's odd failure does not hold up the others
                done[source_id] = subscriptions.refresh(runtime, source_id)
            except Exception:
                log.exception("refresh of feed %s failed", source_id)
    return done
