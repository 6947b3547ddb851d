"""``overlap: reject``: a create or change that takes busy time another event holds is a 409
listing the events, on every contract-suite server, including events other clients wrote
straight to the server."""

from __future__ import annotations

import uuid

import pytest

DAY = "2026-03-02"


def url(cal: str, *parts: str) -> str:
    return "/".join([f"/api/v1/calendars/{cal}/events", *parts])


def event(title: str, start: str, end: str, **extra: object) -> dict[str, object]:
    return {"title": title, "start": start, "end": end, "timeZone": "Europe/Berlin", **extra}


@pytest.fixture
def rejecting(client, calendar_id) -> str:
    resp = client.patch(
        f"/api/v1/calendars/{calendar_id}", json={"overlap": "reject", "timeZone": "Europe/Berlin"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["overlap"] == "reject"
    return calendar_id


def book(client, cal: str, body: dict[str, object]):
    return client.post(url(cal), json=body)


def test_policy_is_a_calendar_setting(client):
    got = client.get("/api/v1/calendars/default").json()
    assert (got["overlap"], got["autoClear"]) == ("allow", False)
    bad = client.patch("/api/v1/calendars/default", json={"overlap": "sometimes"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/overlap"


def test_overlaps_are_refused_and_listed(client, rejecting):
    first = book(client, rejecting, event("Standup", f"{DAY}T10:00:00", f"{DAY}T11:00:00"))
    assert first.status_code == 201, first.text
    clash = book(client, rejecting, event("Review", f"{DAY}T10:30:00", f"{DAY}T11:30:00"))
    assert clash.status_code == 409, clash.text
    problem = clash.json()
    assert clash.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("booking-conflict")
    assert [c["id"] for c in problem["conflicts"]] == [first.json()["id"]]
    assert problem["conflicts"][0]["start"] == "2026-03-02T09:00:00Z"
    assert "Standup" in problem["detail"]
    # back to back is not an overlap; free and cancelled events take no time
    for body in (
        event("After", f"{DAY}T11:00:00", f"{DAY}T12:00:00"),
        event("Before", f"{DAY}T09:00:00", f"{DAY}T10:00:00"),
        event("Free", f"{DAY}T10:15:00", f"{DAY}T10:45:00", transparency="free"),
        event("Off", f"{DAY}T10:15:00", f"{DAY}T10:45:00", status="cancelled"),
    ):
        assert book(client, rejecting, body).status_code == 201, body
    # a free event does not block, and a tentative one does
    tentative = book(
        client, rejecting, event("Maybe", f"{DAY}T14:00:00", f"{DAY}T15:00:00", status="tentative")
    )
    assert tentative.status_code == 201
    assert (
        book(client, rejecting, event("X", f"{DAY}T14:30:00", f"{DAY}T16:00:00")).status_code == 409
    )
    listed = client.get(
        url(rejecting), params={"start": f"{DAY}T00:00:00Z", "end": "2026-03-03T00:00:00Z"}
    )
    assert sorted(e["title"] for e in listed.json()["items"]) == [
        "After",
        "Before",
        "Free",
        "Maybe",
        "Off",
        "Standup",
    ]


def test_series_all_day_and_edits(client, rejecting):
    series = book(
        client,
        rejecting,
        event(
            "Weekly",
            f"{DAY}T08:00:00",
            f"{DAY}T09:00:00",
            recurrence={"frequency": "weekly", "count": 10},
        ),
    )
    assert series.status_code == 201, series.text
    # the third occurrence is taken
    clash = book(client, rejecting, event("Later", "2026-03-16T08:30:00", "2026-03-16T09:30:00"))
    assert clash.status_code == 409
    assert clash.json()["conflicts"][0]["recurrenceId"] is not None
    # an all-day event holds the whole day in the calendar's zone
    allday = book(client, rejecting, {"title": "Offsite", "start": "2026-04-01", "allDay": True})
    assert allday.status_code == 201, allday.text
    late = book(client, rejecting, event("Late", "2026-04-01T23:00:00", "2026-04-01T23:30:00"))
    assert late.status_code == 409
    next_day = book(client, rejecting, event("Early", "2026-04-02T00:00:00", "2026-04-02T01:00:00"))
    assert next_day.status_code == 201
    # moving an event onto another is refused and changes nothing
    moved = client.patch(
        url(rejecting, next_day.json()["id"]),
        json={"start": "2026-04-01T12:00:00", "end": "2026-04-01T13:00:00"},
    )
    assert moved.status_code == 409
    assert client.get(url(rejecting, next_day.json()["id"])).json()["title"] == "Early"
    # an edit of an event that keeps its time is fine; so is a this-and-following split
    assert client.patch(url(rejecting, series.json()["id"]), json={"title": "W"}).status_code == 200
    split = client.patch(
        url(rejecting, series.json()["id"], "instances", "2026-03-23T08:00:00"),
        params={"range": "thisAndFollowing"},
        json={"title": "W2"},
    )
    assert split.status_code in (200, 201), split.text


def test_events_other_clients_wrote_are_seen(client, rejecting, raw):
    uid = f"direct-{uuid.uuid4()}"
    raw.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T160000Z\r\n"
        "DTEND:20260302T170000Z\r\nSUMMARY:Direct\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    clash = book(client, rejecting, event("Mine", f"{DAY}T17:30:00", f"{DAY}T18:30:00"))
    assert clash.status_code == 409, clash.text
    assert clash.json()["conflicts"][0]["uid"] == uid


def test_every_write_form_is_checked(client, rejecting):
    assert (
        book(client, rejecting, event("Base", f"{DAY}T10:00:00", f"{DAY}T11:00:00")).status_code
        == 201
    )
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:raw-1\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20260302T093000Z\r\nDURATION:PT1H\r\n"
        "SUMMARY:Raw\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw_resp = client.post(url(rejecting), content=text, headers={"Content-Type": "text/calendar"})
    assert raw_resp.status_code == 409, raw_resp.text
    js = {
        "@type": "Event",
        "uid": "js-1",
        "title": "JS",
        "start": f"{DAY}T10:30:00",
        "timeZone": "Europe/Berlin",
        "duration": "PT1H",
    }
    js_resp = client.post(
        url(rejecting), json=js, headers={"Content-Type": "application/jscalendar+json"}
    )
    assert js_resp.status_code == 409, js_resp.text
