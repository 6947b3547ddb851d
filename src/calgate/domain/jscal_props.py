"""JSCalendar properties iCalendar has no property for, kept as JSPROP (pure, no I/O).

draft-ietf-calext-jscalendar-icalendar stores such a property as
``JSPROP;JSPTR=<pointer>:<JSON value>`` (a TEXT value, escaped as TEXT is), the pointer
relative to the JSCalendar object of the component that holds it; calcard reads and writes it
so. calgate writes every top-level Event property it does not map to iCalendar itself
(``localizations``, ``useDefaultAlerts``, a vendor's ``example.com:foo``...) and vendor
properties (names with a colon, RFC 8984 3.3) inside participants, locations, virtual
locations, links and alerts, each as one JSPROP on the VEVENT; it reads JSPROPs of a VEVENT
and of a VALARM (relative to that alert). Unreadable JSPROPs are left out of the reading and
kept in the object.
"""

from __future__ import annotations

import json
from typing import Any

from icalendar import Component, vText

from calgate.domain.ical_parse import props
from calgate.domain.jscal_patch import split_pointer
from calgate.domain.jscal_types import JsObject
from calgate.errors import pointer_token

# Top-level Event properties calgate maps to iCalendar properties of its own (or sets itself),
# read and written natively, never as JSPROP.
MAPPED = frozenset(
    {
        "@type",
        "id",
        "uid",
        "title",
        "locale",
        "description",
        "descriptionContentType",
        "start",
        "timeZone",
        "timeZones",
        "showWithoutTime",
        "duration",
        "endTimeZone",
        "status",
        "freeBusyStatus",
        "privacy",
        "priority",
        "sequence",
        "color",
        "created",
        "updated",
        "method",
        "prodId",
        "keywords",
        "categories",
        "relatedTo",
        "locations",
        "mainLocationId",
        "virtualLocations",
        "participants",
        "organizerCalendarAddress",
        "replyTo",
        "links",
        "alerts",
        "recurrenceRules",
        "excludedRecurrenceRules",
        "recurrenceOverrides",
        "recurrenceId",
        "recurrenceIdTimeZone",
        "iCalendar",  # calcard's record of the conversion: not the event's meaning
    }
)
# Maps whose members may carry vendor properties of their own.
_NESTED = ("participants", "locations", "virtualLocations", "links", "alerts")


def wanted(obj: JsObject) -> JsObject:
    """pointer -> value of what ``obj`` holds that only JSPROP can keep."""
    out = {pointer_token(k): v for k, v in obj.items() if k not in MAPPED and v is not None}
    for name in _NESTED:
        members = obj.get(name)
        if not isinstance(members, dict):
            continue
        for member_id, member in members.items():
            if not isinstance(member, dict):
                continue
            for key, value in member.items():
                if ":" in key and value is not None:
                    out[f"{name}/{pointer_token(member_id)}/{pointer_token(key)}"] = value
    return out


_UNESCAPED = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}


def _text(raw: str) -> str:
    """An RFC 5545 3.3.11 TEXT value unescaped (icalendar leaves JSPROP's value raw)."""
    out, chars = [], iter(raw)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append(_UNESCAPED.get(nxt, char + nxt))
        else:
            out.append(char)
    return "".join(out)


def stored(component: Component) -> JsObject:
    """pointer -> value of the readable JSPROPs of ``component``, in stored order."""
    out: JsObject = {}
    for prop in props(component, "JSPROP"):
        pointer = getattr(prop, "params", {}).get("JSPTR")
        if not isinstance(pointer, str) or not pointer:
            continue
        text = str(prop) if isinstance(prop, vText) else _text(str(prop))
        try:
            out[pointer] = json.loads(text)
        except ValueError:
            continue
    return out


def apply(out: JsObject, component: Component) -> None:
    """Put the JSPROPs of ``component`` into ``out``, its JSCalendar object. A pointer into a
    member that is not there (a link the reader did not find) is left out."""
    for pointer, value in stored(component).items():
        try:
            *parents, last = split_pointer(pointer)
        except ValueError:
            continue
        target: Any = out
        for step in parents:
            target = target.get(step) if isinstance(target, dict) else None
        if isinstance(target, dict) and (parents or last not in MAPPED):
            target[last] = value


def write(event: Component, obj: JsObject) -> bool:
    """Make the VEVENT's JSPROPs hold what :func:`wanted` finds in ``obj``; True when that
    changed them (JSPROPs already saying it are left as they are, byte for byte)."""
    want = wanted(obj)
    if stored(event) == want and len(props(event, "JSPROP")) == len(want):
        return False
    event.pop("JSPROP", None)
    for pointer, value in want.items():
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        event.add("JSPROP", vText(text), parameters={"JSPTR": pointer})
    return True


__all__ = ["MAPPED", "apply", "stored", "wanted", "write"]
