"""Turns of scheduled jobs (the clearing schedule, the background sync), shared by every calgate
process on one database, so that a pass runs once per interval however many processes run the
schedule.

Each job and subject has a row (``clear:room-a``). A process takes the turn with one
conditional UPDATE: only when the last pass started at least ``every`` ago and no live lease
holds the row; it sets ``last_run`` and a lease in the same statement. PostgreSQL evaluates the
WHERE clause again on the row another transaction just changed, and SQLite runs one writer at a
time, so of several processes asking at once exactly one gets the turn. A process that dies
during its pass holds the row only until its lease runs out; the next turn is then due as
usual, ``every`` after the pass that died started. Timestamps come from each process's clock:
machines sharing a database should keep time (NTP).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from calgate.db.models import JobLeaseRow
from calgate.db.session import Database, insert_unless_there


def take(
    session: Session, name: str, *, worker: str, now: datetime, every: timedelta, lease: timedelta
) -> bool:
    """Whether ``worker`` got the turn of ``name`` (held until ``now + lease`` or release)."""
    _ensure_row(session, name)
    taken = session.execute(
        update(JobLeaseRow)
        .where(
            JobLeaseRow.name == name,
            or_(JobLeaseRow.claimed_until.is_(None), JobLeaseRow.claimed_until < now),
            or_(JobLeaseRow.last_run.is_(None), JobLeaseRow.last_run <= now - every),
        )
        .values(claimed_by=worker, claimed_until=now + lease, last_run=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(taken, "rowcount", 0) == 1


def release(session: Session, name: str, *, worker: str) -> None:
    """The pass is over: the row is free for the next turn (due ``every`` after it began)."""
    session.execute(
        update(JobLeaseRow)
        .where(JobLeaseRow.name == name, JobLeaseRow.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@contextmanager
def turn(db: Database, name: str, *, every: timedelta, lease: timedelta) -> Iterator[bool]:
    """``with turn(...) as mine:``: ``mine`` when this process has the turn; the lease is
    released when the block ends (a pass that raises too)."""
    worker = uuid.uuid4().hex
    with db.session() as session:
        mine = take(session, name, worker=worker, now=datetime.now(UTC), every=every, lease=lease)
    try:
        yield mine
    finally:
        if mine:
            with db.session() as session:
                release(session, name, worker=worker)


def _ensure_row(session: Session, name: str) -> None:
    """The job's row, made by whichever process asks first."""
    if not session.scalar(select(exists().where(JobLeaseRow.name == name))):
        insert_unless_there(session, JobLeaseRow, name=name)
