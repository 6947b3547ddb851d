"""RFC 8984 RecurrenceRules as RRULE text: the parts, and the check that points a bad rule at
the member it is about.
"""

from __future__ import annotations

import re

from calgate.domain.jscal_types import JsRule
from calgate.domain.recurrence import (
    RULE_PARTS,
    check_rrule,
)
from calgate.errors import InvalidInput

RULE_LISTS = (
    ("byMonthDay", "BYMONTHDAY"),
    ("byYearDay", "BYYEARDAY"),
    ("byWeekNo", "BYWEEKNO"),
    ("byHour", "BYHOUR"),
    ("byMinute", "BYMINUTE"),
    ("bySecond", "BYSECOND"),
    ("bySetPosition", "BYSETPOS"),
)
_RULE_MEMBER = {part: name for name, part in RULE_LISTS} | {
    "FREQ": "frequency",
    "INTERVAL": "interval",
    "COUNT": "count",
    "UNTIL": "until",
    "BYDAY": "byDay",
    "BYMONTH": "byMonth",
    "WKST": "firstDayOfWeek",
}


# Simple-form field -> JSCalendar member, for errors of the simple form's own checks.
def rule_parts(rule: JsRule) -> list[str]:
    """The RRULE parts of a RecurrenceRule but FREQ and UNTIL."""
    parts = []
    if rule.get("count") is not None:
        parts.append(f"COUNT={rule['count']}")
    if rule.get("interval") not in (None, 1):
        parts.append(f"INTERVAL={rule['interval']}")
    for name, part in RULE_LISTS:
        if rule.get(name):
            parts.append(f"{part}=" + ",".join(str(v) for v in rule[name]))
    if rule.get("byDay"):
        days = [f"{d.get('nthOfPeriod') or ''}{d['day']}".upper() for d in rule["byDay"]]
        parts.append("BYDAY=" + ",".join(days))
    if rule.get("byMonth"):
        parts.append("BYMONTH=" + ",".join(str(int(m)) for m in rule["byMonth"]))
    if rule.get("firstDayOfWeek") not in (None, "mo"):
        parts.append(f"WKST={rule['firstDayOfWeek'].upper()}")
    return parts


def checked_rule(parts: list[str], at: str) -> str:
    """RRULE text, checked like a client's raw rule; a 422 at the member the problem names."""
    try:
        return check_rrule(";".join(parts))
    except ValueError as exc:
        message = str(exc)
        # The part the message is about is the one it names first.
        found = [(m.start(), p) for p in RULE_PARTS if (m := re.search(rf"\b{p}\b", message))]
        member = _RULE_MEMBER.get(min(found)[1]) if found else None
        raise InvalidInput.field(at + (f"/{member}" if member else ""), message) from None
