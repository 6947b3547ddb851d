"""JSCalendar as other producers spell it, read the way RFC 8984 means it (pure, no I/O).

calgate writes RFC 8984 as published, and reads a few spellings that are not RFC 8984 but whose
meaning is not in doubt, because widely used producers send them (each is listed in
docs/api.md):

- RFC 8984's own example 6.6 spells a Location's ``relativeTo`` as ``rel``.
- EGroupware's JSCalendar REST API (its GET answers, which its clients send back) writes
  ``byDay`` as one NDay object whose ``day`` lists several days (``{"@type": "NDay", "day":
  "mo,we"}`` for ``[{"day": "mo"}, {"day": "we"}]``), an OffsetTrigger's ``offset`` as a number
  of seconds (``0`` for ``PT0S``), and a member of an ``alerts`` map as ``null`` to say that the
  alert is gone. (Its ``"sequence": "1"`` is read where ``sequence`` is,
  ``jscal_write.sequence_of``.)

Anything else that is not RFC 8984 stays as it is, for the validator to refuse with a pointer.
"""

from __future__ import annotations

from typing import Any

# Id[Object] maps in which a null member means "not there".
_MAPS = ("alerts", "participants", "locations", "virtualLocations", "links")


def as_rfc8984(obj: Any) -> Any:
    """``obj`` (an Event) with the spellings of the module docstring read as RFC 8984's; the
    same object when it has none. Recurrence override patches are read the same way."""
    if not isinstance(obj, dict):
        return obj
    fixed = _event(obj)
    overrides = fixed.get("recurrenceOverrides")
    if isinstance(overrides, dict):
        read = {key: _patch(patch) for key, patch in overrides.items()}
        if any(read[key] is not overrides[key] for key in overrides):
            fixed = {**fixed, "recurrenceOverrides": read}
    return fixed


def _event(obj: dict[str, Any]) -> dict[str, Any]:
    out = obj
    for name in _MAPS:
        members = out.get(name)
        if isinstance(members, dict) and any(v is None for v in members.values()):
            out = {**out, name: {k: v for k, v in members.items() if v is not None}}
    alerts = out.get("alerts")
    if isinstance(alerts, dict):
        read = {key: _alert(alert) for key, alert in alerts.items()}
        if any(read[key] is not alerts[key] for key in alerts):
            out = {**out, "alerts": read}
    locations = out.get("locations")
    if isinstance(locations, dict):
        read = {key: _location(loc) for key, loc in locations.items()}
        if any(read[key] is not locations[key] for key in locations):
            out = {**out, "locations": read}
    rules = out.get("recurrenceRules")
    if isinstance(rules, list):
        read_rules = [_rule(rule) for rule in rules]
        if any(a is not b for a, b in zip(read_rules, rules, strict=True)):
            out = {**out, "recurrenceRules": read_rules}
    return out


def _patch(patch: Any) -> Any:
    """An override's PatchObject: its whole maps as in an Event, and ``alerts/<id>``."""
    if not isinstance(patch, dict):
        return patch
    out = _event(patch)
    for key, value in patch.items():
        if key.startswith("alerts/") and key.count("/") == 1:
            read = _alert(value)
            if read is not value:
                out = {**out, key: read}
    return out


def _location(loc: Any) -> Any:
    if isinstance(loc, dict) and "rel" in loc and "relativeTo" not in loc:
        return {("relativeTo" if k == "rel" else k): v for k, v in loc.items()}
    return loc


def _alert(alert: Any) -> Any:
    trigger = alert.get("trigger") if isinstance(alert, dict) else None
    if not isinstance(trigger, dict) or trigger.get("@type", "OffsetTrigger") != "OffsetTrigger":
        return alert
    offset = trigger.get("offset")
    if isinstance(offset, bool) or not isinstance(offset, int):
        return alert
    return {**alert, "trigger": {**trigger, "offset": _seconds(offset)}}


def _seconds(value: int) -> str:
    """A whole number of seconds as a SignedDuration (RFC 8984 1.4.7)."""
    sign = "-" if value < 0 else ""
    return f"{sign}PT{abs(value)}S"


def _rule(rule: Any) -> Any:
    by_day = rule.get("byDay") if isinstance(rule, dict) else None
    if not isinstance(by_day, dict) or not isinstance(by_day.get("day"), str):
        return rule
    days = [d.strip() for d in by_day["day"].split(",")]
    if not all(days):
        return rule  # not a list of days: the validator says what is wrong
    return {**rule, "byDay": [{**by_day, "day": day} for day in days]}


__all__ = ["as_rfc8984"]
