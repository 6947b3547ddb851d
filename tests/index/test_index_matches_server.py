"""The index answers like the server: the same data listed through calgate's index and asked
of the CalDAV server directly (calendar-query, expanded by calgate) give the same items."""

from __future__ import annotations

import pytest

from calgate.db.models import CalendarRow, SourceRow
from calgate.services import events as svc
from calgate.services.context import CalendarContext
from tests.api.test_events_contract import events_url
from tests.server_behaviour import behaviour_of

SERIES = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:weekly@t\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Oslo:20260302T090000\r\n"
    "DTEND;TZID=Europe/Oslo:20260302T093000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH\r\n"
    "EXDATE;TZID=Europe/Oslo:20260330T090000\r\nSUMMARY:Standup\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:weekly@t\r\nDTSTAMP:20260101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Oslo:20260402T090000\r\n"
    "DTSTART;TZID=Europe/Oslo:20260403T140000\r\nDTEND;TZID=Europe/Oslo:20260403T143000\r\n"
    "SUMMARY:Standup (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
OTHERS = [
    ("allday@t", "DTSTART;VALUE=DATE:20260327\r\nDTEND;VALUE=DATE:20260330\r\n"),
    ("floating@t", "DTSTART:20260329T013000\r\nDURATION:PT2H\r\n"),
    (
        "daily@t",
        "DTSTART:20260325T080000Z\r\nDTEND:20260325T081500Z\r\nRRULE:FREQ=DAILY;COUNT=10\r\n",
    ),
    ("yearly@t", "DTSTART;VALUE=DATE:20240401\r\nRRULE:FREQ=YEARLY\r\n"),
    # No DTEND or DURATION: ends at its start (RFC 5545 section 3.6.1). Servers that
    # ``requires_dtend`` (Cyrus, ``tests.server_behaviour``) refuse it, so there it is left out.
    ("instant@t", "DTSTART:20260401T000000Z\r\n"),
]
ZERO_LENGTH = {"instant@t"}
WINDOWS = [
    ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ("2026-03-29T00:00:00Z", "2026-04-05T00:00:00Z"),
    ("2026-04-01T00:00:00Z", "2026-04-01T00:00:01Z"),
    ("2026-04-02T07:00:00Z", "2026-04-03T12:00:00Z"),
    ("2027-03-30T00:00:00Z", "2027-04-02T00:00:00Z"),
    ("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z"),  # beyond the materialized horizon
]


def _key(item: dict) -> tuple:
    return (item["id"], item["recurrenceId"], item["start"], item["end"], item["title"])


@pytest.mark.parametrize("expand", [True, False])
def test_index_and_server_agree(client, calendar_id, raw, expand):
    client.app.state.runtime.settings.index_max_age = 0
    client.patch(f"/api/v1/calendars/{calendar_id}", json={"timeZone": "Europe/Oslo"})
    raw.add_event(SERIES)
    server = client.get(f"/api/v1/calendars/{calendar_id}").json()["capabilities"]["server"]
    refuses_instants = behaviour_of(server)["requires_dtend"]
    for uid, times in OTHERS:
        if refuses_instants and uid in ZERO_LENGTH:
            continue
        raw.add_event(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{times}SUMMARY:{uid}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        calendar = session.get(CalendarRow, calendar_id)
        source = session.get(SourceRow, calendar.source_id)
    ctx = CalendarContext(runtime, calendar, source)
    checked = 0
    for start, end in WINDOWS:
        resp = client.get(
            events_url(calendar_id), params={"start": start, "end": end, "expand": expand}
        )
        assert resp.status_code == 200, resp.text
        from_index = sorted(_key(i) for i in resp.json()["items"])
        win = svc.window(start, end, "Europe/Oslo")
        direct = svc.list_from_server(ctx, win, expand=expand, max_items=5000)
        from_server = sorted(_key(e.model_dump(by_alias=True)) for e in direct)
        assert from_index == from_server, (start, end)
        checked += len(from_index)
    assert checked > (20 if expand else 10)  # the windows really hold data
