"""Running queued ``.ics`` imports (the ``calgate-imports`` job, docs/import.md).

An import is claimed with a lease (calgate.db.claims), so several processes share the queue and
one killed mid-import leaves it to another once the lease runs out. Its objects are dealt with
in batches, in the file's order. For each batch the write every object gets (create under an id
derived from its UID, or update with the ETag the index has) is committed as the object's
``plan`` before anything is written, and what came of each (``outcome``) right after: a run
that takes an import over finds the planned objects of the batch its predecessor did not finish
and does exactly those writes again. The writes are idempotent: a create that finds its object
there (``If-None-Match: *`` refused) counts it as created when it holds the planned UID, since
only the planned write can have made it; an update is made again with the current ETag.

Objects are written to the CalDAV server by a few threads at once (``import_threads``, within
the source's bulkhead) and each batch enters the index in one transaction, with origin
``import``, so the change feed and webhooks see the import. A calendar with ``overlap: reject``
writes one object at a time through the booking check instead (``services.booking``), and an
overlap is reported as that object's failure, not stored.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from calgate.db import claims
from calgate.db.models import CalendarRow, ImportItemRow, ImportRow, IndexedEventRow, SourceRow
from calgate.domain import ical_events as ical
from calgate.domain import ical_import
from calgate.domain.ical_raw import check_object
from calgate.domain.input_limits import check_ical_text
from calgate.errors import (
    BookingConflict,
    CalgateError,
    InvalidInput,
    PreconditionFailed,
    UpstreamError,
)
from calgate.index.store import Put
from calgate.index.sync import IMPORT
from calgate.runtime import Runtime
from calgate.services import booking, writing
from calgate.services.context import CalendarContext
from calgate.services.imports import CREATED, DONE, FAILED, QUEUED, RUNNING, SKIPPED, UPDATED
from calgate.upstream import RemoteObject

log = logging.getLogger(__name__)

_BUSY = {423, 429, 503}  # answers to a PUT that a retry soon may get past
_TRIES = 20  # about 8 s of waits at most
BATCH = 100  # objects per plan/outcome transaction: what a crash may make a successor redo
_CHUNK = 500


def run_due(runtime: Runtime, *, stopping: Callable[[], bool] = lambda: False) -> int:
    """Run queued imports (and those whose worker's lease ran out) until none is left; how
    many were run. ``stopping``: checked between batches (shutdown), the import is then left
    for the next round or another process."""
    worker = uuid.uuid4().hex
    lease = timedelta(seconds=runtime.settings.import_lease)
    ran = 0
    while not stopping():
        now = datetime.now(UTC)
        with runtime.db.session() as session:
            ids = claims.claim(
                session,
                ImportRow,
                due=[ImportRow.status.in_((QUEUED, RUNNING))],
                order_by=[ImportRow.id],
                limit=1,
                worker=worker,
                now=now,
                until=now + lease,
            )
        if not ids:
            return ran
        for row_id in ids:
            _Run(runtime, worker, row_id, lease, stopping).run()
            ran += 1
    return ran


@dataclass(frozen=True)
class _Result:
    seq: int
    outcome: str
    reason: str | None = None
    stored: Put | None = None  # to enter into the index


class _Lost(Exception):
    """Another worker holds the import now (this one's lease ran out)."""


class _Run:
    def __init__(
        self,
        runtime: Runtime,
        worker: str,
        row_id: int,
        lease: timedelta,
        stopping: Callable[[], bool],
    ) -> None:
        self.runtime = runtime
        self.worker = worker
        self.row_id = row_id
        self.lease = lease
        self.stopping = stopping
        with runtime.db.session() as session:
            row = session.get(ImportRow, row_id)
            assert row is not None
            self.public_id = row.public_id
            self.mode = row.on_conflict
            if row.status == QUEUED:
                row.status = RUNNING
            calendar = session.get(CalendarRow, row.calendar_id)
            assert calendar is not None
            source = session.get(SourceRow, calendar.source_id)
            assert source is not None
        self.ctx = CalendarContext(runtime, calendar, source, origin=IMPORT)
        self._serial = False  # set when the server says a concurrent write holds it (423)
        self._one_at_a_time = threading.Lock()

    def run(self) -> None:
        try:
            self._run()
        except _Lost:
            log.info("import %s: taken over by another worker", self.public_id)

    def _run(self) -> None:
        ctx = self.ctx
        try:  # the index must know the calendar's UIDs before any is looked up
            self.runtime.indexer.sync(ctx.calendar, ctx.source)
        except CalgateError as exc:
            self._finish(FAILED, f"the calendar's server could not be read: {exc.detail}")
            return
        settings = self.runtime.settings
        threads = min(settings.import_threads, settings.upstream_concurrency)
        if ctx.source.kind == "embedded":
            # its server runs in this process: more threads only contend for the interpreter
            threads = min(threads, 2)
        with ThreadPoolExecutor(threads, thread_name_prefix="calgate-import") as pool:
            while True:
                if self.stopping():
                    self._let_go()
                    return
                items = self._next_batch()
                if not items:
                    self._finish(DONE, None)
                    return
                stop = self._batch(items, pool)
                if stop is not None:
                    self._finish(FAILED, stop)
                    return

    # -- one batch ----------------------------------------------------------------------
    def _next_batch(self) -> list[ImportItemRow]:
        with self.runtime.db.session() as session:
            return list(
                session.scalars(
                    select(ImportItemRow)
                    .where(ImportItemRow.import_id == self.row_id, ImportItemRow.outcome.is_(None))
                    .order_by(ImportItemRow.seq)
                    .limit(BATCH)
                )
            )

    def _batch(self, items: list[ImportItemRow], pool: ThreadPoolExecutor) -> str | None:
        """Plan, write and record one batch; why the import stops (onConflict=fail), else None."""
        redo = [i for i in items if i.plan is not None]  # planned by a run that did not finish
        decided, planned, stop = self._plan([i for i in items if i.plan is None])
        self._save(decided, planned)
        todo: list[tuple[ImportItemRow, dict[str, Any], bool]] = [
            (i, dict(i.plan or {}), True) for i in redo
        ] + [(i, planned[i.seq], False) for i in items if i.seq in planned]
        if self.ctx.calendar.overlap == booking.REJECT:
            results = [self._write_guarded(*job) for job in todo]
        else:
            results = list(pool.map(lambda job: self._write(*job), todo))
        stored = [r.stored for r in results if r.stored is not None]
        if stored:
            self.runtime.indexer.record_writes(self.ctx.calendar, stored, origin=IMPORT)
        self._save(results, {})
        return stop

    def _plan(
        self, items: list[ImportItemRow]
    ) -> tuple[list[_Result], dict[int, dict[str, Any]], str | None]:
        """(outcomes decided without a write, the write planned for the others, why the import
        stops here)."""
        existing = self._existing({i.uid for i in items if i.text is not None and i.uid})
        decided: list[_Result] = []
        planned: dict[int, dict[str, Any]] = {}
        for item in items:
            if item.text is None or item.uid is None:
                decided.append(_Result(item.seq, SKIPPED, item.note))
                continue
            problem = self._invalid(item.text)
            if problem is not None:
                decided.append(_Result(item.seq, FAILED, f"invalid data: {problem}"))
                continue
            found = existing.get(item.uid)
            uid = item.uid
            if found is not None:
                event_id, etag = found
                if self.mode == "skip":
                    decided.append(_Result(item.seq, SKIPPED))
                    continue
                if self.mode == "update":
                    planned[item.seq] = {
                        "action": "update",
                        "id": event_id,
                        "uid": uid,
                        "etag": etag,
                    }
                    continue
                if self.mode == "fail":
                    why = f"UID exists in the calendar (event {event_id!r}); onConflict=fail stops"
                    decided.append(_Result(item.seq, FAILED, why))
                    return (
                        decided,
                        planned,
                        f"stopped at UID {uid!r}, which the calendar holds (onConflict=fail)",
                    )
                uid = ical_import.new_uid(self.public_id, uid)
            planned[item.seq] = {
                "action": "create",
                "id": ical_import.event_id_for(uid),
                "uid": uid,
            }
        return decided, planned, None

    def _invalid(self, text: str) -> str | None:
        try:
            check_ical_text(text, self.ctx.limits)
            check_object(text)
        except InvalidInput as exc:
            return exc.detail
        return None

    def _existing(self, uids: set[str]) -> dict[str, tuple[str, str | None]]:
        """UID -> (event id, ETag) of the calendar's live events with one of ``uids``."""
        found: dict[str, tuple[str, str | None]] = {}
        wanted = sorted(uids)
        with self.runtime.db.session() as session:
            for start in range(0, len(wanted), _CHUNK):
                rows = session.execute(
                    select(
                        IndexedEventRow.uid, IndexedEventRow.event_id, IndexedEventRow.etag
                    ).where(
                        IndexedEventRow.calendar_id == self.ctx.calendar.id,
                        IndexedEventRow.deleted.is_(False),
                        IndexedEventRow.uid.in_(wanted[start : start + _CHUNK]),
                    )
                )
                found.update((uid, (event_id, etag)) for uid, event_id, etag in rows if uid)
        return found

    # -- the writes ---------------------------------------------------------------------
    def _text(self, item: ImportItemRow, plan: dict[str, Any]) -> str:
        """The object as written: as the file had it, or under the new UID (newUid)."""
        assert item.text is not None
        if plan["uid"] == item.uid:
            return item.text
        return ical_import.with_uid(ical.parse_ical(item.text), plan["uid"])

    def _write(self, item: ImportItemRow, plan: dict[str, Any], redo: bool) -> _Result:
        """PUT the object as planned (threads: the index is entered by the batch)."""
        href = self.ctx.href_for(plan["id"])
        try:
            text = self._text(item, plan)
            if plan["action"] == "create":
                stored = self._put(href, text, if_none_match=True)
                return _Result(item.seq, CREATED, stored=self._prepared(stored))
            stored = self._put(href, text, if_match=plan["etag"])
            return _Result(item.seq, UPDATED, stored=self._prepared(stored))
        except PreconditionFailed:
            return self._again(item, plan, href, redo)
        except CalgateError as exc:
            return _failed(item, exc)

    def _prepared(self, stored: RemoteObject) -> Put:
        return self.runtime.indexer.prepare_write(self.ctx.calendar, stored)

    def _put(self, href: str, text: str, **condition: Any) -> RemoteObject:
        """A PUT, tried again a few times when the server says it is busy with another write.
        Xandikos answers 423 while a concurrent PUT holds its repository (each refused PUT
        having cost it the parsing): after the first such answer this import writes one object
        at a time."""
        for attempt in range(_TRIES):
            try:
                if not self._serial:
                    return self.ctx.conn.write(href, text, **condition)
                with self._one_at_a_time:
                    return self.ctx.conn.write(href, text, **condition)
            except UpstreamError as exc:
                if exc.extra.get("upstreamStatus") not in _BUSY or attempt == _TRIES - 1:
                    raise
                self._serial = True
                time.sleep(min(0.5, 0.02 * 2**attempt) * random.uniform(0.5, 1))  # noqa: S311
        raise AssertionError("unreachable")

    def _write_guarded(self, item: ImportItemRow, plan: dict[str, Any], redo: bool) -> _Result:
        """The object through the write pipeline under the booking check (indexed by it)."""
        ctx = self.ctx
        try:
            text = self._text(item, plan)
            cal = ical.parse_ical(text)
            if plan["action"] == "create":
                writing.put_new(ctx, plan["id"], cal, text=text)
                return _Result(item.seq, CREATED)
            writing.put_edit(ctx, ctx.href_for(plan["id"]), cal, plan["etag"], text=text)
            return _Result(item.seq, UPDATED)
        except BookingConflict as exc:
            first = (exc.extra.get("conflicts") or [{}])[0]
            where = f"overlaps {first.get('uid')} at {first.get('start')}"
            return _Result(item.seq, FAILED, f"booking conflict: {where}")
        except PreconditionFailed:
            return self._again(item, plan, ctx.href_for(plan["id"]), redo)
        except CalgateError as exc:
            return _failed(item, exc)

    def _again(self, item: ImportItemRow, plan: dict[str, Any], href: str, redo: bool) -> _Result:
        """A conditional write refused: after a crash, the planned write itself may have been
        made (a create finds its own object) or the ETag is the one it left (an update)."""
        if plan["action"] == "create":
            if redo:
                try:
                    obj = self.ctx.conn.get(href)
                    if ical.uid_of(ical.parse_ical(obj.ical)) == plan["uid"]:
                        return _Result(item.seq, CREATED, stored=self._prepared(obj))
                except CalgateError:
                    pass
            return _Result(
                item.seq, FAILED, f"an event with id {plan['id']!r} is in the calendar already"
            )
        if redo:
            try:
                obj = self.ctx.conn.get(href)
                stored = self._put(href, self._text(item, plan), if_match=obj.etag)
                return _Result(item.seq, UPDATED, stored=self._prepared(stored))
            except CalgateError as exc:
                return _failed(item, exc)
        return _Result(
            item.seq, FAILED, "the event changed on the server during the import; import again"
        )

    # -- the import's row ---------------------------------------------------------------
    def _save(self, results: list[_Result], planned: dict[int, dict[str, Any]]) -> None:
        """Record outcomes and plans, and renew the lease (one transaction)."""
        now = datetime.now(UTC)
        with self.runtime.db.session() as session:
            self._check_mine(session)
            if planned:
                session.execute(
                    update(ImportItemRow),
                    [{"import_id": self.row_id, "seq": s, "plan": p} for s, p in planned.items()],
                )
            if results:
                session.execute(
                    update(ImportItemRow),
                    [
                        {
                            "import_id": self.row_id,
                            "seq": r.seq,
                            "outcome": r.outcome,
                            "reason": r.reason,
                        }
                        for r in results
                    ],
                )
            claims.extend(session, ImportRow, worker=self.worker, until=now + self.lease)

    def _check_mine(self, session: Any) -> None:
        holder = session.scalar(select(ImportRow.claimed_by).where(ImportRow.id == self.row_id))
        if holder != self.worker:
            raise _Lost

    def _finish(self, status: str, error: str | None) -> None:
        with self.runtime.db.session() as session:
            self._check_mine(session)
            claims.release_one(
                session,
                ImportRow,
                self.row_id,
                worker=self.worker,
                status=status,
                error=error,
                finished_at=datetime.now(UTC),
            )
        log.info("import %s: %s", self.public_id, status if error is None else f"{status}: {error}")

    def _let_go(self) -> None:
        with self.runtime.db.session() as session:
            claims.release_one(session, ImportRow, self.row_id, worker=self.worker)


def _failed(item: ImportItemRow, exc: CalgateError) -> _Result:
    if isinstance(exc, InvalidInput):
        return _Result(item.seq, FAILED, f"invalid data: {exc.detail}")
    return _Result(item.seq, FAILED, f"the server refused it: {exc.detail}")


__all__ = ["BATCH", "run_due"]
