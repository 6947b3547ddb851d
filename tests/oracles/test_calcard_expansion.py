"""calcard's expansions of 301 real-world and synthetic iCalendar files (data/calcard, MIT).

For the 253 files with a ``NNN.json`` calgate's instances (``iter_occurrences``, floating times
and dates read in Pacific/Auckland) must have the same start and end instants as calcard's, or
the file is in DISAGREE with the reason. What the data says about calcard's output, and so how
the two are compared:

- ``comp_id`` is the index of the component in a pre-order walk of the parse tree (VCALENDAR
  is 0, a VTIMEZONE's STANDARD/DAYLIGHT count too). calgate serves VEVENTs only, so calcard's
  VTODO, VJOURNAL and VFREEBUSY instances are left out; a VEVENT is compared with what calgate
  gives for it (overrides by RECURRENCE-ID, the rest to the series).
- The limit of 100 is per file, not per component: calcard stops generating after 100
  instances of recurring components, EXDATE'd ones included (so a yearly series can take the
  whole budget and the next series get none). Where a file used the budget up, a recurring
  component is compared up to its last calcard instance and one with no calcard instance is not
  compared; elsewhere calcard's list is complete and calgate's must equal it.
- A file holding several top-level objects has one JSON document per object. calgate stores
  one VCALENDAR per resource (RFC 4791 4.1) and rejects such text.
- calgate expands one series (the VEVENTs of one UID, each VEVENT without UID alone) at a time,
  as a CalDAV resource holds it: calcard's instances are per component, and walking a file of
  1300 series at once is slow in recurring-ical-events.

Every one of the 301 files must parse or raise InvalidInput, and expand without any other
exception.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component
from icalendar.prop import vBroken

from calgate.domain.expand import expand, iter_occurrences
from calgate.domain.ical_parse import parse_ical
from calgate.errors import InvalidInput

from .support import DATA, report

ICAL = DATA / "calcard" / "ical"
FLOATING = "Pacific/Auckland"
AUCKLAND = ZoneInfo(FLOATING)
BUDGET = 100  # calcard's instances per file
_SAFETY = 2_000  # occurrences per series; far above what is compared

ALL_FILES = sorted(p.stem for p in ICAL.glob("*.ics"))
EXPANDED = sorted(p.stem for p in ICAL.glob("*.json"))

Span = tuple[datetime, datetime]
_NAMED = ("DTSTART", "RECURRENCE-ID", "RDATE")

# Reasons shared by several files.
DTSTART_FIRST = (
    "DTSTART does not match the RRULE: calgate gives it as the first instance (RFC 5545 3.8.5.1: "
    '"The DTSTART property defines the first instance in the recurrence set"), calcard only '
    "the rule's matches"
)
DTSTART_COUNTED = (
    "DTSTART does not match a COUNT rule: calgate counts it as the first of the COUNT instances "
    '(RFC 5545 3.3.10: "The DTSTART property value always counts as the first occurrence"; '
    "as ical.js counts a DTSTART it starts from), so it gives DTSTART and the rule's first "
    "COUNT - 1 matches; calcard gives COUNT of the rule's matches and not DTSTART"
)
UNTIL_INCLUSIVE = (
    "an instance falls exactly on UNTIL: calgate keeps it (RFC 5545 3.3.10: UNTIL bounds the "
    'rule "in an inclusive manner"), calcard leaves it out'
)
NO_END = (
    "a DATE-TIME DTSTART with no DTEND or DURATION: calgate's instance lasts 0 s (RFC 5545 "
    '3.6.1: the event "will end on the same calendar date and time of day specified by the '
    'DTSTART property"), calcard ends it at 23:59:59 that day'
)
OWN_ZONE = (
    "calcard does not resolve TZID={} and reads the times as floating (Pacific/Auckland); "
    "calgate uses the file's VTIMEZONE of that name (RFC 5545 3.2.19)"
)
OUTLOOK_ZONE = (
    "TZID={} is an Outlook display name with no VTIMEZONE in the file (RFC 5545 3.2.19 "
    "requires one): calcard maps it to an IANA zone, calgate reads the time as floating "
    "(Pacific/Auckland)"
)
UTC_AS_FLOATING = (
    "calcard reads the UTC ('Z') DTSTART as floating time in Pacific/Auckland; RFC 5545 3.3.5 "
    "form #2 is UTC, as calgate reads it"
)
AFTER_2099 = (
    "from 2100 calcard's zone data has no daylight saving time; the IANA rules (zoneinfo) go "
    "on, so from 2100 calgate's instances are one hour off calcard's"
)
SET_NOT_LIST = (
    "an RDATE equals DTSTART: the recurrence set is a set (RFC 5545 3.8.5.2, 3.8.5.1), calgate "
    "has that instance once, calcard twice"
)
LONE_OVERRIDE = (
    "a VEVENT with RECURRENCE-ID and RDATEs but no master: calgate takes it as the one "
    'instance it overrides (RFC 5545 3.8.4.4: RECURRENCE-ID identifies "a specific instance"), '
    "calcard expands its RDATEs"
)
NOT_ICALENDAR = (
    "the file is a bare VEVENT, not an iCalendar object (RFC 5545 3.4: BEGIN:VCALENDAR ... "
    "END:VCALENDAR): calgate rejects the text (InvalidInput), calcard expands the VEVENT"
)
SEVERAL_OBJECTS = (
    "several iCalendar objects in one file; a CalDAV resource holds exactly one (RFC 4791 "
    "4.1): calgate rejects the text (InvalidInput), calcard expands each"
)
TWO_DTSTARTS = (
    "the VEVENT has two DTSTART properties (RFC 5545 3.6.1: MUST NOT occur more than once): "
    "calgate leaves the event out, calcard uses the first"
)

# Files where calgate's instances differ from calcard's, and why.
DISAGREE: dict[str, str] = {
    "006": OUTLOOK_ZONE.format('"(UTC-05:00) Eastern Time (US & Canada)" and others')
    + "; and "
    + DTSTART_FIRST,
    "008": NO_END + "; and a negative DURATION on a DATE DTSTART: calcard ends the instance "
    "before it starts, calgate ignores the negative length and uses one day, the default for "
    "a DATE DTSTART (RFC 5545 3.6.1)",
    "009": "same data as 008: " + NO_END + "; and a negative DURATION (see 008)",
    "010": OWN_ZONE.format('"Customized Time Zone"'),
    "014": "DTEND is a DATE while DTSTART is a UTC DATE-TIME (RFC 5545 3.8.2.2: DTEND MUST "
    "have DTSTART's value type): calgate reads the date in DTSTART's zone (UTC midnight), "
    "calcard as floating (Pacific/Auckland midnight)",
    "017": "an override's DTEND is before its DTSTART (RFC 5545 3.8.2.2: DTEND MUST be later): "
    "recurring-ical-events swaps the two, so calgate's instance runs from DTEND to DTSTART; "
    "calcard keeps DTSTART and a negative length",
    "018": UNTIL_INCLUSIVE,
    "019": UTC_AS_FLOATING,
    "021": OUTLOOK_ZONE.format('"(UTC-05:00) Eastern Time (US and Canada)"')
    + "; recurring-ical-events then reads that time in DTEND's zone (America/Los_Angeles), so "
    "the EXDATEs (Los Angeles) remove two instances that calcard keeps",
    "027": OUTLOOK_ZONE.format('"(GMT +01:00)"'),
    "030": AFTER_2099,
    "031": "two VEVENTs with the same UID and no RECURRENCE-ID (RFC 5545 3.8.4.7: the UID is "
    "globally unique): recurring-ical-events keeps one of them, calcard shows both",
    "034": 'DTSTART;VALUE=DATE with a date-time value "20110804T120000" (RFC 5545 3.3.4): '
    "calgate reads the date-time (12:00 floating), calcard the date",
    "035": AFTER_2099,
    "038": '"DURATION:PT1W" is not a valid duration (RFC 5545 3.3.6: weeks are "P1W"): calgate '
    "ignores it (one day, the default for a DATE DTSTART), calcard reads one week",
    "042": "a VTIMEZONE with two TZID properties (RFC 5545 3.6.5: TZID MUST NOT occur more than "
    "once): icalendar fails on it and calgate rejects the text (InvalidInput)",
    "044": "calcard does not apply the override RECURRENCE-ID;VALUE=DATE:20241028 and shows "
    "both the instance and its replacement; calgate replaces it (RFC 5545 3.8.4.4)",
    "046": SEVERAL_OBJECTS,
    "047": UNTIL_INCLUSIVE,
    "051": TWO_DTSTARTS,
    "054": NOT_ICALENDAR,
    "055": NOT_ICALENDAR,
    "056": NOT_ICALENDAR,
    "057": NOT_ICALENDAR,
    "058": NOT_ICALENDAR,
    "059": NOT_ICALENDAR,
    "060": NOT_ICALENDAR,
    "063": NOT_ICALENDAR,
    "065": OWN_ZONE.format("posix/Europe/Vaduz") + "; and " + NO_END,
    "080": OWN_ZONE.format("custom_America/New_York"),
    "083": '"DTSTART;;VALUE=DATE-TIME:..." has an empty parameter (RFC 5545 3.1): icalendar '
    "cannot read that DTSTART, so calgate leaves the event out; calcard reads it",
    "084": NO_END,
    "086": 'a line "X" that is not a content line (RFC 5545 3.1): calgate rejects the text '
    "(InvalidInput)",
    "087": LONE_OVERRIDE,
    "088": LONE_OVERRIDE + "; and " + OWN_ZONE.format('"Western/Central Europe"'),
    "089": "the RRULE's separators are backslash-escaped (FREQ=DAILY\\;UNTIL=..., not RFC 5545 "
    "3.3.10 syntax): calgate keeps the event as one instance, calcard reads the rule; and "
    + OWN_ZONE.format('"GMT +0100 (Standard) / GMT +0200 (Daylight)"'),
    "093": "the VEVENT is inside an unknown top-level component, not a VCALENDAR (RFC 5545 "
    "3.4): calgate rejects the text (InvalidInput), calcard expands the VEVENT",
    "102": OWN_ZONE.format("/Europe/CUSTOM"),
    "107": "TZID=CUSTOM_tzid has no VTIMEZONE, both read the time as floating; " + NO_END,
    "108": "a VEVENT with only a RECURRENCE-ID and no DTSTART (RFC 5545 3.6.1: DTSTART is "
    "required without METHOD): calgate leaves it out, calcard makes a one-day instance",
    "109": OWN_ZONE.format("MyTimezone") + "; and " + NO_END,
    "110": SEVERAL_OBJECTS,
    "111": TWO_DTSTARTS,
    "117": "RSCALE=CHINESE (RFC 7529) is not supported by dateutil: calgate keeps the event as "
    "one instance, calcard ignores RSCALE and repeats on the Gregorian date",
    "128": NOT_ICALENDAR,
    "130": NOT_ICALENDAR,
    "133": NOT_ICALENDAR,
    "134": NOT_ICALENDAR,
    "135": NOT_ICALENDAR,
    "136": NOT_ICALENDAR,
    "137": NOT_ICALENDAR,
    "138": NOT_ICALENDAR,
    "139": NOT_ICALENDAR,
    "148": "the text is cut off (no END:VEVENT, END:VCALENDAR): calgate rejects it "
    "(InvalidInput), calcard expands what is there",
    "160": "several top-level VEVENTs and no VCALENDAR (RFC 5545 3.4): calgate rejects the "
    "text (InvalidInput), calcard expands each",
    "167": 'an invalid DATE-TIME "-0011130T100000" in one component (RFC 5545 3.3.5): '
    "icalendar rejects the whole text, so calgate does (InvalidInput)",
    "172": NO_END,
    "177": AFTER_2099,
    "181": DTSTART_FIRST
    + "; and "
    + DTSTART_COUNTED
    + ": in comp 22 that DTSTART has an EXDATE and COUNT is 1, so calgate has no instance left "
    "(EXDATE takes values out of the set the rule made, RFC 5545 3.8.5.1), calcard the one match",
    "186": "DTSTART, an RDATE and an EXDATE on the same day: calgate has no instance (RFC 5545 "
    '3.8.5.1: EXDATE values are excluded from "all of the start DATE-TIME values"), calcard '
    "two",
    "192": SEVERAL_OBJECTS,
    "197": "the master EXDATEs the instances that two overrides replace: calgate "
    "(recurring-ical-events) leaves them out, the EXDATE winning (RFC 5545 3.8.5.1); calcard "
    "shows the overrides",
    "198": "a VTIMEZONE with an empty TZID (RFC 5545 3.8.3.1): icalendar rejects the text, so "
    "calgate does (InvalidInput)",
    "201": SET_NOT_LIST,
    "203": SET_NOT_LIST,
    "205": LONE_OVERRIDE + "; the RDATE equals DTSTART, so calcard has that instance twice",
    "206": LONE_OVERRIDE + "; the RDATE equals DTSTART, so calcard has that instance twice",
    "207": SET_NOT_LIST,
    "208": SET_NOT_LIST,
    "211": SEVERAL_OBJECTS,
    "213": DTSTART_FIRST,
    "217": DTSTART_FIRST,
    "220": SEVERAL_OBJECTS,
    "222": UTC_AS_FLOATING + "; and " + DTSTART_COUNTED,
    "226": AFTER_2099,
    "228": SEVERAL_OBJECTS,
    "253": 'RDATE values "20131210Z" are neither DATE nor DATE-TIME (RFC 5545 3.3.4, 3.3.5): '
    "calgate ignores them, calcard reads them as dates and leaves out DTSTART",
    "255": "two RRULEs (RFC 5545 3.8.5.3: the set they generate is undefined): calgate expands "
    "their union, as RFC 2445 defined it; calcard only the last one",
    "257": NO_END,
    "259": "overrides replace DTSTART and an RDATE: calgate replaces those instances (RFC 5545 "
    "3.8.4.4), calcard shows both the originals and the overrides",
    "261": OWN_ZONE.format("Nowhere/Middle"),
    "298": "local times that occur twice (Europe/London, 2024-10-27 01:00-02:00): calgate takes "
    'the first (RFC 5545 3.3.5: "refers to the first occurrence"), calcard the second',
}


def _documents(name: str) -> list[dict[str, Any]]:
    """The JSON documents of ``NNN.json`` (one per top-level object of the .ics)."""
    text = (ICAL / f"{name}.json").read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    found, at = [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found


def _parse(name: str) -> Calendar:
    return parse_ical((ICAL / f"{name}.ics").read_text(encoding="utf-8", errors="replace"))


def _instant(value: date | datetime) -> datetime:
    """Floating date-times and dates are read in Pacific/Auckland, as calcard's were."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), AUCKLAND)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=AUCKLAND)
    return value.astimezone(UTC)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _preorder(component: Component, out: list[Component]) -> list[Component]:
    out.append(component)
    for sub in component.subcomponents:
        _preorder(sub, out)
    return out


def _recurring(component: Component) -> bool:
    return "RRULE" in component or "RDATE" in component


def _values(component: Component, name: str) -> list[Any]:
    value = component.get(name)
    return value if isinstance(value, list) else [] if value is None else [value]


def _times(component: Component, name: str) -> list[date | datetime]:
    """The dates / date-times of a DTSTART-like or list property (none when broken)."""
    found: list[date | datetime] = []
    for prop in _values(component, name):
        if isinstance(prop, vBroken):
            continue
        for holder in getattr(prop, "dts", [prop]):
            value = getattr(holder, "dt", None)
            value = value[0] if isinstance(value, tuple) else value
            if isinstance(value, date):
                found.append(value)
    return found


def _series(cal: Calendar) -> list[list[Component]]:
    """The top-level VEVENTs grouped as calgate serves them: by UID (each without one alone)."""
    groups: dict[Any, list[Component]] = {}
    for index, comp in enumerate(cal.subcomponents):
        if comp.name == "VEVENT":
            uid = comp.get("UID")
            groups.setdefault(str(uid) if uid is not None else index, []).append(comp)
    return list(groups.values())


def _calendar_of(cal: Calendar, events: list[Component]) -> Calendar:
    """``cal`` with only these VEVENTs: one series, as a CalDAV resource holds it."""
    single = Calendar()
    for name, value in cal.items():
        single[name] = value
    for comp in cal.subcomponents:
        if comp.name != "VEVENT":
            single.add_component(comp)
    for comp in events:
        single.add_component(comp)
    return single


def _expand_series(
    cal: Calendar, events: list[Component], until: datetime | None
) -> dict[int, list[Span]]:
    """calgate's instances of one series, per VEVENT (keyed by id()): those starting up to
    ``until``, or all of them (the rule's stopping after BUDGET + 1, more than calcard has)."""
    masters = [c for c in events if "RECURRENCE-ID" not in c]
    overrides = {_instant(t): c for c in events for t in _times(c, "RECURRENCE-ID")[:1]}
    named = [_instant(t) for c in events for n in _NAMED for t in _times(c, n)]
    # Nothing starts before the earliest time the VEVENTs name: asking from just before it
    # misses nothing and keeps dateutil's walk short (from year 1 it takes minutes).
    after = min(named, default=datetime(1970, 1, 1, tzinfo=UTC)) - timedelta(days=2)
    moved = [_instant(t) for c in overrides.values() for t in _times(c, "DTSTART")]
    last = max([after, *moved] if until is None else [until, *moved])
    found: dict[int, list[Span]] = collections.defaultdict(list)
    from_rule = 0
    walk = iter_occurrences(_calendar_of(cal, events), after=after, floating_tz=FLOATING)
    for occ in islice(walk, _SAFETY):
        start = _instant(occ["DTSTART"].dt)
        end = _instant(occ["DTEND"].dt) if "DTEND" in occ else start
        done = until is not None or from_rule > BUDGET
        if done and start > last:
            break
        rid = _times(occ, "RECURRENCE-ID")
        owner = overrides.get(_instant(rid[0])) if rid else None
        if owner is None and masters:
            from_rule += 1
            if until is None and from_rule > BUDGET + 1:
                continue  # only moved instances (overrides) are still wanted
            owner = masters[0]
        if owner is not None:
            found[id(owner)].append((start, end))
    return found


def _compare(name: str) -> str | None:
    """None when calgate agrees with calcard on ``name``, else what differs."""
    documents = _documents(name)
    wanted = sum(len(d["events"]) for d in documents)
    try:
        cal = _parse(name)
    except InvalidInput as exc:
        return None if wanted == 0 else f"calgate rejects the text ({exc}); calcard has {wanted}"
    if len(documents) != 1:
        return f"{len(documents)} objects in one file"
    components = _preorder(cal, [])
    expected: dict[int, list[Span]] = collections.defaultdict(list)
    for item in documents[0]["events"]:
        comp = components[item["comp_id"]]
        assert comp.name in ("VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"), (name, item)
        if comp.name == "VEVENT":
            expected[id(comp)].append((_iso(item["start"]), _iso(item["end"])))
    recurring = [
        c for c in components if c.name in ("VEVENT", "VTODO", "VJOURNAL") and _recurring(c)
    ]
    used = sum(1 for item in documents[0]["events"] if _recurring(components[item["comp_id"]]))
    used += sum(len(_times(c, "EXDATE")) for c in recurring)
    cut = used >= BUDGET
    horizon = {key: max(s for s, _ in spans) for key, spans in expected.items()}
    differences: list[str] = []
    for events in _series(cal):
        if cut:
            ends = [horizon[id(c)] for c in events if id(c) in horizon]
            if not ends and any(_recurring(c) for c in events):
                continue  # calcard's budget ran out before this series
            until = max(ends, default=None)
        else:
            until = None
        ours = _expand_series(cal, events, until)
        for comp in events:
            mine, theirs = sorted(ours.get(id(comp), [])), sorted(expected.get(id(comp), []))
            if cut and _recurring(comp):
                if not theirs:
                    continue
                mine = [span for span in mine if span[0] <= horizon[id(comp)]]
            if mine != theirs:
                index = next(i for i, c in enumerate(components) if c is comp)
                extra = sorted(set(mine) - set(theirs))[:2]
                missing = sorted(set(theirs) - set(mine))[:2]
                differences.append(
                    f"comp {index}: calgate {len(mine)}, calcard {len(theirs)}; only calgate "
                    f"{[(str(s), str(e)) for s, e in extra]}, only calcard "
                    f"{[(str(s), str(e)) for s, e in missing]}"
                )
    return "; ".join(differences) or None


@functools.cache
def outcome(name: str) -> str | None:
    return _compare(name)


@pytest.mark.parametrize("name", EXPANDED)
def test_calcard_expansion(name: str) -> None:
    difference = outcome(name)
    if name in DISAGREE:
        assert difference is not None, f"{name} now agrees with calcard: remove it from DISAGREE"
    else:
        assert difference is None, difference


def _earliest(cal: Calendar) -> datetime:
    known = [
        _instant(t) for c in cal.subcomponents if c.name == "VEVENT" for t in _times(c, "DTSTART")
    ]
    return min(known, default=datetime(2000, 1, 1, tzinfo=UTC)) - timedelta(days=2)


@pytest.mark.parametrize("name", ALL_FILES)
def test_calcard_file_does_not_break_calgate(name: str) -> None:
    """Broken or odd input: InvalidInput at most, through both entry points."""
    try:
        cal = _parse(name)
    except InvalidInput:
        return
    low = _earliest(cal)
    for events in _series(cal):
        list(
            islice(iter_occurrences(_calendar_of(cal, events), after=low, floating_tz=FLOATING), 5)
        )
    with contextlib.suppress(InvalidInput):  # more than max_items: a too dense range
        expand(
            cal,
            start=low,
            end=low + timedelta(days=3 * 366),
            floating_tz=FLOATING,
            event_id="e",
            calendar_id="c",
            etag=None,
            max_items=1_000,
        )


def test_calcard_summary() -> None:
    assert set(DISAGREE) <= set(EXPANDED), set(DISAGREE) - set(EXPANDED)
    agree = sum(outcome(name) is None for name in EXPANDED)
    listed = sum(outcome(name) is not None for name in DISAGREE)
    report("calcard", f"calcard: {agree}/{len(EXPANDED)} agree, {listed} documented")
    assert agree + listed == len(EXPANDED)
