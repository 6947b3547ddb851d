"""The change feed: what changed in a calendar since an opaque token.

A token names the calendar, the index epoch and a change number. Tokens outlive restarts (they
are data in the database); a token from before a rebuild (another epoch), below the purge floor,
or not made by calgate is answered with 410 Gone so the client resyncs from scratch.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarSyncRow, IndexedEventRow
from calgate.errors import ChangeTokenGone
from calgate.index import store


@dataclass(frozen=True)
class Change:
    kind: str  # created | updated | deleted
    event_id: str
    event_json: str | None
    ical: str | None = None  # the stored object (for other representations)


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    token: str
    more: bool


def encode(calendar_id: str, epoch: int, seq: int) -> str:
    raw = f"v1|{calendar_id}|{epoch}|{seq}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str, calendar_id: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        version, cal, epoch, seq = raw.split("|")
        if version != "v1" or cal != calendar_id:
            raise ValueError
        return int(epoch), int(seq)
    except ValueError:
        raise ChangeTokenGone(
            "this change token is unknown for this calendar; list the calendar's changes without "
            "'since' to start over"
        ) from None


def _check(state: CalendarSyncRow, epoch: int, seq: int) -> None:
    if epoch != state.epoch or seq < state.floor or seq > state.seq:
        raise ChangeTokenGone(
            "this change token has expired (the index was rebuilt since); list the calendar's "
            "changes without 'since' to start over"
        )


def changes_since(
    session: Session, *, calendar_id: str, since: str | None, limit: int
) -> ChangePage:
    state = store.sync_state(session, calendar_id=calendar_id)
    row = IndexedEventRow
    query = select(row).where(row.calendar_id == calendar_id).order_by(row.seq)
    after = 0
    if since is not None:
        epoch, after = _decode(since, calendar_id)
        _check(state, epoch, after)
        query = query.where(row.seq > after)
    else:
        query = query.where(row.deleted.is_(False))
    rows = list(session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    out = []
    for r in rows:
        if r.deleted:
            out.append(Change("deleted", r.event_id, None))
        else:
            kind = "created" if since is None or r.created_seq > after else "updated"
            out.append(Change(kind, r.event_id, r.public_json, r.ical))
    last = rows[-1].seq if more and rows else state.seq
    return ChangePage(out, encode(calendar_id, state.epoch, last), more)
