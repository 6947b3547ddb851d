"""One calendar as every event operation sees it: the row, its source, the connection to its
server, its URL and zone, and the input limits (:class:`CalendarContext`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from icalendar import Calendar

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain import ical_events as ical
from calgate.domain.ids import id_from_href, resource_name_from_id
from calgate.domain.input_limits import InputLimits
from calgate.domain.model import EventPublic
from calgate.errors import NotFound
from calgate.index.sync import API
from calgate.runtime import Runtime
from calgate.settings import Settings
from calgate.upstream import CalDAVConnection, RemoteObject


@dataclass
class CalendarContext:
    """Everything an event operation needs about its calendar."""

    runtime: Runtime
    calendar: CalendarRow
    source: SourceRow
    origin: str = API  # who its writes are recorded as (IndexedEventRow.origin)

    @property
    def conn(self) -> CalDAVConnection:
        return self.runtime.connection(self.source).about(f"calendar {self.calendar.id!r}")

    @property
    def url(self) -> str:
        url = self.runtime.calendar_url(self.calendar, self.source)
        return url if url.endswith("/") else url + "/"

    @property
    def tz(self) -> str:
        return self.calendar.time_zone

    @property
    def limits(self) -> InputLimits:
        return input_limits(self.runtime.settings)

    def href_for(self, event_id: str) -> str:
        name = resource_name_from_id(event_id)
        if name is None:
            raise self.no_event(event_id)
        return urljoin(self.url, name)

    def no_event(self, event_id: str) -> NotFound:
        return NotFound(f"no event with id {event_id!r} in calendar {self.calendar.id!r}")

    def fetch(self, href: str, *, as_stored: bool = False) -> RemoteObject:
        """The stored object at ``href``; a missing one is a NotFound naming the event (the
        server's address stays out of the answer)."""
        try:
            return self.conn.get(href, as_stored=as_stored)
        except NotFound as exc:
            raise self.no_event(id_from_href(href)) from exc

    def public(self, cal: Calendar, href: str, etag: str | None) -> EventPublic:
        return ical.event_to_public(
            cal,
            event_id=id_from_href(href),
            calendar_id=self.calendar.id,
            etag=etag,
            floating_tz=self.tz,
        )


def input_limits(settings: Settings) -> InputLimits:
    """What one event may hold (docs/operations.md, "Input limits")."""
    return InputLimits(
        text_chars=settings.max_text_chars,
        long_text_chars=settings.max_long_text_chars,
        attendees=settings.max_attendees,
        categories=settings.max_categories,
        alerts=settings.max_alerts,
    )
