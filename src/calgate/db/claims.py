"""Leases on due rows: how calgate's durable background work is shared between threads and
processes (the mail outbox today; webhook deliveries next).

A row that is work to do carries ``claimed_by`` (a worker's random id) and ``claimed_until``.
A worker claims up to ``limit`` due rows in one transaction: on PostgreSQL the candidates are
read ``FOR UPDATE SKIP LOCKED``, so concurrent workers in several processes take different rows
without waiting; on SQLite (one machine) the UPDATE holds the database's write lock, and its
WHERE clause, checked again there, admits only rows still unclaimed or whose lease expired. A
worker that dies keeps its rows only until the lease runs out; one that is still busy extends
it (:func:`extend`). Nothing is done twice in the normal path; after a crash between doing the
work and recording it, the work is done again once the lease expires (receivers deduplicate by
the id the work carries: a mail's Message-ID, a webhook's ``webhook-id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session


class Leasable(Protocol):
    """A mapped class whose rows can be claimed."""

    id: ClassVar[InstrumentedAttribute[int]]
    claimed_by: ClassVar[InstrumentedAttribute[str | None]]
    claimed_until: ClassVar[InstrumentedAttribute[datetime | None]]


def unclaimed(model: type[Leasable], now: datetime) -> ColumnElement[bool]:
    """Rows no live lease holds."""
    return or_(model.claimed_until.is_(None), model.claimed_until < now)


def claim(
    session: Session,
    model: type[Leasable],
    *,
    due: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int,
    worker: str,
    now: datetime,
    until: datetime,
) -> list[int] | None:
    """Claim up to ``limit`` rows that are ``due`` and unclaimed for ``worker`` until ``until``;
    their ids. None when none is due; empty when other workers took the candidates first."""
    where = (*due, unclaimed(model, now))
    candidates = (
        select(model.id)
        .where(*where)
        .order_by(*order_by)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite writes one at a time anyway
    )
    # Two statements: PostgreSQL may run an ``IN (subquery LIMIT n)`` once per row of the
    # UPDATE, and then claims every due row, not n.
    ids = list(session.scalars(candidates))
    if not ids:
        return None
    session.execute(
        update(model)
        .where(model.id.in_(ids), *where)  # checked again: on SQLite under the write lock
        .values(claimed_by=worker, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    held = select(model.id).where(model.claimed_by == worker).order_by(model.id)
    return list(session.scalars(held))


def extend(session: Session, model: type[Leasable], *, worker: str, until: datetime) -> None:
    """Keep ``worker``'s rows claimed until ``until`` (it is still working through them)."""
    session.execute(
        update(model)
        .where(model.claimed_by == worker)
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )


def release_one(
    session: Session, model: type[Leasable], row_id: int, *, worker: str, **values: Any
) -> None:
    """Let go of one of ``worker``'s rows, setting ``values`` (what the work left) with it."""
    session.execute(
        update(model)
        .where(model.id == row_id, model.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
