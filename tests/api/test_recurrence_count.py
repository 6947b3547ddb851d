"""RFC 5545 3.3.10 through the API: "The DTSTART property value always counts as the first
occurrence", so a series whose start is not on its rule has ``count`` occurrences, the start
first, whichever form wrote it (calgate's ``recurrence``, JSCalendar's ``recurrenceRules``,
where RFC 8984 4.3.3 counts the start too, or raw iCalendar)."""

from __future__ import annotations

EVENTS = "/api/v1/calendars/default/events"
JSCAL = "application/jscalendar+json"


def instance_starts(client, event_id: str) -> list[str]:
    resp = client.get(f"{EVENTS}/{event_id}/instances")
    assert resp.status_code == 200, resp.text
    assert resp.json()["truncated"] is False
    return [item["start"] for item in resp.json()["items"]]


def test_rfc5545_3_3_10_json_recurrence_counts_a_start_off_by_day(client):
    body = {
        "title": "Planning",
        "start": "2026-03-02T09:00:00",  # a Monday; the rule says Tuesdays
        "end": "2026-03-02T10:00:00",
        "timeZone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly", "byDay": ["tu"], "count": 3},
    }
    resp = client.post(EVENTS, json=body)
    assert resp.status_code == 201, resp.text
    event_id = resp.json()["id"]
    assert instance_starts(client, event_id) == [
        "2026-03-02T09:00:00+01:00",
        "2026-03-03T09:00:00+01:00",
        "2026-03-10T09:00:00+01:00",
    ]
    third = client.get(f"{EVENTS}/{event_id}/instances", params={"n": 3})
    assert third.status_code == 200, third.text
    assert third.json()["start"] == "2026-03-10T09:00:00+01:00"
    assert client.get(f"{EVENTS}/{event_id}/instances", params={"n": 4}).status_code == 404
    listed = client.get(
        EVENTS, params={"start": "2026-03-01", "end": "2026-04-01", "expand": "true"}
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 3


def test_rfc8984_count_includes_the_start_of_a_jscalendar_event(client):
    event = {
        "@type": "Event",
        "uid": "count-1@example.com",
        "title": "Review",
        "start": "2026-01-05T10:00:00",  # a Monday
        "timeZone": "Europe/Berlin",
        "duration": "PT1H",
        "recurrenceRules": [
            {
                "@type": "RecurrenceRule",
                "frequency": "weekly",
                "byDay": [{"@type": "NDay", "day": "we"}],
                "count": 2,
            }
        ],
    }
    resp = client.post(EVENTS, json=event, headers={"Content-Type": JSCAL})
    assert resp.status_code == 201, resp.text
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    assert instance_starts(client, event_id) == [
        "2026-01-05T10:00:00+01:00",
        "2026-01-07T10:00:00+01:00",
    ]


def test_raw_icalendar_count_with_an_excluded_start(client):
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
        "UID:count-2@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20260302T080000Z\r\nDTEND:20260302T090000Z\r\nSUMMARY:Gym\r\n"
        "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3\r\nEXDATE:20260302T080000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    resp = client.post(EVENTS, content=text, headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 201, resp.text
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    # DTSTART (a Monday) is the first of the three and is excluded: two Thursdays are left
    assert instance_starts(client, event_id) == [
        "2026-03-05T08:00:00Z",
        "2026-03-12T08:00:00Z",
    ]
