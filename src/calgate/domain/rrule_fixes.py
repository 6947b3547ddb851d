"""Recurrence sets repaired where the libraries depart from RFC 5545 (pure, no I/O).

recurring-ical-events expands RRULEs with python-dateutil. In two places dateutil disagrees with
RFC 5545 3.3.10 (found with libical's test vectors, see tests/oracles), and a rewrite of the
rule gives exactly the RFC's recurrence set:

- A DATE DTSTART with BYHOUR, BYMINUTE or BYSECOND: the RFC says these parts "MUST be ignored";
  dateutil applies them to midnight and so drops the days whose midnight does not match.
- FREQ=WEEKLY with BYSETPOS: the RFC applies BYSETPOS to the set of each week, which "starts at
  the beginning of the interval" (WKST); dateutil's first set starts on DTSTART's weekday, so
  the first week picks the wrong days (dateutil issue #1398). When a week's set is the BYDAY
  weekdays at one time of day, BYSETPOS names fixed weekdays and the rule becomes a BYDAY list
  of them. With several times a day (BYHOUR=9,17 ...) the rule is left to dateutil.

And one place where recurring-ical-events, on dateutil, departs from it: a COUNT rule whose
DTSTART is not one of the rule's own occurrences (``FREQ=WEEKLY;BYDAY=TU;COUNT=3`` starting on
a Monday). RFC 5545 3.3.10: "The DTSTART property value always counts as the first
occurrence"; dateutil counts only the rule's matches and recurring-ical-events adds DTSTART,
which made COUNT + 1 occurrences. The rule's COUNT is lowered by one, so the set is DTSTART and
the rule's first COUNT - 1 matches (with COUNT=1 the rule goes: DTSTART alone), as ical.js
(Thunderbird) and RFC 8984's ``count`` have it. Whether DTSTART is on the rule is worked out
from the rule parts, bounded (:mod:`calgate.domain.rrule_start`). Each RRULE counts DTSTART
for itself (several RRULEs are RFC 2445's, their union). EXDATE and RDATE do not change
what COUNT counts: the set is made first and EXDATE removed from it (RFC 5545 3.8.5.1), so an
EXDATE of DTSTART leaves COUNT - 1 occurrences, as in ical.js. UNTIL rules are unchanged.

A rule whose INTERVAL is not a positive whole number (``INTERVAL=0``, which RFC 5545 forbids)
never advances in dateutil, so expanding it would not end: such a rule is dropped, and the
event counts once, as with every rule that cannot be computed. So is a rule that never occurs
(``BYMONTHDAY=30;BYMONTH=2``, see :func:`calgate.domain.rrule_start.never_occurs`): dateutil
would walk it to the year 9999 on every query, and its set is DTSTART alone either way.

A sub-daily rule whose every time part is fixed (``FREQ=SECONDLY;BYHOUR=3;BYMINUTE=0;BYSECOND=0``)
names the same set as the next coarser frequency (``FREQ=DAILY;BYHOUR=3;...``) when its INTERVAL is
1 and it has no BYSETPOS (which applies to each period's set): dateutil steps such a rule one
second at a time, some 86,400 steps per occurrence, so it is expanded at the coarser frequency.

And one value of EXDATE or RDATE that cannot be read (``EXDATE;VALUE=DATE:``) makes
recurring-ical-events fail, after which calgate's fall-back drops every EXDATE of the event:
the unreadable values are dropped here instead, so the readable ones still apply (found with
calcard's files).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken, vRecur

from calgate.domain.ical_parse import empty_like, first, props, time_of
from calgate.domain.rrule_start import dtstart_on_rule, never_occurs

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
# Parts that make a WEEKLY rule's set differ from week to week (only BYMONTH is valid there).
_VARYING = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
_DATE_LISTS = ("EXDATE", "RDATE")


def _weekly_set_days(rule: vRecur) -> list[str] | None:
    """The weekdays a WEEKLY rule's BYSETPOS picks from each week, in week order; None when
    the rule is not such a rule or its weekly set is not just its BYDAY weekdays."""
    if [str(f).upper() for f in rule.get("FREQ", [])] != ["WEEKLY"]:
        return None
    if "BYSETPOS" not in rule or "BYDAY" not in rule or any(p in rule for p in _VARYING):
        return None
    if any(len(rule.get(part, [])) > 1 for part in _TIME_PARTS):
        return None
    days = {str(day).upper() for day in rule["BYDAY"]}
    wkst = str(rule.get("WKST", ["MO"])[0]).upper()
    if not days <= set(_WEEKDAYS) or wkst not in _WEEKDAYS:
        return None  # ordinal weekdays are invalid in a WEEKLY rule: leave it as it is
    offset = _WEEKDAYS.index(wkst)
    week = sorted(days, key=lambda day: (_WEEKDAYS.index(day) - offset) % 7)
    picked: set[str] = set()
    for value in rule["BYSETPOS"]:
        try:
            position = int(value)
        except (TypeError, ValueError):
            return None
        if 1 <= position <= len(week):
            picked.add(week[position - 1])
        elif -len(week) <= position <= -1:
            picked.add(week[position])
    if not picked:
        return None  # an empty set in every week: dateutil gives none either
    return [day for day in week if day in picked]


# A frequency, the part that fixes its unit, and the next coarser frequency.
_COARSER = (
    ("SECONDLY", "BYSECOND", "MINUTELY"),
    ("MINUTELY", "BYMINUTE", "HOURLY"),
    ("HOURLY", "BYHOUR", "DAILY"),
)


def _coarsened(rule: vRecur) -> bool:
    """Raise a sub-daily rule's FREQ while its unit is fixed by its own BYxxx part (the same set,
    see the module docstring); True when it changed."""
    if "BYSETPOS" in rule or [str(v) for v in rule.get("INTERVAL", ["1"])] != ["1"]:
        return False
    changed = False
    for freq, part, coarser in _COARSER:
        if [str(f).upper() for f in rule.get("FREQ", [])] == [freq] and rule.get(part):
            rule["FREQ"] = [coarser]
            changed = True
    return changed


def fixed_rule(rule: vRecur, start: date | datetime) -> vRecur | None:
    """``rule`` rewritten for an event starting at ``start``; None when it needs no change."""
    fixed = vRecur(rule)
    changed = isinstance(start, datetime) and _coarsened(fixed)
    if not isinstance(start, datetime):
        for part in _TIME_PARTS:
            if part in fixed:
                del fixed[part]
                changed = True
    days = _weekly_set_days(fixed)
    if days is not None:
        fixed["BYDAY"] = days
        del fixed["BYSETPOS"]
        changed = True
    return fixed if changed else None


def _advances(rule: vRecur) -> bool:
    """False for an INTERVAL that is not a positive whole number (dateutil would never stop)."""
    for value in rule.get("INTERVAL", []):
        try:
            if int(value) < 1:
                return False
        except (TypeError, ValueError):
            return False
    return True


def start_counted(rule: vRecur, start: date | datetime) -> vRecur | None:
    """``rule`` with COUNT lowered by one when ``start`` (DTSTART) is not one of its own
    occurrences, so that DTSTART counts as the first (see the module docstring); None when
    that leaves no occurrence to the rule (COUNT=1); ``rule`` itself when nothing changes."""
    if "COUNT" not in rule or "UNTIL" in rule:
        return rule
    try:
        count = int(rule["COUNT"][0])
    except (TypeError, ValueError, IndexError):
        return rule
    if count < 1 or dtstart_on_rule(rule, start) is not False:
        return rule
    if count == 1:
        return None
    lowered = vRecur(rule)
    lowered["COUNT"] = [count - 1]
    return lowered


def _fixed_rules(event: Component) -> list[vRecur] | None:
    start = time_of(first(event, "DTSTART"))
    rules = props(event, "RRULE")
    if start is None or not rules or not all(isinstance(r, vRecur) for r in rules):
        return None  # a broken RRULE is the sanitiser's business (calgate.domain.expand)
    out: list[vRecur] = []
    for rule in rules:
        if not _advances(rule) or never_occurs(rule, start) is not None:
            continue
        fixed = fixed_rule(rule, start)
        counted = start_counted(rule if fixed is None else fixed, start)
        if counted is not None:
            out.append(counted)
    if len(out) == len(rules) and all(new is old for new, old in zip(out, rules, strict=True)):
        return None
    return out


def _fixed_event(event: Component) -> Component | None:
    rules = _fixed_rules(event)
    dates = {
        name: [v for v in props(event, name) if not isinstance(v, vBroken)]
        for name in _DATE_LISTS
        if any(isinstance(v, vBroken) for v in props(event, name))
    }
    replaced: dict[str, list[Any]] = {**dates, **({"RRULE": rules} if rules is not None else {})}
    if not replaced:
        return None
    copy = event.copy()
    for sub in event.subcomponents:
        copy.add_component(sub)
    for name, values in replaced.items():
        copy.pop(name)
        for value in values:
            copy.add(name, value)
    return copy


def with_rule_fixes(cal: Calendar) -> Calendar:
    """``cal``, or a copy with the VEVENTs repaired (see the module docstring). Occurrences
    carry no RRULE, RDATE or EXDATE, so the repair shows only in which occurrences there are."""
    changes: dict[int, Component] = {}
    for comp in cal.subcomponents:
        if getattr(comp, "name", None) == "VEVENT":
            fixed = _fixed_event(comp)
            if fixed is not None:
                changes[id(comp)] = fixed
    if not changes:
        return cal
    copy = empty_like(cal)
    for comp in cal.subcomponents:
        copy.add_component(changes.get(id(comp), comp))
    return copy


__all__ = ["fixed_rule", "start_counted", "with_rule_fixes"]
