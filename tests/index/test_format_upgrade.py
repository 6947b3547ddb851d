"""An index built by an older calgate (an older materialized form) is brought up to date from
its stored iCalendar on the next sync, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from calgate.db.models import CalendarSyncRow, IndexedEventRow, OccurrenceRow
from calgate.index.materialize import FORMAT

EVENTS = "/api/v1/calendars/default/events"
SERIES = {
    "title": "Weekly",
    "start": "2026-06-01T09:00:00",
    "timeZone": "Europe/Berlin",
    "recurrence": {"frequency": "weekly", "count": 4},
}


def _as_before(text: str | None) -> str | None:
    """The JSON an index of format 1 held: no ``modified``, no ``recurrenceDates``."""
    if text is None:
        return None
    data = json.loads(text)
    data.pop("modified", None)
    data.pop("recurrenceDates", None)
    return json.dumps(data)


def test_an_old_index_format_is_rematerialized_on_the_next_sync(db_client):
    client = db_client
    series = client.post(EVENTS, json=SERIES).json()
    moved = client.patch(
        f"{EVENTS}/{series['id']}/instances/2026-06-08T09:00:00", json={"title": "Moved"}
    )
    assert moved.status_code == 200, moved.text
    db = client.app.state.runtime.db
    with db.session() as session:
        for row in session.scalars(select(IndexedEventRow)):
            row.public_json = _as_before(row.public_json)
        for occ in session.scalars(select(OccurrenceRow)):
            occ.public_json = _as_before(occ.public_json) or ""
        session.execute(update(CalendarSyncRow).values(index_format=1))
    params = {"start": "2026-06-01", "end": "2026-07-01", "expand": "true"}
    items = client.get(EVENTS, params=params).json()["items"]
    assert [i["modified"] for i in items] == [False, True, False, False]
    one = client.get(f"{EVENTS}/{series['id']}").json()
    assert one["recurrenceDates"] == []
    with db.session() as session:
        assert session.scalar(select(CalendarSyncRow.index_format)) == FORMAT
    changes = client.get("/api/v1/calendars/default/changes").json()["changes"]
    assert [c["id"] for c in changes] == [series["id"]]
