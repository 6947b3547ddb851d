"""Idempotency-Key on POST: a retry with the same key and body gets the first answer again,
without a second event; the same key with another body is a 422. Keys live 24 hours.

The key is claimed (a row with status 0) before the event is made, in a transaction of its
own, so two concurrent requests with one key cannot both create: the second waits for the
first's answer and replays it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from calgate.db.models import IdempotencyRow
from calgate.errors import Conflict, InvalidInput
from calgate.runtime import Runtime

KEEP = timedelta(hours=24)
_WAIT_SECONDS = 30.0
REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Stored:
    status: int
    body: str
    headers: dict[str, str]


def body_hash(calendar_id: str, body: Any) -> str:
    canonical = json.dumps([calendar_id, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput.field(
            "Idempotency-Key", "Idempotency-Key must be 1-255 printable characters"
        )


def claim(
    runtime: Runtime, *, token_id: str, key: str, calendar_id: str, digest: str
) -> Stored | None:
    """None: this request owns the key and must make the event, then ``finish``. A Stored
    answer: replay it."""
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
                        )
                    )
                    return None
                if row.body_hash != digest:
                    raise InvalidInput.field(
                        "Idempotency-Key",
                        "this Idempotency-Key was used with another request body; use a new key",
                    )
                if row.status:
                    return Stored(row.status, row.response, dict(row.headers))
        except Conflict:
            pass  # a concurrent request claimed it first: wait for its answer
        if time.monotonic() > deadline:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        time.sleep(0.05)


def finish(runtime: Runtime, *, token_id: str, key: str, answer: Stored) -> None:
    with runtime.db.session() as session:
        row = session.get(IdempotencyRow, (token_id, key))
        if row is not None:
            row.status, row.response, row.headers = answer.status, answer.body, answer.headers


def release(runtime: Runtime, *, token_id: str, key: str) -> None:
    """The request failed: free the key so a retry can try again."""
    with runtime.db.session() as session:
        session.execute(
            delete(IdempotencyRow).where(
                IdempotencyRow.token_id == token_id, IdempotencyRow.key == key
            )
        )
