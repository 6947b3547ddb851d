"""Keeping the index in step with each CalDAV server.

RFC 6578 sync-collection where the server has it (only hrefs and ETags travel, then the changed
objects are fetched with calendar-multiget in batches); ctag, then a PROPFIND of ETags, where it
does not (SabreDAV 1.8). A sync token the server rejects means a full resync, never an error to
the user, and a new epoch of the change feed: the server's history broke off (restored, reset),
so the feed's readers and webhook endpoints are told once to read the calendar again rather
than sent a guess of every change. calgate's own writes go into the index at once
(``record_write``), so a client reads what it just wrote without waiting for the next sync.

Syncs that reads ask for run in their source's own small pool (``upstream_concurrency``
threads), one at a time per calendar: a read waits for it ``upstream_read_deadline`` seconds
at most, counted from when the sync started, and then answers from the index as it stands
(``staleness``). A server that stalls holds its own pool, never the threads serving requests.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urljoin

from sqlalchemy import bindparam, select

from calgate.db.models import CalendarRow, CalendarSyncRow, SourceRow
from calgate.db.session import Database
from calgate.domain.ids import id_from_href
from calgate.domain.timezones import instant
from calgate.errors import (
    CalgateError,
    SyncTokenRejected,
    SyncUnsupported,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from calgate.index import staleness, store
from calgate.index.materialize import FORMAT, Materialized, materialize
from calgate.index.queries import SyncTimes
from calgate.settings import Settings
from calgate.upstream import CalDAVConnection, RemoteObject
from calgate.upstream.hrefs import path_key
from calgate.upstream.quirks import ServerFeatures, without_sync_collection

log = logging.getLogger(__name__)

_READ_NOTE_EVERY = timedelta(seconds=60)
_SYNC_TIMES = select(CalendarSyncRow.last_synced, CalendarSyncRow.last_read).where(
    CalendarSyncRow.calendar_id == bindparam("calendar_id")
)


# who made a change (IndexedEventRow.origin)
API = "api"
CALDAV = "caldav"
CLEARING = "clearing"
ICS = "ics"  # a refresh of a subscribed iCalendar feed
IMPORT = "import"  # an .ics import (services.imports)


@dataclass(frozen=True)
class SyncReport:
    # "sync-collection", "etag", "fresh" (nothing asked), "ctag" (unchanged), "unchanged" (the
    # source told without a request: the embedded store's change marker), "stale" (the
    # server did not answer within the read deadline: read from the index as it stands)
    mode: str
    fetched: int = 0
    deleted: int = 0
    full: bool = False


@dataclass(frozen=True)
class Refresh:
    """A sync running (or queued) in its source's pool; ``started``: time.monotonic()."""

    future: Future[SyncReport]
    started: float


class Parts(Protocol):
    """What the indexer uses of the running service (``calgate.runtime.Runtime`` is one):
    stated here so that the dependency points down, from the runtime to the index."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    def connection(self, source: SourceRow) -> CalDAVConnection:
        """The source's pooled connection."""

    def calendar_url(self, calendar: CalendarRow, source: SourceRow) -> str:
        """The absolute URL of the calendar's collection."""

    def mirrored(self, source: SourceRow) -> bool:
        """Whether the source's calendars live only in the index (an iCalendar feed, which
        ``mirror`` fills): nothing to sync them with."""

    def change_marker(self, calendar: CalendarRow, source: SourceRow) -> str | None:
        """The sync token a sync-collection of the calendar would answer now, when the source
        can tell without a request or a scan (the embedded store); else None."""


class Indexer:
    def __init__(self, runtime: Parts) -> None:
        self.runtime = runtime
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._pools: dict[str, ThreadPoolExecutor] = {}  # source id -> its sync threads
        self._running: dict[str, Refresh] = {}  # calendar id -> its sync in a pool

    def _lock(self, calendar_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(calendar_id, threading.Lock())

    def refresh(
        self, calendar: CalendarRow, source: SourceRow, *, max_age: timedelta | None
    ) -> Refresh:
        """Start syncing ``calendar`` in its source's pool, or join the sync already running
        for it; never waits."""
        with self._guard:
            running = self._running.get(calendar.id)
            if running is not None and not running.future.done():
                return running
            pool = self._pools.get(source.id)
            if pool is None:
                pool = ThreadPoolExecutor(
                    max_workers=self.runtime.settings.upstream_concurrency,
                    thread_name_prefix=f"calgate-sync-{source.id}",
                )
                self._pools[source.id] = pool
            future = pool.submit(self.sync, calendar, source, max_age=max_age)
            future.add_done_callback(lambda f: _log_failure(calendar.id, f))
            running = self._running[calendar.id] = Refresh(future, time.monotonic())
            return running

    def close(self) -> None:
        """Stop the sync pools (a sync stuck on a server is left to its timeout)."""
        with self._guard:
            pools, self._pools = list(self._pools.values()), {}
            self._running.clear()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)

    def forget_source(self, source_id: str) -> None:
        """Let the source's pool go (its queued syncs still run; a new pool starts on demand)."""
        with self._guard:
            pool = self._pools.pop(source_id, None)
        if pool is not None:
            pool.shutdown(wait=False)

    # -- reads -----------------------------------------------------------------------------
    def ensure_fresh(
        self, calendar: CalendarRow, source: SourceRow, *, known: SyncTimes | None = None
    ) -> SyncReport:
        """Sync when the last sync is older than the setting; note the read for the
        background loop, which keeps recently read calendars fresh. ``known``: the calendar's
        sync times as the caller read them just now, with its data (one read fewer). A mirrored
        calendar (an iCalendar feed) is read as the index holds it: its refreshes run on their
        own schedule, and a read never waits for a feed."""
        if self.runtime.mirrored(source):
            return SyncReport("fresh")
        now = datetime.now(UTC)
        found = known
        if found is None:
            # every read asks: two columns, no ORM object; a transaction to write only if needed
            with self.runtime.db.engine.connect() as conn:
                row = conn.execute(_SYNC_TIMES, {"calendar_id": calendar.id}).first()
            found = SyncTimes(row.last_synced, row.last_read) if row is not None else None
        last, last_read = (found.last_synced, found.last_read) if found else (None, None)
        # the background loop only needs "read in the last ten minutes": write it rarely
        if found is None or last_read is None or now - instant(last_read, UTC) > _READ_NOTE_EVERY:
            with self.runtime.db.session() as session:
                last = store.sync_state(session, calendar_id=calendar.id).last_synced
                store.mark_read(session, calendar_id=calendar.id, at=now)
        settings = self.runtime.settings
        max_age = timedelta(seconds=settings.index_max_age)
        if last is not None and now - instant(last, UTC) < max_age:
            return SyncReport("fresh")
        job = self.refresh(calendar, source, max_age=max_age)
        deadline = settings.upstream_read_deadline
        failure: CalgateError | None = None
        try:
            return job.future.result(timeout=max(job.started + deadline - time.monotonic(), 0))
        except (FutureTimeout, CancelledError):  # cancelled: calgate is stopping
            pass
        except (UpstreamTimeout, UpstreamUnreachable) as exc:  # UpstreamBusy too
            failure = exc
        if last is None:  # nothing to answer from: the server's own error
            raise failure or UpstreamTimeout(
                f"The CalDAV server of calendar {calendar.id!r} did not answer within "
                f"{deadline:g} s, and calgate has not read this calendar yet. Try again later."
            )
        staleness.note(calendar.id, instant(last, UTC))
        return SyncReport("stale")

    def sync(
        self, calendar: CalendarRow, source: SourceRow, *, max_age: timedelta | None = None
    ) -> SyncReport:
        if self.runtime.mirrored(source):
            return SyncReport("fresh")  # no server to sync with: ``mirror`` fills it
        lock = self._lock(calendar.id)
        # a sync stuck on a stalled server holds the lock until its own timeout: wait as long
        if not lock.acquire(timeout=self.runtime.settings.upstream_timeout):
            raise UpstreamTimeout(
                f"The CalDAV server of calendar {calendar.id!r} did not answer in time "
                "(an earlier sync of the calendar is still waiting for it)."
            )
        try:
            if max_age is not None:  # another thread may have synced while this one waited
                with self.runtime.db.session() as session:
                    last = store.sync_state(session, calendar_id=calendar.id).last_synced
                if last is not None and datetime.now(UTC) - instant(last, UTC) < max_age:
                    return SyncReport("fresh")
            return self._sync(calendar, source)
        except CalgateError as exc:
            self._note_failure(calendar.id, exc.detail)
            raise
        finally:
            lock.release()

    def _note_failure(self, calendar_id: str, reason: str) -> None:
        """Keep why the sync failed (the sources page); the caller gets the sync's own error."""
        try:
            with self.runtime.db.session() as session:
                at = datetime.now(UTC)
                store.note_sync_failure(session, calendar_id=calendar_id, reason=reason, at=at)
        except Exception:  # the calendar may be gone meanwhile
            log.warning("could not note the failed sync of calendar %s", calendar_id)

    def rebuild(self, calendar: CalendarRow, source: SourceRow) -> SyncReport:
        """Drop the calendar's index and fill it again from the server (calgate reindex). A
        mirrored calendar is left as it is: its index is the only copy (the feed's next
        refresh brings it up to date)."""
        if self.runtime.mirrored(source):
            return SyncReport("fresh")
        with self._lock(calendar.id):
            with self.runtime.db.session() as session:
                store.wipe(session, calendar_id=calendar.id)
            return self._sync(calendar, source)

    # -- the work ------------------------------------------------------------------------
    def _upgrade_format(self, calendar: CalendarRow) -> int:
        """Re-materialize rows built with an older FORMAT from their stored iCalendar (each
        a change in the feed: its JSON changed). Returns how many were redone."""
        with self.runtime.db.session() as session:
            if store.sync_state(session, calendar_id=calendar.id).index_format == FORMAT:
                return 0
        done, after = 0, 0
        while True:
            with self.runtime.db.session() as session:
                batch = store.stale_rows(
                    session, calendar_id=calendar.id, after_id=after, limit=200
                )
            if not batch:
                break
            after = batch[-1][0]
            ready = [
                (
                    event_id,
                    href,
                    etag,
                    text,
                    self._materialize(calendar, RemoteObject(href=href, etag=etag, ical=text)),
                )
                for _, event_id, href, etag, text in batch
            ]
            with self.runtime.db.session() as session:
                state = store.sync_state(session, calendar_id=calendar.id, for_update=True)
                for event_id, href, etag, text, fields in ready:
                    store.put_object(
                        session,
                        state,
                        event_id=event_id,
                        href=href,
                        etag=etag,
                        ical=text,
                        fields=fields,
                        origin=None,  # the same object in the index's new format
                    )
            done += len(batch)
        with self.runtime.db.session() as session:
            store.sync_state(
                session, calendar_id=calendar.id, for_update=True
            ).index_format = FORMAT
        log.info(
            "index of calendar %s: %d objects re-materialized (format %d)",
            calendar.id,
            done,
            FORMAT,
        )
        return done

    def _sync(self, calendar: CalendarRow, source: SourceRow) -> SyncReport:
        self._upgrade_format(calendar)
        conn = self.runtime.connection(source).about(f"calendar {calendar.id!r}")
        url = self.runtime.calendar_url(calendar, source)
        url = url if url.endswith("/") else url + "/"
        with self.runtime.db.session() as session:
            state = store.sync_state(session, calendar_id=calendar.id)
            token, old_ctag = state.sync_token, state.ctag
            touched = set(state.touched or [])
        new_token: str | None = None
        new_ctag: str | None = None
        full = False
        broken = False  # the server refused the token: its history of changes broke off
        if token is not None and self.runtime.change_marker(calendar, source) == token:
            # the store says nothing changed since the last sync: no request, no scan
            self._touch(calendar.id, token=token, ctag=old_ctag)
            return SyncReport("unchanged")
        if ServerFeatures.from_json(source.capabilities).sync_collection:
            try:
                try:
                    delta = conn.sync_collection(url, token)
                except SyncTokenRejected:
                    log.info("sync token of calendar %s rejected; resyncing fully", calendar.id)
                    delta = conn.sync_collection(url, None)
                    token, broken = None, True
                full = token is None
                listing = {path_key(h): etag for h, etag in delta.changed.items()}
                gone = [path_key(h) for h in delta.deleted]
                # an incremental sync reads only what its delta names from the index
                names = None if full else set(listing) | set(gone) | touched
                known = self._known(calendar.id, names)
                deleted = [h for h in gone if h in known]
                if full:
                    deleted = [h for h in known if h not in listing]
                changed = [h for h, etag in listing.items() if etag is None or known.get(h) != etag]
                if not full:
                    # calgate's own writes since the token: a delete and an identical re-create
                    # cancel out in the delta, so check them directly.
                    unseen = [h for h in touched if h not in listing and h not in gone]
                    changed += unseen
                new_token = delta.token
                mode = "sync-collection"
            except SyncUnsupported:
                self._remember_no_sync(source)
                source.capabilities = without_sync_collection(source.capabilities)
        if new_token is None:
            new_ctag = conn.ctag(url)
            if new_ctag is not None and new_ctag == old_ctag:
                self._touch(calendar.id, token=None, ctag=new_ctag)
                return SyncReport("ctag")
            listing = {path_key(h): etag for h, etag in conn.list_hrefs(url).items()}
            known = self._known(calendar.id, None)
            deleted = [h for h in known if h not in listing]
            changed = [h for h, etag in listing.items() if etag is None or known.get(h) != etag]
            full = True
            mode = "etag"
        fetched = conn.multiget(url, [urljoin(url, h) for h in changed]) if changed else []
        if mode == "sync-collection" and not full:
            # a touched href the server no longer has was deleted (after a re-create, maybe)
            got = {path_key(obj.href) for obj in fetched}
            deleted += [h for h in touched if h in changed and h not in got and h in known]
        self._apply(
            calendar,
            fetched,
            deleted,
            token=new_token,
            ctag=new_ctag,
            checked=touched,
            new_epoch=broken,
        )
        return SyncReport(mode, fetched=len(fetched), deleted=len(deleted), full=full)

    def _known(self, calendar_id: str, hrefs: set[str] | None) -> dict[str, str | None]:
        with self.runtime.db.session() as session:
            return store.known_etags(session, calendar_id=calendar_id, hrefs=hrefs)

    def _remember_no_sync(self, source: SourceRow) -> None:
        with self.runtime.db.session() as session:
            row = session.get(SourceRow, source.id)
            if row is not None:
                row.capabilities = without_sync_collection(row.capabilities)

    def _touch(self, calendar_id: str, *, token: str | None, ctag: str | None) -> None:
        with self.runtime.db.session() as session:
            state = store.sync_state(session, calendar_id=calendar_id, for_update=True)
            store.mark_synced(session, state, at=datetime.now(UTC), sync_token=token, ctag=ctag)

    def _materialize(self, calendar: CalendarRow, obj: RemoteObject) -> Materialized:
        return materialize(
            obj.ical,
            event_id=id_from_href(obj.href),
            calendar_id=calendar.id,
            etag=obj.etag,
            floating_tz=calendar.time_zone,
            now=datetime.now(UTC),
            max_occurrences=self.runtime.settings.max_expansion,
        )

    def _apply(
        self,
        calendar: CalendarRow,
        fetched: list[RemoteObject],
        deleted: list[str],
        *,
        token: str | None,
        ctag: str | None,
        checked: set[str],
        new_epoch: bool = False,
        origin: str = CALDAV,
    ) -> None:
        # CPU work (parsing, expansion) before the write transaction, which stays short.
        ready = [(obj, self._materialize(calendar, obj)) for obj in fetched]
        with self.runtime.db.session() as session:
            state = store.sync_state(session, calendar_id=calendar.id, for_update=True)
            if new_epoch:  # one "re-read" to feed readers, not a guess of what changed meanwhile
                store.new_epoch(state)
            for obj, fields in ready:
                if fields.public_json is None and "BEGIN:VEVENT" in obj.ical.upper():
                    log.warning("indexing %s: not readable as iCalendar", obj.href)
            puts = [
                store.Put(
                    id_from_href(obj.href), path_key(obj.href), obj.etag, obj.ical, fields, origin
                )
                for obj, fields in ready
            ]
            store.put_objects(session, state, puts)
            for href in deleted:
                store.delete_object(session, state, event_id=id_from_href(href), origin=origin)
            store.mark_synced(
                session, state, at=datetime.now(UTC), sync_token=token, ctag=ctag, checked=checked
            )

    def mirror(self, calendar: CalendarRow, objects: list[RemoteObject]) -> SyncReport:
        """Make the calendar's index hold exactly ``objects`` (the whole of an iCalendar feed,
        each with a stable href and an ETag hashed from its text): only objects whose ETag
        changed are entered, those no longer there are deleted, all with origin ``ics``."""
        with self._lock(calendar.id):
            self._upgrade_format(calendar)
            listing = {path_key(obj.href): obj for obj in objects}
            known = self._known(calendar.id, None)
            changed = [obj for h, obj in listing.items() if known.get(h) != obj.etag]
            deleted = [h for h in known if h not in listing]
            self._apply(
                calendar, changed, deleted, token=None, ctag=None, checked=set(), origin=ICS
            )
            return SyncReport("mirror", fetched=len(changed), deleted=len(deleted), full=True)

    # -- calgate's own writes ------------------------------------------------------------
    def record_write(
        self,
        calendar: CalendarRow,
        *,
        href: str,
        etag: str | None,
        ical: str,
        origin: str = API,
    ) -> Materialized:
        """Enter what calgate just wrote (``origin``: ``api``, ``caldav`` for the /dav/ door,
        ``clearing``) into the index, before the writer answers."""
        put = self.prepare_write(calendar, RemoteObject(href=href, etag=etag, ical=ical))
        self.record_writes(calendar, [put], origin=origin)
        return put.fields

    def prepare_write(self, calendar: CalendarRow, written: RemoteObject) -> store.Put:
        """What :meth:`record_writes` enters for one written object, materialized (CPU work
        that a writer's threads can do while others wait for their server)."""
        obj = RemoteObject(path_key(written.href), written.etag, written.ical)
        fields = self._materialize(calendar, obj)
        return store.Put(id_from_href(obj.href), obj.href, obj.etag, obj.ical, fields)

    def record_writes(self, calendar: CalendarRow, puts: list[store.Put], *, origin: str) -> None:
        """:meth:`record_write` for many objects at once (an import's batch, each from
        :meth:`prepare_write`), in one short transaction."""
        puts = [replace(put, origin=origin) for put in puts]
        with self._lock(calendar.id), self.runtime.db.session() as session:
            state = store.sync_state(session, calendar_id=calendar.id, for_update=True)
            store.put_objects(session, state, puts)
            store.touch_all(state, [put.href for put in puts])

    def record_delete(self, calendar: CalendarRow, *, href: str, origin: str = API) -> None:
        href = path_key(href)
        with self._lock(calendar.id), self.runtime.db.session() as session:
            state = store.sync_state(session, calendar_id=calendar.id, for_update=True)
            store.delete_object(session, state, event_id=id_from_href(href), origin=origin)
            store.touch(state, href)

    def forget(self, calendar_id: str) -> None:
        with self._guard:
            self._locks.pop(calendar_id, None)
            self._running.pop(calendar_id, None)


def _log_failure(calendar_id: str, future: Future[SyncReport]) -> None:
    exc = None if future.cancelled() else future.exception()
    if isinstance(exc, CalgateError):
        log.info("sync of calendar %s failed: %s", calendar_id, exc.detail)
    elif exc is not None:
        log.error("sync of calendar %s failed", calendar_id, exc_info=exc)
