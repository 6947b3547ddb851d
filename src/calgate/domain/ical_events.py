"""The event domain's public surface: the JSON form <-> iCalendar VEVENT objects (no I/O).

- :func:`parse_ical`, :func:`uid_of`, :func:`event_to_public` read stored objects;
- :func:`build_calendar`, :func:`replace_event`, :func:`patch_event` write them (in place);
- :func:`expand`, :func:`overlaps` answer time-range questions.

Where the work is done: :mod:`.ical_parse` (text -> Calendar), :mod:`.ical_read` (a VEVENT ->
Python values), :mod:`.json_forms` (-> EventPublic and the writable form), :mod:`.write_times`
(the input time rules), :mod:`.ical_write` (create, PUT), :mod:`.ical_patch` (PATCH),
:mod:`.expand` (occurrences), :mod:`.recurrence` (RRULE <-> object), :mod:`.timezones`.
"""

from __future__ import annotations

from calgate.domain.expand import busy_spans, expand, overlaps
from calgate.domain.ical_parse import events_of, master_event, parse_ical, uid_of
from calgate.domain.ical_patch import patch_event
from calgate.domain.ical_write import PRODID, build_calendar, replace_event
from calgate.domain.json_forms import event_to_public

__all__ = [
    "PRODID",
    "build_calendar",
    "busy_spans",
    "event_to_public",
    "events_of",
    "expand",
    "master_event",
    "overlaps",
    "parse_ical",
    "patch_event",
    "replace_event",
    "uid_of",
]
