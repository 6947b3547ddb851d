"""RRULE / EXRULE as RFC 8984 RecurrenceRules."""

from __future__ import annotations

import re
from datetime import date, tzinfo
from typing import Any

from icalendar import Component
from icalendar.prop import vBroken

from calgate.domain.ical_parse import (
    props,
)
from calgate.domain.ical_read import (
    read_times,
)
from calgate.domain.jscal_read.times import local_time
from calgate.domain.jscal_read.values import rule_token
from calgate.domain.jscal_types import JsEvent, JsObject, JsRule
from calgate.domain.timezones import (
    EventZone,
)

FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"}
_NDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INT_PARTS = {
    "BYMONTHDAY": "byMonthDay",
    "BYYEARDAY": "byYearDay",
    "BYWEEKNO": "byWeekNo",
    "BYHOUR": "byHour",
    "BYMINUTE": "byMinute",
    "BYSECOND": "bySecond",
    "BYSETPOS": "bySetPosition",
}
# RFC 8984 4.3.5: properties a recurrence override must not patch.


# --- recurrence ------------------------------------------------------------------------------


def copy_rules(out: JsEvent, event: Component, name: str, key: str, ftz: tzinfo) -> None:
    times = read_times(event, ftz)
    rules = [r for r in (rule_json(p, times.zone, ftz) for p in props(event, name)) if r]
    if rules:
        out[key] = rules


def rule_json(prop: Any, zone: EventZone, ftz: tzinfo) -> JsRule | None:
    if isinstance(prop, vBroken) or not hasattr(prop, "get"):
        return None
    try:
        parts = {str(k).upper(): (v if isinstance(v, list) else [v]) for k, v in prop.items()}
        freq = str(parts["FREQ"][0]).upper()
        if freq not in FREQUENCIES:
            return None
        rule: JsRule = {"@type": "RecurrenceRule", "frequency": freq.lower()}
        if "INTERVAL" in parts:
            rule["interval"] = int(parts["INTERVAL"][0])
        for part, key in (("RSCALE", "rscale"), ("SKIP", "skip"), ("WKST", "firstDayOfWeek")):
            if part in parts:
                rule[key] = rule_token(parts[part][0]).lower()
        days = []
        for item in parts.get("BYDAY", []):
            match = _NDAY.fullmatch(rule_token(item).strip().upper())
            if match is None:
                return None
            nday: JsObject = {"@type": "NDay", "day": match[2].lower()}
            if match[1]:
                nday["nthOfPeriod"] = int(match[1])
            days.append(nday)
        if days:
            rule["byDay"] = days
        if parts.get("BYMONTH"):
            rule["byMonth"] = [rule_token(m).strip() for m in parts["BYMONTH"]]
        for part, key in _INT_PARTS.items():
            if parts.get(part):
                rule[key] = [int(v) for v in parts[part]]
        if "COUNT" in parts:
            rule["count"] = int(parts["COUNT"][0])
        if "UNTIL" in parts:
            until = parts["UNTIL"][0]
            if not isinstance(until, date):
                return None
            rule["until"] = local_time(until, zone, ftz)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return rule
