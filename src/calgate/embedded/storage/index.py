"""calgate's index of one Radicale collection, in SQLite beside its items.

One file per collection, ``<collection>/.Radicale.cache/calgate/index.sqlite``: Radicale skips
names starting with a dot, so a plain Radicale pointed at the folder never sees it, and
deleting ``.Radicale.cache`` only costs a rebuild. It holds:

- ``state``: one row: the index's ``epoch`` (random, new with every rebuild), ``seq`` (bumped
  by every change), ``floor`` (tokens older than this lost their tombstones) and ``dir`` (the
  collection directory's stat when the index last matched it);
- ``items``: href -> UID and the file's (inode, mtime, size), with the ``seq`` of its last change;
- ``gone``: tombstones of deleted hrefs (``seq``, time), pruned after Radicale's
  ``max_sync_token_age``.

A sync token is ``urn:x-calgate:sync:<epoch>-<seq>``; the changes since it are the items and
tombstones with a larger ``seq`` (two indexed range reads). Nothing here scans the collection:
``plugin.py`` decides when the directory must be compared with the index.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

VERSION = 1
SYNC_URI = "urn:x-calgate:sync:"  # + "<epoch>-<seq>"
# a rebuild of a large collection holds the write lock of its index for a while
BUSY_TIMEOUT_S = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
    floor INTEGER NOT NULL, dir TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    href TEXT PRIMARY KEY, uid TEXT, ino INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS items_uid ON items (uid);
CREATE INDEX IF NOT EXISTS items_seq ON items (seq);
CREATE TABLE IF NOT EXISTS gone (href TEXT PRIMARY KEY, seq INTEGER NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS gone_seq ON gone (seq);
CREATE INDEX IF NOT EXISTS gone_at ON gone (at);
"""

FileStat = tuple[int, int, int]
"""(inode, mtime_ns, size) of an item file: a replaced or rewritten file differs in one."""


def file_stat(st: os.stat_result) -> FileStat:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def dir_state(st: os.stat_result) -> str:
    """The collection directory's identity and times (from its stat): adding, replacing
    (Radicale writes by rename), removing or renaming an entry changes them."""
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}"


@dataclass(frozen=True)
class State:
    epoch: str
    seq: int
    floor: int
    dir: str

    @property
    def token(self) -> str:
        return f"{SYNC_URI}{self.epoch}-{self.seq}"


def parse_token(token: str) -> tuple[str, int]:
    """(epoch, seq) of a token this index gave out; ValueError for any other string (a
    plain Radicale's token included: the client then syncs from scratch)."""
    if not token.startswith(SYNC_URI):
        raise ValueError(f"not a calgate sync token: {token!r}")
    epoch, sep, seq = token[len(SYNC_URI) :].rpartition("-")
    if not sep or not epoch or not seq.isdigit() or len(seq) > 18:
        raise ValueError(f"malformed sync token: {token!r}")
    return epoch, int(seq)


def _create(path: str, *, fsync: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        # as durable as Radicale's own files: a token handed out must survive a power loss
        conn.execute(f"PRAGMA synchronous={'FULL' if fsync else 'OFF'}")
        with transaction(conn):
            # one statement at a time: executescript would commit first
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT version FROM state").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO state VALUES (1, ?, ?, 0, 0, '')",
                    (VERSION, secrets.token_hex(8)),
                )
            elif row[0] != VERSION:
                raise sqlite3.DatabaseError(f"index format {row[0]}, expected {VERSION}")
    except BaseException:
        conn.close()
        raise
    return conn


def open_index(path: str, *, fsync: bool) -> sqlite3.Connection:
    """Open (or make) the index at ``path``. A damaged file or one of another format is
    dropped and made anew: a new epoch, so tokens given out before are refused."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        return _create(path, fsync=fsync)
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
        return _create(path, fsync=fsync)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE: one writer at a time across threads and processes."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def state(conn: sqlite3.Connection) -> State:
    epoch, seq, floor, dir_ = conn.execute("SELECT epoch, seq, floor, dir FROM state").fetchone()
    return State(epoch, seq, floor, dir_)


def has_uid(conn: sqlite3.Connection, uid: str) -> bool:
    return conn.execute("SELECT 1 FROM items WHERE uid = ? LIMIT 1", (uid,)).fetchone() is not None


def known_files(conn: sqlite3.Connection) -> dict[str, FileStat]:
    rows = conn.execute("SELECT href, ino, mtime_ns, size FROM items")
    return {href: (ino, mtime, size) for href, ino, mtime, size in rows}


def hrefs(conn: sqlite3.Connection) -> Iterator[str]:
    """Every indexed href. Read only when iterated (a PROPFIND of the sync-token asks for a
    token and drops the list), then at once, so no statement stays open on ``conn``."""
    yield from [href for (href,) in conn.execute("SELECT href FROM items")]


def changed_since(conn: sqlite3.Connection, seq: int) -> list[str]:
    rows = conn.execute(
        "SELECT href FROM items WHERE seq > ?1 UNION ALL SELECT href FROM gone WHERE seq > ?1",
        (seq,),
    )
    return [href for (href,) in rows]


def _next_seq(conn: sqlite3.Connection) -> int:
    ((seq,),) = conn.execute("UPDATE state SET seq = seq + 1 RETURNING seq").fetchall()
    return int(seq)


def record(
    conn: sqlite3.Connection,
    *,
    put: Iterable[tuple[str, str | None, FileStat]] = (),
    removed: Iterable[str] = (),
    dir_: str,
    max_age: float,
) -> None:
    """One change (inside ``transaction``): items written (href, UID or None when Radicale
    cannot read the file, stat), hrefs removed, the directory's state after it. Bumps ``seq``
    once even with nothing in it (a property change still changes the calendar)."""
    seq = _next_seq(conn)
    now = time.time()
    any_removed = False
    # removals first: a MOVE onto its own href removes and writes the same name
    for href in removed:
        any_removed = True
        conn.execute("DELETE FROM items WHERE href = ?", (href,))
        conn.execute("INSERT OR REPLACE INTO gone VALUES (?, ?, ?)", (href, seq, now))
    for href, uid, (ino, mtime, size) in put:
        conn.execute(
            "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)",
            (href, uid, ino, mtime, size, seq),
        )
        conn.execute("DELETE FROM gone WHERE href = ?", (href,))
    if any_removed:
        _prune(conn, now - max_age)
    set_dir(conn, dir_)


def set_dir(conn: sqlite3.Connection, dir_: str) -> None:
    """The directory state the index now describes."""
    conn.execute("UPDATE state SET dir = ?", (dir_,))


def _prune(conn: sqlite3.Connection, cutoff: float) -> None:
    """Drop tombstones older than ``cutoff``; tokens from before the newest of them can no
    longer be answered, so ``floor`` moves past it."""
    (newest,) = conn.execute("SELECT max(seq) FROM gone WHERE at < ?", (cutoff,)).fetchone()
    if newest is not None:
        conn.execute("DELETE FROM gone WHERE at < ?", (cutoff,))
        conn.execute("UPDATE state SET floor = max(floor, ?)", (newest,))
