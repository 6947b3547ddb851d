"""Idempotency-Key on POST: a retry with the same key and body gets the first answer again,
without a second event; the same key with another body is a 422. Keys live 24 hours.

The key is claimed (a row with status 0) before the event is made, in a transaction of its
own, so two concurrent requests with one key cannot both create: the second waits for the
first's answer and replays it.

A claim names its process (``owner``, a boot id: calgate.services.processes) and the id the
event will get, chosen before anything is written. When the owner is gone (``kill -9``, a lost
machine), the claim is not a wait for good: the next request with the key takes it over
(``Claimed.resumed``) and looks in the store first: an event with that id was written, so its
answer is built from it; else the request makes it, under the same id and ``If-None-Match: *``,
so it is never made twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from calgate.db.models import IdempotencyRow
from calgate.errors import CalgateError, Conflict, InvalidInput
from calgate.runtime import Runtime
from calgate.services import processes

KEEP = timedelta(hours=24)
_WAIT_SECONDS = 30.0
REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Stored:
    status: int
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Claimed:
    """This request owns the key: make the event with ``event_id``, then ``finish``.
    ``resumed``: the claim was taken over from a process that is gone, so the event may exist
    already (look before writing)."""

    event_id: str
    resumed: bool = False


def body_hash(calendar_id: str, body: Any) -> str:
    canonical = json.dumps([calendar_id, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput.field(
            "Idempotency-Key", "Idempotency-Key must be 1-255 printable characters"
        )


def claim(
    runtime: Runtime, *, token_id: str, key: str, calendar_id: str, digest: str, event_id: str
) -> Stored | Claimed:
    """A Stored answer: replay it. Else this request owns the key (``event_id``: the id the
    new event gets, unless the claim is resumed with the id its first owner chose)."""
    _check_key(key)
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        now = datetime.now(UTC)
        try:
            with runtime.db.session() as session:
                session.execute(delete(IdempotencyRow).where(IdempotencyRow.created < now - KEEP))
                row = session.scalar(
                    select(IdempotencyRow).where(
                        IdempotencyRow.token_id == token_id, IdempotencyRow.key == key
                    )
                )
                if row is None:
                    session.add(
                        IdempotencyRow(
                            token_id=token_id,
                            key=key,
                            calendar_id=calendar_id,
                            body_hash=digest,
                            status=0,
                            response="",
                            headers={},
                            created=now,
                            owner=runtime.boot_id,
                            event_id=event_id,
                        )
                    )
                    return Claimed(event_id)
                if row.body_hash != digest:
                    raise InvalidInput.field(
                        "Idempotency-Key",
                        "this Idempotency-Key was used with another request body; use a new key",
                    )
                if row.status:
                    return Stored(row.status, row.response, dict(row.headers))
                if _abandoned(session, runtime, row, now):
                    taken = session.execute(
                        update(IdempotencyRow)
                        .where(
                            IdempotencyRow.token_id == token_id,
                            IdempotencyRow.key == key,
                            IdempotencyRow.status == 0,
                            _owned_by(row.owner),
                        )
                        .values(owner=runtime.boot_id, event_id=row.event_id or event_id)
                    )
                    if getattr(taken, "rowcount", 0) == 1:
                        # (a claim from before claims named their event cannot be looked up)
                        return Claimed(row.event_id or event_id, resumed=row.event_id is not None)
        except Conflict:
            pass  # a concurrent request claimed it first: wait for its answer
        if time.monotonic() > deadline:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        time.sleep(0.05)


def _abandoned(session: Any, runtime: Runtime, row: IdempotencyRow, now: datetime) -> bool:
    """Whether the claim's process is gone (a claim without an owner, made by a calgate from
    before claims named one, counts as gone once a lease has passed)."""
    if row.owner is None:
        created = row.created if row.created.tzinfo else row.created.replace(tzinfo=UTC)
        return created < now - processes.LEASE
    return not processes.is_alive(session, runtime, row.owner)


def _owned_by(owner: str | None) -> Any:
    return IdempotencyRow.owner.is_(None) if owner is None else IdempotencyRow.owner == owner


def _held_here(runtime: Runtime, token_id: str, key: str) -> tuple[Any, ...]:
    """The claim of ``key`` as this process holds it, unanswered."""
    row = IdempotencyRow
    return (
        row.token_id == token_id,
        row.key == key,
        row.owner == runtime.boot_id,
        row.status == 0,
    )


def finish(runtime: Runtime, *, token_id: str, key: str, answer: Stored) -> None:
    """Keep the answer for replays (unless the claim was taken over meanwhile: the process
    that took it answers)."""
    with runtime.db.session() as session:
        session.execute(
            update(IdempotencyRow)
            .where(*_held_here(runtime, token_id, key))
            .values(status=answer.status, response=answer.body, headers=answer.headers)
        )


def release(runtime: Runtime, *, token_id: str, key: str) -> None:
    """The request failed: free the key so a retry can try again."""
    with runtime.db.session() as session:
        session.execute(delete(IdempotencyRow).where(*_held_here(runtime, token_id, key)))


def give_up(runtime: Runtime, *, token_id: str, key: str) -> None:
    """The request failed in a way that leaves open whether the event was written (a server
    that timed out may have stored it, an unexpected error may have come after the write):
    the claim stays with its event id but names no live process, so a retry takes it over at
    once and looks in the store first (``Claimed.resumed``) instead of making a second event
    under a new id."""
    with runtime.db.session() as session:
        session.execute(
            update(IdempotencyRow)
            .where(*_held_here(runtime, token_id, key))
            .values(owner=f"failed-{runtime.boot_id[:25]}")  # no boot id has a "-"
        )


def run_once(
    runtime: Runtime,
    *,
    token_id: str,
    key: str,
    calendar_id: str,
    digest: str,
    event_id: str,
    make: Callable[[Claimed], Stored],
) -> tuple[Stored, bool]:
    """The answer to a request under an Idempotency-Key, and whether it is a replay: the kept
    answer of an earlier request with the key, else ``make``'s (kept for the next one). A
    ``make`` refused by calgate (a 4xx: nothing was written) frees the key; any other failure
    leaves the claim for a retry to resume (:func:`give_up`)."""
    ids = {"token_id": token_id, "key": key}
    claimed = claim(runtime, calendar_id=calendar_id, digest=digest, event_id=event_id, **ids)
    if isinstance(claimed, Stored):
        return claimed, True
    try:
        answer = make(claimed)
    except CalgateError as exc:
        if exc.status < 500:
            release(runtime, **ids)
        else:
            give_up(runtime, **ids)
        raise
    except BaseException:
        give_up(runtime, **ids)
        raise
    finish(runtime, answer=answer, **ids)
    return answer, False
