""" "Sync now" for one source (``POST /api/v1/sources/{id}/sync``): a CalDAV source's calendars
are synced with their server at once, whatever their age; an iCalendar subscription is fetched
again (a conditional GET), as its schedule would."""

from __future__ import annotations

from datetime import timedelta

from calgate.db import job_leases
from calgate.errors import FeedUnreachable, UpstreamError
from calgate.runtime import Runtime
from calgate.services import sources, subscriptions

# another process refreshing the same feed at this moment holds its turn this long at most
_FEED_LEASE = timedelta(seconds=120)


def sync_now(runtime: Runtime, source_id: str) -> None:
    """Sync the source now; the first server error is raised (each calendar is tried)."""
    with runtime.db.session() as session:
        source = sources.get_source(session, source_id)
        calendars = sources.source_calendars(session, source_id)
        session.expunge_all()
    if source.kind == "ics":
        _refresh_feed(runtime, source_id)
        return
    failure: UpstreamError | None = None
    for calendar in calendars:
        try:
            runtime.indexer.sync(calendar, source)
        except UpstreamError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def _refresh_feed(runtime: Runtime, source_id: str) -> None:
    name = f"ics:{source_id}"
    with job_leases.turn(runtime.db, name, every=timedelta(0), lease=_FEED_LEASE) as mine:
        if not mine:  # another process is fetching it this moment: its result will show
            return
        outcome = subscriptions.refresh(runtime, source_id)
    if outcome.error is not None:
        raise FeedUnreachable(
            f"the feed could not be read: {outcome.error.rstrip('.')}. The last copy read is "
            "kept; the next scheduled refresh tries again."
        )
