"""What a CalDAV calendar holds beside events (tasks, journal entries, an empty VCALENDAR) is
not an event: indexed with no fields, so no listing shows it as an event without a start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calgate.index.materialize import materialize

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
TAIL = "END:VCALENDAR\r\n"


def fields(text: str):
    return materialize(
        text,
        event_id="x",
        calendar_id="c",
        etag=None,
        floating_tz="UTC",
        now=datetime(2026, 12, 1, tzinfo=UTC),
        max_occurrences=1000,
    )


@pytest.mark.parametrize(
    "inner",
    [
        "BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Task\r\nEND:VTODO\r\n",
        "BEGIN:VJOURNAL\r\nUID:j\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Note\r\nEND:VJOURNAL\r\n",
        "",
    ],
    ids=["task", "journal", "empty"],
)
def test_objects_without_a_vevent_are_not_events(inner: str):
    assert fields(HEAD + inner + TAIL).public_json is None


def test_an_event_is_still_one():
    event = (
        "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270101T100000Z\r\n"
        "DTEND:20270101T110000Z\r\nSUMMARY:Event\r\nEND:VEVENT\r\n"
    )
    assert fields(HEAD + event + TAIL).public_json is not None
