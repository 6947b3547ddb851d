"""The durable outbox: notification mails are rows, written in the transaction of the change
they report and delivered later by whoever calls :func:`deliver_due` (the delivery thread,
``calgate outbox --deliver``).

Exactly once: a worker claims due rows with a lease (``claimed_by`` until ``claimed_until``)
in one UPDATE: on PostgreSQL over ``FOR UPDATE SKIP LOCKED``, so concurrent workers take
different rows without waiting; on SQLite the UPDATE holds the database's write lock, and its
WHERE clause admits only unclaimed or expired rows. A row is marked sent in its own commit right
after the server accepted it. The one gap, a crash between the server's ``250`` and that commit,
resends after the lease with the same ``Message-ID``, which receivers recognise.

Failures never delete a mail: a connection or ``4xx`` failure waits ``outbox_retry_base``
seconds, doubling per attempt up to ``outbox_retry_max`` (with up to 10% less, so many
mails do not retry in lock step), for ever; a ``5xx`` refusal of the mail is recorded in
``failed_at`` and not retried (``calgate outbox --retry-failed`` queues those again).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from calgate.db import claims
from calgate.db.models import OutboxRow
from calgate.domain.mail import RenderedMail
from calgate.mail.smtp import Outgoing, SendFailure, SmtpTransport
from calgate.settings import Settings

log = logging.getLogger(__name__)

Sessions = Callable[[], AbstractContextManager[Session]]

BATCH_SIZE = 20
JITTER = 0.1
MAX_BATCHES = 1000  # one call's bound, should rows ever stay due after being handled


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    retrying: int
    failed: int
    sent: int
    next_attempt_at: datetime | None
    last_errors: list[str]


# -- queueing -------------------------------------------------------------------------------
def enqueue(
    session: Session,
    mails: Iterable[RenderedMail],
    *,
    settings: Settings,
    now: datetime | None = None,
    blind_copy: bool = True,
) -> int:
    """Add ``mails`` to the outbox in the caller's transaction (so a mail exists exactly when
    the change it reports is committed). Notifications off (no SMTP server): nothing is
    queued. ``blind_copy`` False: not copied to ``smtp_bcc`` (a mail to the admins, not a
    booking notification). Returns how many rows were written."""
    if not settings.smtp_enabled:
        return 0
    now = _utc(now or datetime.now(UTC))
    domain = (settings.smtp_email or "").rpartition("@")[2] or "calgate.invalid"
    bcc = settings.smtp_bcc_list if blind_copy else []
    count = 0
    for mail in mails:
        message_id = f"<{uuid.uuid4().hex}.calgate@{domain}>"
        if mail.template_error:
            log.warning("%s: the default template was used: %s", message_id, mail.template_error)
        session.add(
            OutboxRow(
                created_at=now,
                recipient=mail.recipient,
                subject=mail.subject,
                body=mail.body,
                bcc=bcc,
                message_id=message_id,
                attempts=0,
                next_attempt_at=now,
            )
        )
        count += 1
    return count


# -- delivery -------------------------------------------------------------------------------
def retry_delay(attempts: int, settings: Settings, *, jitter: float | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed try: base, doubling, capped; ``jitter`` in
    [0, 1] takes up to 10% off (random when None)."""
    share = random.random() if jitter is None else jitter  # noqa: S311 (not for secrets)
    exponent = min(max(attempts - 1, 0), 60)
    delay = min(settings.outbox_retry_max, settings.outbox_retry_base * 2**exponent)
    return timedelta(seconds=delay * (1 - JITTER * share))


def lease_length(settings: Settings) -> timedelta:
    """How long a claim holds: enough for connecting and one mail, each step within the
    SMTP timeout; renewed after every mail of a batch."""
    return timedelta(seconds=10 * settings.smtp_timeout)


def deliver_due(
    settings: Settings,
    sessions: Sessions,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DeliveryReport:
    """Send the mails due at ``now`` (default: the clock), batch by batch over one SMTP
    connection each, until none is due or the server is unusable. Safe to run in several
    threads and processes at once. Never raises for SMTP failures; they are in the report."""
    report = DeliveryReport()
    if not settings.smtp_enabled:
        return report
    start = _utc(now or datetime.now(UTC))
    began = time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - began)

    for _ in range(MAX_BATCHES):
        worker = uuid.uuid4().hex
        batch = _claim(sessions, worker, clock(), settings, batch_size)
        if batch is None:
            break
        if not batch:  # another worker claimed the same rows first: look again
            continue
        if not _send_batch(settings, sessions, worker, batch, clock, report):
            break
    return report


def _claim(
    sessions: Sessions, worker: str, now: datetime, settings: Settings, limit: int
) -> list[tuple[int, Outgoing]] | None:
    """Claim up to ``limit`` due rows for ``worker``: None when none is due, empty when
    another worker took the candidates first."""
    due = (
        OutboxRow.sent_at.is_(None),
        OutboxRow.failed_at.is_(None),
        OutboxRow.next_attempt_at <= now,
    )
    with sessions() as session:
        ids = claims.claim(
            session,
            OutboxRow,
            due=due,
            order_by=(OutboxRow.next_attempt_at, OutboxRow.id),
            limit=limit,
            worker=worker,
            now=now,
            until=now + lease_length(settings),
        )
        if ids is None:
            return None
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id)
        ).all()
        return [(row.id, _outgoing(row)) for row in rows]


def _send_batch(
    settings: Settings,
    sessions: Sessions,
    worker: str,
    batch: Sequence[tuple[int, Outgoing]],
    clock: Callable[[], datetime],
    report: DeliveryReport,
) -> bool:
    """False when the server became unusable: the rest of the batch waits for a retry."""
    todo = list(batch)
    try:
        with SmtpTransport(settings) as smtp:
            while todo:
                row_id, mail = todo[0]
                try:
                    smtp.send(mail, date=clock())
                except SendFailure as failure:
                    if failure.kind == "connection":
                        raise
                    _record_failure(sessions, worker, [row_id], failure, clock(), settings)
                    _count(report, failure)
                else:
                    _record_sent(sessions, worker, row_id, clock(), settings)
                    report.sent += 1
                todo.pop(0)
        return True
    except SendFailure as failure:
        log.warning("mail delivery stopped, %d mails wait: %s", len(todo), failure.detail)
        _record_failure(
            sessions, worker, [row_id for row_id, _ in todo], failure, clock(), settings
        )
        for _ in todo:
            _count(report, failure)
        return False


def _count(report: DeliveryReport, failure: SendFailure) -> None:
    if failure.kind == "permanent":
        report.failed += 1
    else:
        report.retrying += 1
    if failure.detail not in report.errors:
        report.errors.append(failure.detail)


def _record_sent(
    sessions: Sessions, worker: str, row_id: int, now: datetime, settings: Settings
) -> None:
    with sessions() as session:
        claims.release_one(session, OutboxRow, row_id, worker=worker, sent_at=now, last_error=None)
        # the rest of the batch is still being worked on: keep the claim alive
        claims.extend(session, OutboxRow, worker=worker, until=now + lease_length(settings))


def _record_failure(
    sessions: Sessions,
    worker: str,
    row_ids: list[int],
    failure: SendFailure,
    now: datetime,
    settings: Settings,
) -> None:
    if not row_ids:
        return
    with sessions() as session:
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.id.in_(row_ids), OutboxRow.claimed_by == worker)
        ).all()
        for row in rows:
            row.attempts += 1
            row.last_error = failure.detail
            row.claimed_by = None
            row.claimed_until = None
            if failure.kind == "permanent":
                row.failed_at = now
                log.warning("mail %s refused for good: %s", row.message_id, failure.detail)
            else:
                row.next_attempt_at = now + retry_delay(row.attempts, settings)


def _outgoing(row: OutboxRow) -> Outgoing:
    return Outgoing(
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        message_id=row.message_id,
        bcc=tuple(row.bcc or ()),
    )


# -- upkeep and the CLI ---------------------------------------------------------------------
def status(session: Session, *, errors: int = 5) -> OutboxStatus:
    waiting = (OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))

    def count(*where: object) -> int:
        return int(session.scalar(select(func.count(OutboxRow.id)).where(*where)) or 0)  # type: ignore[arg-type]

    recent = session.scalars(
        select(OutboxRow.last_error)
        .where(OutboxRow.sent_at.is_(None), OutboxRow.last_error.is_not(None))
        .order_by(OutboxRow.id.desc())
        .limit(errors)
    ).all()
    next_at = session.scalar(select(func.min(OutboxRow.next_attempt_at)).where(*waiting))
    return OutboxStatus(
        pending=count(*waiting),
        retrying=count(*waiting, OutboxRow.attempts > 0),
        failed=count(OutboxRow.failed_at.is_not(None)),
        sent=count(OutboxRow.sent_at.is_not(None)),
        next_attempt_at=_utc(next_at) if next_at is not None else None,
        last_errors=[e for e in recent if e],
    )


def make_due_now(
    session: Session, *, retry_failed: bool = False, now: datetime | None = None
) -> int:
    """Cut every waiting mail's backoff short (and with ``retry_failed`` queue the mails
    refused for good again), for ``calgate outbox --deliver``. Returns the rows changed."""
    now = _utc(now or datetime.now(UTC))
    changed = 0
    if retry_failed:
        result = session.execute(
            update(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_not(None))
            .values(failed_at=None, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        changed += result.rowcount or 0  # type: ignore[attr-defined]
    result = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.sent_at.is_(None),
            OutboxRow.failed_at.is_(None),
            OutboxRow.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return changed + (result.rowcount or 0)  # type: ignore[attr-defined]


def purge_sent(session: Session, *, older_than: datetime) -> int:
    """Delete mails sent before ``older_than`` (never unsent ones)."""
    result = session.execute(
        delete(OutboxRow)
        .where(OutboxRow.sent_at.is_not(None), OutboxRow.sent_at < _utc(older_than))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def _utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive (they are stored in UTC); compare in UTC always."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
