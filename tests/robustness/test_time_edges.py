"""Times at the ends of the calendar (issue 14, point 4): a bound in year 1 or 9999, with an
offset that UTC cannot hold (``0001-01-01T00:00:00+14:00``, ``9999-12-31T23:59:59-14:00``), as
a date, a local time or ``Z``, is served (the window clamped to the years calgate stores) or a
422 naming the field, in listings, instance listings, occurrence paths and bodies; never a 500
and never a walk to the year 9999."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.robustness.test_recurrence_bounds import PROMPT, within

EVENTS = "/api/v1/calendars/default/events"
EDGES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "0001-01-01",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59",
    "9999-12-31",
]


@pytest.fixture
def series(client) -> str:
    body = {
        "title": "weekly",
        "start": "2026-03-02T09:00:00",
        "timeZone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly"},
    }
    resp = client.post(EVENTS, json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def answered(resp, *statuses: int) -> None:
    assert resp.status_code in statuses, resp.text
    if resp.status_code >= 400:
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.status_code == 404 or resp.json()["errors"]


@pytest.mark.parametrize("edge", EDGES)
def test_listing_windows_at_the_ends_of_the_calendar(client, series, edge):
    early = edge.startswith("0001")
    near = "0001-01-03T00:00:00Z" if early else "9999-12-30T00:00:00Z"
    params = {"start": edge, "end": near} if early else {"start": near, "end": edge}
    for expand in ("false", "true"):
        resp = within(PROMPT, lambda e=expand: client.get(EVENTS, params={**params, "expand": e}))
        answered(resp, 200)
        assert resp.json()["items"] == []
    both = {"start": edge, "end": edge.replace("00:00:00", "00:00:01")} if early else None
    if both is not None and "T" in edge:
        answered(client.get(EVENTS, params=both), 200)


@pytest.mark.parametrize("edge", EDGES)
def test_instance_listings_at_the_ends_of_the_calendar(client, series, edge):
    url = f"{EVENTS}/{series}/instances"
    key = "end" if edge.startswith("0001") else "start"
    resp = within(PROMPT, lambda: client.get(url, params={key: edge}))
    answered(resp, 200, 422)
    other = "start" if key == "end" else "end"
    resp = within(PROMPT, lambda: client.get(url, params={other: edge, "limit": 3}))
    answered(resp, 200, 422)
    if resp.status_code == 200 and other == "start":
        assert [i["start"] for i in resp.json()["items"]][:1] == ["2026-03-02T09:00:00+01:00"]


@pytest.mark.parametrize("edge", EDGES)
def test_occurrence_paths_at_the_ends_of_the_calendar(client, series, edge):
    for spelled in (edge, quote(edge, safe="")):
        resp = within(PROMPT, lambda s=spelled: client.get(f"{EVENTS}/{series}/instances/{s}"))
        answered(resp, 404)


@pytest.mark.parametrize("edge", EDGES)
def test_bodies_at_the_ends_of_the_calendar_are_422_naming_the_field(client, edge):
    timed = "T" in edge
    start = "2026-03-02T09:00:00Z" if timed else "2026-03-02"
    for body, pointer in (
        ({"start": edge}, "#/start"),
        ({"start": start, "end": edge}, "#/end"),
        ({"start": start, "recurrence": {"frequency": "daily", "until": edge}}, None),
    ):
        resp = client.post(EVENTS, json={"title": "edge", **body})
        if edge.startswith("9999") and pointer is None and resp.status_code == 201:
            continue
        assert resp.status_code == 422, (body, resp.text)
        found = [e["pointer"] for e in resp.json()["errors"]]
        assert found and (pointer is None or found == [pointer]), found


def test_an_all_day_event_whose_end_passes_9999_is_422(client):
    resp = client.post(EVENTS, json={"start": "9998-12-31", "duration": "P400D"})
    assert resp.status_code == 422, resp.text
    raw = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//p//EN\r\nBEGIN:VEVENT\r\nUID:edge-1\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:99981231\r\nDURATION:P400D\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    resp = client.post(EVENTS, content=raw, headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 422, resp.text
    assert "DURATION" in resp.json()["detail"]


def test_freebusy_at_the_ends_of_the_calendar(client, series):
    for start, end in (
        ("0001-01-01T00:00:00+14:00", "0001-01-05T00:00:00Z"),
        ("9999-12-28T00:00:00Z", "9999-12-31T23:59:59-14:00"),
    ):
        body = {"calendars": ["default"], "start": start, "end": end}
        answered(client.post("/api/v1/freebusy", json=body), 200, 422)
