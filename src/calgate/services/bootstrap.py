"""First-start set-up of the embedded store: its source row and the ``default`` calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from calgate.db.models import CalendarRow, SourceRow
from calgate.runtime import EMBEDDED_SOURCE_ID, Runtime

DEFAULT_CALENDAR_ID = "default"


def ensure_embedded_source(session: Session, runtime: Runtime) -> SourceRow:
    source = session.get(SourceRow, EMBEDDED_SOURCE_ID)
    if source is None:
        source = SourceRow(
            id=EMBEDDED_SOURCE_ID,
            kind="embedded",
            name="Embedded store",
            url="/dav/",
            username=None,
            auth_type="basic",
            secret_encrypted=None,
            capabilities={},
            created=datetime.now(UTC),
        )
        session.add(source)
        session.flush()
    return source


_embedded_capabilities: dict[str, Any] = {}


def ensure_embedded_default(session: Session, runtime: Runtime) -> None:
    store = runtime.embedded
    assert store is not None
    ensure_embedded_source(session, runtime)
    calendar = session.get(CalendarRow, DEFAULT_CALENDAR_ID)
    tz = runtime.settings.default_time_zone
    if calendar is None:
        now = datetime.now(UTC)
        calendar = CalendarRow(
            id=DEFAULT_CALENDAR_ID,
            source_id="embedded",
            href=store.calendar_path(DEFAULT_CALENDAR_ID),
            name="Default",
            time_zone=tz,
            created=now,
            updated=now,
        )
        session.add(calendar)
    # The store of record may have been wiped while the database was kept: recreate it.
    if calendar.source_id == EMBEDDED_SOURCE_ID:
        store.ensure_calendar(DEFAULT_CALENDAR_ID, name=calendar.name, time_zone=calendar.time_zone)
    source = session.get(SourceRow, "embedded")
    if source is not None and not source.capabilities:
        # Probed once, like any other source (the embedded store is a Radicale too); every
        # embedded store of a process is the same Radicale, so one probe serves them all.
        if not _embedded_capabilities:
            url = runtime.calendar_url(calendar, source)
            probed = runtime.connection(source).probe_capabilities(url)
            _embedded_capabilities.update(probed.to_json())
        source.capabilities = dict(_embedded_capabilities)
