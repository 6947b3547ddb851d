"""One calendar's events as one ``text/calendar``: the serializer both the export
(``GET .../export``) and published feeds (``GET /feeds/<token>.ics``) use.

Objects come from the index (the text the server stores), a page at a time in event-id order,
so the output is the same bytes for the same data and a calendar of any size streams. Each
object's components are copied as text (:mod:`calgate.domain.ical_stream`): X- properties,
VALARMs, EXDATE, RDATE and RECURRENCE-ID stay exactly as stored. Every TZID gets one VTIMEZONE,
written just before the first component that uses it: calgate's own definition
(:mod:`calgate.domain.vtimezone`) for a name that stands for an IANA zone (true from the year
before the calendar's earliest event; reads trust IANA over stored definitions too), else the
first definition an object carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from calgate import __version__
from calgate.db.session import Database
from calgate.domain import ical_stream
from calgate.domain.ical_stream import Block
from calgate.domain.timezones import EARLIEST, LATEST, provider_zone
from calgate.domain.vtimezone import FLOOR_YEAR, iana_vtimezone
from calgate.index import export as index_export
from calgate.index.queries import ids_overlapping
from calgate.services.context import CalendarContext
from calgate.services.events import bounds

PRODID = f"-//calgate//calgate {__version__}//EN"
# part of a feed's ETag: a change of what the serializer writes must change every ETag
FORMAT = 1


@dataclass(frozen=True)
class Selection:
    """Which objects: every live one, or those with an occurrence in [start, end)."""

    calendar_id: str
    floating_tz: str
    start: datetime | None = None
    end: datetime | None = None


def object_texts(db: Database, selection: Selection) -> Iterator[str]:
    """The stored texts of the selected objects in event-id order, a page per query."""
    cal_id = selection.calendar_id
    if selection.start is None or selection.end is None:
        after: str | None = None
        while True:
            with db.engine.connect() as conn:
                page = index_export.texts_after(conn, calendar_id=cal_id, after=after)
            yield from (text for _, text in page)
            if len(page) < index_export.PAGE:
                return
            after = page[-1][0]
    with db.session() as session:
        ids = ids_overlapping(
            session,
            calendar_id=cal_id,
            start=selection.start,
            end=selection.end,
            floating_tz=selection.floating_tz,
        )
    for chunk in index_export.chunks(ids):
        with db.engine.connect() as conn:
            yield from (
                text for _, text in index_export.texts_of(conn, calendar_id=cal_id, event_ids=chunk)
            )


@dataclass
class Zones:
    """The VTIMEZONEs of one output: each TZID once, before its first use."""

    earliest: date
    written: set[str] = field(default_factory=set)

    def before(self, used: list[str], own: dict[str, Block]) -> Iterator[str]:
        """The VTIMEZONEs ``used`` needs that were not written yet (``own``: the object's
        definitions by TZID, for names no IANA zone stands for)."""
        for tzid in used:
            if tzid in self.written:
                continue
            self.written.add(tzid)
            if provider_zone(tzid) is not None:
                try:
                    yield iana_vtimezone(tzid, self.earliest).to_ical().decode()
                    continue
                except ValueError:
                    pass
            if tzid in own:
                yield own[tzid].text()


def _own_zones(object_blocks: list[Block]) -> dict[str, Block]:
    own: dict[str, Block] = {}
    for block in object_blocks:
        if block.name == "VTIMEZONE":
            tzid = (block.value_of("TZID") or "").strip()
            own.setdefault(tzid, block)
    return own


def full_parts(text: str, zones: Zones) -> Iterator[str]:
    """One object's components as stored, each after the VTIMEZONEs it needs."""
    object_blocks = ical_stream.blocks(text)
    own = _own_zones(object_blocks)
    for block in object_blocks:
        if block.name == "VTIMEZONE":
            continue
        yield from zones.before(ical_stream.tzids(block), own)
        yield block.text()


def busy_parts(text: str, zones: Zones, uid_key: str) -> Iterator[str]:
    """One object's events as busy time only (:func:`calgate.domain.ical_stream.busy_blocks`)."""
    object_blocks = ical_stream.blocks(text)
    own = _own_zones(object_blocks)
    for block in object_blocks:
        if block.name == "VEVENT" and ical_stream.blocks_time(block):
            yield from zones.before(ical_stream.tzids(block), own)
    yield from ical_stream.busy_blocks(
        object_blocks, lambda uid: ical_stream.hashed_uid(uid_key, uid)
    )


def zones_for(db: Database, calendar_id: str) -> Zones:
    with db.engine.connect() as conn:
        first = index_export.earliest_start(conn, calendar_id=calendar_id)
    return Zones(first.date() if first is not None else date(FLOOR_YEAR, 1, 1))


def calendar_properties(name: str, tz: str) -> list[tuple[str, str]]:
    text = ical_stream.escape_text(name)
    return [("NAME", text), ("X-WR-CALNAME", text), ("X-WR-TIMEZONE", ical_stream.escape_text(tz))]


# what a published feed says about refreshing (RFC 7986 and the Outlook/Apple spelling)
REFRESH = [("REFRESH-INTERVAL;VALUE=DURATION", "PT1H"), ("X-PUBLISHED-TTL", "PT1H")]


def calendar_stream(
    db: Database,
    selection: Selection,
    *,
    name: str,
    busy_key: str | None = None,
    properties: list[tuple[str, str]] | None = None,
) -> Iterator[bytes]:
    """The selected objects as one VCALENDAR, in pieces of about 64 KB: as stored, or with
    ``busy_key`` as busy time only (UIDs hashed with that key). ``properties``: more calendar
    properties after the name."""
    props = calendar_properties(name, selection.floating_tz) + (properties or [])
    head = ical_stream.head(PRODID, props)
    zones = zones_for(db, selection.calendar_id)
    texts = object_texts(db, selection)
    if busy_key is None:
        parts = (part for text in texts for part in full_parts(text, zones))
    else:
        parts = (part for text in texts for part in busy_parts(text, zones, busy_key))
    yield from _buffered(head, parts)


def export(ctx: CalendarContext, *, start: str | None, end: str | None) -> Iterator[bytes]:
    """``GET .../export``: the calendar's objects as stored (with ``start``/``end``, those with
    an occurrence in the window, as listings select them; one bound alone reaches to the end
    of the calendar on the other side), after a sync when the index is stale."""
    lo, hi = bounds(start, end, ctx.tz)
    if lo is not None or hi is not None:
        lo, hi = lo or EARLIEST, hi or LATEST
    ctx.runtime.indexer.ensure_fresh(ctx.calendar, ctx.source)
    selection = Selection(ctx.calendar.id, ctx.tz, lo, hi)
    return calendar_stream(ctx.runtime.db, selection, name=ctx.calendar.name)


def _buffered(head: str, parts: Iterator[str], size: int = 65536) -> Iterator[bytes]:
    buffer, length = [head], len(head)
    for part in parts:
        buffer.append(part)
        length += len(part)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    buffer.append(ical_stream.TAIL)
    yield "".join(buffer).encode()


__all__ = [
    "FORMAT",
    "PRODID",
    "REFRESH",
    "Selection",
    "Zones",
    "busy_parts",
    "calendar_properties",
    "calendar_stream",
    "export",
    "full_parts",
    "object_texts",
    "zones_for",
]
