"""``.ics`` imports (docs/import.md): taken in by ``POST .../imports`` and shown by ``GET``.

The file is parsed once, here, before the 202: a file that is not iCalendar is a 422 at once,
and a good one is stored cut into its objects (one row per UID, :mod:`calgate.domain.ical_import`)
for the import worker (:mod:`calgate.services.import_run`) to write. An ``Idempotency-Key`` names
the import it made: the same key and body answer that import again (no second one), the same key
with another body is a 422.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from calgate.db.models import ImportItemRow, ImportRow
from calgate.domain import ical_import
from calgate.errors import Conflict, InvalidInput, NotFound
from calgate.schemas.imports import ImportFailure, ImportPublic, ImportsPublic
from calgate.services.context import CalendarContext

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
CREATED, UPDATED, SKIPPED = "created", "updated", "skipped"
ON_CONFLICT = ("skip", "update", "fail", "newUid")
_LISTED = 50


def digest(calendar_id: str, on_conflict: str, body: bytes) -> str:
    """What an Idempotency-Key is bound to: the calendar, the choice and the file."""
    h = hashlib.sha256(f"{calendar_id}\n{on_conflict}\n".encode())
    h.update(body)
    return h.hexdigest()


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput.field(
            "Idempotency-Key", "Idempotency-Key must be 1-255 printable characters"
        )


def _decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.field(
            "#",
            f"the file is not UTF-8 text (byte {exc.start}); iCalendar is UTF-8 (RFC 5545 3.1.4)",
        ) from None


def start(
    ctx: CalendarContext,
    body: bytes,
    *,
    on_conflict: str,
    token_id: str,
    key: str | None,
) -> tuple[ImportPublic, bool]:
    """The import of ``body`` into the calendar, queued; and whether it is an earlier one
    answered again (its Idempotency-Key)."""
    db = ctx.runtime.db
    calendar_id = ctx.calendar.id
    bound = digest(calendar_id, on_conflict, body)
    if key is not None:
        _check_key(key)
        earlier = _keyed(db.session, token_id, key, bound)
        if earlier is not None:
            return earlier, True
    items = ical_import.split(_decoded(body))
    public_id = uuid.uuid4().hex
    try:
        with db.session() as session:
            row = ImportRow(
                public_id=public_id,
                calendar_id=calendar_id,
                token_id=token_id,
                idempotency_key=key,
                body_hash=bound,
                on_conflict=on_conflict,
                status=QUEUED,
                total=len(items),
                created_at=datetime.now(UTC),
            )
            session.add(row)
            session.flush()
            session.execute(
                insert(ImportItemRow),
                [
                    {"import_id": row.id, "seq": n, "uid": i.uid, "text": i.text, "note": i.note}
                    for n, i in enumerate(items)
                ],
            )
            return to_public(session, row), False
    except Conflict:
        if key is None:
            raise
        # a concurrent request with the same key made it first: answer with that one
        earlier = _keyed(db.session, token_id, key, bound)
        if earlier is None:
            raise
        return earlier, True


def _keyed(sessions: object, token_id: str, key: str, bound: str) -> ImportPublic | None:
    with sessions() as session:  # type: ignore[operator]
        row = session.scalar(
            select(ImportRow).where(
                ImportRow.token_id == token_id, ImportRow.idempotency_key == key
            )
        )
        if row is None:
            return None
        if row.body_hash != bound:
            raise InvalidInput.field(
                "Idempotency-Key",
                "this Idempotency-Key was used with another file or onConflict; use a new key",
            )
        return to_public(session, row)


def get(session: Session, calendar_id: str, import_id: str) -> ImportPublic:
    row = session.scalar(
        select(ImportRow).where(
            ImportRow.calendar_id == calendar_id, ImportRow.public_id == import_id
        )
    )
    if row is None:
        raise NotFound(f"no import {import_id!r} in calendar {calendar_id!r}")
    return to_public(session, row)


def list_imports(session: Session, calendar_id: str) -> ImportsPublic:
    """The calendar's latest imports, newest first."""
    rows = session.scalars(
        select(ImportRow)
        .where(ImportRow.calendar_id == calendar_id)
        .order_by(ImportRow.id.desc())
        .limit(_LISTED)
    )
    return ImportsPublic(items=[to_public(session, r) for r in rows])


def to_public(session: Session, row: ImportRow) -> ImportPublic:
    """The import with its counts as they stand (read from its objects' outcomes)."""
    counts: dict[str | None, int] = dict(
        session.execute(
            select(ImportItemRow.outcome, func.count())
            .where(ImportItemRow.import_id == row.id)
            .group_by(ImportItemRow.outcome)
        ).all()
    )
    failures = session.execute(
        select(ImportItemRow.uid, ImportItemRow.reason, ImportItemRow.outcome)
        .where(ImportItemRow.import_id == row.id, ImportItemRow.reason.is_not(None))
        .order_by(ImportItemRow.seq)
    ).all()
    return ImportPublic(
        id=row.public_id,
        calendar_id=row.calendar_id,
        status=row.status,
        on_conflict=row.on_conflict,
        total=row.total,
        processed=sum(n for outcome, n in counts.items() if outcome is not None),
        created=counts.get(CREATED, 0),
        updated=counts.get(UPDATED, 0),
        skipped=counts.get(SKIPPED, 0),
        failed=counts.get(FAILED, 0),
        failures=[
            ImportFailure(uid=uid, reason=reason, outcome=SKIPPED if outcome == SKIPPED else FAILED)
            for uid, reason, outcome in failures
        ],
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


__all__ = ["ON_CONFLICT", "digest", "get", "list_imports", "start", "to_public"]
