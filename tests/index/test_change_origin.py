"""Every change in the index records who made it (``IndexedEventRow.origin``, what webhooks
will report as ``origin``): the API, a CalDAV client (through /dav/, or on the server and seen
by a sync) or clearing."""

from __future__ import annotations

import base64

from sqlalchemy import select

from calgate.db.models import CalendarRow, IndexedEventRow, SourceRow
from tests.conftest import ADMIN_TOKEN

EVENTS = "/api/v1/calendars/default/events"


def ics(uid: str, start: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
        f"DURATION:PT1H\r\n{extra}SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def origins(client) -> dict[str, tuple[str | None, bool]]:
    """event id -> (origin, deleted), read from the index itself."""
    with client.app.state.runtime.db.session() as session:
        rows = session.scalars(
            select(IndexedEventRow).where(IndexedEventRow.calendar_id == "default")
        )
        return {r.event_id: (r.origin, r.deleted) for r in rows}


def dav_auth() -> dict[str, str]:
    basic = base64.b64encode(f"someone:{ADMIN_TOKEN}".encode()).decode()
    return {"Authorization": f"Basic {basic}"}


def test_api_dav_sync_and_clearing_changes_are_told_apart(client):
    made = client.post(
        EVENTS,
        json={"title": "By API", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z"},
    )
    assert made.status_code == 201, made.text
    put = client.put(
        "/dav/calgate/default/by-dav.ics",
        content=ics("by-dav", "20270302T100000Z"),
        headers={**dav_auth(), "Content-Type": "text/calendar"},
    )
    assert put.status_code == 201, put.text
    runtime = client.app.state.runtime
    folder = runtime.embedded.folder / "collection-root" / "calgate" / "default"
    (folder / "outside.ics").write_text(ics("outside", "20270303T100000Z"))
    with runtime.db.session() as session:
        calendar, source = session.get(CalendarRow, "default"), session.get(SourceRow, "embedded")
        session.expunge_all()
    runtime.indexer.sync(calendar, source)
    seen = origins(client)
    assert seen[made.json()["id"]] == ("api", False)
    assert seen["by-dav"] == ("caldav", False)
    assert seen["outside"] == ("caldav", False)
    # a cancelled booking that clearing deletes
    cancelled = client.put(
        "/dav/calgate/default/gone.ics",
        content=ics("gone", "20270304T100000Z", "STATUS:CANCELLED\r\n"),
        headers={**dav_auth(), "Content-Type": "text/calendar"},
    )
    assert cancelled.status_code == 201
    cleared = client.post("/api/v1/calendars/default/clear-bookings")
    assert cleared.status_code == 200, cleared.text
    assert origins(client)["gone"] == ("clearing", True)
    # and a delete through the API
    assert client.delete(f"{EVENTS}/{made.json()['id']}").status_code == 204
    assert origins(client)[made.json()["id"]] == ("api", True)
