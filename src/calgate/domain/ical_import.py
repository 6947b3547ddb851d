"""An ``.ics`` file cut into calendar objects for an import (pure, no I/O).

The file is parsed once. Its VEVENTs are grouped by UID (a master and its RECURRENCE-ID
overrides make one object), each object gets the VTIMEZONEs its times name, and comes out as
its own VCALENDAR text, in the order the file first names each UID. A VEVENT without a UID gets
a stable derived one (a hash of its content), so importing the same file again finds it.
Components that are not events (VTODO, VJOURNAL, ...) come out as items with the reason they
are skipped.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass

from icalendar import Calendar, Component

from calgate.domain.ical_parse import parse_ical, text_of
from calgate.domain.ids import is_plain_id
from calgate.errors import InvalidInput

PRODID = "-//calgate//import//EN"
# The namespace of the UIDs and ids an import derives (uuid5: the same input, the same id).
NAMESPACE = uuid.UUID("6f1c8a52-3d0b-4f4e-9a51-2b7f8f7c0a18")
_NOT_OBJECTS = {"VTIMEZONE"}


@dataclass(frozen=True)
class Item:
    """One thing to import: an object (``text``) with its ``uid``, or a component that is
    skipped (``text`` None, ``note`` why)."""

    uid: str | None
    text: str | None
    note: str | None = None


def split(text: str) -> list[Item]:
    """The objects of an iCalendar file; :class:`InvalidInput` when it cannot be parsed or
    holds nothing to import."""
    cals = parse_calendars(text)
    parts = [comp for cal in cals for comp in cal.subcomponents]
    zones = {str(c["TZID"]): c for c in parts if c.name == "VTIMEZONE" and "TZID" in c}
    groups: dict[str, list[Component]] = {}
    skipped: list[tuple[int, Item]] = []
    seen = Counter[str]()
    for position, comp in enumerate(parts):
        if comp.name in _NOT_OBJECTS:
            continue
        if comp.name != "VEVENT":
            uid = text_of(comp, "UID")
            note = f"a {comp.name} is not an event: calgate imports VEVENTs only"
            skipped.append((position, Item(uid, None, note)))
            continue
        uid = text_of(comp, "UID")
        if uid is None or not uid.strip():
            uid = derived_uid(comp, seen)
            comp.add("UID", uid)
        groups.setdefault(uid, []).append(comp)
    if not groups and not skipped:
        raise InvalidInput.field("#", "the file holds no VEVENT (nothing to import)")
    prodid = str(cals[0].get("PRODID") or PRODID)
    items = [Item(uid, _object_text(prodid, events, zones)) for uid, events in groups.items()]
    return items + [item for _, item in skipped]


def derived_uid(event: Component, seen: Counter[str]) -> str:
    """A UID for a VEVENT that has none: a hash of its content, numbered when the same content
    comes again, so each import of the file derives the same UIDs."""
    digest = hashlib.sha256(event.to_ical(sorted=True)).hexdigest()[:32]
    seen[digest] += 1
    n = seen[digest]
    return f"import-{digest}" if n == 1 else f"import-{digest}-{n}"


def _zone_names(events: list[Component]) -> list[str]:
    names: dict[str, None] = {}
    for event in events:
        for _, value in event.property_items(recursive=False):
            values = value if isinstance(value, list) else [value]
            for v in values:
                tzid = getattr(v, "params", {}).get("TZID")
                if tzid:
                    names[str(tzid)] = None
    return list(names)


def parse_calendars(text: str) -> list[Calendar]:
    """The VCALENDARs of a file (exports sometimes hold several one after the other)."""
    if "BEGIN:VCALENDAR" in text[1:].upper().split("END:VCALENDAR", 1)[-1]:
        try:
            found = Calendar.from_ical(text, multiple=True)
        except Exception as exc:
            raise InvalidInput.field("#", f"Not valid iCalendar data: {exc}") from exc
        cals = [c for c in found if isinstance(c, Calendar) and c.name == "VCALENDAR"]
        if cals:
            return cals
    return [parse_ical(text)]


def _object_text(prodid: str, events: list[Component], zones: dict[str, Component]) -> str:
    obj = Calendar()
    obj.add("VERSION", "2.0")
    obj.add("PRODID", prodid)
    for name in _zone_names(events):
        if name in zones:
            obj.add_component(zones[name])
    for event in events:
        obj.add_component(event)
    return str(obj.to_ical(sorted=False).decode())


def with_uid(cal: Calendar, uid: str) -> str:
    """The object with every VEVENT's UID replaced by ``uid`` (``onConflict=newUid``)."""
    for event in cal.walk("VEVENT"):
        event.pop("UID", None)
        event.add("UID", uid)
    return str(cal.to_ical(sorted=False).decode())


def new_uid(import_id: str, uid: str) -> str:
    """The UID ``onConflict=newUid`` gives ``uid`` in import ``import_id``: the same on a redo."""
    return str(uuid.uuid5(NAMESPACE, f"{import_id}\n{uid}"))


def event_id_for(uid: str) -> str:
    """The id an imported object with ``uid`` is stored under: the UID when it is a plain id (as
    CalDAV clients name resources), else one derived from it, so a redo writes the same one."""
    return uid if is_plain_id(uid) else str(uuid.uuid5(NAMESPACE, uid))


__all__ = ["Item", "derived_uid", "event_id_for", "new_uid", "split", "with_uid"]
