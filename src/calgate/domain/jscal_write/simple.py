"""A JSCalendar Event as calgate's simple write form (:class:`EventWrite`), for what that form
models (times, texts, status, alerts, the rule, excluded and extra dates), with the simple
form's errors pointed back at the JSCalendar members; and what the reader showed of the stored
object (:class:`StoredView`) that a PUT of it must keep.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icalendar import (
    Calendar,
    Component,
)
from pydantic import ValidationError

from calgate.domain.ical_parse import (
    text_of,
)
from calgate.domain.ical_read import (
    CLASS_IN,
    STATUS_IN,
    TRANSP_IN,
    categories_of,
    enum_of,
    priority_of,
    read_times,
)
from calgate.domain.jscal_read import (
    to_jscalendar,
)
from calgate.domain.jscal_types import JsAlert, JsEvent, JsOverrides, JsPatch, JsRule
from calgate.domain.jscal_write.locations import main_location
from calgate.domain.jscal_write.rules import checked_rule, rule_parts
from calgate.domain.jscal_write.terms import PRIVACY
from calgate.domain.jscal_write.zones import UTC_NAMES, Zones, zone_named
from calgate.domain.model import EventWrite, invalid_input_from
from calgate.domain.recurrence import (
    convert_until,
    until_text,
)
from calgate.domain.series import calendar_with
from calgate.domain.timezones import (
    FLOATING,
    UTC_LABEL,
    UTC_ZONE,
    Time,
    format_duration,
    is_date,
    parse_duration,
    parse_time,
)
from calgate.errors import FieldError, InvalidInput, pointer_token

SIMPLE_TO_JS = {
    "title": "title",
    "description": "description",
    "location": "locations",
    "start": "start",
    "duration": "duration",
    "timeZone": "timeZone",
    "categories": "keywords",
    "alerts": "alerts",
    "rrule": "recurrenceRules/0",
    "excludedDates": "recurrenceOverrides",
    "recurrenceDates": "recurrenceOverrides",
    "status": "status",
    "transparency": "freeBusyStatus",
    "privacy": "privacy",
    "priority": "priority",
}


# -- JSCalendar -> the simple write form ------------------------------------------------------


def _start_of(obj: JsEvent) -> Time:
    value = parse_time(obj["start"])
    return (
        value.date()
        if obj.get("showWithoutTime") is True and isinstance(value, datetime)
        else value
    )


def _default_kept(
    event: Component | None, name: str, table: dict[str, str], wanted: str, default: str
) -> str | None:
    """The simple-form value for an enum whose JSCalendar default an absent property means
    too: the stored form (absent, the default, or a value calgate cannot show) stays."""
    if wanted != default or event is None:
        return wanted if wanted != default else None
    stored = text_of(event, name)
    shown = enum_of(event, name, table)
    if stored is None or shown is None:
        return None  # absent stays absent; an unknown value is kept by the editor
    return shown if shown == default else default


def simple_body(
    obj: JsEvent,
    event: Component | None,
    *,
    series: bool,
    as_rdate: frozenset[str] = frozenset(),
    zones: Zones,
) -> dict[str, Any]:
    """The simple write form of ``obj`` (camelCase), given the stored VEVENT (None: new);
    ``as_rdate``: override keys that are stored RDATEs (see :func:`_stored_view`)."""
    start = _start_of(obj)
    body: dict[str, Any] = {"start": start.isoformat()}
    if not is_date(start):
        zone = obj.get("timeZone")
        if zone is None:
            body["floating"] = True
        elif zone in UTC_NAMES:
            stored = read_times(event).zone.label if event is not None else None
            if stored in UTC_NAMES:
                body["timeZone"] = stored
            elif zone in ("Etc/UTC", "UTC"):
                body["timeZone"] = UTC_LABEL
            else:  # Etc/GMT, GMT, Etc/Zulu: a TZID, which the reader shows as it is
                body["timeZone"] = zone
        else:
            body["timeZone"] = zone
    duration = parse_duration(obj["duration"]) if obj.get("duration") else timedelta(0)
    if is_date(start) and not duration:
        duration = timedelta(days=1)
    body["duration"] = format_duration(duration)
    body["title"] = obj.get("title") or None
    body["description"] = obj.get("description") or None
    main = main_location(obj)
    body["location"] = main[1].get("name") if main is not None else None
    body["status"] = _default_kept(
        event, "STATUS", STATUS_IN, obj.get("status") or "confirmed", "confirmed"
    )
    body["transparency"] = _default_kept(
        event, "TRANSP", TRANSP_IN, obj.get("freeBusyStatus") or "busy", "busy"
    )
    privacy = PRIVACY[obj.get("privacy") or "public"]
    body["privacy"] = _default_kept(event, "CLASS", CLASS_IN, privacy, "public")
    priority = obj.get("priority") or 0
    stored_priority = priority_of(event) if event is not None else None
    body["priority"] = priority if priority or stored_priority == 0 else None
    keywords = list(obj.get("keywords") or {})
    stored_keywords = categories_of(event) if event is not None else []
    body["categories"] = stored_keywords if set(stored_keywords) == set(keywords) else keywords
    body["alerts"] = [_simple_alert(alert, obj) for alert in (obj.get("alerts") or {}).values()]
    if series:
        rules = obj.get("recurrenceRules") or []
        body["rrule"] = _rrule_text(rules[0], obj, start, zones) if rules else None
        overrides = obj.get("recurrenceOverrides") or {}
        body["excludedDates"] = [k for k, p in overrides.items() if p.get("excluded") is True]
        body["recurrenceDates"] = [k for k, p in overrides.items() if is_rdate(k, p, as_rdate)]
    return body


def _plain(patch: JsPatch) -> bool:
    """An override patch that only says "this date occurs" (RFC 8984: an RDATE)."""
    return not patch or patch == {"excluded": False}


def is_rdate(key: str, patch: JsPatch, as_rdate: frozenset[str]) -> bool:
    """Whether the override at ``key`` is an RDATE: a plain patch, or the one the reader shows
    for a stored RDATE (a PERIOD shows its ``duration``), which stays as stored."""
    return patch.get("excluded") is not True and (_plain(patch) or key in as_rdate)


class StoredView:
    """What the reader showed of the stored object before the edit, for what a PUT of it must
    keep: RDATE PERIODs (``{"duration": ..}`` patches), overrides an EXDATE hides, and an RRULE
    the reader cannot show (``shows_rules`` false)."""

    def __init__(self, cal: Calendar | None, event: Component | None, default_tz: str) -> None:
        self.rdates: JsOverrides = {}
        self.excluded: frozenset[str] = frozenset()
        self.shows_rules = True
        if cal is None or event is None:
            return
        shown = to_jscalendar(cal, floating_tz=default_tz)
        self.shows_rules = bool(shown.get("recurrenceRules"))
        whole = shown.get("recurrenceOverrides") or {}
        self.excluded = frozenset(k for k, p in whole.items() if p.get("excluded") is True)
        rule_only = to_jscalendar(calendar_with(cal, [event]), floating_tz=default_tz)
        self.rdates = {
            k: p
            for k, p in (rule_only.get("recurrenceOverrides") or {}).items()
            if p.get("excluded") is not True
        }

    def as_rdate(self, obj: JsEvent) -> frozenset[str]:
        """Override keys of ``obj`` whose patch is what the reader shows for a stored RDATE."""
        overrides = obj.get("recurrenceOverrides") or {}
        return frozenset(
            k for k, p in overrides.items() if k in self.rdates and self.rdates[k] == p
        )


def _simple_alert(alert: JsAlert, obj: JsEvent) -> dict[str, Any]:
    trigger = alert["trigger"]
    action = alert.get("action") or "display"
    if trigger["@type"] == "AbsoluteTrigger":
        return {"trigger": trigger["when"], "action": action}
    offset = parse_duration(trigger["offset"])
    if trigger.get("relativeTo") == "end":
        # The simple form (like most clients) counts from the start: the end is start + duration.
        length = parse_duration(obj["duration"]) if obj.get("duration") else timedelta(0)
        if obj.get("showWithoutTime") is True and not length:
            length = timedelta(days=1)
        offset += length
    return {"trigger": format_duration(offset), "action": action}


def _rrule_text(rule: JsRule, obj: JsEvent, start: Time, zones: Zones) -> str:
    """RRULE text of a RecurrenceRule, checked like a client's raw rule (RFC 5545 3.3.10)."""
    parts = [f"FREQ={rule['frequency'].upper()}"]
    if rule.get("until") is not None:
        zone_name = obj.get("timeZone")
        zone = FLOATING
        if isinstance(start, datetime) and zone_name is not None:
            zone = UTC_ZONE if zone_name in UTC_NAMES else zone_named(zone_name, zones)
        until = convert_until(parse_time(rule["until"]), start, zone)
        parts.append(f"UNTIL={until_text(until)}")
    return checked_rule([*parts, *rule_parts(rule)], "#/recurrenceRules/0")


def event_write(body: dict[str, Any], *, at: str = "#") -> EventWrite:
    try:
        return EventWrite.model_validate(body)
    except ValidationError as exc:
        raise remapped(invalid_input_from(exc), {}, at) from exc


def remapped(exc: InvalidInput, dates: dict[str, str], at: str) -> InvalidInput:
    """``exc`` with the simple form's pointers turned into the JSCalendar object's."""
    errors = []
    for error in exc.errors:
        pointer = error.pointer or "#"
        tokens = pointer.removeprefix("#/").split("/") if pointer != "#" else []
        if tokens and tokens[0] in ("excludedDates", "recurrenceDates") and len(tokens) > 1:
            key = dates.get(f"{tokens[0]}/{tokens[1]}")
            path = f"/recurrenceOverrides/{pointer_token(key)}" if key else "/recurrenceOverrides"
        elif tokens and tokens[0] == "rrule":
            path = "/recurrenceRules/0/until"  # the simple form's rule checks left: UNTIL
        elif tokens and tokens[0] not in SIMPLE_TO_JS:
            path = "/" + "/".join(tokens)  # already the JSCalendar object's (the editor's own)
        elif tokens:
            path = "/" + SIMPLE_TO_JS[tokens[0]]
        else:
            path = ""
        errors.append(FieldError(error.detail, f"{at}{path}"))
    return type(exc)(exc.detail, errors)
