"""The VTIMEZONEs calgate writes survive the embedded Radicale's round trip (issue 16, point 3):
an event created through the API in Europe/Berlin is stored by Radicale, and the stored file's
VTIMEZONE, read alone, gives zoneinfo's offsets in 2027 (winter and summer), 2037 and 2045;
so does a new calendar's ``calendar-timezone``. (Before, the definition was one RDATE list,
of which Radicale kept the first value: a July 2027 event read as +01:00.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.vtimezone_check import EVENT_TIMES, definitions, wrong_local_offsets

EVENTS = "/api/v1/calendars/default/events"


def _stored_file(client, calendar_id: str, event_id: str) -> str:
    """The object as Radicale keeps it on disk (its own serialisation of what was PUT)."""
    store = client.app.state.runtime.embedded
    folder = Path(store.folder) / "collection-root" / store.calendar_path(calendar_id).strip("/")
    (path,) = [p for p in folder.glob("*.ics") if p.stem == event_id]
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo"])
def test_a_stored_event_s_vtimezone_alone_gives_the_iana_offsets(client, zone) -> None:
    for wall in EVENT_TIMES:
        body = {"title": "Slot", "start": wall.isoformat(), "duration": "PT1H", "timeZone": zone}
        resp = client.post(EVENTS, json=body)
        assert resp.status_code == 201, resp.text
        stored = _stored_file(client, "default", resp.json()["id"])
        assert f"DTSTART;TZID={zone}:{wall:%Y%m%dT%H%M%S}" in stored
        definition = definitions(stored)[zone]
        assert wrong_local_offsets(definition, zone, EVENT_TIMES) == [], stored


def test_a_new_calendar_s_calendar_timezone_alone_gives_the_iana_offsets(client) -> None:
    resp = client.post(
        "/api/v1/calendars", json={"id": "berlin", "name": "B", "timeZone": "Europe/Berlin"}
    )
    assert resp.status_code == 201, resp.text
    store = client.app.state.runtime.embedded
    props = Path(store.folder) / "collection-root" / "calgate" / "berlin" / ".Radicale.props"
    value = json.loads(props.read_text(encoding="utf-8"))["C:calendar-timezone"]
    definition = definitions(value)["Europe/Berlin"]
    assert wrong_local_offsets(definition, "Europe/Berlin", EVENT_TIMES) == []
    # and as a CalDAV client reads it back
    runtime = client.app.state.runtime
    answer = httpx.request(
        "PROPFIND",
        runtime.embedded_base_url().rstrip("/") + store.calendar_path("berlin"),
        headers={"Depth": "0"},
        content=(
            '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-timezone/></D:prop>'
            "</D:propfind>"
        ),
        auth=(store.internal_username, store.internal_password),
    )
    assert answer.status_code == 207
    found = re.search(r"BEGIN:VCALENDAR.*END:VCALENDAR", answer.text, re.S)
    assert found is not None
    text = found.group(0).replace("&#13;", "")
    definition = definitions(text)["Europe/Berlin"]
    assert wrong_local_offsets(definition, "Europe/Berlin", EVENT_TIMES) == []
