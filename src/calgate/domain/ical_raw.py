"""Raw iCalendar bodies (``Content-Type: text/calendar``): what a CalDAV calendar object may be
(RFC 4791 section 4.1), checked before it is stored as sent (pure, no I/O).

One VCALENDAR holding VEVENTs of one UID: at most one master, no RECURRENCE-ID twice, no METHOD
(that is iTIP's, not storage's), VTIMEZONEs allowed, nothing else. Each refusal is a 422 that
names what to change.
"""

from __future__ import annotations

from collections import Counter

from icalendar import Calendar

from calgate.domain.ical_parse import first, parse_ical, text_of, time_of
from calgate.errors import InvalidInput

_ALLOWED = {"VEVENT", "VTIMEZONE"}


def check_object(text: str) -> tuple[Calendar, str]:
    """The parsed object and its UID; :class:`InvalidInput` when it cannot be stored as one
    calendar object of events."""
    cal = parse_ical(text)
    if "METHOD" in cal:
        raise InvalidInput.field(
            "#", "a stored calendar object has no METHOD (RFC 4791 4.1); remove the METHOD line"
        )
    others = sorted({str(c.name) for c in cal.subcomponents} - _ALLOWED)
    if others:
        raise InvalidInput.field(
            "#", f"calgate stores events: {', '.join(others)} cannot be sent here"
        )
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if not events:
        raise InvalidInput.field("#", "the VCALENDAR holds no VEVENT")
    uids = [text_of(e, "UID") for e in events]
    if any(u is None or not u.strip() for u in uids):
        raise InvalidInput.field("#", "every VEVENT needs a UID")
    distinct = sorted({u for u in uids if u})
    if len(distinct) > 1:
        raise InvalidInput.field(
            "#",
            f"one calendar object holds one event (one UID); this one has {len(distinct)}: "
            + ", ".join(distinct)
            + ". Send each UID in its own request.",
        )
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if len(masters) > 1:
        raise InvalidInput.field("#", f"{len(masters)} VEVENTs without RECURRENCE-ID: keep one")
    rids = Counter(str(time_of(first(e, "RECURRENCE-ID"))) for e in events if e not in masters)
    twice = sorted(r for r, n in rids.items() if n > 1)
    if twice:
        raise InvalidInput.field("#", "RECURRENCE-ID appears more than once: " + ", ".join(twice))
    return cal, distinct[0]


__all__ = ["check_object"]
