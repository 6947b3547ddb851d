"""index/intervals.py over a real index: every item with its own bounds, occurrences one by
one, busy or not; the fast path agrees with the full one."""

from __future__ import annotations

from datetime import UTC, datetime

from calgate.index.intervals import all_intervals, busy_intervals, busy_periods
from tests.api.test_freebusy_api import OTHER_CLIENT, _create, _fill, _timed

LO = datetime(2026, 6, 1, tzinfo=UTC)
HI = datetime(2026, 6, 15, tzinfo=UTC)


def _read(client, cal, fn, lo=LO, hi=HI):
    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        return fn(session, cal, lo, hi, "Europe/Berlin")


def test_intervals_cover_every_item_and_mark_the_non_busy(client, calendar_id, raw):
    _fill(client, calendar_id)
    raw.add_event(OTHER_CLIENT)
    client.post(
        "/api/v1/freebusy",
        json={"calendars": [calendar_id], "start": "2026-06-01", "end": "2026-06-02"},
    )  # syncs the index (the other client's event)
    every = _read(client, calendar_id, all_intervals)
    assert {i.title for i in every if not i.busy} == {"Free", "Cancelled"}
    cancelled = next(i for i in every if i.title == "Cancelled")
    assert cancelled.status == "cancelled" and cancelled.title == "Cancelled"
    weekly = [i for i in every if i.title == "Weekly"]
    assert [i.recurrence_id for i in weekly] == [
        "2026-06-01T09:00:00+02:00",
        "2026-06-08T09:00:00+02:00",
    ]
    assert weekly[0].start == datetime(2026, 6, 1, 7, tzinfo=UTC)
    assert len({i.event_id for i in weekly}) == 1
    assert any(i.uid == "fb-other-client@example.com" for i in every)
    busy = _read(client, calendar_id, busy_intervals)
    assert [i for i in every if i.busy] == busy
    assert sorted(_read(client, calendar_id, busy_periods)) == [(i.start, i.end) for i in busy]


def test_back_to_back_and_zero_length_do_not_block(client):
    _create(client, "default", _timed("Ten", "2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"))
    instant = {"title": "Instant", "start": "2026-06-01T12:00:00Z", "duration": "PT0S"}
    _create(client, "default", instant)
    ten, eleven = datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, 11, tzinfo=UTC)
    noon, one = datetime(2026, 6, 1, 12, tzinfo=UTC), datetime(2026, 6, 1, 13, tzinfo=UTC)
    assert _read(client, "default", busy_intervals, eleven, noon) == []  # touching: free
    assert [i.title for i in _read(client, "default", busy_intervals, ten, eleven)] == ["Ten"]
    assert _read(client, "default", busy_intervals, noon, one) == []
    listed = _read(client, "default", all_intervals, noon, one)
    assert [(i.title, i.busy) for i in listed] == [("Instant", False)]
