"""Engine and sessions for the metadata database (SQLite by default, PostgreSQL for many
workers), and schema upgrades through Alembic at start-up.

Processes starting at once take turns (``startup_lock``): a PostgreSQL advisory lock, or with
SQLite a file lock beside the database file, held while one process migrates and makes the
first-start rows; the next then finds the schema current and the rows there.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from calgate.errors import Conflict

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A file database keeps every connection it opens (pool_size=0: no limit; overflow -1:
        # no wait): as many as threads use it at once, none closed and opened again per request
        # (opening one runs the PRAGMAs below). In memory, SQLAlchemy's own single-connection pool.
        file_db = make_url(url).database not in (None, "", ":memory:")
        pool = {"pool_size": 0, "max_overflow": -1} if file_db else {}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """The schema at the newest migration, one process at a time."""
        with self.startup_lock():
            upgrade(self.engine)

    def migrate_unlocked(self) -> None:
        """:meth:`migrate` for a caller holding :meth:`startup_lock` already."""
        upgrade(self.engine)

    @contextmanager
    def process_lock(self, name: str, lock_file: Path | None) -> Iterator[None]:
        """A lock named ``name`` that every process on this database shares: a PostgreSQL
        advisory lock (keyed by the name's hash), else a ``flock`` on ``lock_file`` (none when
        it is None: an in-memory database has one process). The operating system releases
        either when the process dies."""
        if self.engine.dialect.name == "postgresql":
            digest = hashlib.sha256(f"calgate-{name}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
            return
        if lock_file is None:
            yield
            return
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_file, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def startup_lock(self) -> AbstractContextManager[None]:
        """Held by one process at a time, across every process on this database (re-entrant
        within a process is not needed: start-up takes it once); the file lock sits beside the
        SQLite file."""
        database = self.engine.url.database
        lock_file = None
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            lock_file = Path(database).with_name(Path(database).name + ".startup.lock")
        return self.process_lock("startup", lock_file)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends cleanly, rolled back otherwise. A
        uniqueness clash with a concurrent request becomes a :class:`Conflict`."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise Conflict("a concurrent request changed the same data; try again") from exc

    def dispose(self) -> None:
        self.engine.dispose()


def insert_unless_there(session: Session, model: type[Any], **values: Any) -> None:
    """Insert a row unless one with its key is there: when another process inserts the same
    key at the same time, PostgreSQL makes this one wait for it and then do nothing (no
    error that would end the transaction). SQLite and PostgreSQL only, as calgate itself."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(model).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(model).values(**values).on_conflict_do_nothing())
