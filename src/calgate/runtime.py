"""The running service's parts, built once from settings and passed to whoever needs them:
the metadata database, the secret box, the embedded store and one CalDAV connection per source.

Building a Runtime does no I/O; ``start()`` migrates the database, starts the embedded store
and makes the first-start admin token and ``default`` calendar.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

from calgate.crypto import SecretBox, load_secret_box
from calgate.db.models import CalendarRow, SourceRow
from calgate.db.session import Database
from calgate.domain.access import Grant
from calgate.embedded.store import EmbeddedStore
from calgate.index import recent
from calgate.index.sync import Indexer
from calgate.mail.worker import OutboxWorker
from calgate.services import bootstrap, processes, tokens
from calgate.services.tokens import NewToken
from calgate.settings import Settings
from calgate.upstream import CalDAVConnection, Credentials

log = logging.getLogger(__name__)

EMBEDDED_SOURCE_ID = "embedded"


@dataclass(frozen=True)
class StartReport:
    admin_token: NewToken | None


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # names this process in what it claims (calgate.services.processes); new per start
        self.boot_id = uuid.uuid4().hex
        self.db = Database(settings.effective_database_url)
        self.embedded: EmbeddedStore | None = None
        if settings.embedded:
            self.embedded = EmbeddedStore(
                settings.data_dir / "collections",
                self.check_token,
                max_content_length=settings.dav_max_body_bytes,
            )
        self._box: SecretBox | None = None
        self._embedded_url: str | None = None
        # source id -> (the row's connection settings, its connection)
        self._connections: dict[str, tuple[tuple[object, ...], CalDAVConnection]] = {}
        self._lock = threading.Lock()
        self.indexer = Indexer(self)
        self._stop = threading.Event()
        self._loop: threading.Thread | None = None
        self._mail: OutboxWorker | None = None
        self._clearer: threading.Thread | None = None
        self._heartbeat: threading.Thread | None = None
        self.started = False

    def __repr__(self) -> str:
        return f"Runtime(data_dir={str(self.settings.data_dir)!r}, started={self.started})"

    # -- life cycle ------------------------------------------------------------------------
    def start(self, *, serve: bool = True) -> StartReport:
        """``serve=False`` (CLI admin commands) only opens the database: no embedded server and
        no first-start admin token, which only ``calgate serve`` may print."""
        if self.started:
            return StartReport(admin_token=None)
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        # one process at a time migrates and makes the first-start rows (several starting at once)
        with self.db.startup_lock():
            self.db.migrate_unlocked()
            self._box = load_secret_box(self.settings)
            if not serve:
                self.started = True
                return StartReport(admin_token=None)
            if self.embedded is not None:
                self._embedded_url = self.embedded.start_internal()
            fixed = self.settings.admin_token
            with self.db.session() as session:
                if self.embedded is not None:
                    bootstrap.ensure_embedded_default(session, self)
                new_admin = tokens.ensure_admin_token(
                    session, fixed_secret=fixed.get_secret_value() if fixed else None
                )
        self._stop.clear()
        processes.register(self)
        self._heartbeat = threading.Thread(
            target=processes.heartbeat,
            args=(self, self._stop),
            name="calgate-heartbeat",
            daemon=True,
        )
        self._heartbeat.start()
        if self.settings.background_sync:
            self._loop = threading.Thread(target=self._keep_fresh, name="calgate-sync", daemon=True)
            self._loop.start()
        if serve and self.settings.clear_interval > 0:
            self._clearer = threading.Thread(
                target=self._clear_marked, name="calgate-clear", daemon=True
            )
            self._clearer.start()
        if self.settings.smtp_enabled:
            self._mail = OutboxWorker(self.settings, self.db.session)
            self._mail.start()
        else:
            log.info("notification mail is off: no SMTP_SERVER set, nothing is queued")
        self.started = True
        return StartReport(admin_token=new_admin)

    def _keep_fresh(self) -> None:
        """Background loop: sync the calendars read in the last ten minutes, so reads rarely
        wait for a sync and changes by other clients show up within the interval. Each sync
        runs in its source's pool (``Indexer.refresh``, failures logged there): a stalled
        server delays only its own calendars, and never this loop."""
        interval = max(self.settings.index_max_age, 1.0)
        while not self._stop.wait(interval):
            try:
                for calendar, source in recent.recently_read(self.db, within=timedelta(minutes=10)):
                    if self._stop.is_set():
                        return
                    self.indexer.refresh(calendar, source, max_age=timedelta(seconds=interval))
            except Exception:  # the loop must outlive any one bad round
                log.exception("background sync round failed")

    def _clear_marked(self) -> None:
        """Background loop: clear the calendars marked ``autoClear`` (every process runs it;
        the booking lock makes a second pass at the same time find nothing left to do)."""
        from calgate.services.clearing import clear_marked_calendars

        while not self._stop.wait(self.settings.clear_interval):
            try:
                clear_marked_calendars(self)
            except Exception:  # the loop must outlive any one bad round
                log.exception("clearing round failed")

    def stop(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=10)
            self._heartbeat = None
            processes.forget(self)
        if self._loop is not None:
            self._loop.join(timeout=10)
            self._loop = None
        if self._clearer is not None:
            self._clearer.join(timeout=30)
            self._clearer = None
        if self._mail is not None:
            self._mail.stop()
            self._mail = None
        self.indexer.close()
        with self._lock:
            for _, conn in self._connections.values():
                conn.close()
            self._connections.clear()
        if self.embedded is not None:
            # Its clients are closed above: nothing is left to wait for but uvicorn's pauses.
            self.embedded.stop(wait=False)
        self.db.dispose()
        self.started = False

    # -- helpers used by services and the embedded store -----------------------------------
    @property
    def box(self) -> SecretBox:
        if self._box is None:
            self._box = load_secret_box(self.settings)
        return self._box

    def check_token(self, secret: str) -> Grant | None:
        with self.db.session() as session:
            return tokens.check_secret(session, secret)

    def connection(self, source: SourceRow) -> CalDAVConnection:
        """One pooled connection per source (the caldav client keeps HTTP keep-alive). A row
        whose address or credentials changed (``PATCH /api/v1/sources``, here or in another
        calgate process) gets a new connection."""
        settings = (source.url, source.username, source.auth_type, source.secret_encrypted)
        with self._lock:
            pooled = self._connections.get(source.id)
            if pooled is not None and pooled[0] == settings:
                return pooled[1]
            conn = self._open(source)
            self._connections[source.id] = (settings, conn)
        if pooled is not None:
            pooled[1].close()
        return conn

    def forget_connection(self, source_id: str) -> None:
        with self._lock:
            pooled = self._connections.pop(source_id, None)
        if pooled is not None:
            pooled[1].close()
        self.indexer.forget_source(source_id)

    def _open(self, source: SourceRow) -> CalDAVConnection:
        """A connection that is also the source's bulkhead (``upstream_concurrency`` requests
        in flight, ``upstream_queue_wait`` for a free slot)."""
        if source.kind == "embedded":
            store = self._require_embedded()
            url = self.embedded_base_url()
            creds = Credentials(store.internal_username, store.internal_password, "basic")
        else:
            url = source.url
            secret = self.box.open(source.secret_encrypted) if source.secret_encrypted else None
            creds = Credentials(source.username, secret, source.auth_type)  # type: ignore[arg-type]
        s = self.settings
        return CalDAVConnection(
            url,
            creds,
            timeout=s.upstream_timeout,
            slots=s.upstream_concurrency,
            slot_wait=s.upstream_queue_wait,
        )

    def _require_embedded(self) -> EmbeddedStore:
        if self.embedded is None:
            raise RuntimeError("the embedded store is disabled (CALGATE_EMBEDDED=false)")
        return self.embedded

    def embedded_base_url(self) -> str:
        if self._embedded_url is None:
            self._embedded_url = self._require_embedded().start_internal()
        return self._embedded_url

    def calendar_url(self, calendar: CalendarRow, source: SourceRow) -> str:
        """Absolute URL of a calendar collection as calgate's upstream client reaches it."""
        base = self.embedded_base_url() if source.kind == "embedded" else source.url
        return urljoin(base, calendar.href)

    def public_calendar_url(self, calendar: CalendarRow, source: SourceRow) -> str:
        """The URL a person's CalDAV client uses for this calendar."""
        if source.kind == "embedded":
            return f"{self.settings.effective_public_url}/dav{calendar.href}"
        return urljoin(source.url, calendar.href)
