"""Scheduled passes shared by several workers on one database (issue 17, point 7): a job's turn
(``db.job_leases``) is taken by one worker per interval, a lease left by a killed worker runs
out, two workers running the clearing schedule on one PostgreSQL clear each calendar once
per interval, not once each, and the background sync of a calendar is one worker's turn."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from calgate.db import job_leases
from calgate.jobs.clearing import clear_due
from calgate.jobs.keep_fresh import KeepFresh
from calgate.lifecycle import build_runtime
from calgate.runtime import Runtime
from tests.booking.helpers import ics
from tests.conftest import _reset_postgres

EVERY = timedelta(seconds=10)
LEASE = timedelta(seconds=60)


def _take(runtime: Runtime, worker: str, now: datetime) -> bool:
    with runtime.db.session() as session:
        return job_leases.take(
            session, "clear:room", worker=worker, now=now, every=EVERY, lease=LEASE
        )


def test_a_turn_is_taken_once_per_interval_and_a_dead_lease_runs_out(db_client):
    runtime: Runtime = db_client.app.state.runtime
    t0 = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    assert _take(runtime, "a", t0)
    assert not _take(runtime, "b", t0 + timedelta(seconds=1))  # held, and not due
    with runtime.db.session() as session:
        job_leases.release(session, "clear:room", worker="a")
    assert not _take(runtime, "b", t0 + EVERY / 2)  # released, but the interval has not passed
    assert _take(runtime, "b", t0 + EVERY)  # due: b's pass; b is then killed, never releases
    assert not _take(runtime, "a", t0 + EVERY * 2)  # due, but b's lease holds it
    later = t0 + EVERY + LEASE + timedelta(seconds=1)
    assert _take(runtime, "a", later)  # b's lease ran out: taken over
    with runtime.db.session() as session:
        job_leases.release(session, "clear:room", worker="b")  # b's late release changes nothing
        assert not job_leases.take(
            session, "clear:room", worker="c", now=later, every=EVERY, lease=LEASE
        )


def _post(client, uid: str, start: str, end: str, created: str) -> None:
    made = client.post(
        "/api/v1/calendars/default/events",
        content=ics(uid, start, end, created=created),
        headers={"Content-Type": "text/calendar"},
    )
    assert made.status_code == 201, made.text


@pytest.mark.postgres
def test_two_workers_clear_each_calendar_once_per_interval(make_client, postgres_database):
    """Two runtimes (each its own engine and connections, as two processes have) run the
    clearing schedule side by side, each at the schedule's own pace (a round, then the
    interval), started a third of an interval apart: the passes over the calendar, both
    workers' together, are at least an interval apart; without the turns there would be two
    per interval. The overlap is cleared all the same."""
    _reset_postgres(postgres_database)
    interval = 1.0
    client = make_client(
        database_url=postgres_database, clear_interval=interval, background_jobs=False
    )
    _post(client, "a", "20270301T100000Z", "20270301T110000Z", "20260101T000000Z")
    _post(client, "b", "20270301T103000Z", "20270301T113000Z", "20260102T000000Z")
    assert client.patch("/api/v1/calendars/default", json={"autoClear": True}).status_code == 200
    first: Runtime = client.app.state.runtime
    second = build_runtime(first.settings)
    second.open_secret_box()
    second.start_embedded()
    passes: list[tuple[float, str]] = []
    lock = threading.Lock()
    until = time.monotonic() + 5 * interval

    def schedule(runtime: Runtime, name: str, delay: float) -> None:
        time.sleep(delay)
        while time.monotonic() < until:
            asked = time.monotonic()
            if clear_due(runtime) == ["default"]:
                with lock:
                    passes.append((asked, name))
            time.sleep(interval)

    workers = [
        threading.Thread(target=schedule, args=(first, "first", 0.0)),
        threading.Thread(target=schedule, args=(second, "second", interval / 3)),
    ]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        second.close()
    starts = sorted(at for at, _ in passes)
    assert len(starts) >= 3, passes
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    # a pass starts after its worker asked; a gap can look shorter by the time one asking
    # took before its turn was taken (a query or two)
    assert min(gaps) >= 0.8 * interval, (gaps, passes)
    assert len(starts) <= 6, passes  # 5 intervals: at most one pass each (and the first)
    params = {"start": "2027-03-01T00:00:00Z", "end": "2027-03-02T00:00:00Z"}
    items = client.get("/api/v1/calendars/default/events", params=params).json()["items"]
    assert sorted(e["uid"] for e in items) == ["a"]


def test_the_background_sync_of_a_calendar_is_one_workers_turn_per_interval(db_client):
    """Two workers' background sync loops (separate runtimes on one database) asking for the
    same calendar in one interval: one gets the turn; a shorter interval (the calendar was
    read, not only watched) is due sooner, since the turn holds no lease."""
    first: Runtime = db_client.app.state.runtime
    second = build_runtime(first.settings)
    try:
        a, b = KeepFresh(first), KeepFresh(second)
        assert a._take_turn("default", timedelta(seconds=60))
        assert not b._take_turn("default", timedelta(seconds=60))
        time.sleep(0.2)
        assert b._take_turn("default", timedelta(seconds=0.1))
        assert not a._take_turn("default", timedelta(seconds=60))
    finally:
        second.db.dispose()
