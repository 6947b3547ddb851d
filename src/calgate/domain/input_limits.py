"""How much one event may hold: text lengths and counts, checked on what a client sends.

The checks run on the body as sent, before it is validated, converted or parsed further, so
an oversized event is refused at once (converting 15,000 JSCalendar participants took minutes).
Each form is checked in its own terms, and each error names the field (a JSON pointer) or, for
raw iCalendar, the property:

- calgate's JSON form and its merge patches (:func:`check_json_form`): ``title``,
  ``location``, ``description``, ``url``, ``categories``, ``attendees``, ``alerts`` and the
  names and texts inside them;
- JSCalendar Events and the result of a PatchObject (:func:`check_jscalendar`): ``title``,
  ``description``, ``locations``, ``keywords``, ``categories``, ``participants``, ``alerts``,
  ``links``, and the same in each of ``recurrenceOverrides``;
- raw ``text/calendar`` (:func:`check_ical_text`): SUMMARY, LOCATION, DESCRIPTION, URL,
  CATEGORIES, ATTENDEE and VALARM of each VEVENT, counted on the unfolded lines before the
  text is parsed.

Limits are on input only: what servers already hold is read and served whatever its size.
Values of the wrong type are left to the validation that follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from icalendar.parser import Contentline

from calgate.errors import FieldError, InvalidInput, pointer_token

_REPORTED = 10  # errors listed one by one


@dataclass(frozen=True)
class InputLimits:
    """The limits (settings ``max_text_chars`` ... ``max_alerts``)."""

    text_chars: int = 1000
    long_text_chars: int = 65_536
    attendees: int = 1000
    categories: int = 100
    alerts: int = 50


def _raise(errors: list[FieldError]) -> None:
    if errors:
        detail = "; ".join(f"{e.pointer}: {e.detail}" for e in errors[:3])
        if len(errors) > 3:
            detail += f"; and {len(errors) - 3} more"
        raise InvalidInput(detail, errors[:_REPORTED])


def _too_long(value: Any, limit: int, setting: str) -> str | None:
    if isinstance(value, str) and len(value) > limit:
        return (
            f"is {len(value):,} characters long; at most {limit:,} are accepted (setting {setting})"
        )
    return None


def _too_many(value: Any, limit: int, what: str, setting: str) -> str | None:
    if isinstance(value, list | dict) and len(value) > limit:
        return f"holds {len(value):,} {what}; at most {limit:,} are accepted (setting {setting})"
    return None


class _Checker:
    def __init__(self, limits: InputLimits) -> None:
        self.limits = limits
        self.errors: list[FieldError] = []

    def text(self, pointer: str, value: Any, *, long: bool = False) -> None:
        limit, setting = (
            (self.limits.long_text_chars, "max_long_text_chars")
            if long
            else (self.limits.text_chars, "max_text_chars")
        )
        found = _too_long(value, limit, setting)
        if found:
            self.errors.append(FieldError(found, pointer))

    def count(self, pointer: str, value: Any, what: str) -> bool:
        """False (and an error) when ``value`` holds more than the limit for ``what``."""
        limit, setting = {
            "attendees": (self.limits.attendees, "max_attendees"),
            "participants": (self.limits.attendees, "max_attendees"),
            "categories": (self.limits.categories, "max_categories"),
            "keywords": (self.limits.categories, "max_categories"),
            "alerts": (self.limits.alerts, "max_alerts"),
        }[what]
        found = _too_many(value, limit, what, setting)
        if found:
            self.errors.append(FieldError(found, pointer))
        return found is None


def _items(value: Any) -> Iterator[tuple[str, Any]]:
    """(key, item) of a JSON array or object; nothing for anything else."""
    if isinstance(value, list):
        yield from ((str(i), v) for i, v in enumerate(value))
    elif isinstance(value, dict):
        yield from ((str(k), v) for k, v in value.items())


def check_json_form(data: Any, limits: InputLimits, prefix: str = "#") -> None:
    """calgate's JSON form (a whole body, or a merge patch: arrays there replace the stored
    ones, so the same checks hold)."""
    if not isinstance(data, Mapping):
        return
    check = _Checker(limits)
    for name in ("title", "location"):
        check.text(f"{prefix}/{name}", data.get(name))
    for name in ("description", "url"):
        check.text(f"{prefix}/{name}", data.get(name), long=True)
    categories = data.get("categories")
    if check.count(f"{prefix}/categories", categories, "categories"):
        for i, value in _items(categories):
            check.text(f"{prefix}/categories/{i}", value)
    organizer = data.get("organizer")
    if isinstance(organizer, Mapping):
        check.text(f"{prefix}/organizer/name", organizer.get("name"))
    attendees = data.get("attendees")
    if check.count(f"{prefix}/attendees", attendees, "attendees"):
        for i, person in _items(attendees):
            if isinstance(person, Mapping):
                check.text(f"{prefix}/attendees/{i}/name", person.get("name"))
    alerts = data.get("alerts")
    if check.count(f"{prefix}/alerts", alerts, "alerts"):
        for i, alert in _items(alerts):
            if isinstance(alert, Mapping):
                check.text(f"{prefix}/alerts/{i}/description", alert.get("description"), long=True)
    _raise(check.errors)


def _check_js(check: _Checker, obj: Mapping[str, Any], prefix: str) -> None:
    check.text(f"{prefix}/title", obj.get("title"))
    check.text(f"{prefix}/description", obj.get("description"), long=True)
    for name in ("keywords", "categories"):
        value = obj.get(name)
        if check.count(f"{prefix}/{name}", value, name):
            for key, item in _items(value):  # a map's keys are the keywords
                check.text(f"{prefix}/{name}", key if isinstance(value, dict) else item)
    for key, place in _items(obj.get("locations")):
        if isinstance(place, Mapping):
            check.text(f"{prefix}/locations/{pointer_token(key)}/name", place.get("name"))
            where = f"{prefix}/locations/{pointer_token(key)}/description"
            check.text(where, place.get("description"), long=True)
    participants = obj.get("participants")
    if check.count(f"{prefix}/participants", participants, "participants"):
        for key, person in _items(participants):
            if isinstance(person, Mapping):
                check.text(f"{prefix}/participants/{pointer_token(key)}/name", person.get("name"))
    check.count(f"{prefix}/alerts", obj.get("alerts"), "alerts")
    for key, link in _items(obj.get("links")):
        if isinstance(link, Mapping):
            check.text(f"{prefix}/links/{pointer_token(key)}/href", link.get("href"), long=True)


def check_jscalendar(obj: Any, limits: InputLimits) -> None:
    """An RFC 8984 Event (a whole one: a body, or the result of a PatchObject), with each of
    its ``recurrenceOverrides`` (a patch whose members are checked as the Event's are)."""
    if not isinstance(obj, Mapping):
        return
    check = _Checker(limits)
    _check_js(check, obj, "#")
    for key, override in _items(obj.get("recurrenceOverrides")):
        if isinstance(override, Mapping):
            _check_js(check, override, f"#/recurrenceOverrides/{pointer_token(key)}")
    _raise(check.errors)


# -- raw iCalendar ----------------------------------------------------------------------------
_FOLD = re.compile(r"\r?\n[ \t]")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_TEXTS = {"SUMMARY": False, "LOCATION": False, "DESCRIPTION": True, "URL": True}
# icalendar's Contentline() has no annotations (its parts() has): typed here once
_content_line = cast("Callable[[str], Contentline]", Contentline)


def _value_length(line: str) -> int:
    """The length of a content line's value (the whole line when it does not parse)."""
    try:
        return len(_content_line(line).parts()[2])
    except ValueError:
        return len(line)


def check_ical_text(text: str, limits: InputLimits) -> None:
    """Each VEVENT of a raw iCalendar text, from its unfolded lines (no parse): the length of
    SUMMARY, LOCATION (``max_text_chars``), DESCRIPTION and URL (``max_long_text_chars``),
    the number of ATTENDEEs, CATEGORIES values and VALARMs. ``pointer`` is ``#``; the detail
    names the property and the VEVENT (1-based, in the order sent)."""
    check = _Checker(limits)
    stack: list[str] = []
    n_event = 0
    counts = {"attendees": 0, "categories": 0, "alerts": 0}
    names = {"attendees": "ATTENDEE", "categories": "CATEGORIES value", "alerts": "VALARM"}

    def close_event() -> None:
        for what, found in counts.items():
            limit, setting = {
                "attendees": (limits.attendees, "max_attendees"),
                "categories": (limits.categories, "max_categories"),
                "alerts": (limits.alerts, "max_alerts"),
            }[what]
            if found > limit:
                check.errors.append(
                    FieldError(
                        f"VEVENT {n_event} holds {found:,} {names[what]}s; at most {limit:,} are "
                        f"accepted (setting {setting})",
                        "#",
                    )
                )
            counts[what] = 0

    for line in _FOLD.sub("", text).splitlines():
        match = _NAME.match(line)
        if match is None:
            continue
        name = match.group().upper()
        if name in ("BEGIN", "END"):
            component = line[match.end() + 1 :].strip().upper()
            if name == "BEGIN":
                if component == "VEVENT":
                    n_event += 1
                elif component == "VALARM" and stack[-1:] == ["VEVENT"]:
                    counts["alerts"] += 1
                stack.append(component)
            else:
                if component == "VEVENT" and stack[-1:] == ["VEVENT"]:
                    close_event()
                if stack:
                    stack.pop()
            continue
        if stack[-1:] != ["VEVENT"]:
            continue
        if name == "ATTENDEE":
            counts["attendees"] += 1
        elif name == "CATEGORIES":
            counts["categories"] += line.count(",") - line.count("\\,") + 1
        elif name in _TEXTS:
            long = _TEXTS[name]
            limit = limits.long_text_chars if long else limits.text_chars
            if len(line) > limit:  # (the value is shorter than its line)
                length = _value_length(line)
                if length > limit:
                    setting = "max_long_text_chars" if long else "max_text_chars"
                    check.errors.append(
                        FieldError(
                            f"the {name} of VEVENT {n_event} is {length:,} characters long; "
                            f"at most {limit:,} are accepted (setting {setting})",
                            "#",
                        )
                    )
    if stack[-1:] == ["VEVENT"]:
        close_event()
    _raise(check.errors)


__all__ = ["InputLimits", "check_ical_text", "check_jscalendar", "check_json_form"]
