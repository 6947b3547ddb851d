"""calcard's real-world and synthetic iCalendar files (tests/oracles/data/calcard, Apache-2.0 OR
MIT): odd data never raises, and PUT of the stored form changes nothing. (How calgate's
expansions agree with calcard's is tests/oracles/test_calcard_expansion.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from calgate.domain.ical_events import event_to_public, expand, parse_ical, replace_event
from calgate.domain.ical_parse import master_event
from calgate.domain.ical_read import read_event
from calgate.domain.json_forms import writable_of
from calgate.domain.model import EventWrite
from calgate.errors import InvalidInput
from tests.domain.helpers import LATER
from tests.oracles.support import DATA

ORACLE = DATA / "calcard" / "ical"
AUCKLAND = "Pacific/Auckland"

ALL_FILES = sorted(ORACLE.glob("*.ics"))


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
