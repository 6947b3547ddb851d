"""Which calgate processes are running: each ``calgate serve`` process has a row (its boot id,
machine, pid) whose ``seen`` the job ``calgate.jobs.heartbeat`` renews. Work a process claims in
the database (an Idempotency-Key) names its boot id, so another process can tell a claim whose
owner is busy (wait) from one whose owner was killed (resolve it).

A process is gone when its row is missing (a clean stop deletes it), when the heartbeat is older
than ``LEASE``, or at once when it ran on this machine (same host and pid namespace) and its pid
no longer exists: a restart after ``kill -9`` resolves the old claims without waiting out the
lease. A live process is never taken for gone while its heartbeat is fresh and its pid lives.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from calgate.db.models import ProcessRow

if TYPE_CHECKING:
    from calgate.runtime import Runtime

HEARTBEAT_SECONDS = 2.0
LEASE = timedelta(seconds=15)
_FORGET = timedelta(days=1)  # rows of processes gone this long are deleted


def _host_identity() -> str:
    """This machine and pid namespace: a pid means the same process only where this matches."""
    parts = [socket.gethostname()]
    with contextlib.suppress(OSError):
        parts.append(Path("/proc/sys/kernel/random/boot_id").read_text().strip())
    with contextlib.suppress(OSError):
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:64]


HOST = _host_identity()


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def register(runtime: Runtime) -> None:
    """This process's row (and a purge of rows of processes long gone)."""
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        session.execute(delete(ProcessRow).where(ProcessRow.seen < now - _FORGET))
        session.merge(_row(runtime, now))


def _row(runtime: Runtime, now: datetime) -> ProcessRow:
    return ProcessRow(id=runtime.boot_id, host=HOST, pid=os.getpid(), started=now, seen=now)


def beat(runtime: Runtime) -> None:
    """The heartbeat (the job ``calgate.jobs.heartbeat`` beats every ``HEARTBEAT_SECONDS``)."""
    with runtime.db.session() as session:
        found = session.execute(
            update(ProcessRow)
            .where(ProcessRow.id == runtime.boot_id)
            .values(seen=datetime.now(UTC))
        )
        if not getattr(found, "rowcount", 1):  # deleted as stale after a long pause: back
            session.merge(_row(runtime, datetime.now(UTC)))


def forget(runtime: Runtime) -> None:
    """A clean stop: this process holds nothing any more."""
    with runtime.db.session() as session:
        session.execute(delete(ProcessRow).where(ProcessRow.id == runtime.boot_id))


def is_alive(session: Session, runtime: Runtime, owner: str | None) -> bool:
    """Whether the process ``owner`` (a boot id) may still be working on what it claimed."""
    if owner == runtime.boot_id:
        return True
    if owner is None:
        return False
    row = session.get(ProcessRow, owner)
    if row is None:
        return False
    seen = row.seen if row.seen.tzinfo else row.seen.replace(tzinfo=UTC)  # SQLite drops it
    if seen < datetime.now(UTC) - LEASE:
        return False
    return not (row.host == HOST and not _pid_exists(row.pid))
