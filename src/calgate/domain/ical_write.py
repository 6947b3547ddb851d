"""Writing the JSON form into iCalendar (pure, no I/O): create, and PUT (replace) in place.

Rules (see also :mod:`calgate.domain.timezones` for how times are read):

- A timed event sent without ``end`` or ``duration`` lasts one hour; an all-day event one day.
- ``end`` must be after ``start`` (``duration: PT0S`` makes a timed event an instant).
- PUT sets every modelled field from the body (absent = removed), but a property is rewritten
  only when its meaning changes: a stored ``DTSTART;TZID=W. Europe Standard Time`` stays as it
  is while the body says the same time in ``Europe/Berlin``; a stored DURATION stays
  while the body's ``end`` is where it already ends. Properties, parameters and components
  calgate does not model survive. A stored value calgate cannot show (an unknown STATUS, a
  broken RRULE, a VALARM with an unknown ACTION) is kept when the body leaves the field out;
  ``alerts: []`` removes every VALARM, an omitted ``alerts`` keeps them all.
- When something changed: SEQUENCE + 1, DTSTAMP and LAST-MODIFIED set to ``now``. Nothing
  changed: nothing is bumped.
- Every TZID written gets a VTIMEZONE; VTIMEZONEs that an edit stopped using are dropped.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Component, Event

from calgate.domain.ical_edit import EventEditor
from calgate.domain.ical_parse import first, master_event
from calgate.domain.ical_upkeep import replace_prop, sync_vtimezones, used_tzids, utc_now
from calgate.domain.model import EventWrite
from calgate.domain.write_times import PRODID
from calgate.errors import Conflict


def new_object(*, uid: str, now: datetime) -> tuple[Calendar, Component]:
    """A new VCALENDAR holding one empty VEVENT (UID, DTSTAMP, CREATED, SEQUENCE 0)."""
    stamp = utc_now(now)
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp)
    event.add("CREATED", stamp)
    event.add("LAST-MODIFIED", stamp)
    event.add("SEQUENCE", 0)
    cal.add_component(event)
    return cal, event


def build_calendar(body: EventWrite, *, uid: str, default_tz: str, now: datetime) -> Calendar:
    """A new VCALENDAR holding one VEVENT for ``body`` (SEQUENCE 0, a VTIMEZONE per TZID).

    A timed event without ``end`` or ``duration`` lasts one hour; an all-day one, one day.
    """
    cal, event = new_object(uid=uid, now=now)
    EventEditor(event, body, default_tz=default_tz).apply()
    sync_vtimezones(cal, None)
    return cal


def replace_event(cal: Calendar, body: EventWrite, *, default_tz: str, now: datetime) -> Calendar:
    """PUT: make the stored master VEVENT say what ``body`` says, editing ``cal`` in place
    (see the module docstring). Returns ``cal``."""
    event = master_event(cal)
    if event is None:
        raise Conflict("The stored calendar object holds no VEVENT to edit")
    used_before = used_tzids(cal)
    changed = EventEditor(event, body, default_tz=default_tz).apply()
    if changed:
        stamp = utc_now(now)
        sequence = first(event, "SEQUENCE")
        try:
            number = max(int(sequence), 0) if sequence is not None else 0
        except (TypeError, ValueError):
            number = 0
        replace_prop(event, "SEQUENCE", number + 1)
        replace_prop(event, "DTSTAMP", stamp)
        replace_prop(event, "LAST-MODIFIED", stamp)
    elif "DTSTAMP" not in event:
        event.add("DTSTAMP", utc_now(now))
    sync_vtimezones(cal, used_before if changed else None)
    return cal


__all__ = ["PRODID", "build_calendar", "new_object", "replace_event"]
