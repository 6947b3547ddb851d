"""The durable outbox against a real SMTP server that is stopped and restarted, on SQLite and
PostgreSQL: nothing lost, nothing sent twice (counted by Message-ID at the server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from calgate.db.models import OutboxRow
from calgate.db.session import Database
from calgate.domain.mail import SAMPLE_NOTICE, RenderedMail, render
from calgate.mail import outbox
from tests.mail.smtp_server import SmtpServer

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def mails(n: int) -> list[RenderedMail]:
    base = render(SAMPLE_NOTICE, None, None)
    return [
        RenderedMail(f"user{i}@example.org", f"{base.subject} #{i}", base.body) for i in range(n)
    ]


def queue(db: Database, settings, n: int, now: datetime = T0) -> None:
    with db.session() as session:
        assert outbox.enqueue(session, mails(n), settings=settings, now=now) == n


def rows(db: Database) -> list[OutboxRow]:
    with db.session() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def assert_each_sent_once(server: SmtpServer, db: Database, n: int) -> None:
    stored = rows(db)
    assert len(stored) == n
    assert all(r.sent_at is not None and r.claimed_by is None for r in stored)
    counts = server.recorder.ids()
    assert counts == {r.message_id: 1 for r in stored}


def test_enqueue_writes_rows_in_the_callers_transaction(outbox_db, smtp_server, mail_settings):
    settings = mail_settings(smtp_server, smtp_bcc="audit@example.org, desk@example.org")
    with pytest.raises(RuntimeError), outbox_db.session() as session:
        outbox.enqueue(session, mails(2), settings=settings, now=T0)
        raise RuntimeError("the change being reported failed")
    assert rows(outbox_db) == []  # rolled back with it
    queue(outbox_db, settings, 2)
    stored = rows(outbox_db)
    assert [r.recipient for r in stored] == ["user0@example.org", "user1@example.org"]
    assert all(r.bcc == ["audit@example.org", "desk@example.org"] for r in stored)
    assert len({r.message_id for r in stored}) == 2
    assert all(r.message_id.endswith("@example.org>") for r in stored)
    assert all(r.attempts == 0 and r.sent_at is None for r in stored)


def test_no_smtp_server_queues_nothing(outbox_db, make_settings):
    settings = make_settings()
    assert not settings.smtp_enabled
    with outbox_db.session() as session:
        assert outbox.enqueue(session, mails(3), settings=settings) == 0
    assert rows(outbox_db) == []
    assert outbox.deliver_due(settings, outbox_db.session).sent == 0


def test_delivery_marks_rows_sent(outbox_db, smtp_server, mail_settings):
    settings = mail_settings(smtp_server)
    queue(outbox_db, settings, 3)
    report = outbox.deliver_due(settings, outbox_db.session, now=T0, batch_size=2)
    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    assert_each_sent_once(smtp_server, outbox_db, 3)
    # nothing is due any more
    assert outbox.deliver_due(settings, outbox_db.session, now=T0 + timedelta(days=1)).sent == 0
    assert len(smtp_server.recorder.messages) == 3


def test_server_down_then_up_delivers_each_mail_once(outbox_db, smtp_server, mail_settings):
    settings = mail_settings(smtp_server, outbox_retry_base=30, outbox_retry_max=3600)
    smtp_server.stop()
    queue(outbox_db, settings, 5)

    report = outbox.deliver_due(settings, outbox_db.session, now=T0)
    assert (report.sent, report.retrying) == (0, 5)
    assert "ConnectionRefusedError" in report.errors[0]
    for row in rows(outbox_db):
        assert row.attempts == 1 and row.sent_at is None and row.failed_at is None
        assert "ConnectionRefusedError" in (row.last_error or "")
        wait = outbox._utc(row.next_attempt_at) - T0
        assert timedelta(seconds=27) <= wait <= timedelta(seconds=31)

    # still down at the next try: the wait doubles
    report = outbox.deliver_due(settings, outbox_db.session, now=T0 + timedelta(seconds=31))
    assert report.retrying == 5
    for row in rows(outbox_db):
        assert row.attempts == 2
        wait = outbox._utc(row.next_attempt_at) - (T0 + timedelta(seconds=31))
        assert timedelta(seconds=54) <= wait <= timedelta(seconds=61)

    # up again, but the backoff has not passed: nothing is tried
    smtp_server.start()
    assert outbox.deliver_due(settings, outbox_db.session, now=T0 + timedelta(seconds=40)).sent == 0
    assert smtp_server.recorder.messages == []

    report = outbox.deliver_due(settings, outbox_db.session, now=T0 + timedelta(seconds=100))
    assert (report.sent, report.retrying) == (5, 0)
    assert_each_sent_once(smtp_server, outbox_db, 5)
    assert all(r.last_error is None for r in rows(outbox_db))


def test_server_lost_in_the_middle_of_a_batch(outbox_db, smtp_server, mail_settings):
    """The connection is cut after three mails of a batch of eight (as in a crash of the
    server) and the server stays down; restarted, the rest goes out; none twice."""
    settings = mail_settings(smtp_server)
    queue(outbox_db, settings, 8)
    smtp_server.recorder.drop_at = 3

    report = outbox.deliver_due(settings, outbox_db.session, now=T0, batch_size=8)
    assert smtp_server.recorder.dropped.is_set()
    smtp_server.stop()
    assert (report.sent, report.retrying) == (3, 5)
    waiting = [r for r in rows(outbox_db) if r.sent_at is None]
    assert len(waiting) == 5 and all(r.attempts == 1 for r in waiting)

    later = T0 + timedelta(minutes=5)
    assert outbox.deliver_due(settings, outbox_db.session, now=later).retrying == 5
    smtp_server.start()
    report = outbox.deliver_due(settings, outbox_db.session, now=later + timedelta(minutes=5))
    assert report.sent == 5
    assert_each_sent_once(smtp_server, outbox_db, 8)


def test_a_refused_mail_is_recorded_and_not_retried(outbox_db, smtp_server, mail_settings):
    settings = mail_settings(smtp_server)
    smtp_server.recorder.refuse["user1@example.org"] = "550 5.1.1 no such user"
    smtp_server.recorder.refuse["user2@example.org"] = "450 4.2.1 mailbox busy"
    queue(outbox_db, settings, 4)

    report = outbox.deliver_due(settings, outbox_db.session, now=T0)
    assert (report.sent, report.retrying, report.failed) == (2, 1, 1)
    by_recipient = {r.recipient: r for r in rows(outbox_db)}
    refused = by_recipient["user1@example.org"]
    assert refused.failed_at is not None and refused.attempts == 1
    assert refused.last_error == "recipients refused: 550 5.1.1 no such user"
    busy = by_recipient["user2@example.org"]
    assert busy.failed_at is None and busy.attempts == 1 and "450" in (busy.last_error or "")

    smtp_server.recorder.refuse.clear()
    report = outbox.deliver_due(settings, outbox_db.session, now=T0 + timedelta(hours=2))
    assert (report.sent, report.failed) == (1, 0)  # the busy one; the refused one stays
    with outbox_db.session() as session:
        state = outbox.status(session)
    assert (state.pending, state.failed, state.sent) == (0, 1, 3)
    assert state.last_errors == ["recipients refused: 550 5.1.1 no such user"]

    # an operator may queue it again (the mailbox exists now)
    with outbox_db.session() as session:
        assert outbox.make_due_now(session, retry_failed=True) == 1
    assert outbox.deliver_due(settings, outbox_db.session).sent == 1
    assert smtp_server.recorder.ids()[refused.message_id] == 1


def test_concurrent_workers_never_send_a_row_twice(outbox_db, smtp_server, mail_settings):
    """Two workers with their own connections (as two processes would have) race over the
    same rows in small batches."""
    settings = mail_settings(smtp_server)
    n = 40
    queue(outbox_db, settings, n)
    second = Database(str(outbox_db.engine.url.render_as_string(hide_password=False)))
    smtp_server.recorder.delay = 0.01
    for db in (outbox_db, second):  # connect before the race starts
        with db.session() as session:
            session.execute(select(1))
    reports: list[outbox.DeliveryReport] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(db: Database) -> None:
        try:
            barrier.wait()
            reports.append(outbox.deliver_due(settings, db.session, batch_size=3))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(db,)) for db in (outbox_db, second, outbox_db, second)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        second.dispose()
    assert errors == []
    assert sum(r.sent for r in reports) == n
    assert_each_sent_once(smtp_server, outbox_db, n)


def test_a_claim_takes_at_most_its_batch(outbox_db, smtp_server, mail_settings):
    """PostgreSQL may run ``IN (SELECT ... LIMIT n)`` once per updated row, which would claim
    every due row at once; claims must be disjoint batches of at most n."""
    settings = mail_settings(smtp_server)
    queue(outbox_db, settings, 7)
    first = outbox._claim(outbox_db.session, "a", T0, settings, 3)
    second = outbox._claim(outbox_db.session, "b", T0, settings, 3)
    third = outbox._claim(outbox_db.session, "c", T0, settings, 3)
    assert first is not None and second is not None and third is not None
    assert [len(first), len(second), len(third)] == [3, 3, 1]
    ids = [row_id for batch in (first, second, third) for row_id, _ in batch]
    assert len(set(ids)) == 7
    assert outbox._claim(outbox_db.session, "d", T0, settings, 3) is None


def test_an_expired_claim_is_taken_over(outbox_db, smtp_server, mail_settings):
    """A worker that died holding a claim: after the lease another one sends the mail, with
    the same Message-ID."""
    settings = mail_settings(smtp_server)
    queue(outbox_db, settings, 1)
    with outbox_db.session() as session:
        row = session.scalars(select(OutboxRow)).one()
        row.claimed_by = "dead-worker"
        row.claimed_until = T0 + outbox.lease_length(settings)
        message_id = row.message_id
    assert outbox.deliver_due(settings, outbox_db.session, now=T0).sent == 0
    report = outbox.deliver_due(
        settings, outbox_db.session, now=T0 + outbox.lease_length(settings) + timedelta(seconds=1)
    )
    assert report.sent == 1
    assert smtp_server.recorder.ids() == {message_id: 1}


def test_purge_keeps_unsent_mails(outbox_db, smtp_server, mail_settings):
    settings = mail_settings(smtp_server)
    queue(outbox_db, settings, 2)
    smtp_server.recorder.refuse["user1@example.org"] = "550 no"
    outbox.deliver_due(settings, outbox_db.session, now=T0)
    with outbox_db.session() as session:
        assert outbox.purge_sent(session, older_than=T0) == 0
        assert outbox.purge_sent(session, older_than=T0 + timedelta(days=1)) == 1
    assert [r.recipient for r in rows(outbox_db)] == ["user1@example.org"]


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (50, 3600)]
)
def test_retry_delay_doubles_up_to_the_cap(make_settings, attempts, seconds):
    settings = make_settings(outbox_retry_base=30, outbox_retry_max=3600)
    assert outbox.retry_delay(attempts, settings, jitter=0) == timedelta(seconds=seconds)
    assert outbox.retry_delay(attempts, settings, jitter=1) == timedelta(seconds=seconds * 0.9)
