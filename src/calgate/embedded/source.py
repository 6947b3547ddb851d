"""The embedded store as a source (``EmbeddedKind``, a ``upstream.source_kind.SourceKind``):
calgate reaches it like any CalDAV server, over its loopback server with the per-process
internal credential; people reach it at ``/dav/``. It creates calendars through Radicale's
storage API (``EmbeddedStore.ensure_calendar``), keeps no credentials to replace and cannot be
removed."""

from __future__ import annotations

from collections.abc import Callable

from calgate.errors import InvalidInput
from calgate.upstream.connection import CalDAVConnection
from calgate.upstream.models import Credentials
from calgate.upstream.source_kind import StoredSource

from .store import EmbeddedStore

DISABLED = "the embedded store is disabled (CALGATE_EMBEDDED=false)"


class EmbeddedKind:
    title = "the embedded store"
    may_change_credentials = False
    may_be_removed = False
    mirrored = False

    def __init__(
        self,
        store: EmbeddedStore | None,
        *,
        internal_url: Callable[[], str],
        public_base: Callable[[], str],
    ) -> None:
        """``store``: None when the store is off (its source row may still exist);
        ``internal_url``: the loopback server's base URL (started on first use);
        ``public_base``: calgate's public address, ``/dav/`` is under it."""
        self._store = store
        self._internal_url = internal_url
        self._public_base = public_base

    def _require(self) -> EmbeddedStore:
        if self._store is None:
            raise RuntimeError(DISABLED)
        return self._store

    def base_url(self, source: StoredSource) -> str:
        self._require()
        return self._internal_url()

    def credentials(self, source: StoredSource) -> Credentials:
        store = self._require()
        return Credentials(store.internal_username, store.internal_password, "basic")

    def public_url(self, source: StoredSource, href: str | None = None) -> str:
        return f"{self._public_base()}/dav{href if href is not None else '/'}"

    def make_calendar(
        self,
        source: StoredSource,
        connect: Callable[[], CalDAVConnection],
        calendar_id: str,
        *,
        name: str,
        time_zone: str,
    ) -> str:
        if self._store is None:
            raise InvalidInput.field("#/source", "the embedded store is disabled")
        self._store.ensure_calendar(calendar_id, name=name, time_zone=time_zone)
        return self._store.calendar_path(calendar_id)

    def describe_calendar(
        self, source: StoredSource, calendar_id: str, *, name: str, time_zone: str
    ) -> None:
        if self._store is not None:
            self._store.describe_calendar(calendar_id, name=name, time_zone=time_zone)

    def change_marker(self, source: StoredSource, href: str) -> str | None:
        """The store's own marker (``EmbeddedStore.change_marker``): one ``stat`` and one
        SQLite read, no request and no scan."""
        if self._store is None:
            return None
        calendar_id = href.strip("/").rsplit("/", 1)[-1]
        try:
            return self._store.change_marker(calendar_id)
        except ValueError:  # not a calendar id of the store
            return None
