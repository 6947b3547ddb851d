"""The embedded CalDAV store: Radicale on a folder, reached two ways.

Two Radicale ``Application`` objects share one storage folder (Radicale's storage
lock is a ``flock`` on a file in that folder, so they exclude each other as two
processes would):

- ``wsgi_app`` (mounted by the API at ``/dav``): Basic auth, any user name, a calgate
  API token as the password. Every token is the one principal ``/calgate/``; the
  token's grant decides which calendars it sees and whether it may change events.
- the internal app, served by :meth:`EmbeddedStore.start_internal` on loopback: only
  user ``calgate`` with a random per-process password, full rights on ``/calgate/``.

Calendars are created with Radicale's storage API directly (``ensure_calendar``), so
this works before any server is started.
"""

from __future__ import annotations

import logging
import secrets
import threading
from pathlib import Path
from typing import Any
from wsgiref.types import WSGIApplication

from radicale import config, storage
from radicale import item as radicale_item
from radicale.app import Application

from calgate.errors import UnknownTimeZone
from calgate.upstream.timezones import vtimezone_calendar

from .auth import (
    REALM,
    InternalAuth,
    PluginFactory,
    TokenAuth,
    TokenCheck,
    refuse_unreadable_credentials,
)
from .grants import PRINCIPAL, GrantRights, is_calendar_id
from .guard import refuse_hostile_requests
from .server import LoopbackServer, utf8_paths
from .storage import IndexedCollection, StoreSession, storage_plugin
from .throttle import FailedLogins, refuse_guessing

__all__ = ["EmbeddedStore", "TokenCheck"]

_RADICALE_LOGGER = "radicale"
# the PRODID of the VCALENDAR in an embedded calendar's CALDAV:calendar-timezone
PRODID = "-//calgate//embedded//EN"


def _configuration(
    folder: Path,
    auth_type: PluginFactory,
    storage_type: PluginFactory | str,
    max_content_length: int | None = None,
) -> config.Configuration:
    """A Radicale configuration built in code: no config files are read. ``max_content_length``:
    the largest request body Radicale takes (a larger one is its 413); None keeps its own.
    Radicale's auth delay (about 1 s on every 401 and 403, valid token or not) is off: the
    brute-force protection is calgate's (embedded/throttle.py)."""
    configuration = config.Configuration(config.DEFAULT_CONFIG_SCHEMA)
    configuration.update(
        {
            "auth": {
                "type": auth_type,
                "delay": 0,
                "cache_logins": False,  # a revoked token must fail at once
                "realm": REALM,
            },
            "rights": {
                "type": PluginFactory("calgate-grant-rights", GrantRights),
                # Deleting or overwriting a whole calendar needs the explicit D / O
                # permissions, which only the internal credential has.
                "permit_delete_collection": False,
                "permit_overwrite_collection": False,
            },
            "storage": {"filesystem_folder": str(folder), "type": storage_type},
            "web": {"type": "none"},
            "logging": {"mask_passwords": True},
        },
        "calgate.embedded",
    )
    if max_content_length is not None:
        # (Radicale caps a resource at 80 % of a request, and warns when it has to)
        resource = min(10_000_000, max_content_length * 4 // 5)
        configuration.update(
            {
                "server": {
                    "max_content_length": max_content_length,
                    "max_resource_size": resource,
                }
            },
            "calgate.embedded",
        )
    # Radicale checks Content-Length against max_content_length only when it believes
    # its own server runs it; we want that check behind any server.
    configuration.update(
        {"server": {"_internal_server": True}}, "calgate.embedded", privileged=True
    )
    return configuration


def _quiet_radicale_logging() -> None:
    """Radicale logs every request and its whole configuration at INFO; keep warnings
    (failed logins, errors) unless the application configured that logger itself."""
    radicale_logger = logging.getLogger(_RADICALE_LOGGER)
    if radicale_logger.level == logging.NOTSET:
        radicale_logger.setLevel(logging.WARNING)


class EmbeddedStore:
    """calgate's built-in CalDAV store in ``folder``."""

    internal_username: str = PRINCIPAL
    principal_path: str = f"/{PRINCIPAL}/"

    def __init__(
        self,
        folder: Path,
        check_token: TokenCheck,
        *,
        failed_logins: FailedLogins | None = None,
        max_content_length: int | None = None,
        indexed: bool = True,
    ) -> None:
        """``failed_logins``: the brute-force protection of ``/dav/`` (embedded/throttle.py;
        default: 10 failures a minute per address); ``max_content_length``: the largest body a
        ``/dav/`` client may send (the internal server, which only calgate uses, keeps
        Radicale's own limit). ``indexed``: calgate's storage plugin (``embedded/storage``);
        False runs Radicale's plain multifilesystem storage on the same folder (benchmarks
        compare the two)."""
        self.folder = Path(folder)
        # Radicale's multifilesystem layout; created here so Radicale does not warn.
        (self.folder / "collection-root").mkdir(parents=True, exist_ok=True)
        self.internal_password = secrets.token_urlsafe(32)
        _quiet_radicale_logging()

        def token_auth(conf: config.Configuration) -> TokenAuth:
            return TokenAuth(conf, check_token)

        password = self.internal_password
        # the storage objects of both apps and of this store share one session
        storage_type = storage_plugin(StoreSession()) if indexed else "multifilesystem"

        def internal_auth(conf: config.Configuration) -> InternalAuth:
            return InternalAuth(conf, password)

        public_conf = _configuration(
            self.folder,
            PluginFactory("calgate-token-auth", token_auth),
            storage_type,
            max_content_length,
        )
        internal_conf = _configuration(
            self.folder, PluginFactory("calgate-internal-auth", internal_auth), storage_type
        )

        self.failed_logins = failed_logins or FailedLogins(limit=10, window=60.0)
        self.wsgi_app: WSGIApplication = refuse_guessing(
            refuse_unreadable_credentials(
                refuse_hostile_requests(
                    utf8_paths(Application(public_conf)), check_token, max_content_length
                )
            ),
            check_token,
            self.failed_logins,
        )
        self._internal_app: WSGIApplication = refuse_unreadable_credentials(
            utf8_paths(Application(internal_conf))
        )
        self._storage = storage.load(internal_conf)
        self._server: LoopbackServer | None = None
        self._server_lock = threading.Lock()
        self._ensure_principal()

    def __repr__(self) -> str:
        url = self._server.url if self._server is not None else None
        return f"EmbeddedStore(folder={str(self.folder)!r}, internal_url={url!r})"

    # -- paths --------------------------------------------------------------------

    def calendar_path(self, calendar_id: str) -> str:
        """``/calgate/<id>/``; ValueError unless ``calendar_id`` is a safe id."""
        if not is_calendar_id(calendar_id):
            raise ValueError(f"invalid calendar id: {calendar_id!r}")
        return f"{self.principal_path}{calendar_id}/"

    # -- storage ------------------------------------------------------------------

    def _ensure_principal(self) -> None:
        with self._storage.acquire_lock("w", PRINCIPAL):
            if next(iter(self._storage.discover(self.principal_path)), None) is None:
                self._storage.create_collection(self.principal_path)

    def ensure_calendar(self, calendar_id: str, *, name: str, time_zone: str | None) -> bool:
        """Create the calendar collection if it is missing; True if it was created.

        A VEVENT calendar with ``displayname`` and, when given, ``calendar-timezone``
        (ValueError for a zone that is not IANA's). An existing collection is left as it
        is. Uses Radicale's storage API under its storage lock, so it works with or without a
        server running.
        """
        path = self.calendar_path(calendar_id)
        props: dict[str, Any] = {
            "tag": "VCALENDAR",
            "D:displayname": name,
            "C:supported-calendar-component-set": "VEVENT",
        }
        if time_zone:
            try:
                props["C:calendar-timezone"] = vtimezone_calendar(time_zone, prodid=PRODID)
            except UnknownTimeZone as exc:
                raise ValueError(f"unknown time zone: {time_zone!r}") from exc
        with self._storage.acquire_lock("w", PRINCIPAL):
            if next(iter(self._storage.discover(path)), None) is not None:
                return False
            self._storage.create_collection(path, props=props)
        return True

    def calendar_properties(self, calendar_id: str) -> dict[str, str] | None:
        """The stored WebDAV properties of a calendar collection (``tag``, ``D:displayname``,
        ``C:calendar-timezone``...), None when there is no such collection."""
        path = self.calendar_path(calendar_id)
        with self._storage.acquire_lock("r", PRINCIPAL):
            found = next(iter(self._storage.discover(path)), None)
            if not isinstance(found, storage.BaseCollection):
                return None
            return dict(found.get_meta())

    def describe_calendar(self, calendar_id: str, *, name: str, time_zone: str | None) -> None:
        """Set a calendar's ``displayname`` and ``calendar-timezone`` (its other properties
        stay): the API's name and zone are the ones CalDAV clients see."""
        path = self.calendar_path(calendar_id)
        with self._storage.acquire_lock("w", PRINCIPAL):
            found = next(iter(self._storage.discover(path)), None)
            if not isinstance(found, storage.BaseCollection):
                return
            props = dict(found.get_meta())
            props["D:displayname"] = name
            if time_zone:
                props["C:calendar-timezone"] = vtimezone_calendar(time_zone, prodid=PRODID)
            found.set_meta(props)

    def remove_calendar(self, calendar_id: str) -> None:
        """Delete a calendar collection and everything in it (no error when it is gone)."""
        path = self.calendar_path(calendar_id)
        with self._storage.acquire_lock("w", PRINCIPAL):
            found = next(iter(self._storage.discover(path)), None)
            if isinstance(found, storage.BaseCollection):
                found.delete()

    def read_item(self, path: str) -> tuple[str, str] | None:
        """The stored text and ETag of the calendar object at ``path`` (``/calgate/<id>/<name>``),
        as Radicale now holds it; None when there is none. Read under the storage lock, in
        process: what a ``/dav/`` write left, for calgate's index."""
        with self._storage.acquire_lock("r", PRINCIPAL):
            item = next(iter(self._storage.discover(path)), None)
            if item is None or not isinstance(item, radicale_item.Item):
                return None
            return item.serialize(), item.etag

    def change_marker(self, calendar_id: str) -> str | None:
        """A string that changes with every change to the calendar, read without a scan.

        It is the token a sync-collection REPORT on the calendar would answer now, so a caller
        that kept the token of its last sync knows, when the two are equal, that nothing was
        added, changed or deleted since (nor a property set): no REPORT needed. Writes through
        ``/dav/``, the internal server or this object change it at once; writes by another
        process or files copied into the folder from the next call on (the collection's
        directory times, one ``stat``). None when the calendar does not exist. (With
        ``indexed=False`` it is Radicale's own token, which costs a scan of the calendar.)
        """
        path = self.calendar_path(calendar_id)
        with self._storage.acquire_lock("r", PRINCIPAL):
            collection = next(iter(self._storage.discover(path)), None)
            if isinstance(collection, IndexedCollection):
                return collection.sync_token()
            if isinstance(collection, storage.BaseCollection):  # not indexed: a full scan
                return collection.sync()[0]
            return None

    # -- internal server ----------------------------------------------------------

    def start_internal(self) -> str:
        """Serve the store on 127.0.0.1 (ephemeral port); returns its base URL.

        Accepts only ``internal_username`` / ``internal_password``. Idempotent.
        """
        with self._server_lock:
            if self._server is None:
                self._server = LoopbackServer(self._internal_app)
            return self._server.url

    def stop(self, *, wait: bool = True) -> None:
        """Stop the internal server, if it runs (``wait``: until it is closed). Idempotent."""
        with self._server_lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop(wait=wait)
