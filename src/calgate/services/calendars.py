"""Calendars: listing within a token's scope, calgate's own settings, creating new ones."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import bindparam, delete, select, type_coerce
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.types import NullType

from calgate.db.models import Base, CalendarRow, SourceRow
from calgate.db.session import Database
from calgate.domain.access import Grant, Role
from calgate.domain.timezones import is_iana_zone, resolve_zone
from calgate.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from calgate.mail.templates import check_subject, check_template
from calgate.runtime import EMBEDDED_SOURCE_ID, Runtime
from calgate.schemas.calendars import CalendarCreate, CalendarPublic, CalendarUpdate
from calgate.services import tokens
from calgate.services.slugs import slugify, unique_slug

_CLAIM_ATTEMPTS = 25
_Row = TypeVar("_Row", bound=Base)


def to_public(runtime: Runtime, row: CalendarRow, source: SourceRow) -> CalendarPublic:
    return CalendarPublic(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        source=source.id,
        caldav_url=runtime.public_calendar_url(row, source),
        read_only=runtime.mirrored(source),
        capabilities=source.capabilities,
        overlap=row.overlap,
        auto_clear=row.auto_clear,
        notification_template=row.notification_template,
        notification_subject=row.notification_subject,
        notifications=row.notifications,
        created=row.created,
        updated=row.updated,
    )


def visible_calendars(session: Session, grant: Grant) -> list[tuple[CalendarRow, SourceRow]]:
    query = select(CalendarRow, SourceRow).join(SourceRow).order_by(CalendarRow.id)
    if grant.calendars is not None:
        query = query.where(CalendarRow.id.in_(grant.calendars))
    return [(c, s) for c, s in session.execute(query)]


# one query for both rows (every event request reads them), built once
_WITH_SOURCE = (
    select(CalendarRow, SourceRow)
    .join(SourceRow, SourceRow.id == CalendarRow.source_id)
    .where(CalendarRow.id == bindparam("id"))
)


def get_visible(session: Session, grant: Grant, calendar_id: str) -> tuple[CalendarRow, SourceRow]:
    """The calendar, or NotFound when it does not exist *or* the token may not see it. The
    request's token, when it came from the cache, is confirmed first in the same transaction
    (every calendar's request reads here first)."""
    tokens.confirm_pending(session.connection())
    found = (
        session.execute(_WITH_SOURCE, {"id": calendar_id}).first()
        if grant.sees(calendar_id)
        else None
    )
    if found is None:
        raise NotFound(f"no calendar with id {calendar_id!r}")
    return found.CalendarRow, found.SourceRow


# -- the request path's read of a calendar --------------------------------------------------
# Every event request reads its calendar and source. Building the two ORM objects costs more
# than the read, so the objects are kept per calendar with the values they were built from and
# handed out again while a read finds the same values: any change, in any process, is seen on
# the next request, as before.
_COLUMNS = (*CalendarRow.__table__.columns, *SourceRow.__table__.columns)
_JOINED = CalendarRow.__table__.join(SourceRow.__table__)
_BY_ID = CalendarRow.__table__.c.id == bindparam("id")
# the values as stored, to compare (no conversion: JSON and times stay as the driver gives them)
_STORED = (
    select(*(type_coerce(c, NullType()).label(f"stored_{i}") for i, c in enumerate(_COLUMNS)))
    .select_from(_JOINED)
    .where(_BY_ID)
)
_STORED_AND_TOKEN = _STORED.add_columns(tokens.STILL_ACTIVE)  # with the token's confirmation
# the values converted, to build the objects from when the stored ones changed
_ROWS = (
    select(*(c.label(f"value_{i}") for i, c in enumerate(_COLUMNS)))
    .select_from(_JOINED)
    .where(_BY_ID)
)
_CALENDAR_KEYS = tuple(c.key for c in CalendarRow.__table__.columns)
_SOURCE_KEYS = tuple(c.key for c in SourceRow.__table__.columns)
_built: dict[str, tuple[tuple[object, ...], CalendarRow, SourceRow]] = {}
_BUILT_LIMIT = 10_000


def _as_loaded(cls: type[_Row], keys: tuple[str, ...], values: tuple[object, ...]) -> _Row:
    """An object as a closed session leaves the rows it read (detached, with an identity)."""
    obj = cls(**dict(zip(keys, values, strict=True)))
    make_transient_to_detached(obj)
    return obj


def read_visible(db: Database, grant: Grant, calendar_id: str) -> tuple[CalendarRow, SourceRow]:
    """:func:`get_visible` in a read of its own, which also confirms the request's token when
    it came from the cache (one query for both). The rows come as detached objects, shared
    with other requests while unchanged: not to be changed by the caller."""
    confirm = tokens.pending()
    with db.engine.connect() as conn:
        if not grant.sees(calendar_id):
            tokens.confirm_pending(conn)
            raise NotFound(f"no calendar with id {calendar_id!r}")
        if confirm is None:
            found = conn.execute(_STORED, {"id": calendar_id}).first()
        else:
            params = {"id": calendar_id, "token_id": confirm.grant.token_id}
            found = conn.execute(_STORED_AND_TOKEN, params).first()
            if found is None:
                tokens.confirm_pending(conn)
            else:
                confirm.settle(found.token_active)
        if found is None:
            raise NotFound(f"no calendar with id {calendar_id!r}")
        stored = tuple(found)[: len(_COLUMNS)]
        built = _built.get(calendar_id)
        if built is not None and built[0] == stored:
            return built[1], built[2]
        typed = conn.execute(_ROWS, {"id": calendar_id}).one()
    split = len(_CALENDAR_KEYS)
    calendar = _as_loaded(CalendarRow, _CALENDAR_KEYS, tuple(typed)[:split])
    source = _as_loaded(SourceRow, _SOURCE_KEYS, tuple(typed)[split:])
    if len(_built) >= _BUILT_LIMIT:
        _built.clear()
    # (a change between the two reads: the objects are newer than ``stored``, and the next
    # request, finding other values, builds them again)
    _built[calendar_id] = (stored, calendar, source)
    return calendar, source


def require_role(grant: Grant, role: Role, what: str) -> None:
    if not grant.at_least(role):
        raise PermissionDenied(
            f"{what} needs a token with role {role.value}; this one is {grant.role.value}"
        )


def require_unscoped_admin(grant: Grant, what: str) -> None:
    """Sources (upstream credentials) and new calendars are beyond any calendar scope."""
    require_role(grant, Role.admin, what)
    if grant.calendars is not None:
        scope = ", ".join(sorted(grant.calendars)) or "no calendar"
        raise PermissionDenied(
            f"{what} needs an admin token that is not scoped to calendars; this one is "
            f"scoped to {scope}"
        )


def update_calendar(
    runtime: Runtime, session: Session, grant: Grant, calendar_id: str, changes: CalendarUpdate
) -> tuple[CalendarRow, SourceRow]:
    row, source = get_visible(session, grant, calendar_id)
    require_role(grant, Role.write, "changing a calendar's settings")
    if changes.time_zone is not None:
        resolve_zone(changes.time_zone, pointer="#/timeZone")
        row.time_zone = changes.time_zone
    if changes.name is not None:
        row.name = changes.name
    if changes.overlap is not None:
        row.overlap = changes.overlap
    if changes.auto_clear is not None:
        if changes.auto_clear and runtime.mirrored(source):
            raise InvalidInput.field(
                "#/autoClear",
                "this calendar is a read-only subscription to an iCalendar feed: calgate "
                "cannot clear it",
            )
        row.auto_clear = changes.auto_clear
    if changes.notifications is not None:
        row.notifications = changes.notifications
    given = changes.model_fields_set
    if "notification_template" in given:
        if changes.notification_template:
            check_template(changes.notification_template)
        row.notification_template = changes.notification_template or None
    if "notification_subject" in given:
        if changes.notification_subject:
            check_subject(changes.notification_subject)
        row.notification_subject = changes.notification_subject or None
    row.updated = datetime.now(UTC)
    if changes.name is not None or changes.time_zone is not None:
        runtime.source_kind(source).describe_calendar(
            source, row.id, name=row.name, time_zone=row.time_zone
        )
    return row, source


def claim_calendar(
    runtime: Runtime, calendar_id: str, *, name: str, time_zone: str | None
) -> CalendarRow:
    """A new calendar of the embedded store, in calgate before its collection exists (the
    ``/dav/`` door's MKCALENDAR); ``InvalidInput`` when the id is taken."""
    with runtime.db.session() as session:
        source = session.get(SourceRow, EMBEDDED_SOURCE_ID)
    if source is None:
        raise InvalidInput.field("#/source", "the embedded store is disabled")
    tz = time_zone or runtime.settings.default_time_zone
    return _claim_id(runtime, CalendarCreate(id=calendar_id, name=name), source, tz)


def settle_calendar(
    runtime: Runtime, calendar_id: str, *, href: str, name: str | None, time_zone: str | None
) -> None:
    """A calendar of the embedded store (made or changed over CalDAV) as calgate now knows it:
    its href, its name (None: unchanged) and, when it names an IANA zone, its time zone."""
    with runtime.db.session() as session:
        row = session.get(CalendarRow, calendar_id)
        if row is None or row.source_id != EMBEDDED_SOURCE_ID:
            return
        row.href = href
        if name:
            row.name = name
        if time_zone and is_iana_zone(time_zone):
            row.time_zone = time_zone
        row.updated = datetime.now(UTC)


def drop_calendar(runtime: Runtime, calendar_id: str) -> None:
    """Forget a calendar of the embedded store, its index and its change feed (its
    collection is gone)."""
    with runtime.db.session() as session:
        row = session.get(CalendarRow, calendar_id)
        if row is not None and row.source_id == EMBEDDED_SOURCE_ID:
            session.delete(row)
    runtime.indexer.forget(calendar_id)


def _claim_id(runtime: Runtime, body: CalendarCreate, source: SourceRow, tz: str) -> CalendarRow:
    """Insert the row first, in a transaction of its own, so two concurrent creations can never
    take the same id (the loser of a race on a derived slug moves on to the next one)."""
    for _ in range(_CLAIM_ATTEMPTS):
        now = datetime.now(UTC)
        try:
            with runtime.db.session() as session:
                if body.id is not None:
                    cal_id = body.id
                    if session.get(CalendarRow, cal_id) is not None:
                        raise InvalidInput.field(
                            "#/id", f"a calendar with id {cal_id!r} already exists"
                        )
                else:
                    base = slugify(body.name, fallback="calendar")
                    cal_id = unique_slug(base, lambda c: session.get(CalendarRow, c) is not None)
                row = CalendarRow(
                    id=cal_id,
                    source_id=source.id,
                    href=f"pending:{cal_id}",
                    name=body.name,
                    time_zone=tz,
                    created=now,
                    updated=now,
                )
                session.add(row)
                session.flush()
            return row
        except Conflict:
            if body.id is not None:
                raise InvalidInput.field(
                    "#/id", f"a calendar with id {body.id!r} already exists"
                ) from None
            time.sleep(random.uniform(0, 0.02))  # noqa: S311  (spreads racing retries)
    raise Conflict("too many concurrent calendar creations with this name; try again")


def _make_collection(runtime: Runtime, source: SourceRow, cal_id: str, name: str, tz: str) -> str:
    """The new calendar's collection, made the way its source's kind makes them."""
    return runtime.source_kind(source).make_calendar(
        source, lambda: runtime.connection(source), cal_id, name=name, time_zone=tz
    )


def create_calendar(
    runtime: Runtime, grant: Grant, body: CalendarCreate
) -> tuple[CalendarRow, SourceRow]:
    require_unscoped_admin(grant, "creating a calendar")
    source_id = body.source or EMBEDDED_SOURCE_ID
    with runtime.db.session() as session:
        source = session.get(SourceRow, source_id)
    if source is None:
        raise InvalidInput.field("#/source", f"no source with id {source_id!r}")
    tz = body.time_zone or runtime.settings.default_time_zone
    resolve_zone(tz, pointer="#/timeZone")
    row = _claim_id(runtime, body, source, tz)
    try:
        href = _make_collection(runtime, source, row.id, body.name, tz)
    except Exception:
        with runtime.db.session() as session:
            session.execute(delete(CalendarRow).where(CalendarRow.id == row.id))
        raise
    with runtime.db.session() as session:
        claimed = session.get(CalendarRow, row.id)
        assert claimed is not None
        claimed.href = href
    row.href = href
    return row, source
