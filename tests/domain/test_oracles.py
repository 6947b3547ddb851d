"""calcard's real-world and synthetic iCalendar files (/work/shared/oracles/calcard, Apache-2.0 OR
MIT): odd data never raises, PUT of the stored form changes nothing, and expansions agree with
calcard's (floating times in Pacific/Auckland, at most 100 instances per component) or the
disagreement is recorded here with its reason."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from calgate.domain.ical_events import event_to_public, expand, parse_ical, replace_event
from calgate.domain.ical_parse import master_event
from calgate.domain.ical_public import writable_of
from calgate.domain.ical_read import read_event
from calgate.errors import InvalidInput
from calgate.schemas.events import EventWrite

from .helpers import LATER

ORACLE = Path("/work/shared/oracles/calcard/ical")
AUCKLAND = "Pacific/Auckland"

if not ORACLE.is_dir():  # pragma: no cover - the data is part of the shared workspace
    pytest.skip(f"calcard oracle data not found at {ORACLE}", allow_module_level=True)

ALL_FILES = sorted(ORACLE.glob("*.ics"))

# Expansions that agree with calcard, and what each one exercises.
AGREE = {
    "000": "weekly America/Vancouver series across DST changes (first 100)",
    "003": "DURATION instead of DTEND",
    "011": "RRULE with EXDATE and a RECURRENCE-ID override",
    "012": "RRULE with COUNT",
    "025": "date and date-time DURATIONs",
    "114": "RRULE with EXDATE and RDATE",
    "183": "EXDATE with DURATION",
    "184": "several EXDATEs with DURATION",
    "188": "override of a recurring event",
    "199": "RRULE with BYDAY and UNTIL",
    "233": "series and overrides of one UID",
    "260": "RDATE with RRULE",
}

# Where calgate disagrees with calcard, why, and the instance that shows it.
DISAGREE = {
    "298": (
        "RFC 5545 3.3.5: a local time that occurs twice (Europe/London, 2024-10-27 01:00) is the "
        "first occurrence (00:00Z); calcard takes the second (01:00Z)",
        datetime(2024, 10, 27, 0, 0, tzinfo=UTC),
    ),
    "255": (
        "two RRULEs (deprecated by RFC 5545, allowed by RFC 2445): calgate expands their union, "
        "calcard only the last one, so calgate also has the weekly Mondays",
        datetime(2012, 4, 2, 18, 0, tzinfo=UTC),
    ),
    "201": (
        "an RDATE equal to DTSTART: the recurrence set is a set (RFC 5545 3.8.5.2), calgate has "
        "the instance once, calcard twice",
        datetime(2005, 4, 11, 14, 0, tzinfo=UTC),
    ),
}


def _oracle(name: str) -> dict[str, Any]:
    return json.loads((ORACLE / f"{name}.json").read_text())


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if len(text) == 10 or value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(AUCKLAND))
    return value.astimezone(UTC)


def _preorder(component: Any, out: list[Any]) -> list[Any]:
    out.append(component)
    for sub in component.subcomponents:
        _preorder(sub, out)
    return out


def _expected(
    name: str,
) -> tuple[Any, dict[str, collections.Counter[tuple[datetime, datetime]]], dict[str, datetime]]:
    cal = parse_ical((ORACLE / f"{name}.ics").read_text(encoding="utf-8"))
    components = _preorder(cal, [])
    data = _oracle(name)
    per_component = collections.Counter(e["comp_id"] for e in data["events"])
    expected: dict[str, collections.Counter[tuple[datetime, datetime]]] = collections.defaultdict(
        collections.Counter
    )
    truncated: dict[str, datetime] = {}
    for item in data["events"]:
        component = components[item["comp_id"]]
        if component.name != "VEVENT":
            continue  # calgate expands events only
        uid = str(component.get("UID"))
        key = (_instant(item["start"]), _instant(item["end"]))
        expected[uid][key] += 1
        if per_component[item["comp_id"]] >= 100:
            truncated[uid] = max(truncated.get(uid, key[0]), key[0])
    return cal, expected, truncated


def _ours(
    cal: Any, expected: dict[str, Any]
) -> dict[str, collections.Counter[tuple[datetime, datetime]]]:
    starts = [k[0] for counter in expected.values() for k in counter]
    ends = [max(k) for counter in expected.values() for k in counter]
    found = expand(
        cal,
        start=min(starts) - timedelta(days=1),
        end=max(ends) + timedelta(days=1),
        floating_tz=AUCKLAND,
        event_id="e",
        calendar_id="c",
        etag=None,
        max_items=10_000,
    )
    ours: dict[str, collections.Counter[tuple[datetime, datetime]]] = collections.defaultdict(
        collections.Counter
    )
    for occurrence in found:
        ours[str(occurrence.uid)][
            (_instant(occurrence.start or ""), _instant(occurrence.end or ""))
        ] += 1
    return ours


@pytest.mark.parametrize("name", sorted(AGREE))
def test_calcard_expansion_agrees(name: str) -> None:
    cal, expected, truncated = _expected(name)
    ours = _ours(cal, expected)
    for uid in set(expected) | set(ours):
        mine = ours[uid]
        if uid in truncated:  # calcard stops at 100 instances per component
            mine = collections.Counter({k: v for k, v in mine.items() if k[0] <= truncated[uid]})
        assert mine == expected[uid], (name, AGREE[name], uid)


@pytest.mark.parametrize("name", sorted(DISAGREE))
def test_calcard_expansion_recorded_disagreement(name: str) -> None:
    reason, instant = DISAGREE[name]
    cal, expected, _ = _expected(name)
    ours = _ours(cal, expected)
    ours_starts = collections.Counter(k[0] for counter in ours.values() for k in counter.elements())
    theirs_starts = collections.Counter(
        k[0] for counter in expected.values() for k in counter.elements()
    )
    assert ours_starts[instant] != theirs_starts[instant], reason


def test_every_calcard_file_is_read_or_refused_as_invalid_input() -> None:
    read = refused = 0
    for path in ALL_FILES:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            cal = parse_ical(text)
        except InvalidInput:
            refused += 1  # not one VCALENDAR: bare components, several calendars, garbage
            continue
        read += 1
        pub = event_to_public(cal, event_id="e", calendar_id="c", etag=None, floating_tz=AUCKLAND)
        assert pub.id == "e", path.name
        try:
            expand(
                cal,
                start=datetime(2020, 1, 1, tzinfo=UTC),
                end=datetime(2021, 1, 1, tzinfo=UTC),
                floating_tz=AUCKLAND,
                event_id="e",
                calendar_id="c",
                etag=None,
                max_items=2000,
            )
        except InvalidInput as exc:
            assert "2000" in exc.detail, path.name
    assert read >= 230 and read + refused == len(ALL_FILES) == 301


def test_every_calcard_event_put_back_unchanged_stays_unchanged() -> None:
    """GET -> PUT of the stored form rewrites nothing in the VEVENTs (a missing DTSTAMP is
    added) and bumps no SEQUENCE. Only events without DTSTART cannot be written back."""
    checked = without_start = 0
    for path in ALL_FILES:
        try:
            cal = parse_ical(path.read_text(encoding="utf-8", errors="replace"))
        except InvalidInput:
            continue
        event = master_event(cal)
        if event is None:
            continue
        form = writable_of(read_event(event))
        try:
            write = EventWrite.model_validate(form)
        except ValidationError as exc:
            assert [e["loc"] for e in exc.errors()] == [("start",)], path.name
            without_start += 1
            continue
        had_stamp = "DTSTAMP" in event
        before = [e.to_ical() for e in cal.walk("VEVENT")]
        replace_event(cal, write, default_tz="Europe/Berlin", now=LATER)
        if not had_stamp:
            assert event["DTSTAMP"].dt == LATER
            del event["DTSTAMP"]
        assert [e.to_ical() for e in cal.walk("VEVENT")] == before, path.name
        checked += 1
    assert checked >= 190 and without_start <= 10
