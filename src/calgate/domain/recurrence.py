"""RRULE text <-> the ``recurrence`` object of the JSON form (pure, no I/O).

``{"frequency": "monthly", "byDay": ["-1fr"]}`` is ``FREQ=MONTHLY;BYDAY=-1FR``. Rules that use
parts the object does not model (BYSECOND, RSCALE, X- parts) are kept as raw ``rrule`` text.

Two levels of checking: :func:`validate_rrule` only asks whether a rule can be computed (it is
used on what servers hand back, which must stay readable); :func:`check_rrule` and
:func:`combination_error` apply RFC 5545 3.3.10 to what a client sends, naming the part.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from dateutil.rrule import rrulestr

from calgate.domain.timezones import EventZone, Time, check_event_year, is_aware, parse_time

_UTC = UTC

# The largest COUNT and INTERVAL calgate writes (docs/recurring.md, "Bounds"). COUNT: the
# embedded Radicale refuses more than 10,000 (a daily series of 27 years; longer ones end with
# UNTIL or not at all). INTERVAL: 10,000 is every 10,000 days, or a week in minutes; anything
# longer is better said with a coarser FREQ. Rules beyond them that other clients stored are
# still read.
MAX_COUNT = 10_000
MAX_INTERVAL = 10_000

FREQUENCIES = ("yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly")
WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
BY_DAY = re.compile(r"([+-]?)(\d{1,2})?(mo|tu|we|th|fr|sa|su)", re.IGNORECASE)

# (JSON name, RRULE part) of the list parts holding integers.
INT_LIST_PARTS = (
    ("byMonthDay", "BYMONTHDAY"),
    ("byMonth", "BYMONTH"),
    ("byYearDay", "BYYEARDAY"),
    ("byWeekNo", "BYWEEKNO"),
    ("bySetPosition", "BYSETPOS"),
    ("byHour", "BYHOUR"),
    ("byMinute", "BYMINUTE"),
)
_MODELED = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"} | {p for _, p in INT_LIST_PARTS}
_RFC5545 = _MODELED | {"BYSECOND"}

# The rule parts of RFC 5545 3.3.10, in its order (the BYxxx parts in the order they apply).
RULE_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_BY_PARTS = frozenset(p for p in RULE_PARTS if p.startswith("BY") and p != "BYSETPOS")
# part: (lowest, highest, whether 0 is allowed)
_INT_RANGES = {
    "BYSECOND": (0, 60, True),
    "BYMINUTE": (0, 59, True),
    "BYHOUR": (0, 23, True),
    "BYMONTHDAY": (-31, 31, False),
    "BYYEARDAY": (-366, 366, False),
    "BYWEEKNO": (-53, 53, False),
    "BYMONTH": (1, 12, True),
    "BYSETPOS": (-366, 366, False),
}
_DAY_NAMES = {
    "mo": "Monday",
    "tu": "Tuesday",
    "we": "Wednesday",
    "th": "Thursday",
    "fr": "Friday",
    "sa": "Saturday",
    "su": "Sunday",
}


def normalize_by_day(value: str) -> str:
    """``-1FR`` / ``+2tu`` / ``mo`` -> ``-1fr`` / ``2tu`` / ``mo``; ValueError when invalid."""
    match = BY_DAY.fullmatch(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a weekday like 'mo', '2tu' or '-1fr'")
    sign, number, day = match.groups()
    if number is None:
        if sign:
            raise ValueError(f"{value!r}: a sign needs a number, like '-1fr'")
        return day.lower()
    n = int(number)
    if not 1 <= n <= 53:
        raise ValueError(f"{value!r}: the ordinal must be 1..53 or -53..-1")
    return f"{'-' if sign == '-' else ''}{n}{day.lower()}"


def split_rrule(text: str) -> dict[str, str]:
    """``RRULE:FREQ=WEEKLY;BYDAY=MO`` -> ``{"FREQ": "WEEKLY", "BYDAY": "MO"}`` (ValueError)."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for item in body.split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        if not sep or not key or not value.strip():
            raise ValueError(f"{item!r} is not a NAME=VALUE rule part like FREQ=WEEKLY")
        if key in parts:
            raise ValueError(
                f"the rule part {key} appears twice: send it once, values comma-separated"
            )
        parts[key] = value.strip()
    return parts


def check_rule_steps(parts: dict[str, str]) -> None:
    """What any rule needs to be walked at all: a known FREQ, and an INTERVAL and COUNT that
    are positive whole numbers (dateutil never leaves ``INTERVAL=0``). ValueError."""
    freq = parts.get("FREQ", "")
    if freq.lower() not in FREQUENCIES:
        raise ValueError("FREQ must be one of " + ", ".join(f.upper() for f in FREQUENCIES))
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (parts[name].isdigit() and int(parts[name]) >= 1):
            raise ValueError(f"{name} must be a positive integer")


def validate_rrule(text: str) -> str:
    """Check a raw RRULE and return it without the ``RRULE:`` prefix; ValueError when invalid."""
    parts = split_rrule(text)
    check_rule_steps(parts)
    unknown = sorted(set(parts) - _RFC5545)
    if unknown:
        raise ValueError("unsupported rule parts: " + ", ".join(unknown))
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("COUNT and UNTIL cannot be used together")
    until = parts.pop("UNTIL", None)
    if until is not None:
        _parse_until(until)
    checked = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        rrulestr(checked, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"invalid rule: {exc}") from exc
    body = text.strip()
    return body[len("RRULE:") :] if body.upper().startswith("RRULE:") else body


# Date-level parts that make a SECONDLY rule walk every second of the days they rule out
# (see calgate.domain.dense): refused on input, left unexpanded when stored.
SPARSE_SECONDLY = frozenset({"BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"})


def combination_error(part: str, values: list[str], freq: str, others: set[str]) -> str | None:
    """What RFC 5545 3.3.10 says against rule part ``part`` (its ``values`` as RRULE text) in a
    rule of frequency ``freq`` that also has the parts ``others``; None when it is allowed."""
    freq = freq.upper()
    if part == "UNTIL" and "COUNT" in others:
        return "COUNT and UNTIL cannot be used together: send one of them"
    if part == "BYDAY":
        ordinal = next((v for v in values if v[:1] in "+-" or v[:1].isdigit()), None)
        if ordinal is not None:
            day = ordinal.lstrip("+-0123456789")
            if freq not in ("MONTHLY", "YEARLY"):
                return (
                    f"BYDAY ordinals like {ordinal} are only allowed with FREQ=MONTHLY or "
                    f"YEARLY: send {day} for every {_DAY_NAMES.get(day.lower(), day)}, "
                    "or change the frequency"
                )
            if freq == "YEARLY" and "BYWEEKNO" in others:
                return (
                    f"BYDAY ordinals like {ordinal} cannot be combined with BYWEEKNO: send plain "
                    f"weekdays like {day}"
                )
    if freq == "SECONDLY" and part in SPARSE_SECONDLY:
        return (
            f"FREQ=SECONDLY limited by {part} walks every second of the excluded days and "
            "cannot be expanded in reasonable time: use FREQ=MINUTELY or a coarser frequency"
        )
    if part == "BYMONTHDAY" and freq == "WEEKLY":
        return (
            "BYMONTHDAY is not allowed with FREQ=WEEKLY: pick weekdays with BYDAY, "
            "or use FREQ=MONTHLY for days of the month"
        )
    if part == "BYYEARDAY" and freq in ("DAILY", "WEEKLY", "MONTHLY"):
        return f"BYYEARDAY is not allowed with FREQ={freq}: use FREQ=YEARLY"
    if part == "BYWEEKNO" and freq != "YEARLY":
        return f"BYWEEKNO is only allowed with FREQ=YEARLY, not FREQ={freq}"
    if part == "BYSETPOS" and not others & _BY_PARTS:
        return (
            "BYSETPOS picks from the occurrences another BYxxx part makes: add one "
            "(like BYDAY=MO,TU,WE,TH,FR with BYSETPOS=-1 for the last workday), or drop BYSETPOS"
        )
    return None


def _value_error(part: str, value: str) -> str | None:
    """What is wrong with the value of one rule part, in words that say what to send."""
    if part == "FREQ":
        if value.lower() not in FREQUENCIES:
            names = ", ".join(f.upper() for f in FREQUENCIES)
            return f"FREQ={value} is not a frequency: use one of {names}"
    elif part in ("INTERVAL", "COUNT"):
        if not (value.isdigit() and int(value) >= 1):
            return f"{part}={value} must be a positive whole number, like {part}=2"
        return bound_error(part, int(value))
    elif part == "UNTIL":
        try:
            until = _parse_until(value)
        except ValueError:
            return (
                f"UNTIL={value} is not a date (20261231) or a date-time (20261231T235959Z): "
                "write it without dashes or colons"
            )
        try:
            check_event_year(until)
        except ValueError as exc:
            return f"UNTIL={value}: {exc}"
    elif part == "WKST":
        if value.lower() not in WEEKDAYS:
            return f"WKST={value} must be a weekday: MO, TU, WE, TH, FR, SA or SU"
    elif part == "BYDAY":
        for item in value.split(","):
            if not BY_DAY.fullmatch(item.strip()):
                return f"BYDAY={value}: {item!r} is not a weekday like MO, 2TU or -1FR"
            try:
                normalize_by_day(item)
            except ValueError:
                return f"BYDAY={value}: in {item!r} the ordinal must be 1 to 53 or -53 to -1"
    elif part in _INT_RANGES:
        low, high, zero = _INT_RANGES[part]
        for item in value.split(","):
            text = item.strip()
            number = int(text) if re.fullmatch(r"[+-]?\d{1,4}", text) else None
            if number is None or not low <= number <= high or (number == 0 and not zero):
                allowed = f"{low} to {high}" + ("" if zero else ", but not 0")
                return f"{part}={value}: {item!r} is not allowed; use whole numbers from {allowed}"
    return None


def bound_error(part: str, value: int) -> str | None:
    """What is wrong with a COUNT or INTERVAL beyond calgate's bounds (None when within)."""
    if part == "COUNT" and value > MAX_COUNT:
        return (
            f"COUNT={value} is more than the {MAX_COUNT:,} occurrences calgate writes: "
            "end the series with UNTIL, or leave COUNT out for a series without end"
        )
    if part == "INTERVAL" and value > MAX_INTERVAL:
        return (
            f"INTERVAL={value} is more than the {MAX_INTERVAL:,} calgate writes: "
            "say it with a coarser FREQ (every 1,000 days is FREQ=DAILY;INTERVAL=1000)"
        )
    return None


def check_sent_rule(text: str) -> None:
    """What calgate checks of a rule in a raw ``text/calendar`` body (stored as sent, so rule
    parts calgate does not model, like RSCALE, pass): a known FREQ, the values of the parts RFC
    5545 names within their ranges and calgate's bounds, not COUNT with UNTIL, and no
    FREQ=SECONDLY limited by a date part (see :data:`SPARSE_SECONDLY`). ValueError."""
    parts = split_rrule(text)
    check_rule_steps(parts)
    # RFC 7529: another RSCALE has other ranges (BYMONTH=13, 5L); only the bounds then
    checked = ("COUNT", "INTERVAL", "UNTIL") if "RSCALE" in parts else RULE_PARTS
    for part in checked:
        if part in parts:
            problem = _value_error(part, parts[part])
            if problem is not None:
                raise ValueError(problem)
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("COUNT and UNTIL cannot be used together: send one of them")
    freq = parts["FREQ"]
    for part in sorted(SPARSE_SECONDLY & set(parts)):
        problem = combination_error(part, [], freq, set(parts) - {part})
        if problem is not None:
            raise ValueError(problem)


def check_rrule(text: str) -> str:
    """Check an RRULE a client sends against RFC 5545 3.3.10 and return it without the
    ``RRULE:`` prefix; ValueError whose message names the part to fix.

    Stricter than :func:`validate_rrule`: what a server hands back is never checked with it
    (a stored rule that breaks these rules is shown as raw ``rrule`` and kept on edits).
    """
    parts = split_rrule(text)
    if "FREQ" not in parts:
        raise ValueError("an RRULE needs FREQ, like FREQ=WEEKLY")
    unknown = [p for p in parts if p not in RULE_PARTS]
    if unknown:
        raise ValueError(
            f"the rule part{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"{'are' if len(unknown) > 1 else 'is'} not supported: use only "
            + ", ".join(RULE_PARTS)
        )
    ordered = [p for p in RULE_PARTS if p in parts]
    for part in ordered:
        problem = _value_error(part, parts[part])
        if problem is not None:
            raise ValueError(problem)
    freq = parts["FREQ"]
    for part in ordered:
        values = [v.strip().upper() for v in parts[part].split(",")]
        problem = combination_error(part, values, freq, set(parts) - {part})
        if problem is not None:
            raise ValueError(problem)
    return validate_rrule(text)


def _parse_until(text: str) -> Time:
    value = text.strip().upper()
    if re.fullmatch(r"\d{8}", value):
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    match = re.fullmatch(r"(\d{8})T(\d{6})(Z?)", value)
    if not match:
        raise ValueError(f"UNTIL {text!r} is not a DATE or DATE-TIME")
    d, t, z = match.groups()
    naive = datetime(int(d[:4]), int(d[4:6]), int(d[6:8]), int(t[:2]), int(t[2:4]), int(t[4:6]))
    return naive.replace(tzinfo=_UTC) if z else naive


def parse_until(text: str) -> Time:
    """An RRULE's UNTIL value: a date, a UTC date-time (aware) or a local one (naive)."""
    return _parse_until(text)


def until_text(value: Time) -> str:
    """The RRULE form of an UNTIL value (UTC date-times get ``Z``)."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if is_aware(value):
        return value.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%dT%H%M%S")


def rrule_from_recurrence(rec: dict[str, Any], until: Time | None) -> str:
    """RRULE text for a ``recurrence`` object (its JSON form, camelCase keys); ``until`` is
    the already converted UNTIL value (see the writer)."""
    parts = [f"FREQ={rec['frequency'].upper()}"]
    if rec.get("interval") not in (None, 1):
        parts.append(f"INTERVAL={rec['interval']}")
    if rec.get("count") is not None:
        parts.append(f"COUNT={rec['count']}")
    if until is not None:
        parts.append(f"UNTIL={until_text(until)}")
    if rec.get("byDay"):
        parts.append("BYDAY=" + ",".join(d.upper() for d in rec["byDay"]))
    for name, part in INT_LIST_PARTS:
        if rec.get(name):
            parts.append(f"{part}=" + ",".join(str(n) for n in rec[name]))
    if rec.get("weekStart") not in (None, "mo"):
        parts.append(f"WKST={rec['weekStart'].upper()}")
    return ";".join(parts)


def recurrence_from_rrule(text: str) -> tuple[dict[str, Any], Time | None] | None:
    """The ``recurrence`` object (without ``until``) and the UNTIL value of an RRULE, or None
    when the rule uses parts the object cannot hold or is invalid."""
    try:
        parts = split_rrule(validate_rrule(text))
        if set(parts) - _MODELED:
            return None
        rec: dict[str, Any] = {"frequency": parts["FREQ"].lower()}
        if "INTERVAL" in parts:
            rec["interval"] = int(parts["INTERVAL"])
        if "COUNT" in parts:
            rec["count"] = int(parts["COUNT"])
        if "BYDAY" in parts:
            rec["byDay"] = [normalize_by_day(d) for d in parts["BYDAY"].split(",")]
        for name, part in INT_LIST_PARTS:
            if part in parts:
                rec[name] = [int(n) for n in parts[part].split(",")]
        if "WKST" in parts:
            wkst = parts["WKST"].lower()
            if wkst not in WEEKDAYS:
                return None
            rec["weekStart"] = wkst
        until = _parse_until(parts["UNTIL"]) if "UNTIL" in parts else None
    except (ValueError, KeyError):
        return None
    return rec, until


def rrule_key(text: str, zone: EventZone) -> tuple[Any, ...]:
    """What an RRULE means, for deciding whether a stored rule must be rewritten.

    Defaults are dropped (INTERVAL=1, WKST=MO), list order and ``+`` signs ignored, and UNTIL
    compared as an instant (a local UNTIL read in the event's zone).
    """
    try:
        parts = split_rrule(text)
    except ValueError:
        return ("raw", text.strip())
    key: list[tuple[str, Any]] = []
    for name, value in sorted(parts.items()):
        upper = value.upper()
        if name == "INTERVAL" and upper == "1":
            continue
        if name == "WKST" and upper == "MO":
            continue
        if name == "UNTIL":
            try:
                until = _parse_until(value)
            except ValueError:
                key.append((name, upper))
                continue
            key.append((name, time_key(until, zone)))
        elif name == "BYDAY":
            try:
                key.append((name, frozenset(normalize_by_day(d) for d in upper.split(","))))
            except ValueError:
                key.append((name, upper))
        elif name.startswith("BY"):
            try:
                key.append((name, frozenset(int(n) for n in upper.split(","))))
            except ValueError:
                key.append((name, upper))
        elif name in ("INTERVAL", "COUNT"):
            try:
                key.append((name, int(upper)))
            except ValueError:
                key.append((name, upper))
        else:
            key.append((name, upper))
    return tuple(key)


def time_key(value: Time, zone: EventZone) -> tuple[Any, ...]:
    """A comparable identity of a time: dates by day, local times in ``zone``, instants in UTC."""
    if not isinstance(value, datetime):
        return ("date", value)
    if not is_aware(value):
        if zone.tz is None:
            return ("local", value)
        value = zone.localize(value)
    return ("instant", value.astimezone(_UTC).replace(tzinfo=None))


def convert_until(until: Time, start: Time, zone: EventZone) -> Time:
    """The UNTIL to store for a sent ``until`` (RFC 5545 3.3.10: same value type as DTSTART,
    UTC when DTSTART has a zone, local when it is floating).

    A date ends a timed series at the end of that day in the event's zone; a date-time ends an
    all-day series on its own date; a local date-time is read in the event's zone.
    """
    if not isinstance(start, datetime):
        return until.date() if isinstance(until, datetime) else until
    if not isinstance(until, datetime):
        until = datetime.combine(until, time(23, 59, 59))
    if is_aware(until):
        if zone.tz is None:
            return until.replace(tzinfo=None)
        return until.astimezone(_UTC)
    if zone.tz is None:
        return until
    return zone.localize(until).astimezone(_UTC)


def parse_until_input(text: str) -> Time:
    """The ``until`` of the JSON form: an ISO date or date-time (ValueError)."""
    return parse_time(text)


__all__ = [
    "BY_DAY",
    "FREQUENCIES",
    "INT_LIST_PARTS",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "RULE_PARTS",
    "SPARSE_SECONDLY",
    "WEEKDAYS",
    "bound_error",
    "check_rrule",
    "check_rule_steps",
    "check_sent_rule",
    "combination_error",
    "convert_until",
    "normalize_by_day",
    "parse_until",
    "parse_until_input",
    "recurrence_from_rrule",
    "rrule_from_recurrence",
    "rrule_key",
    "split_rrule",
    "time_key",
    "until_text",
    "validate_rrule",
]
