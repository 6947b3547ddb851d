"""CalDAV sources: connect (discover calendars, store encrypted credentials), replace the name
or credentials, list, remove. Subscriptions to iCalendar feeds (kind ``ics``) are sources too:
added by :mod:`calgate.services.subscriptions`, listed and removed here. A calendar is
connected once: a source leading to a calendar calgate already has is refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, CalendarSyncRow, SourceRow
from calgate.domain.timezones import is_iana_zone
from calgate.errors import (
    CalendarAlreadyConnected,
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    SourceConnectFailed,
)
from calgate.runtime import Runtime
from calgate.schemas.sources import SourceCreate, SourcePublic, SourceUpdate
from calgate.services import calendars, subscriptions
from calgate.services.slugs import slugify, unique_slug
from calgate.upstream import CalDAVConnection, Credentials, DiscoveredCalendar
from calgate.upstream.hrefs import collection_key

_STORE_ATTEMPTS = 5
# PostgreSQL: concurrent additions of sources take turns, so each sees the other's calendars.
_SOURCES_LOCK = int.from_bytes(hashlib.sha256(b"calgate-sources").digest()[:8], "big", signed=True)


def check_source_input(body: SourceCreate) -> str:
    """Check the combination of fields; returns the effective auth type."""
    errors: list[FieldError] = []
    if body.refresh_interval is not None:
        errors.append(FieldError("refreshInterval is for sources of kind ics", "#/refreshInterval"))
    parts = urlsplit(body.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.append(FieldError("url must be an absolute http:// or https:// URL", "#/url"))
    if body.password is not None and body.token is not None:
        errors.append(FieldError("send either password or token, not both", "#/token"))
    auth_type = body.auth_type or ("bearer" if body.token is not None else "basic")
    if auth_type == "bearer" and body.secret is None:
        errors.append(FieldError("authType bearer needs a token", "#/token"))
    if auth_type in ("basic", "digest"):
        if body.token is not None:
            errors.append(
                FieldError(
                    f"authType {auth_type} takes username and password, not token", "#/token"
                )
            )
        if body.username is None and body.password is not None:
            errors.append(FieldError(f"authType {auth_type} needs a username", "#/username"))
    errors.extend(_header_safe(body, auth_type))
    if errors:
        raise InvalidInput("the source cannot be added as sent", errors)
    return auth_type


def _header_safe(body: SourceCreate, auth_type: str) -> list[FieldError]:
    """Credentials travel in an HTTP header: a bearer token is ASCII (RFC 6750 b64token); a
    user name and password for basic or digest must be Latin-1, which the HTTP client sends."""
    out = []
    if auth_type == "bearer" and body.secret is not None:
        pointer = "#/token" if body.token is not None else "#/password"
        if not body.secret.isascii() or not body.secret.isprintable() or " " in body.secret:
            out.append(FieldError("a bearer token must be printable ASCII without spaces", pointer))
        return out
    for name, value in (("username", body.username), ("password", body.secret)):
        if value is None:
            continue
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            out.append(
                FieldError(
                    f"the {name} must use Latin-1 characters for {auth_type} auth", f"#/{name}"
                )
            )
    return out


def _credentials_field(body: SourceCreate) -> str:
    """The field whose credentials the server is asked to accept (the error points there)."""
    return "token" if body.token is not None else "password"


def add_source(runtime: Runtime, body: SourceCreate) -> str:
    """Discover first; store nothing unless the server answered with calendars, none of which
    calgate has already. Returns the new source's id. Kind ``ics``: a feed subscription."""
    if body.kind == "ics":
        return subscriptions.add(runtime, body)
    auth_type = check_source_input(body)
    creds = Credentials(body.username, body.secret, auth_type)  # type: ignore[arg-type]
    conn = CalDAVConnection(body.url, creds, timeout=runtime.settings.upstream_timeout)
    try:
        found = [c for c in conn.discover(_credentials_field(body)) if c.supports_events]
        url = urljoin(body.url, found[0].url) if found else None
        caps = conn.probe_capabilities(url).to_json() if url is not None else {}
    finally:
        conn.close()
    if not found:
        raise InvalidInput.field(
            "#/url", "the address is a CalDAV server, but no calendar with events was found there"
        )
    sealed = runtime.box.seal(body.secret) if body.secret is not None else None
    for _ in range(_STORE_ATTEMPTS):
        try:
            with runtime.db.session() as session:
                return _store(session, runtime, body, auth_type, sealed, found, caps)
        except CalendarAlreadyConnected:
            raise
        except Conflict:
            continue  # a concurrent request took a slug first: derive them again
    raise Conflict("too many concurrent changes to sources; try again")


def _store(
    session: Session,
    runtime: Runtime,
    body: SourceCreate,
    auth_type: str,
    sealed: bytes | None,
    found: list[DiscoveredCalendar],
    caps: dict[str, Any],
) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SOURCES_LOCK})
    host = urlsplit(body.url).hostname or "source"
    source_id = unique_slug(
        slugify(body.name or host, fallback="source"),
        lambda s: session.get(SourceRow, s) is not None,
    )
    now = datetime.now(UTC)
    session.add(
        SourceRow(
            id=source_id,
            kind="caldav",
            name=body.name or host,
            url=body.url,
            username=body.username,
            auth_type=auth_type,
            secret_encrypted=sealed,
            capabilities=caps,
            created=now,
        )
    )
    session.flush()  # on SQLite the first write takes the database's write lock
    _refuse_connected(session, runtime, [urljoin(body.url, cal.url) for cal in found])
    for cal in found:
        name = cal.name or urlsplit(cal.url).path.rstrip("/").rsplit("/", 1)[-1] or "calendar"
        cal_id = unique_slug(
            slugify(name, fallback="calendar"),
            lambda c: session.get(CalendarRow, c) is not None,
        )
        tz = cal.time_zone if cal.time_zone and is_iana_zone(cal.time_zone) else None
        session.add(
            CalendarRow(
                id=cal_id,
                source_id=source_id,
                href=urljoin(body.url, cal.url),
                name=name,
                time_zone=tz or runtime.settings.default_time_zone,
                created=now,
                updated=now,
            )
        )
        session.flush()
    return source_id


def _refuse_connected(session: Session, runtime: Runtime, hrefs: list[str]) -> None:
    """CalendarAlreadyConnected when any of these calendars is connected already (compared
    by ``collection_key``: however the URL is spelled). An embedded calendar is compared by
    its address at ``/dav/`` (``public_calendar_url``): calgate's own store added as a source
    would mirror it."""
    wanted = {collection_key(h) for h in hrefs}
    rows = session.execute(select(CalendarRow, SourceRow).join(SourceRow).order_by(CalendarRow.id))
    taken = [
        r
        for r, source in rows
        if collection_key(runtime.public_calendar_url(r, source)) in wanted
        and not r.href.startswith("pending:")
    ]
    if not taken:
        return
    names = ", ".join(f"{r.id!r} (source {r.source_id!r})" for r in taken)
    one = len(taken) == 1
    raise CalendarAlreadyConnected(
        f"{'a calendar' if one else 'calendars'} found at this address "
        f"{'is' if one else 'are'} already connected as calendar{'' if one else 's'} {names}; "
        "use " + ("it" if one else "them") + ", or remove that source first. Nothing was added.",
        existing=[{"calendar": r.id, "source": r.source_id} for r in taken],
    )


# SourceUpdate's credential fields and their names in the request body
_CREDENTIAL_FIELDS = {
    "username": "username",
    "password": "password",
    "token": "token",
    "auth_type": "authType",
}


def update_source(runtime: Runtime, source_id: str, body: SourceUpdate) -> None:
    """Rename a source or replace its credentials; its calendars and their settings stay.
    New credentials are tried first (discovery of the source's address, as on add) and
    stored only when the server accepts them and still shows this source's calendars."""
    with runtime.db.session() as session:
        row = get_source(session, source_id)
        hrefs = [c.href for c in source_calendars(session, source_id)]
    sent = body.model_fields_set
    if "url" in sent:
        raise InvalidInput.field(
            "#/url",
            "a source's address cannot change (its calendars are known by it): add the new "
            "address as a source of its own and remove this one",
        )
    if "name" in sent and body.name is None:
        raise InvalidInput.field("#/name", "a source needs a name")
    changing = [f for f in _CREDENTIAL_FIELDS if f in sent]
    kind = runtime.source_kind(row)
    if changing and not kind.may_change_credentials:
        detail = f"{kind.title} has no credentials to replace; only its name can change"
        raise InvalidInput(
            detail, [FieldError(detail, f"#/{_CREDENTIAL_FIELDS[f]}") for f in changing]
        )
    if "refresh_interval" in sent and row.kind != "ics":
        raise InvalidInput.field(
            "#/refreshInterval",
            f"{kind.title} has no refresh interval: only an iCalendar subscription (kind ics) "
            "is fetched on a schedule; a CalDAV source's calendars are synced as they are read",
        )
    new_credentials = None
    if changing:
        merged = _merged(runtime, row, body)
        auth_type = check_source_input(merged)
        _try_credentials(runtime, row.url, merged, auth_type, hrefs, _sent_field(body))
        sealed = runtime.box.seal(merged.secret) if merged.secret is not None else None
        new_credentials = (merged.username, auth_type, sealed)
    with runtime.db.session() as session:
        stored = get_source(session, source_id)
        if body.name is not None:
            stored.name = body.name
        if new_credentials is not None:
            stored.username, stored.auth_type, stored.secret_encrypted = new_credentials
        if "refresh_interval" in sent:
            subscriptions.set_interval(session, source_id, body.refresh_interval)
    if new_credentials is not None:
        runtime.forget_connection(source_id)


def _sent_field(body: SourceUpdate) -> str:
    """Where an error about the new credentials points: the secret sent, else what was."""
    sent = body.model_fields_set
    return next(
        (_CREDENTIAL_FIELDS[f] for f in ("token", "password", "username") if f in sent),
        "authType",
    )


def _merged(runtime: Runtime, row: SourceRow, body: SourceUpdate) -> SourceCreate:
    """The source as it would be: the fields sent over the stored ones. Without ``authType``
    a token means bearer and a password the source's basic or digest (basic after bearer)."""
    sent = body.model_fields_set
    new_secret = "password" in sent or "token" in sent
    auth_type: str | None = body.auth_type
    if auth_type is None:
        if body.token is not None:
            auth_type = "bearer"
        elif "password" in sent:
            auth_type = row.auth_type if row.auth_type in ("basic", "digest") else "basic"
        else:
            auth_type = row.auth_type
    password, token = body.password, body.token
    if not new_secret and row.secret_encrypted is not None:
        kept = SecretStr(runtime.box.open(row.secret_encrypted))
        password, token = (None, kept) if auth_type == "bearer" else (kept, None)
    username = body.username if "username" in sent else row.username
    return SourceCreate.model_validate(
        {
            "url": row.url,
            "name": row.name,
            "username": username,
            "password": password,
            "token": token,
            "auth_type": auth_type,
        }
    )


def _try_credentials(
    runtime: Runtime,
    url: str,
    merged: SourceCreate,
    auth_type: str,
    hrefs: list[str],
    field: str,
) -> None:
    """Log in with the new credentials as adding a source does; they must still show at least
    one of the source's calendars (``hrefs``), or they belong to another account."""
    creds = Credentials(merged.username, merged.secret, auth_type)  # type: ignore[arg-type]
    with CalDAVConnection(url, creds, timeout=runtime.settings.upstream_timeout) as conn:
        found = {collection_key(urljoin(url, c.url)) for c in conn.discover(field)}
    if hrefs and not found & {collection_key(h) for h in hrefs}:
        raise SourceConnectFailed(
            "The CalDAV server accepts these credentials but shows none of this source's "
            "calendars with them (another account?); the old credentials stay.",
            reason="credentials",
            pointer=f"#/{field}",
        )


def list_sources(session: Session) -> list[SourceRow]:
    return list(session.scalars(select(SourceRow).order_by(SourceRow.created)))


def get_source(session: Session, source_id: str) -> SourceRow:
    row = session.get(SourceRow, source_id)
    if row is None:
        raise NotFound(f"no source with id {source_id!r}")
    return row


def public_url(runtime: Runtime, row: SourceRow) -> str:
    """The source's address as a person's CalDAV client uses it (``/dav/`` for the embedded
    store)."""
    return runtime.source_kind(row).public_url(row)


def source_calendars(session: Session, source_id: str) -> list[CalendarRow]:
    query = select(CalendarRow).where(CalendarRow.source_id == source_id).order_by(CalendarRow.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class SyncStatus:
    """How a calendar's syncs with its server went: when one last worked, and why the last one
    failed (None once one works again)."""

    last_synced: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


def sync_status(session: Session, calendar_ids: list[str]) -> dict[str, SyncStatus]:
    """Each calendar's :class:`SyncStatus`, read as it stands: no sync row is made for a
    calendar not read yet."""
    found = {cal: SyncStatus() for cal in calendar_ids}
    if calendar_ids:
        row = CalendarSyncRow
        query = select(row.calendar_id, row.last_synced, row.last_error, row.last_error_at)
        for cal, synced, error, error_at in session.execute(
            query.where(row.calendar_id.in_(calendar_ids))
        ):
            found[cal] = SyncStatus(synced, error, error_at)
    return found


def to_public(runtime: Runtime, session: Session, row: SourceRow) -> SourcePublic:
    """A source as the API shows it, with its calendars (the embedded store's address is
    calgate's own /dav/)."""
    cals = [calendars.to_public(runtime, c, row) for c in source_calendars(session, row.id)]
    feed = subscriptions.feed_state(session, row.id) if row.kind == "ics" else None
    return SourcePublic(
        id=row.id,
        kind=row.kind,
        name=row.name,
        url=public_url(runtime, row),
        username=row.username,
        auth_type=row.auth_type,
        created=row.created,
        capabilities=row.capabilities,
        calendars=cals,
        refresh_interval=subscriptions.interval(feed) if feed else None,
        last_success_at=feed.last_success_at if feed else None,
        last_error=feed.last_error if feed else None,
        last_error_at=feed.last_error_at if feed else None,
        next_refresh_at=feed.next_refresh_at if feed else None,
    )


def remove_source(session: Session, runtime: Runtime, source_id: str) -> None:
    """Forget a source and its calendars in calgate; nothing is deleted on the server."""
    row = get_source(session, source_id)
    kind = runtime.source_kind(row)
    if not kind.may_be_removed:
        raise InvalidInput.field("source", f"{kind.title} cannot be removed")
    for cal in source_calendars(session, source_id):
        session.delete(cal)
    subscriptions.forget(session, source_id)
    session.delete(row)
    runtime.forget_connection(source_id)
