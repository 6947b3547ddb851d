"""PATCH (RFC 7396 JSON merge patch) on the writable form of a stored event (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import Calendar

from calgate.domain.ical_parse import floating_zone, master_event
from calgate.domain.ical_read import read_event
from calgate.domain.ical_write import replace_event
from calgate.domain.json_forms import writable_of
from calgate.domain.model import EventWrite, event_write_from_json
from calgate.domain.timezones import is_date, parse_time
from calgate.domain.write_times import bad
from calgate.errors import Conflict


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


_ALIASES = {name: f.alias or name for name, f in EventWrite.model_fields.items()}


def _camel_keys(patch: dict[str, Any]) -> dict[str, Any]:
    return {_ALIASES.get(k, k): v for k, v in patch.items()}


def _kind(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        return "date" if is_date(parse_time(text)) else "datetime"
    except ValueError:
        return None


def _moved_end(start: Any, end: Any, new_start: Any) -> str | None:
    """The stored ``end`` moved along with a new ``start`` (same length, wall-clock), when
    all three are local times or all three are dates; else None."""
    try:
        old, stop, new = (parse_time(v) for v in (start, end, new_start))
    except (TypeError, ValueError):
        return None
    kinds = {(type(v), getattr(v, "tzinfo", None) is None) for v in (old, stop, new)}
    if len(kinds) != 1 or (isinstance(new, datetime) and new.tzinfo is not None):
        return None
    return (new + (stop - old)).isoformat()


def merged_body(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The writable form after a PATCH, with the obvious companions of a change dropped:
    a new ``timeZone`` ends ``floating`` (and the reverse), a new ``end`` drops the stored
    ``duration`` (and the reverse), ``recurrence`` replaces ``rrule`` (and the reverse), a
    ``start`` of the other kind (date / date-time) drops ``allDay`` and the stored end, and a
    new ``start`` alone moves the stored ``end`` along (the event keeps its length)."""
    base = dict(base)
    patch = _camel_keys(patch)

    def sets(key: str) -> bool:
        return patch.get(key) is not None

    pairs = (("timeZone", "floating"), ("end", "duration"), ("recurrence", "rrule"))
    for one, other in pairs:
        if sets(one) and other not in patch:
            base.pop(other, None)
        if sets(other) and one not in patch:
            base.pop(one, None)
    if patch.get("floating") is False:
        base.pop("floating", None)
    if sets("start") and "allDay" not in patch:
        base.pop("allDay", None)
        if _kind(patch["start"]) != _kind(base.get("start")):
            if "end" not in patch and "duration" not in patch:
                base.pop("end", None)
                base.pop("duration", None)
            if patch.get("timeZone") is None and _kind(patch["start"]) == "date":
                base.pop("timeZone", None)
                base.pop("floating", None)
    if sets("start") and "end" not in patch and "duration" not in patch and "end" in base:
        moved = _moved_end(base.get("start"), base["end"], patch["start"])
        if moved is not None:
            base["end"] = moved
    if "alerts" in patch and patch["alerts"] is None:
        patch["alerts"] = []
    merged = merge_patch(base, patch)
    assert isinstance(merged, dict)
    return merged


def patch_event(
    cal: Calendar, patch: dict[str, Any], *, default_tz: str, now: datetime
) -> Calendar:
    """PATCH (RFC 7396) on the writable form: merge ``patch`` into the stored event's writable
    form (local times, so a new ``timeZone`` alone keeps the wall-clock time), validate it as
    :class:`EventWrite` (errors point at the field), then :func:`replace_event`."""
    if not isinstance(patch, dict):
        raise bad("#", "a PATCH body must be a JSON object")
    event = master_event(cal)
    if event is None:
        raise Conflict("The stored calendar object holds no VEVENT to edit")
    base = writable_of(read_event(event, floating_zone(default_tz)))
    merged = merged_body(base, patch)
    body = event_write_from_json(merged)
    return replace_event(cal, body, default_tz=default_tz, now=now)


__all__ = ["merge_patch", "merged_body", "patch_event"]
