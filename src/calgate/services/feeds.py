"""Published feeds: a calendar's events at a secret URL that needs no other credential.

Making, listing and deleting feeds needs a token with the write role on the calendar (within
its scope); a read token may read the calendar but not publish it. The URL's token is
``secrets.token_urlsafe(32)``; only its SHA-256 is stored (as for API tokens), so a lost URL
cannot be shown again, only replaced. A feed belongs to its calendar, not to the token that
made it: revoking that token leaves the feed (an intranet page keeps working); ``DELETE``
ends it, and so does deleting the calendar.

A read (:func:`open_feed`) finds the feed by the hash of the presented token; anything that
is not a token calgate could have made, an unknown and a deleted one all get the same 404. The
window is whole UTC days around the day of the read, and the ETag names the calendar's
change-feed position with everything else the bytes depend on, so an unchanged feed answers
304 without reading a single event.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from calgate import __version__
from calgate.db.models import CalendarRow, FeedRow, SourceRow
from calgate.domain.access import Grant, Role
from calgate.errors import NotFound
from calgate.index import export as index_export
from calgate.runtime import Runtime
from calgate.schemas.feeds import FeedCreate, FeedCreated, FeedPublic
from calgate.services import ical_export
from calgate.services.calendars import read_visible, require_role

# secrets.token_urlsafe(32): 43 characters of base64url
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_LAST_READ_EVERY = timedelta(hours=1)  # a feed read writes its last read at most this often
FEED_PATH = "/feeds/{token}.ics"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _managed_calendar(runtime: Runtime, grant: Grant, calendar_id: str) -> CalendarRow:
    calendar, _ = read_visible(runtime.db, grant, calendar_id)
    require_role(grant, Role.write, "publishing a calendar as a feed")
    return calendar


def to_public(row: FeedRow) -> FeedPublic:
    return FeedPublic(
        id=row.id,
        calendar_id=row.calendar_id,
        detail=row.detail,
        past_days=row.past_days,
        future_days=row.future_days,
        created_at=row.created,
        created_by_token=row.created_by_token_id,
        last_read_at=row.last_read,
    )


def create(
    runtime: Runtime,
    session: Session,
    grant: Grant,
    calendar_id: str,
    body: FeedCreate,
    *,
    base_url: str,
) -> FeedCreated:
    """A new feed; the answer holds its URL (``base_url`` + ``/feeds/<token>.ics``), shown
    only here."""
    calendar = _managed_calendar(runtime, grant, calendar_id)
    token = secrets.token_urlsafe(32)
    row = FeedRow(
        id="feed_" + secrets.token_hex(6),
        calendar_id=calendar.id,
        token_hash=_hash(token),
        detail=body.detail,
        past_days=body.past_days,
        future_days=body.future_days,
        created=datetime.now(UTC),
        created_by_token_id=grant.token_id,
        last_read=None,
    )
    session.add(row)
    session.flush()
    url = base_url.rstrip("/") + FEED_PATH.format(token=token)
    return FeedCreated(**to_public(row).model_dump(), url=url)


def list_feeds(runtime: Runtime, session: Session, grant: Grant, calendar_id: str) -> list[FeedRow]:
    calendar = _managed_calendar(runtime, grant, calendar_id)
    query = select(FeedRow).where(FeedRow.calendar_id == calendar.id)
    return list(session.scalars(query.order_by(FeedRow.created, FeedRow.id)))


def delete(
    runtime: Runtime, session: Session, grant: Grant, calendar_id: str, feed_id: str
) -> None:
    """End a feed: its URL answers 404 from the next request on."""
    calendar = _managed_calendar(runtime, grant, calendar_id)
    row = session.get(FeedRow, feed_id)
    if row is None or row.calendar_id != calendar.id:
        raise NotFound(f"no feed with id {feed_id!r} on calendar {calendar.id!r}")
    session.delete(row)


# -- reading a feed ------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenFeed:
    """A feed found by its token, with what its answer is made of."""

    feed: FeedRow
    calendar: CalendarRow
    selection: ical_export.Selection
    etag: str

    def body(self, runtime: Runtime) -> Iterator[bytes]:
        busy_key = self.feed.id if self.feed.detail == "busy" else None
        return ical_export.calendar_stream(
            runtime.db,
            self.selection,
            name=self.calendar.name,
            busy_key=busy_key,
            properties=ical_export.REFRESH,
        )


def _no_feed() -> NotFound:
    return NotFound("no feed at this address (the link is wrong, or the feed was deleted)")


def _find(session: Session, token: str) -> FeedRow:
    if not _TOKEN.fullmatch(token):
        raise _no_feed()
    digest = _hash(token)
    row = session.scalar(select(FeedRow).where(FeedRow.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        raise _no_feed()
    return row


def window(now: datetime, past_days: int, future_days: int) -> tuple[datetime, datetime]:
    """Whole UTC days: from ``past_days`` before the day of ``now`` to the end of the day
    ``future_days`` after it (the bytes change at most once a day for the window's sake)."""
    day = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return day - timedelta(days=past_days), day + timedelta(days=future_days + 1)


def open_feed(runtime: Runtime, token: str) -> OpenFeed:
    """The feed ``token`` opens, after a sync of its calendar when the index is older than
    the setting (as any read); NotFound for anything else."""
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        feed = _find(session, token)
        calendar = session.get(CalendarRow, feed.calendar_id)
        source = session.get(SourceRow, calendar.source_id) if calendar is not None else None
        if calendar is None or source is None:
            raise _no_feed()
        last = feed.last_read
        if (
            last is None
            or now - (last if last.tzinfo else last.replace(tzinfo=UTC)) > _LAST_READ_EVERY
        ):
            session.execute(update(FeedRow).where(FeedRow.id == feed.id).values(last_read=now))
    runtime.indexer.ensure_fresh(calendar, source)
    with runtime.db.engine.connect() as conn:
        epoch, seq = index_export.position(conn, calendar_id=calendar.id)
    start, end = window(now, feed.past_days, feed.future_days)
    selection = ical_export.Selection(calendar.id, calendar.time_zone, start, end)
    parts = [
        __version__,
        ical_export.FORMAT,
        feed.id,
        feed.detail,
        start.isoformat(),
        end.isoformat(),
        calendar.name,
        calendar.time_zone,
        epoch,
        seq,
    ]
    etag = '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'
    return OpenFeed(feed, calendar, selection, etag)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
