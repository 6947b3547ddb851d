"""Calendars: listing within a token's scope, calgate's own settings, creating new ones."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain.access import Grant, Role
from calgate.domain.timezones import resolve_zone
from calgate.errors import InvalidInput, NotFound, PermissionDenied, UpstreamError
from calgate.runtime import EMBEDDED_SOURCE_ID, Runtime
from calgate.schemas.calendars import CalendarCreate, CalendarPublic, CalendarUpdate
from calgate.services.slugs import slugify, unique_slug


def to_public(runtime: Runtime, row: CalendarRow, source: SourceRow) -> CalendarPublic:
    return CalendarPublic(
        id=row.id,
        name=row.name,
        time_zone=row.time_zone,
        source=source.id,
        caldav_url=runtime.public_calendar_url(row, source),
        created=row.created,
        updated=row.updated,
    )


def visible_calendars(session: Session, grant: Grant) -> list[tuple[CalendarRow, SourceRow]]:
    query = select(CalendarRow, SourceRow).join(SourceRow).order_by(CalendarRow.id)
    if grant.calendars is not None:
        query = query.where(CalendarRow.id.in_(grant.calendars))
    return [(c, s) for c, s in session.execute(query)]


def get_visible(session: Session, grant: Grant, calendar_id: str) -> tuple[CalendarRow, SourceRow]:
    """The calendar, or NotFound when it does not exist *or* the token may not see it."""
    row = session.get(CalendarRow, calendar_id) if grant.sees(calendar_id) else None
    if row is None:
        raise NotFound(f"no calendar with id {calendar_id!r}")
    source = session.get(SourceRow, row.source_id)
    assert source is not None
    return row, source


def require_role(grant: Grant, role: Role, what: str) -> None:
    if not grant.at_least(role):
        raise PermissionDenied(
            f"{what} needs a token with role {role.value}; this one is {grant.role.value}"
        )


def update_calendar(
    session: Session, grant: Grant, calendar_id: str, changes: CalendarUpdate
) -> tuple[CalendarRow, SourceRow]:
    row, source = get_visible(session, grant, calendar_id)
    require_role(grant, Role.write, "changing a calendar's settings")
    if changes.time_zone is not None:
        resolve_zone(changes.time_zone, pointer="#/timeZone")
        row.time_zone = changes.time_zone
    if changes.name is not None:
        row.name = changes.name
    row.updated = datetime.now(UTC)
    return row, source


def create_calendar(
    session: Session, runtime: Runtime, grant: Grant, body: CalendarCreate
) -> tuple[CalendarRow, SourceRow]:
    require_role(grant, Role.admin, "creating a calendar")
    source_id = body.source or EMBEDDED_SOURCE_ID
    source = session.get(SourceRow, source_id)
    if source is None:
        raise InvalidInput.field("#/source", f"no source with id {source_id!r}")
    tz = body.time_zone or runtime.settings.default_time_zone
    resolve_zone(tz, pointer="#/timeZone")
    if body.id is not None:
        if session.get(CalendarRow, body.id) is not None:
            raise InvalidInput.field("#/id", f"a calendar with id {body.id!r} already exists")
        cal_id = body.id
    else:
        base = slugify(body.name, fallback="calendar")
        cal_id = unique_slug(base, lambda c: session.get(CalendarRow, c) is not None)
    if source.kind == "embedded":
        store = runtime.embedded
        if store is None:
            raise InvalidInput.field("#/source", "the embedded store is disabled")
        store.ensure_calendar(cal_id, name=body.name, time_zone=tz)
        href = store.calendar_path(cal_id)
    else:
        try:
            href = runtime.connection(source).make_calendar(
                home_url=None, slug=cal_id, name=body.name, time_zone=tz
            )
        except UpstreamError as exc:
            raise InvalidInput.field(
                "#/source",
                f"the CalDAV server of source {source.id!r} refused to create a calendar "
                f"({exc.detail})",
            ) from exc
    now = datetime.now(UTC)
    row = CalendarRow(
        id=cal_id,
        source_id=source.id,
        href=href,
        name=body.name,
        time_zone=tz,
        created=now,
        updated=now,
    )
    session.add(row)
    session.flush()
    return row, source
