"""Radicale's multifilesystem storage with an index: writes cost the same at any calendar size.

Plain Radicale scans the whole collection on each write: the UID check of a PUT or MOVE
(``has_uid`` reads every item's cache entry), the history upkeep (``_clean_history`` looks at
every history entry), and a sync-collection REPORT or ctag hashes every item. These
subclasses keep Radicale's files, layout, locking and protocol as they are and answer those
questions from ``index.py`` instead; everything else is Radicale's own code.

The index follows the folder, whoever writes it:
- calgate's own writes (through either Radicale app) update it under Radicale's storage lock;
- anything else (another Radicale process, files copied in) changes the collection directory's
  times, which every use compares with the state the index recorded (one ``stat``); on a
  difference the directory is compared with the index file by file (``stat`` each, reading
  only new or changed files) before the index answers;
- the first use in a process (a ``StoreSession``) compares file by file in any case, which also
  catches files rewritten in place while calgate was stopped (that changes no directory time).

What calgate writes stays plain Radicale: item files, item cache and props as Radicale writes
them. It skips Radicale's per-item sync history, which a plain Radicale rebuilds when it next
answers a sync (tokens of one are refused by the other; a client then syncs from scratch).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from hashlib import sha256
from typing import Any

from radicale import config, pathutils
from radicale import item as radicale_item
from radicale import storage as radicale_storage
from radicale.storage import multifilesystem

from . import index
from .index import FileStat

log = logging.getLogger(__name__)

INDEX_FOLDER = os.path.join(".Radicale.cache", "calgate")
INDEX_FILE = "index.sqlite"
# On a kernel with coarse directory times a write waits for the next clock tick (below), at most:
_SETTLE_MAX_S = 0.05
_CLOCK_REALTIME_COARSE = 5  # Linux; the clock the kernel stamps files with


class StoreSession:
    """What the storage objects of one ``EmbeddedStore`` share (it makes three on one folder):
    the collections already compared file by file, and whether directory times are coarse."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compared: set[str] = set()
        self.coarse_times: bool | None = None

    def needs_full_compare(self, collection: str) -> bool:
        with self._lock:
            return collection not in self._compared

    def compared(self, collection: str) -> None:
        with self._lock:
            self._compared.add(collection)


def coarse_directory_times(folder: str) -> bool:
    """Whether adding a file to a directory just stat'ed can leave its mtime unchanged.

    Kernels since 6.13 stamp a change after a ``stat`` with a fine-grained time (multigrain
    timestamps), so a change by another process always shows; older ones use the clock tick.
    """
    with tempfile.TemporaryDirectory(prefix=".Radicale.tmp-", dir=folder) as probe:
        for n in range(3):
            before = os.stat(probe).st_mtime_ns
            with open(os.path.join(probe, str(n)), "w"):
                pass
            if os.stat(probe).st_mtime_ns == before:
                return True
    return False


class IndexedCollection(multifilesystem.Collection):
    """A collection whose UID check, sync and ctag come from its index.

    Only calendars and address books (a ``tag``) at their own path have one; the root, the
    principal and the temporary folder Radicale builds a whole-collection upload in behave as
    in Radicale. Every method falls back to Radicale's when the index cannot be used.
    """

    _storage: IndexedStorage

    def __init__(
        self, storage_: multifilesystem.Storage, path: str, filesystem_path: str | None = None
    ) -> None:
        super().__init__(storage_, path, filesystem_path)
        self._indexable: bool | None = None

    # -- the index --------------------------------------------------------------------------
    @property
    def index_path(self) -> str:
        return os.path.join(self._filesystem_path, INDEX_FOLDER, INDEX_FILE)

    def _uses_index(self) -> bool:
        if self._storage.index_disabled:
            return False
        if self._indexable is None:
            root = self._storage._get_collection_root_folder()
            canonical = pathutils.path_to_filesystem(root, self.path, self._is_collision_free)
            self._indexable = self._filesystem_path == canonical and bool(self.tag)
        return self._indexable

    def _index(self) -> sqlite3.Connection | None:
        """The index, brought up to date with the directory; None without one."""
        if not self._uses_index():
            return None
        try:
            conn = self._storage.index_connection(self.index_path)
            session = self._storage.session
            current = index.dir_state(os.stat(self._filesystem_path))
            if index.state(conn).dir != current or session.needs_full_compare(self.index_path):
                with index.transaction(conn):
                    # another thread or process may have compared meanwhile
                    current = index.dir_state(os.stat(self._filesystem_path))
                    full = session.needs_full_compare(self.index_path)
                    if full or index.state(conn).dir != current:
                        self._compare(conn)
                session.compared(self.index_path)
        except (OSError, sqlite3.Error) as exc:
            self._storage.disable_index(self.path, exc)
            return None
        return conn

    def _compare(self, conn: sqlite3.Connection) -> None:
        """Bring the index in line with the files (inside a transaction): stat every item
        file, read (through Radicale's item cache) only those new or changed."""
        # Reading an item may create Radicale's item cache folder, which changes the
        # directory's times: make it first, so the state recorded is the one compared.
        self._storage._makedirs_synced(
            self._storage._get_collection_cache_subfolder(
                self._filesystem_path, ".Radicale.cache", "item"
            )
        )
        before = index.dir_state(os.stat(self._filesystem_path))
        on_disk: dict[str, FileStat] = {}
        with os.scandir(self._filesystem_path) as entries:  # what Radicale's _list yields
            for entry in entries:
                if entry.is_file() and pathutils.is_safe_filesystem_path_component(entry.name):
                    try:
                        on_disk[entry.name] = index.file_stat(entry.stat())
                    except FileNotFoundError:
                        continue
        known = index.known_files(conn)
        put = [(h, self._uid_of(h, st), st) for h, st in on_disk.items() if known.get(h) != st]
        removed = [h for h in known if h not in on_disk]
        if put or removed:
            log.info(
                "index of %r: %d items read, %d gone (changed outside this process or new)",
                self.path,
                len(put),
                len(removed),
            )
            index.record(conn, put=put, removed=removed, dir_=before, max_age=self._max_age)
        else:
            index.set_dir(conn, before)

    def _uid_of(self, href: str, st: FileStat) -> str | None:
        """The UID Radicale sees for the file; None for one it skips (too large, broken)."""
        if st[2] > self._storage._max_resource_size:
            return None
        item = self._get(href, verify_href=False)
        return item.uid if item is not None else None

    @property
    def _max_age(self) -> float:
        return float(self._max_sync_token_age)

    def _record(
        self,
        conn: sqlite3.Connection,
        *,
        put: Iterable[tuple[str, str | None, FileStat]] = (),
        removed: Iterable[str] = (),
    ) -> None:
        """After one of calgate's writes (under Radicale's exclusive lock): the change and the
        directory's state after it, so the next use finds the index current."""
        try:
            st = os.stat(self._filesystem_path)
            with index.transaction(conn):
                index.record(
                    conn, put=put, removed=removed, dir_=index.dir_state(st), max_age=self._max_age
                )
        except (OSError, sqlite3.Error) as exc:
            # the write itself is done; the directory's changed times make the next use compare
            self._storage.disable_index(self.path, exc)
            return
        self._storage.settle(st.st_mtime_ns)

    def _written(self, href: str, uid: str | None) -> tuple[str, str | None, FileStat]:
        path = os.path.join(self._filesystem_path, href)
        return href, uid, index.file_stat(os.stat(path))

    def sync_token(self) -> str:
        """The token a sync-collection REPORT would answer now: it changes with every change
        to the calendar (items and properties), and reading it scans nothing."""
        return self.sync()[0]

    # -- Radicale's interface ----------------------------------------------------------------
    def has_uid(self, uid: str) -> bool:
        conn = self._index()
        return super().has_uid(uid) if conn is None else index.has_uid(conn, uid)

    def upload(
        self, href: str, item: radicale_item.Item
    ) -> tuple[radicale_item.Item, radicale_item.Item | None]:
        conn = self._index()
        uploaded, replaced = super().upload(href, item)
        if conn is not None:
            self._record(conn, put=[self._written(href, uploaded.uid)])
        return uploaded, replaced

    def delete(self, href: str | None = None) -> None:
        conn = self._index() if href is not None else None
        super().delete(href)
        if conn is not None and href is not None:
            self._record(conn, removed=[href])

    def set_meta(self, props: Any) -> None:
        conn = self._index()
        super().set_meta(props)
        if conn is not None:
            self._record(conn)

    def sync(self, old_token: str = "") -> tuple[str, Iterable[str]]:
        conn = self._index()
        if conn is None:
            return super().sync(old_token)
        now = index.state(conn)
        if not old_token:
            return now.token, index.hrefs(conn)
        epoch, seq = index.parse_token(old_token)
        if epoch != now.epoch or seq > now.seq or seq < now.floor:
            raise ValueError(f"Token not found: {old_token!r}")
        return now.token, index.changed_since(conn, seq) if seq < now.seq else ()

    @property
    def etag(self) -> str:
        """The ctag: the sync token and the properties (Radicale hashes every item)."""
        conn = self._index()
        if conn is None:
            return super().etag
        digest = sha256(index.state(conn).token.encode())
        digest.update(json.dumps(self.get_meta(), sort_keys=True).encode())
        return f'"{digest.hexdigest()}"'

    def get_multi(self, hrefs: Iterable[str]) -> Iterator[tuple[str, radicale_item.Item | None]]:
        """Radicale lists the directory once per call to catch names that differ only in
        case; a case-sensitive folder (``_is_collision_free``) has none, so skip the listing."""
        if not self._is_collision_free:
            yield from super().get_multi(hrefs)
            return
        for href in hrefs:
            if not pathutils.is_safe_filesystem_path_component(href):
                yield href, None
                continue
            path = os.path.join(self._filesystem_path, href)
            if pathutils.file_check_size(path, self._storage._max_resource_size):
                yield href, self._get(href, verify_href=False)

    # Radicale's per-item sync history: the index replaces it (see the module's docstring).
    def _update_history_etag(self, href: str, item: radicale_item.Item | None) -> str:
        if self._uses_index():
            return ""
        return str(super()._update_history_etag(href, item))  # type: ignore[no-untyped-call]

    def _clean_history(self) -> None:
        if not self._uses_index():
            super()._clean_history()  # type: ignore[no-untyped-call]


def _identity(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_ctime_ns)


class IndexedStorage(multifilesystem.Storage):
    """``storage.type`` for Radicale: multifilesystem with ``IndexedCollection``."""

    _collection_class = IndexedCollection

    def __init__(
        self, configuration: config.Configuration, session: StoreSession | None = None
    ) -> None:
        super().__init__(configuration)
        self.session = session if session is not None else StoreSession()
        self.index_disabled = False
        self._local = threading.local()
        if self.session.coarse_times is None:
            root = self._get_collection_root_folder()
            self.session.coarse_times = coarse_directory_times(root)
            if self.session.coarse_times:
                log.warning(
                    "directory times in %s are coarse (a kernel before 6.13?): each write to "
                    "the embedded store waits for the next clock tick so that a change by "
                    "another process cannot go unseen",
                    root,
                )

    def index_connection(self, path: str) -> sqlite3.Connection:
        """This thread's connection to the index at ``path``, reopened when the file is not the
        one it opened (its collection deleted and made again). A file is known by device,
        inode and ctime: a new file may get a freed inode, not the same ctime as well; the
        ctime also moves when SQLite checkpoints into the file, which only costs a reopen."""
        cache: dict[str, tuple[sqlite3.Connection, tuple[int, int, int]]]
        cache = self._local.__dict__.setdefault("indexes", {})
        cached = cache.get(path)
        if cached is not None:
            if cached[1] == _identity(path):
                return cached[0]
            cached[0].close()
            del cache[path]
        conn = index.open_index(path, fsync=self._filesystem_fsync)
        identity = _identity(path)
        if identity is not None:
            cache[path] = (conn, identity)
        return conn

    def disable_index(self, path: str, exc: Exception) -> None:
        """Fall back to Radicale's own scans for the rest of this storage object's life."""
        if not self.index_disabled:
            log.warning("index of %r unusable, falling back to Radicale's scans: %s", path, exc)
        self.index_disabled = True

    def settle(self, mtime_ns: int) -> None:
        """With coarse directory times, wait until the kernel's clock has passed ``mtime_ns``:
        a later change by another process then gets a later time."""
        if not self.session.coarse_times:
            return
        deadline = time.monotonic() + _SETTLE_MAX_S
        while time.monotonic() < deadline:
            try:
                if time.clock_gettime_ns(_CLOCK_REALTIME_COARSE) > mtime_ns:
                    return
            except OSError:  # not Linux
                time.sleep(_SETTLE_MAX_S)
                return
            time.sleep(0.001)

    def move(
        self,
        item: radicale_item.Item,
        to_collection: radicale_storage.BaseCollection,
        to_href: str,
    ) -> None:
        source = item.collection
        assert isinstance(source, IndexedCollection)
        assert isinstance(to_collection, IndexedCollection)
        assert item.href is not None
        from_conn = source._index()
        same = source._filesystem_path == to_collection._filesystem_path
        to_conn = from_conn if same else to_collection._index()
        super().move(item, to_collection, to_href)
        written = to_collection._written(to_href, item.uid)
        if same:
            if from_conn is not None:
                source._record(from_conn, put=[written], removed=[item.href])
            return
        if from_conn is not None:
            source._record(from_conn, removed=[item.href])
        if to_conn is not None:
            to_collection._record(to_conn, put=[written])
