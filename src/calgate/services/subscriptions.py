"""Subscriptions to iCalendar feeds (sources of kind ``ics``): one read-only calendar mirrored
in the index from a feed's URL.

Adding one fetches the feed first (nothing is stored unless it answers with iCalendar), then
stores the source, its calendar and its feed row, and enters the first copy. A refresh is a
conditional GET (the stored ETag and Last-Modified); a 304, or a body whose hash is the last
one's, costs no index work; a changed body is read as objects grouped by UID, and only objects
whose hashed ETag changed reach the index and its change feed (origin ``ics``). A failed
refresh keeps the last good copy and is shown on the source (``lastError``, ``lastErrorAt``).

Reads never wait for a feed (``Indexer.ensure_fresh`` answers a mirrored calendar from the
index): refreshes run on their schedule (``calgate.jobs.ics_refresh``), every ``interval``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, IcsFeedRow, SourceRow
from calgate.domain.ics_feed import Feed, FeedUnreadable, content_hash, read_feed
from calgate.domain.timezones import instant
from calgate.errors import (
    CalendarAlreadyConnected,
    Conflict,
    InvalidInput,
    NotFound,
    SourceConnectFailed,
)
from calgate.outbound.addresses import check_url
from calgate.outbound.get import Fetched, FetchFailed, get
from calgate.runtime import Runtime
from calgate.schemas.sources import SourceCreate
from calgate.services.slugs import slugify, unique_slug
from calgate.upstream import RemoteObject

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 3600
MIN_INTERVAL = 900
MAX_INTERVAL = 86400
_STORE_ATTEMPTS = 5


def feed_url(url: str) -> str:
    """The URL to fetch: ``webcal://`` (and ``webcals://``) read as ``https://``."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("webcal", "webcals"):
        return urlunsplit(parts._replace(scheme="https"))
    return url.strip()


def _fetch(runtime: Runtime, url: str, headers: dict[str, str]) -> Fetched:
    s = runtime.settings
    return get(url, headers, allow_http=s.ics_allow_http, allow_private=s.ics_allow_private)


def add(runtime: Runtime, body: SourceCreate) -> str:
    """Subscribe: the first copy is fetched before anything is stored. Returns the source id."""
    url = feed_url(body.url)
    if body.username is not None or body.password is not None or body.token is not None:
        raise InvalidInput.field("#/username", "a source of kind ics takes no credentials")
    s = runtime.settings
    check_url(url, allow_http=s.ics_allow_http, allow_private=s.ics_allow_private)
    try:
        fetched = _fetch(runtime, url, {})
        feed = read_feed(fetched.body)
    except (FetchFailed, FeedUnreadable) as exc:
        reason = "not-icalendar" if isinstance(exc, FeedUnreadable) else "unreachable"
        raise SourceConnectFailed(
            f"The feed could not be subscribed to: {exc} Nothing was added.",
            reason=reason,
            pointer="#/url",
        ) from exc
    for _ in range(_STORE_ATTEMPTS):
        try:
            with runtime.db.session() as session:
                source_id = _store(session, runtime, body, url, feed)
            break
        except CalendarAlreadyConnected:
            raise
        except Conflict:
            continue  # a concurrent request took a slug first: derive them again
    else:
        raise Conflict("too many concurrent changes to sources; try again")
    _entered(runtime, source_id, fetched, feed)
    return source_id


def _store(session: Session, runtime: Runtime, body: SourceCreate, url: str, feed: Feed) -> str:
    taken = session.scalar(select(IcsFeedRow.source_id).where(IcsFeedRow.url == url))
    if taken is not None:
        cal = session.scalar(select(CalendarRow.id).where(CalendarRow.source_id == taken))
        raise CalendarAlreadyConnected(
            f"this feed is subscribed to already, as calendar {cal!r} (source {taken!r}); use "
            "it, or remove that source first. Nothing was added.",
            existing=[{"calendar": cal, "source": taken}],
        )
    name = body.name or feed.name or urlsplit(url).hostname or "feed"
    source_id = unique_slug(
        slugify(name, fallback="feed"), lambda s: session.get(SourceRow, s) is not None
    )
    now = datetime.now(UTC)
    session.add(
        SourceRow(
            id=source_id,
            kind="ics",
            name=name,
            url=body.url.strip(),
            username=None,
            auth_type="basic",
            secret_encrypted=None,
            capabilities={},
            created=now,
        )
    )
    session.flush()
    cal_id = unique_slug(
        slugify(name, fallback="calendar"), lambda c: session.get(CalendarRow, c) is not None
    )
    session.add(
        CalendarRow(
            id=cal_id,
            source_id=source_id,
            href=f"ics:{source_id}",
            name=name,
            time_zone=runtime.settings.default_time_zone,
            created=now,
            updated=now,
        )
    )
    session.add(
        IcsFeedRow(
            source_id=source_id,
            url=url,
            refresh_interval=body.refresh_interval,
            # set properly once the first copy is in; should that fail, retried this soon
            next_refresh_at=now + timedelta(seconds=MIN_INTERVAL),
        )
    )
    session.flush()
    return source_id


@dataclass(frozen=True)
class Outcome:
    """What one refresh did: ``mode`` is ``not-modified`` (304), ``same-body`` (the hash of
    the last body), ``changed`` (read and mirrored: ``changed`` and ``deleted`` objects) or
    ``failed`` (``error``)."""

    mode: str
    changed: int = 0
    deleted: int = 0
    error: str | None = None


def refresh(runtime: Runtime, source_id: str) -> Outcome:
    """Fetch the feed again (conditionally) and mirror what changed; a failure is recorded
    on the source and the last good copy stays."""
    with runtime.db.session() as session:
        row = _feed(session, source_id)
        url, etag, modified, known = row.url, row.etag, row.last_modified, row.content_hash
    headers: dict[str, str] = {}
    if known is not None:  # validators only once a copy is held
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
    try:
        fetched = _fetch(runtime, url, headers)
        if fetched.status == 304:
            _record(runtime, source_id, fetched=fetched, feed=None)
            return Outcome("not-modified")
        if content_hash(fetched.body) == known:
            _record(runtime, source_id, fetched=fetched, feed=None)
            return Outcome("same-body")
        feed = read_feed(fetched.body)
    except (FetchFailed, FeedUnreadable) as exc:
        _failed(runtime, source_id, str(exc))
        return Outcome("failed", error=str(exc))
    return _entered(runtime, source_id, fetched, feed)


def _entered(runtime: Runtime, source_id: str, fetched: Fetched, feed: Feed) -> Outcome:
    with runtime.db.session() as session:
        calendar = session.scalars(
            select(CalendarRow).where(CalendarRow.source_id == source_id)
        ).one()
        session.expunge(calendar)
    objects = [
        RemoteObject(href=f"/ics/{calendar.id}/{o.name}", etag=o.etag, ical=o.text)
        for o in feed.objects
    ]
    report = runtime.indexer.mirror(calendar, objects)
    _record(runtime, source_id, fetched=fetched, feed=feed)
    log.info(
        "feed of source %s: %d objects entered, %d deleted",
        source_id,
        report.fetched,
        report.deleted,
    )
    return Outcome("changed", report.fetched, report.deleted)


def interval(row: IcsFeedRow) -> int:
    """Seconds between refreshes: as asked, else the feed's own, else an hour."""
    return row.refresh_interval or row.feed_interval or DEFAULT_INTERVAL


def set_interval(session: Session, source_id: str, seconds: int | None) -> None:
    """Refresh every ``seconds`` from now on (``None``: the feed's own, else an hour); the
    next refresh is one new interval after the last one that worked."""
    row = _feed(session, source_id)
    row.refresh_interval = seconds
    since = row.last_success_at or datetime.now(UTC)
    row.next_refresh_at = instant(since, UTC) + timedelta(seconds=interval(row))


def _record(runtime: Runtime, source_id: str, *, fetched: Fetched, feed: Feed | None) -> None:
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        row = _feed(session, source_id)
        row.etag = fetched.etag or row.etag
        row.last_modified = fetched.last_modified or row.last_modified
        if fetched.status == 200:
            row.content_hash = content_hash(fetched.body)
        if feed is not None:
            own = int(feed.refresh.total_seconds()) if feed.refresh is not None else None
            row.feed_interval = own if own and MIN_INTERVAL <= own <= MAX_INTERVAL else None
        row.last_success_at = now
        row.last_error = row.last_error_at = None
        row.next_refresh_at = now + timedelta(seconds=interval(row))


def _failed(runtime: Runtime, source_id: str, reason: str) -> None:
    log.info("feed of source %s not refreshed: %s", source_id, reason)
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        row = _feed(session, source_id)
        row.last_error, row.last_error_at = reason, now
        row.next_refresh_at = now + timedelta(seconds=interval(row))


def _feed(session: Session, source_id: str) -> IcsFeedRow:
    row = session.get(IcsFeedRow, source_id)
    if row is None:
        raise NotFound(f"source {source_id!r} is no iCalendar subscription")
    return row


def feed_state(session: Session, source_id: str) -> IcsFeedRow | None:
    return session.get(IcsFeedRow, source_id)


def due(runtime: Runtime, now: datetime) -> list[str]:
    """The ids of subscriptions whose next refresh is due."""
    with runtime.db.session() as session:
        rows = session.execute(select(IcsFeedRow.source_id, IcsFeedRow.next_refresh_at))
        return [sid for sid, at in rows if instant(at, UTC) <= now]


def still_due(runtime: Runtime, source_id: str, now: datetime) -> bool:
    """Read again once a turn is taken: another process may have refreshed it just now."""
    with runtime.db.session() as session:
        row = session.get(IcsFeedRow, source_id)
        return row is not None and instant(row.next_refresh_at, UTC) <= now


def forget(session: Session, source_id: str) -> None:
    """The feed row of a removed source (SQLite may not cascade)."""
    row = session.get(IcsFeedRow, source_id)
    if row is not None:
        session.delete(row)
