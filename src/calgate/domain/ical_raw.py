"""Raw iCalendar bodies (``Content-Type: text/calendar``): what a CalDAV calendar object may be
(RFC 4791 section 4.1), checked before it is stored as sent (pure, no I/O).

One VCALENDAR holding VEVENTs of one UID: at most one master, no RECURRENCE-ID twice, no METHOD
(that is iTIP's, not storage's), VTIMEZONEs allowed, nothing else; each VEVENT with a readable
DTSTART, a DTEND of its value type and a rule that can be computed within calgate's bounds and
occurs at all (docs/recurring.md, "Bounds"). Each refusal is a 422 that
names what to change.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken

from calgate.domain.ical_parse import first, parse_ical, props, text_of, time_of
from calgate.domain.recurrence import check_sent_rule
from calgate.domain.rrule_start import never_occurs
from calgate.domain.timezones import Time, check_event_year, is_date
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
    for event in events:
        _check_times(event)
    return cal, distinct[0]


def _check_times(event: Component) -> None:
    """What every server and calgate's own recurrence math need of a VEVENT's times (RFC 5545
    3.6.1, 3.3.10): a readable DTSTART, a DTEND of the same value type, a computable RRULE,
    years calgate can do arithmetic on. Stored as sent otherwise (a DTEND before DTSTART too)."""
    where = _which(event)
    start = time_of(first(event, "DTSTART"))
    if start is None:
        raise InvalidInput.field("#", f"{where} needs a readable DTSTART")
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        value = time_of(first(event, name))
        if value is None:
            continue
        try:
            check_event_year(value)
        except ValueError as exc:
            raise InvalidInput.field("#", f"{where}: {name} {exc}") from None
    if "DTEND" in event:
        end = time_of(first(event, "DTEND"))
        if end is None:
            raise InvalidInput.field("#", f"{where}: DTEND cannot be read")
        if is_date(end) != is_date(start):
            kind = "a date (VALUE=DATE)" if is_date(start) else "a date-time"
            raise InvalidInput.field(
                "#", f"{where}: DTEND must be {kind} like DTSTART (RFC 5545 3.6.1)"
            )
        if "DURATION" in event:
            raise InvalidInput.field("#", f"{where} has both DTEND and DURATION: keep one")
    elif "DURATION" in event:
        _check_duration(first(event, "DURATION"), start, where)
    problem = _rule_problem(event, start, where)
    if problem is not None:
        raise InvalidInput.field("#", problem)


def _rule_problem(event: Component, start: Time, where: str) -> str | None:
    """Why one of the VEVENT's RRULEs cannot be computed within calgate's bounds or never
    occurs; None when they all can."""
    for rule in props(event, "RRULE"):
        # a value icalendar cannot read (COUNT beyond 32 bits) is kept as the text sent
        raw = str(rule) if isinstance(rule, vBroken) else rule.to_ical().decode()
        try:  # values and calgate's bounds: RSCALE and the like are stored as sent
            check_sent_rule(raw)
        except ValueError as exc:
            return f"{where}: RRULE {raw}: {exc}"
        reason = never_occurs(raw, start)
        if reason is not None:
            return f"{where}: RRULE {raw}: {reason}"
    return None


def rule_problem(cal: Calendar) -> str | None:
    """Why a calendar object a CalDAV client sends must not be stored: one of its RRULEs is out
    of calgate's bounds or never occurs (walking such a rule hangs the store and every reader,
    docs/recurring.md "Bounds"). None when every rule is fine; other oddities are the store's
    business, as a CalDAV server has them."""
    for event in cal.walk("VEVENT"):
        start = time_of(first(event, "DTSTART"))
        if start is not None and "RRULE" in event:
            problem = _rule_problem(event, start, _which(event))
            if problem is not None:
                return problem
    return None


def _check_duration(value: Any, start: Time, where: str) -> None:
    """A DURATION that would end the event past the years calgate stores (``PT99999999999H``)
    is refused; one icalendar cannot read for other reasons (``PT1W``) is stored as sent."""
    if isinstance(value, vBroken):
        if re.search(r"\d{9,}", str(value)):
            raise InvalidInput.field("#", f"{where}: DURATION {value} is longer than any calendar")
        return
    length = getattr(value, "dt", None)
    if not isinstance(length, timedelta):
        return
    try:
        check_event_year(start + length)
    except (ValueError, OverflowError):
        raise InvalidInput.field(
            "#",
            f"{where}: DURATION {value.to_ical().decode()} ends the event outside the years "
            "calgate stores events in",
        ) from None


def _which(event: Component) -> str:
    rid = time_of(first(event, "RECURRENCE-ID"))
    return "the VEVENT" if rid is None else f"the VEVENT with RECURRENCE-ID {rid.isoformat()}"


__all__ = ["check_object", "rule_problem"]
