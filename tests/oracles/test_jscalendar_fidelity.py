"""Round trips through JSCalendar keep meaning, over icalendar's and calcard's .ics files.

Sources: icalendar's own test calendars, read from the installed package (BSD), and calcard's
``data/calcard/ical`` files (MIT). Each UID's VEVENTs of a file, with the file's VTIMEZONEs
(the ones they use) and without METHOD (iTIP's, not storage's), is one stored object when
``check_object`` accepts it. Files that do not parse or hold no VEVENT, and objects
``check_object`` refuses, are counted apart. Two checks per object:

- in place: ``write_event(stored, to_jscalendar(stored))`` (a PUT of what a GET returned)
  leaves every VEVENT byte-identical, SEQUENCE included, and removes no VTIMEZONE (it may add
  one);
- round trip: ``to_jscalendar(write_event(None, js))``, stored as text and parsed again, equals
  ``js = to_jscalendar(stored)``, leaving out what the server sets (``created``, ``updated``,
  ``sequence``) and ``method``.

A disagreement is named by a mechanical label (the iCalendar properties that changed, the
JSCalendar members that differ, or the writer's refusal) and documented below with the files
it happens in and why. A new label or a new file fails, and so does a documented file that
stops disagreeing. Files holding more than MAX_PER_FILE UIDs (a few calcard exports of
hundreds of events) are checked on their first MAX_PER_FILE, to stay fast.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar, Component

from calgate.domain.ical_parse import parse_ical, text_of, tzid_of
from calgate.domain.ical_raw import check_object
from calgate.domain.jscal_read import to_jscalendar
from calgate.domain.jscal_write import write_event
from calgate.errors import Conflict, InvalidInput

from .support import DATA, report

FLOATING = "Pacific/Auckland"
NOW = datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)
MAX_PER_FILE = 30
SERVER_SET = frozenset({"created", "updated", "sequence", "method"})
# JSCalendar defaults: the same meaning as the member left out (RFC 8984 5.1, 4.4.6).
DEFAULTS = {
    "title": "",
    "status": "confirmed",
    "freeBusyStatus": "busy",
    "privacy": "public",
    "priority": 0,
}
PARTICIPANT_DEFAULTS = {"participationStatus": "needs-action", "expectReply": False}  # 4.4.6
RULE_DEFAULTS = {"interval": 1, "rscale": "gregorian", "skip": "omit", "firstDayOfWeek": "mo"}


def _sources() -> dict[str, Path]:
    icalendar_dir = Path(str(importlib.resources.files("icalendar") / "tests" / "calendars"))
    found = {f"icalendar/{p.name}": p for p in sorted(icalendar_dir.glob("*.ics"))}
    found |= {f"calcard/{p.name}": p for p in sorted((DATA / "calcard" / "ical").glob("*.ics"))}
    return found


SOURCES = _sources()

# -- documented disagreements: label -> (why, files) ---------------------------------------------

IN_PLACE: dict[str, tuple[str, list[str]]] = {
    "changed: DESCRIPTION": (
        ("several DESCRIPTIONs: JSCalendar shows one, the writer keeps only it"),
        [
            "calcard/004.ics",
        ],
    ),
    "changed: DTSTAMP": (
        ("the stored VEVENT has no DTSTAMP (required by RFC 5545): the writer adds one"),
        [
            "calcard/004.ics",
            "calcard/005.ics",
            "calcard/010.ics",
            "calcard/014.ics",
            "calcard/017.ics",
            "calcard/019.ics",
            "calcard/051.ics",
            "calcard/065.ics",
            "calcard/080.ics",
            "calcard/084.ics",
            "calcard/085.ics",
            "calcard/090.ics",
            "calcard/091.ics",
            "calcard/109.ics",
            "calcard/111.ics",
            "calcard/114.ics",
            "calcard/121.ics",
            "calcard/153.ics",
            "calcard/156.ics",
            "calcard/178.ics",
            "calcard/189.ics",
            "calcard/227.ics",
            "calcard/259.ics",
            "icalendar/america_new_york.ics",
            "icalendar/america_new_york_forward_reference.ics",
            "icalendar/created_calendar_with_unicode_fields.ics",
            "icalendar/example.ics",
            "icalendar/issue_1050_all_components.ics",
            "icalendar/issue_1050_calendar_with_events_and_todos.ics",
            "icalendar/issue_1050_forward_timezone_reference.ics",
            "icalendar/issue_1050_simple_calendar.ics",
            "icalendar/issue_1081_empty_rdate.ics",
            "icalendar/issue_1081_event_with_rrule.ics",
            "icalendar/issue_1081_list_of_properties.ics",
            "icalendar/issue_1081_tzid_param.ics",
            "icalendar/issue_1426.ics",
            "icalendar/issue_1426_value_parameters.ics",
            "icalendar/issue_1633_rdate_with_dates.ics",
            "icalendar/issue_1633_rdate_with_dates_and_tzid.ics",
            "icalendar/issue_168_expected_output.ics",
            "icalendar/issue_168_input.ics",
            "icalendar/issue_313_globally_unique_tzid.ics",
            "icalendar/issue_722_timezone_transition_ambiguity.ics",
            "icalendar/multiple_timezones.ics",
            "icalendar/pacific_fiji.ics",
            "icalendar/period_with_timezone.ics",
            "icalendar/timezone_rdate.ics",
            "icalendar/timezone_same_start_and_offset.ics",
        ],
    ),
    "changed: EXDATE": (
        (
            "EXDATEs in another form than the UTC DTSTART (floating date-times, a DATE) and "
            "on no occurrence: the reader shows them as they are written, the writer "
            "compares them as instants (a floating time read in the calendar's zone), finds "
            "them changed and rewrites them as UTC; showing a floating EXDATE converted "
            "into the event's zone would fix it"
        ),
        [
            "calcard/019.ics",
        ],
    ),
    "changed: LAST-MODIFIED": (
        ("follows from the other changes of this file (a real change sets LAST-MODIFIED)"),
        [
            "calcard/004.ics",
            "calcard/010.ics",
            "calcard/019.ics",
            "calcard/109.ics",
            "calcard/156.ics",
            "calcard/259.ics",
            "icalendar/issue_722_timezone_transition_ambiguity.ics",
        ],
    ),
    "changed: LOCATION": (
        ("an empty LOCATION: JSCalendar shows no location, the writer removes the empty line"),
        [
            "calcard/010.ics",
            "calcard/156.ics",
        ],
    ),
    "changed: SEQUENCE": (
        ("follows from the other changes of this file (a real change bumps SEQUENCE)"),
        [
            "calcard/004.ics",
            "calcard/010.ics",
            "calcard/019.ics",
            "calcard/109.ics",
            "calcard/156.ics",
            "calcard/259.ics",
            "icalendar/issue_722_timezone_transition_ambiguity.ics",
        ],
    ),
    "refused: calgate stores one recurrence rule per event": (
        ("two RRULEs: calgate stores one recurrence rule per event (422)"),
        [
            "calcard/255.ics",
        ],
    ),
    "refused: no master VEVENT": (
        (
            "overrides only (no master VEVENT): the reader shows the first instance, a PUT "
            "of it is a 409"
        ),
        [
            "calcard/088.ics",
            "calcard/188.ics",
            "calcard/205.ics",
            "calcard/206.ics",
            "calcard/253.ics",
            "icalendar/issue_1231_recurrence.ics",
            "icalendar/issue_156_RDATE_with_PERIOD_TZID_khal_2.ics",
        ],
    ),
    "refused: trigger is required: an OffsetTrigger or AbsoluteT": (
        (
            "a VALARM whose TRIGGER cannot be read: the reader shows the alert without "
            "trigger, the writer requires one (422)"
        ),
        [
            "calcard/252.ics",
        ],
    ),
    "refused: unknown time zone …: use an IANA name like …": (
        (
            "a TZID that calgate cannot resolve (no usable VTIMEZONE in the object, not an IANA "
            "or Windows name): the reader shows it as stored and the writer cannot compute with "
            "it (422); a custom TZID with its own VTIMEZONE is a timeZones entry, read and "
            "written (RFC 8984 4.7.2)"
        ),
        [
            "calcard/008.ics",
            "calcard/009.ics",
            "calcard/012.ics",
            "calcard/021.ics",
            "calcard/027.ics",
            "calcard/041.ics",
            "calcard/043.ics",
            "calcard/103.ics",
            "calcard/104.ics",
            "calcard/105.ics",
            "calcard/106.ics",
            "icalendar/issue_526_calendar_with_different_events.ics",
            "icalendar/issue_526_calendar_with_event_subset.ics",
            "icalendar/issue_526_calendar_with_events.ics",
            "icalendar/issue_526_calendar_with_shuffeled_events.ics",
        ],
    ),
    "refused: … is not a month … to …; … is not one of …": (
        ("RFC 7529 leap month (BYMONTH=5L): the writer takes months 1-12 only (422)"),
        [
            "calcard/117.ics",
            "icalendar/rfc_7529.ics",
        ],
    ),
    "refused: … is not one of …": (
        (
            "RSCALE / leap months (RFC 7529): the writer knows gregorian frequencies and "
            "months only (422)"
        ),
        [
            "calcard/117.ics",
            "icalendar/rfc_7529.ics",
        ],
    ),
}

ROUND_TRIP: dict[str, tuple[str, list[str]]] = {
    "differs: color": (
        ("color is not written"),
        [
            "calcard/259.ics",
        ],
    ),
    "differs: descriptionContentType": (
        ("descriptionContentType (STYLED-DESCRIPTION) is not written"),
        [
            "calcard/004.ics",
        ],
    ),
    "differs: duration": (
        (
            "an all-day event without DTEND / DURATION: the reader shows no duration, as "
            "calcard does (test_calcard_jscalendar, 007_date), the writer writes "
            "DURATION:P1D (RFC 5545 3.6.1: it lasts one day); showing P1D needs that case "
            "documented there"
        ),
        [
            "calcard/008.ics",
            "calcard/009.ics",
            "calcard/038.ics",
            "calcard/085.ics",
            "calcard/161.ics",
            "calcard/233.ics",
            "calcard/256.ics",
            "calcard/283.ics",
            "icalendar/example.ics",
            "icalendar/issue_1426_value_parameters.ics",
            "icalendar/rfc_7265_appendix_example_1_ical.ics",
        ],
    ),
    "differs: recurrenceId": (
        (
            "overrides only: the reader shows one instance with recurrenceId, the writer "
            "makes a series"
        ),
        [
            "calcard/188.ics",
            "calcard/253.ics",
            "icalendar/issue_1231_recurrence.ics",
            "icalendar/issue_156_RDATE_with_PERIOD_TZID_khal_2.ics",
            "calcard/088.ics",
            "calcard/205.ics",
            "calcard/206.ics",
        ],
    ),
    "differs: recurrenceIdTimeZone": (
        (
            "overrides only: the reader shows one instance with recurrenceId, the writer "
            "makes a series"
        ),
        [
            "calcard/188.ics",
            "icalendar/issue_1231_recurrence.ics",
            "icalendar/issue_156_RDATE_with_PERIOD_TZID_khal_2.ics",
            "calcard/088.ics",
            "calcard/205.ics",
            "calcard/206.ics",
        ],
    ),
    "differs: recurrenceOverrides": (
        (
            "an override whose RECURRENCE-ID is a date-time in an all-day series (175, "
            "219): the reader keys it by that time in the calendar's zone, a fresh write "
            "stores a DATE RECURRENCE-ID, read back at midnight; an override's color (259) "
            "is not written"
        ),
        [
            "calcard/175.ics",
            "calcard/219.ics",
            "calcard/259.ics",
        ],
    ),
    "refused: UNTIL=… is before the start (…-…-…), so the series": (
        (
            "an UNTIL before DTSTART (a series that never occurs): the reader shows it, the "
            "writer refuses it (422)"
        ),
        [
            "calcard/223.ics",
            "calcard/224.ics",
        ],
    ),
    "refused: calgate stores one recurrence rule per event": (
        ("two RRULEs: calgate stores one recurrence rule per event (422)"),
        [
            "calcard/255.ics",
        ],
    ),
    "refused: trigger is required: an OffsetTrigger or AbsoluteT": (
        (
            "a VALARM whose TRIGGER cannot be read: the reader shows the alert without "
            "trigger, the writer requires one (422)"
        ),
        [
            "calcard/252.ics",
        ],
    ),
    "refused: unknown time zone …: use an IANA name like …": (
        (
            "a TZID that calgate cannot resolve (no usable VTIMEZONE in the object, not an IANA "
            "or Windows name): the reader shows it as stored and the writer cannot compute with "
            "it (422); a custom TZID with its own VTIMEZONE is a timeZones entry, read and "
            "written (RFC 8984 4.7.2)"
        ),
        [
            "calcard/008.ics",
            "calcard/009.ics",
            "calcard/012.ics",
            "calcard/021.ics",
            "calcard/027.ics",
            "calcard/041.ics",
            "calcard/043.ics",
            "calcard/103.ics",
            "calcard/104.ics",
            "calcard/105.ics",
            "calcard/106.ics",
            "icalendar/issue_218_bad_tzid.ics",
            "icalendar/issue_526_calendar_with_different_events.ics",
            "icalendar/issue_526_calendar_with_event_subset.ics",
            "icalendar/issue_526_calendar_with_events.ics",
            "icalendar/issue_526_calendar_with_shuffeled_events.ics",
        ],
    ),
    "refused: … is not a month … to …; … is not one of …": (
        ("RFC 7529 leap month (BYMONTH=5L): the writer takes months 1-12 only (422)"),
        [
            "calcard/117.ics",
            "icalendar/rfc_7529.ics",
        ],
    ),
    "refused: … is not one of …": (
        (
            "RSCALE / leap months (RFC 7529): the writer knows gregorian frequencies and "
            "months only (422)"
        ),
        [
            "calcard/117.ics",
            "icalendar/rfc_7529.ics",
        ],
    ),
}


# -- the checks ---------------------------------------------------------------------------------


def _used_tzids(events: list[Component]) -> set[str]:
    used = set()
    for event in events:
        for values in event.values():
            for value in values if isinstance(values, list) else [values]:
                tzid = tzid_of(value)
                if tzid:
                    used.add(tzid)
    return used


def objects_of(name: str) -> tuple[str, list[tuple[str, str]]]:
    """("ok" or why the file gives no object, [(uid, object text), ...])."""
    text = SOURCES[name].read_bytes().decode("utf-8", errors="replace")
    try:
        cal = parse_ical(text)
    except InvalidInput:
        return "unparsable", []
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if not events:
        return "no VEVENT", []
    zones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    out = []
    for uid in list(dict.fromkeys(text_of(e, "UID") for e in events))[:MAX_PER_FILE]:
        mine = [e for e in events if text_of(e, "UID") == uid]
        used = _used_tzids(mine)
        body = "".join(
            c.to_ical().decode() for c in [*(z for z in zones if str(z.get("TZID")) in used), *mine]
        )
        head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate//fidelity//EN\r\n"
        out.append((str(uid), head + body + "END:VCALENDAR\r\n"))
    return "ok", out


def _refusal(exc: Exception) -> str:
    """A refusal's label: the start of its messages, quoted values and numbers left out."""
    if isinstance(exc, Conflict):
        return "refused: no master VEVENT"
    assert isinstance(exc, InvalidInput)
    details = sorted({re.sub(r"'[^']*'|\d+", "…", e.detail)[:50] for e in exc.errors})
    return "refused: " + "; ".join(details)


def _lines(event: Component) -> Counter[tuple[str, bytes]]:
    """(property name, its content line) of a VEVENT, VALARMs included."""
    out: Counter[tuple[str, bytes]] = Counter()
    for line in event.to_ical().split(b"\r\n"):
        if line[:1] not in (b" ", b"\t"):
            out[(re.split(rb"[;:]", line, maxsplit=1)[0].decode(), line)] += 1
    return out


def in_place(text: str) -> frozenset[str]:
    """What a PUT of what the GET returned changes (nothing: empty)."""
    stored = parse_ical(text)
    copy = parse_ical(text)
    js = to_jscalendar(stored, floating_tz=FLOATING)
    try:
        write_event(copy, js, uid="ignored", default_tz=FLOATING, now=NOW)
    except (InvalidInput, Conflict) as exc:
        return frozenset({_refusal(exc)})

    def parts(cal: Calendar, name: str) -> list[Component]:
        return [c for c in cal.subcomponents if c.name == name]

    zones = {z.to_ical() for z in parts(copy, "VTIMEZONE")}
    if any(z.to_ical() not in zones for z in parts(stored, "VTIMEZONE")):
        return frozenset({"changed: VTIMEZONE removed"})
    before, after = parts(stored, "VEVENT"), parts(copy, "VEVENT")
    if len(before) != len(after):
        return frozenset({f"changed: {len(before)} VEVENTs became {len(after)}"})
    names: set[str] = set()
    for old, new in zip(before, after, strict=True):
        a, b = _lines(old), _lines(new)
        names |= {name for name, _ in (a - b) + (b - a)}
    return frozenset(f"changed: {name}" for name in names)


def _same(value: dict[str, Any]) -> dict[str, Any]:
    """What is compared: JSON values (tuples are lists), without the server-set members (also
    in each override patch)."""
    found = {
        k: v
        for k, v in json.loads(json.dumps(value)).items()
        if k not in SERVER_SET and DEFAULTS.get(k, ...) != v
    }
    zone_rules = [
        rule
        for zone in (found.get("timeZones") or {}).values()
        for part in (*zone.get("standard", []), *zone.get("daylight", []))
        for rule in part.get("recurrenceRules", [])
    ]
    for rule in [
        *found.get("recurrenceRules", []),
        *found.get("excludedRecurrenceRules", []),
        *zone_rules,
    ]:
        for member, default in RULE_DEFAULTS.items():
            if rule.get(member) == default:
                del rule[member]
    for alert in (found.get("alerts") or {}).values():
        if (alert.get("trigger") or {}).get("relativeTo") == "start":
            del alert["trigger"]["relativeTo"]
        if alert.get("action") == "display":
            del alert["action"]  # RFC 8984 5.1.2: an Alert's action defaults to display
    for person in (found.get("participants") or {}).values():
        roles = person.get("roles")
        if isinstance(roles, dict) and roles.pop("required", None):
            roles["attendee"] = True  # ROLE=REQ-PARTICIPANT, iCalendar's default: an attendee
        if roles == {"attendee": True}:
            del person["roles"]
        for member, default in PARTICIPANT_DEFAULTS.items():
            if person.get(member) == default:
                del person[member]
    overrides = found.get("recurrenceOverrides")
    if isinstance(overrides, dict):
        found["recurrenceOverrides"] = {
            k: {m: v for m, v in p.items() if m not in SERVER_SET} for k, p in overrides.items()
        }
    return found


def round_trip(text: str, uid: str) -> frozenset[str]:
    """What differs after JSCalendar -> a new iCalendar object -> JSCalendar (nothing: empty)."""
    js = to_jscalendar(parse_ical(text), floating_tz=FLOATING)
    try:
        fresh = write_event(None, js, uid=uid, default_tz=FLOATING, now=NOW)
    except (InvalidInput, Conflict) as exc:
        return frozenset({_refusal(exc)})
    back = to_jscalendar(parse_ical(fresh.to_ical().decode()), floating_tz=FLOATING)
    want, got = _same(js), _same(back)
    return frozenset(
        f"differs: {k}" for k in set(want) | set(got) if want.get(k, ...) != got.get(k, ...)
    )


Labels = frozenset[str]
NOT_ACCEPTED = "not accepted"


@functools.cache
def results(name: str) -> tuple[str, dict[str, tuple[Labels, Labels] | None]]:
    """("ok" / "unparsable" / "no VEVENT", uid -> (in place labels, round trip labels), None
    for an object check_object refuses)."""
    status, objects = objects_of(name)
    out: dict[str, tuple[Labels, Labels] | None] = {}
    for uid, text in objects:
        try:
            check_object(text)
        except InvalidInput:
            out[uid] = None  # not an object calgate stores: counted apart
            continue
        out[uid] = (in_place(text), round_trip(text, uid))
    return status, out


CHECKS = (("in place", IN_PLACE), ("round trip", ROUND_TRIP))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_fidelity(name: str) -> None:
    _, found = results(name)
    pairs = [pair for pair in found.values() if pair is not None]
    for index, (check, documented) in enumerate(CHECKS):
        seen = set().union(*(pair[index] for pair in pairs))
        listed = {label for label, (_, files) in documented.items() if name in files}
        assert not seen - listed, f"{check}: new disagreements {sorted(seen - listed)}"
        assert not listed - seen, f"{check}: now agrees on {sorted(listed - seen)}: unlist it"


def test_fidelity_summary() -> None:
    for _, documented in CHECKS:
        for _, files in documented.values():
            assert set(files) <= set(SOURCES), set(files) - set(SOURCES)
    statuses = Counter(results(name)[0] for name in SOURCES)
    found = [pair for name in SOURCES for pair in results(name)[1].values()]
    accepted = [pair for pair in found if pair is not None]
    same = sum(not pair[0] for pair in accepted)
    kept = sum(not pair[1] for pair in accepted)
    listed = sum(bool(pair[0] or pair[1]) for pair in accepted)
    report(
        "fidelity",
        f"fidelity: in place {same}/{len(accepted)} unchanged, round trip {kept}/{len(accepted)}"
        f" same meaning, {listed} documented ({len(found) - len(accepted)} objects not"
        f" accepted, {statuses['unparsable']} files unparsable, {statuses['no VEVENT']} without"
        " VEVENT)",
    )
    # most objects must survive both ways: a writer or reader regression shows here too
    assert same > len(accepted) * 0.6 and kept > len(accepted) * 0.6
