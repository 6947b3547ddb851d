"""One calendar as every event operation sees it: the row, its source, the connection to its
server, its URL and zone, and the input limits (:class:`CalendarContext`).

A mirrored calendar (a subscribed iCalendar feed) has no server: its objects are read from the
index, and every write, whichever representation or route it came by, reaches the server only
through ``conn``, which refuses it (409 ``read-only-calendar``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from icalendar import Calendar

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain import ical_events as ical
from calgate.domain.ids import id_from_href, resource_name_from_id
from calgate.domain.input_limits import InputLimits
from calgate.domain.model import EventPublic
from calgate.errors import NotFound, ReadOnlyCalendar
from calgate.index import lookups
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
    def read_only(self) -> bool:
        return self.runtime.mirrored(self.source)

    def check_writable(self) -> None:
        """ReadOnlyCalendar for a mirrored calendar (writes check early, before any work)."""
        if self.read_only:
            raise ReadOnlyCalendar(
                f"calendar {self.calendar.id!r} is a read-only subscription to "
                f"{self.source.url}; its events change only in the feed"
            )

    @property
    def conn(self) -> CalDAVConnection:
        """The server's connection: what every write goes through (refused when read-only)."""
        self.check_writable()
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
        server's address stays out of the answer). A mirrored calendar's is the index's."""
        if self.read_only:
            return self._indexed(href)
        try:
            return self.conn.get(href, as_stored=as_stored)
        except NotFound as exc:
            raise self.no_event(id_from_href(href)) from exc

    def _indexed(self, href: str) -> RemoteObject:
        event_id = id_from_href(href)
        with self.runtime.db.session() as session:
            found = lookups.live_event(session, calendar_id=self.calendar.id, event_id=event_id)
        if found is None or found.ical is None:
            raise self.no_event(event_id)
        return RemoteObject(href=href, etag=found.etag, ical=found.ical)

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
