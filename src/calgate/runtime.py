"""The running service's parts, built once from settings and passed to whoever needs them:
the metadata database, the secret box, the embedded store, one CalDAV connection per source
and the indexer.

Parts only: building a Runtime does no I/O, and what starts and stops them (start-up, the
background jobs) is :mod:`calgate.lifecycle`, which builds the Runtime with the token check
of :mod:`calgate.services.tokens`. Nothing here imports a service or a job.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from urllib.parse import urljoin

from sqlalchemy.orm import Session

from calgate.crypto import SecretBox, load_secret_box
from calgate.db.models import CalendarRow, SourceRow
from calgate.db.session import Database
from calgate.domain.access import Grant
from calgate.embedded.source import EmbeddedKind
from calgate.embedded.store import EmbeddedStore
from calgate.embedded.throttle import FailedLogins
from calgate.index.sync import Indexer
from calgate.settings import Settings
from calgate.upstream import CalDAVConnection
from calgate.upstream.source_kind import CalDAVKind, IcsKind, SourceKind

EMBEDDED_SOURCE_ID = "embedded"

SecretCheck = Callable[[Session, str], Grant | None]
"""The grant of a token secret, or None (``calgate.services.tokens.check_secret``)."""


class Runtime:
    def __init__(self, settings: Settings, *, check_secret: SecretCheck) -> None:
        self.settings = settings
        # names this process in what it claims (calgate.services.processes); new per start
        self.boot_id = uuid.uuid4().hex
        self.db = Database(settings.effective_database_url)
        self._check_secret = check_secret
        self.embedded: EmbeddedStore | None = None
        if settings.embedded:
            self.embedded = EmbeddedStore(
                settings.data_dir / "collections",
                self.check_token,
                failed_logins=FailedLogins(limit=settings.dav_login_failures, window=60.0),
                max_content_length=settings.dav_max_body_bytes,
            )
        self._box: SecretBox | None = None
        self._embedded_url: str | None = None
        # how each kind of source is reached (SourceRow.kind; any other kind is CalDAV)
        self._caldav_kind = CalDAVKind(lambda sealed: self.box.open(sealed))
        self._source_kinds: dict[str, SourceKind] = {
            "caldav": self._caldav_kind,
            "embedded": EmbeddedKind(
                self.embedded,
                internal_url=self.embedded_base_url,
                public_base=lambda: self.settings.effective_public_url,
            ),
            "ics": IcsKind(),
        }
        # source id -> (the row's connection settings, its connection)
        self._connections: dict[str, tuple[tuple[object, ...], CalDAVConnection]] = {}
        self._lock = threading.Lock()
        self.indexer = Indexer(self)

    def __repr__(self) -> str:
        return f"Runtime(data_dir={str(self.settings.data_dir)!r})"

    def open_secret_box(self) -> SecretBox:
        """Load the key (on a first start: make it, so start-up calls this under its lock)."""
        self._box = load_secret_box(self.settings)
        return self._box

    def start_embedded(self) -> str:
        """Start the embedded store's internal server (the one calgate's own client talks to);
        its base URL."""
        self._embedded_url = self._require_embedded().start_internal()
        return self._embedded_url

    def close(self) -> None:
        """Let every part go: sync pools, connections, the embedded store, the database."""
        self.indexer.close()
        with self._lock:
            for _, conn in self._connections.values():
                conn.close()
            self._connections.clear()
        if self.embedded is not None:
            # Its clients are closed above: nothing is left to wait for but uvicorn's pauses.
            self.embedded.stop(wait=False)
        self.db.dispose()

    # -- helpers used by services and the embedded store -----------------------------------
    @property
    def box(self) -> SecretBox:
        if self._box is None:
            return self.open_secret_box()
        return self._box

    def check_token(self, secret: str) -> Grant | None:
        with self.db.session() as session:
            return self._check_secret(session, secret)

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

    def source_kind(self, source: SourceRow) -> SourceKind:
        """How this source is reached (``upstream.source_kind``)."""
        return self._source_kinds.get(source.kind, self._caldav_kind)

    def _open(self, source: SourceRow) -> CalDAVConnection:
        """A connection that is also the source's bulkhead (``upstream_concurrency`` requests
        in flight, ``upstream_queue_wait`` for a free slot)."""
        kind = self.source_kind(source)
        s = self.settings
        return CalDAVConnection(
            kind.base_url(source),
            kind.credentials(source),
            timeout=s.upstream_timeout,
            slots=s.upstream_concurrency,
            slot_wait=s.upstream_queue_wait,
        )

    def _require_embedded(self) -> EmbeddedStore:
        if self.embedded is None:
            raise RuntimeError("the embedded store is disabled (CALGATE_EMBEDDED=false)")
        return self.embedded

    def embedded_base_url(self) -> str:
        return self._embedded_url or self.start_embedded()

    def calendar_url(self, calendar: CalendarRow, source: SourceRow) -> str:
        """Absolute URL of a calendar collection as calgate's upstream client reaches it."""
        return urljoin(self.source_kind(source).base_url(source), calendar.href)

    def mirrored(self, source: SourceRow) -> bool:
        """Whether the source's calendars live only in the index (an iCalendar feed)."""
        return self.source_kind(source).mirrored

    def change_marker(self, calendar: CalendarRow, source: SourceRow) -> str | None:
        return self.source_kind(source).change_marker(source, calendar.href)

    def public_calendar_url(self, calendar: CalendarRow, source: SourceRow) -> str:
        """The URL a person's CalDAV client uses for this calendar."""
        return self.source_kind(source).public_url(source, calendar.href)
