"""calcard's iCalendar -> JSCalendar conversion cases (data/calcard/jscalendar, MIT).

Each ``> test NAME`` block holds sections separated by ``> convert``: iCalendar text, the JSON
calcard makes of it, and sometimes the way back. Every iCalendar section followed by a JSON
section is one case (JSON -> iCalendar is ``jscal_write``'s direction, not compared here).
calgate's reader (``to_jscalendar_entries`` and ``group``, floating times in Pacific/Auckland)
must give what calcard gives, or the case is in DISAGREE with the reason. How they are compared:

- A block that is a bare property list is read inside VCALENDAR/VEVENT (a bare ``BEGIN:VTODO``
  inside a VCALENDAR), and missing END lines are added, as calcard does.
- Expected JSON fragments are objects; one without ``@type`` is an Event. An expected Event is
  compared with the one Event calgate makes, an expected Group with calgate's Group.
- The draft's singular ``recurrenceRule`` is RFC 8984's ``recurrenceRules`` list.
- ``iCalendar`` members (the draft's copy of unconverted iCalendar data) are left out: calgate
  keeps the stored iCalendar object itself, so it does not need them.
- ``@type`` of RecurrenceRule, NDay and Relation objects is implied by where they are (RFC 8984
  puts it there, calcard leaves it out), so it is not compared; an empty ``entries`` of a Group
  is the same as none.
- calgate serves events only: Task entries of a Group are left out, and a case whose result is
  a Task is in DISAGREE.
- calgate speaks RFC 8984, calcard JSCalendar 2.0 (draft-ietf-calext-jscalendarbis): calgate's
  ``sendTo`` and ``replyTo`` are compared as the draft's ``calendarAddress`` and
  ``organizerCalendarAddress``; an ``email`` that is the mailto: address's own (which calgate
  shows without an EMAIL parameter) is not compared; and the ``owner`` role calgate gives the
  ATTENDEE that is also the ORGANIZER (RFC 8984 4.4.6) is not compared either, since the draft
  says the same with ``organizerCalendarAddress``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from calgate.domain.ical_parse import parse_ical
from calgate.domain.jscal_read import group, to_jscalendar, to_jscalendar_entries
from calgate.errors import InvalidInput

from .support import DATA, report

CASES_DIR = DATA / "calcard" / "jscalendar"
FLOATING = "Pacific/Auckland"
IMPLIED_TYPES = {"RecurrenceRule", "NDay", "Relation"}

TASK = "a VTODO (JSCalendar Task): calgate serves VEVENTs only"
PARTICIPANT = "a PARTICIPANT component (RFC 9073) is not read: calgate reads ATTENDEE/ORGANIZER"
OUTLOOK_ZONE = (
    "TZID={} is an Outlook display name with no VTIMEZONE: calcard guesses the IANA zone from "
    "the name, calgate shows the TZID as stored (as its expansion does, see "
    "test_calcard_expansion), so its times are not converted"
)

ROLES = (
    "RFC 8984 4.4.6 makes a Participant's roles mandatory: calgate reads an ATTENDEE without "
    "ROLE as roles {{attendee: true}} and the participant made of an ORGANIZER alone as "
    "{{owner: true}}; calcard leaves roles out there ({})"
)

# Case -> why calgate's answer differs from calcard's.
DISAGREE: dict[str, str] = {
    "001_simple: PERCENT-COMPLETE": TASK,
    "001_simple: STATUS -> progress": TASK,
    "001_simple: STATUS:CANCELLED -> progress": TASK,
    "004_link: ATTACH with FMTTYPE": (
        "an inline (BINARY) ATTACH: calgate makes an RFC 2397 data URI "
        "(data:image/png;base64,...), calcard writes data:base64,... (not RFC 2397), so the "
        "href and the id made from it differ"
    ),
    "005_participant: ATTENDEE": ROLES.format("the ATTENDEEs without ROLE"),
    "005_participant: ATTENDEE property and PARTICIPANT component": PARTICIPANT,
    "005_participant: CALENDAR-ADDRESS in PARTICIPANT": PARTICIPANT,
    "005_participant: PARTICIPANT component": PARTICIPANT,
    "005_participant: PARTICIPANT with SUMMARY": PARTICIPANT,
    "005_participant: ATTENDEE with VTODO-specific participation status": TASK,
    "005_participant: ORGANIZER": ROLES.format("the ORGANIZER alone, an ATTENDEE without ROLE"),
    "005_participant: ORGANIZER and ATTENDEE": ROLES.format("the ATTENDEEs without ROLE"),
    "005_participant: ORGANIZER is OWNER": ROLES.format("an ATTENDEE without ROLE"),
    "007_date: DUE property with TZID parameter": TASK,
    "007_date: DUE property with UTC time": TASK,
    "007_date: DUE property with floating time": TASK,
    "007_date: DUE property with value type DATE": TASK,
    "007_date: DUE property with value type DATE in combination with DTSTART": TASK,
    "007_date: ESTIMATED-DURATION": TASK,
    "007_date: multiple timezones": (
        "VEVENTs without DTSTART (not valid, RFC 5545 3.6.1): calcard takes the zone of an RDATE "
        "or RECURRENCE-ID as timeZone and keys RDATEs in it; calgate has no start, so no "
        "timeZone, and keys them in the calendar's zone"
    ),
    "007_date: non-IANA timezones #1": OUTLOOK_ZONE.format("(GMT+10:00) Canberra, ..."),
    "007_date: non-IANA timezones #2": OUTLOOK_ZONE.format("(UTC-05:00) Eastern Time ..."),
    "010_complete: JSCalendar - Recurring Event with Participants (round trip)": ROLES.format(
        "Tom's ATTENDEE, written by calcard without ROLE"
    ),
    "010_complete: JSCalendar conversion RFC - VTODO": TASK,
}


def _sections(path: Path) -> list[tuple[str, list[str]]]:
    """(test name, [section text, ...]) of each block of a case file."""
    blocks: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("> test"):
            blocks.append((line[len("> test") :].strip(), [""]))
        elif line.startswith("> convert") and blocks:
            name, sections = blocks[-1]
            if not name:  # one block names its case on the convert line
                blocks[-1] = (line[len("> convert") :].strip(), sections)
            sections.append("")
        elif blocks:
            blocks[-1][1][-1] += line + "\n"
    return blocks


def _is_json(text: str) -> bool:
    return text.lstrip().startswith(("{", '"'))


def load_cases() -> dict[str, tuple[str, str]]:
    """Case name -> (iCalendar text, expected JSON text)."""
    cases: dict[str, tuple[str, str]] = {}
    for path in sorted(CASES_DIR.glob("*.txt")):
        for name, sections in _sections(path):
            texts = [s for s in sections if s.strip()]
            for i, (source, result) in enumerate(itertools.pairwise(texts)):
                if _is_json(source) or not _is_json(result):
                    continue
                key = f"{path.stem}: {name}" + (" (round trip)" if i else "")
                while key in cases:
                    key += " #"
                cases[key] = (source, result)
    return cases


CASES = load_cases()


def wrap(text: str) -> str:
    """The iCalendar of a case as one VCALENDAR, with the END lines it leaves out."""
    lines = [line for line in text.splitlines() if line.strip()]
    head = lines[0].strip().upper() if lines else ""
    if head != "BEGIN:VCALENDAR":
        lines = (
            ["BEGIN:VCALENDAR"] + ([] if head.startswith("BEGIN:") else ["BEGIN:VEVENT"]) + lines
        )
    stack: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            continue
        upper = line.strip().upper()
        if upper.startswith("BEGIN:"):
            stack.append(upper[len("BEGIN:") :])
        elif upper.startswith("END:") and stack:
            stack.pop()
    lines += [f"END:{name}" for name in reversed(stack)]
    return "\r\n".join(lines) + "\r\n"


def normalise(value: Any) -> Any:
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "iCalendar" or (key == "@type" and item in IMPLIED_TYPES):
            continue
        if key == "recurrenceRule":
            out["recurrenceRules"] = [normalise(item)]
        else:
            out[key] = normalise(item)
    if out.get("@type") == "Group":
        entries = [e for e in out.get("entries", []) if e.get("@type") != "Task"]
        out["entries"] = sorted(entries, key=lambda e: json.dumps(e, sort_keys=True))
        if not out["entries"]:
            del out["entries"]
    return out


def _address(methods: Any) -> Any:
    if not isinstance(methods, dict):
        return methods
    return methods.get("imip") or methods.get("other")


def _own_email(person: dict[str, Any]) -> bool:
    address = str(person.get("calendarAddress") or "")
    email = str(person.get("email") or "")
    return address.lower().startswith("mailto:") and address[7:].lower() == email.lower()


def draft_spelling(value: Any) -> Any:
    """calgate's RFC 8984 spelling of people as JSCalendar 2.0 spells them (module docstring)."""
    if isinstance(value, list):
        return [draft_spelling(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: draft_spelling(v) for k, v in value.items()}
    if "replyTo" in out:
        out["organizerCalendarAddress"] = _address(out.pop("replyTo"))
    organizer = str(out.get("organizerCalendarAddress") or "").lower()
    for person in (out.get("participants") or {}).values():
        if not isinstance(person, dict):
            continue
        if "sendTo" in person:
            person["calendarAddress"] = _address(person.pop("sendTo"))
        if _own_email(person):
            del person["email"]
        roles = person.get("roles") or {}
        if len(roles) > 1 and str(person.get("calendarAddress") or "").lower() == organizer:
            roles.pop("owner", None)
    return out


def expected_of(text: str) -> dict[str, Any]:
    body = text.strip()
    found = json.loads(body if body.startswith("{") else "{" + body + "}")
    found.setdefault("@type", "Event")
    return found


def convert(source: str, expected_type: str) -> dict[str, Any]:
    cal = parse_ical(wrap(source))
    entries = to_jscalendar_entries(cal, floating_tz=FLOATING)
    if len(entries) == 1:  # one series: what the API serves for a stored object
        assert to_jscalendar(cal, floating_tz=FLOATING) == entries[0]
        if expected_type != "Group":
            return entries[0]
    return group(entries, cal=cal)


def difference(name: str) -> str | None:
    """None when calgate agrees with calcard on case ``name``, else what differs."""
    source, result = CASES[name]
    raw = expected_of(result)
    entries = raw.get("entries", [])
    if entries and all(e.get("@type") == "Task" for e in entries):
        return "calcard gives Tasks only"
    expected = normalise(draft_spelling(raw))
    got = normalise(draft_spelling(convert(source, expected["@type"])))
    if got == expected:
        return None
    keys = sorted(set(got) | set(expected))
    lines = [
        f"{k}: calgate {json.dumps(got.get(k))} calcard {json.dumps(expected.get(k))}"
        for k in keys
        if got.get(k) != expected.get(k)
    ]
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(CASES))
def test_calcard_jscalendar(name: str) -> None:
    found = difference(name)
    if name in DISAGREE:
        assert found is not None, f"{name} now agrees with calcard: remove it from DISAGREE"
    else:
        assert found is None, found


def test_calcard_jscalendar_summary() -> None:
    assert set(DISAGREE) <= set(CASES), set(DISAGREE) - set(CASES)
    agree = sum(difference(name) is None for name in CASES)
    listed = sum(difference(name) is not None for name in DISAGREE)
    report("jscalendar", f"jscalendar: {agree}/{len(CASES)} agree, {listed} documented")
    assert agree + listed == len(CASES)


@pytest.mark.parametrize("name", sorted(p.stem for p in (DATA / "calcard" / "ical").glob("*.ics")))
def test_calcard_file_reads_as_jscalendar(name: str) -> None:
    """Every calcard file calgate accepts (real-world and broken ones) reads without error."""
    text = (DATA / "calcard" / "ical" / f"{name}.ics").read_text(encoding="utf-8", errors="replace")
    try:
        cal = parse_ical(text)
    except InvalidInput:
        return
    json.dumps(to_jscalendar(cal, floating_tz=FLOATING))
    json.dumps(group(to_jscalendar_entries(cal, floating_tz=FLOATING), cal=cal))
