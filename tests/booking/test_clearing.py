"""Clearing bookings through the API, on every contract-suite server: cancelled events deleted,
of overlapping ones the first created stays unless the other is prioritized, an occurrence of a
series is excluded alone, dry runs change nothing, and the server (read directly) agrees."""

from __future__ import annotations

import pytest

from tests.booking.helpers import ics, uids_on_server

WINDOW = {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z"}


def url(cal: str, *parts: str) -> str:
    return "/".join([f"/api/v1/calendars/{cal}/events", *parts])


def clear(client, cal: str, *, dry_run: bool):
    resp = client.post(f"/api/v1/calendars/{cal}/clear-bookings", params={"dryRun": dry_run})
    assert resp.status_code == 200, resp.text
    return resp.json()


def uids(entries) -> list[str]:
    return [e["event"]["uid"] for e in entries]


def test_clearing_report_dry_run_and_apply(client, calendar_id, raw):
    raw.save_event(ics("first", "20270301T100000Z", "20270301T110000Z", created="20260101T000000Z"))
    raw.save_event(
        ics("second", "20270301T103000Z", "20270301T113000Z", created="20260102T000000Z")
    )
    raw.save_event(ics("gone", "20270302T100000Z", "20270302T110000Z", status="CANCELLED"))
    raw.save_event(
        ics("touching", "20270301T110000Z", "20270301T120000Z", created="20260103T000000Z")
    )
    raw.save_event(
        ics(
            "free",
            "20270301T100000Z",
            "20270301T110000Z",
            created="20260104T000000Z",
            transp="TRANSPARENT",
        )
    )
    dry = clear(client, calendar_id, dry_run=True)
    assert dry["calendar"] == calendar_id and dry["test_mode"] is True
    assert uids(dry["deleted_overlapping_events"]) == ["second"]
    assert uids(dry["deleted_cancelled_events"]) == ["gone"]
    assert dry["cancelled_overlapping_recurring_events"] == []
    assert dry["ignored_overlapping_events"] == []
    entry = dry["deleted_overlapping_events"][0]
    assert [o["uid"] for o in entry["overlaps_with"]] == ["first"]
    assert entry["event"]["organizer"] == {"email": "second@example.com", "name": "Org second"}
    assert (entry["event"]["start"], entry["event"]["created"]) == (
        "2027-03-01T10:30:00Z",
        "2026-01-02T00:00:00Z",
    )
    assert sorted(uids_on_server(raw)) == ["first", "free", "gone", "second", "touching"]
    done = clear(client, calendar_id, dry_run=False)
    assert done["test_mode"] is False and done["skipped"] == []
    assert uids(done["deleted_overlapping_events"]) == ["second"]
    assert sorted(uids_on_server(raw)) == ["first", "free", "touching"]
    again = clear(client, calendar_id, dry_run=False)
    assert all(
        again[name] == [] for name in ("deleted_overlapping_events", "deleted_cancelled_events")
    )


def test_prioritized_bookings_win_and_two_prioritized_are_ignored(client, calendar_id, raw):
    raw.save_event(ics("old", "20270305T100000Z", "20270305T110000Z", created="20260101T000000Z"))
    raw.save_event(ics("vip", "20270305T103000Z", "20270305T113000Z", created="20260102T000000Z"))
    raw.save_event(ics("p1", "20270306T100000Z", "20270306T110000Z", created="20260101T000000Z"))
    raw.save_event(ics("p2", "20270306T103000Z", "20270306T113000Z", created="20260102T000000Z"))
    ids = {e["uid"]: e["id"] for e in client.get(url(calendar_id), params=WINDOW).json()["items"]}
    for uid in ("vip", "p1", "p2"):  # the flag is set through the API
        resp = client.patch(url(calendar_id, ids[uid]), json={"prioritized": True})
        assert resp.status_code == 200 and resp.json()["prioritized"] is True, resp.text
    report = clear(client, calendar_id, dry_run=False)
    deleted = report["deleted_overlapping_events"]
    assert uids(deleted) == ["old"] and deleted[0]["is_deprioritized"] is True
    assert [o["uid"] for o in deleted[0]["overlaps_with"]] == ["vip"]
    assert sorted(uids(report["ignored_overlapping_events"])) == ["p1", "p2"]
    assert sorted(uids_on_server(raw)) == ["p1", "p2", "vip"]


def test_an_occurrence_of_a_series_is_excluded_alone(client, calendar_id, raw):
    raw.save_event(
        ics(
            "lecture",
            "20270301T090000Z",
            "20270301T100000Z",
            created="20260102T000000Z",
            rrule="FREQ=WEEKLY;COUNT=4",
        )
    )
    raw.save_event(ics("exam", "20270315T093000Z", "20270315T103000Z", created="20260101T000000Z"))
    report = clear(client, calendar_id, dry_run=False)
    cancelled = report["cancelled_overlapping_recurring_events"]
    assert uids(cancelled) == ["lecture"]
    assert cancelled[0]["event"]["recurrenceId"] is not None
    assert [o["uid"] for o in cancelled[0]["overlaps_with"]] == ["exam"]
    assert sorted(uids_on_server(raw)) == ["exam", "lecture"]
    series = next(
        e
        for e in client.get(url(calendar_id), params=WINDOW).json()["items"]
        if e["uid"] == "lecture"
    )
    instances = client.get(url(calendar_id, series["id"], "instances"), params=WINDOW).json()[
        "items"
    ]
    assert [i["start"][:10] for i in instances] == ["2027-03-01", "2027-03-08", "2027-03-22"]


@pytest.mark.parametrize("dry", [True, False])
def test_all_marked_calendars_and_the_drop_in_routes(client, dry):
    client.patch("/api/v1/calendars/default", json={"autoClear": True})
    made = client.post(
        "/api/default/events/",
        json={"name": "Room A", "start": "2027-05-03T10:00:00", "end": "2027-05-03T11:00:00"},
    )
    assert made.status_code == 200, made.text
    assert set(made.json()) == {"id"}
    later = client.post(
        "/api/default/event",
        json={"name": "Room A again", "start": "2027-05-03T10:30:00", "end": "2027-05-03T11:30:00"},
    )
    assert later.status_code == 200
    # same creation second: the tie is broken by uid, so only the count is certain
    reports = client.post("/api/v1/clear-bookings", params={"dryRun": dry}).json()["reports"]
    assert [r["calendar"] for r in reports] == ["default"]
    assert len(reports[0]["deleted_overlapping_events"]) == 1
    drop_in = client.delete("/api/clear-bookings", params={"calendar": "default", "test": "ok"})
    assert drop_in.status_code == 200
    assert drop_in.json()["test_mode"] is True
    left = 2 if dry else 1
    assert len(drop_in.json()["deleted_overlapping_events"]) == left - 1
    survivor = (
        made.json()["id"]
        if client.get(f"/api/v1/calendars/default/events/{made.json()['id']}").status_code == 200
        else later.json()["id"]
    )
    assert client.delete(f"/api/default/events/{survivor}").status_code == 204
    assert client.get(f"/api/v1/calendars/default/events/{survivor}").status_code == 404


def test_clearing_needs_write_access_unless_dry_run(client):
    resp = client.post("/api/v1/tokens", json={"name": "reader", "role": "read"})
    assert resp.status_code == 201, resp.text
    reader = {"Authorization": f"Bearer {resp.json()['token']}"}
    ok = client.post(
        "/api/v1/calendars/default/clear-bookings", params={"dryRun": True}, headers=reader
    )
    assert ok.status_code == 200
    refused = client.post("/api/v1/calendars/default/clear-bookings", headers=reader)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
