"""The room-booking tool's clearing report (`DELETE /api/clear-bookings`), compared key by key
with the example in the tool's README (../shared/reference/room-booking-readme.txt): the same
situation is built (two meeting rooms in Europe/Berlin, the example's bookings, next July) and
the answer must be the README's JSON, every key at every level and every value, the dates moved
to next year. calgate's own `/api/v1/.../clear-bookings` keeps its richer form."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from calgate.services.clearing import LISTS

# The README's example answer, as published (the dates are July 2025).
README_EXAMPLE = json.loads("""
{
  "deleted_cancelled_events": [],
  "deleted_overlapping_events": [
    {
      "event": {
        "uid": "abeda082-2a4b-48a7-a92a-ba24575622ae",
        "name": "Fundraising Weekly",
        "start": "2025-07-14T00:00:00+02:00",
        "end": "2025-07-19T00:00:00+02:00",
        "created": "2025-07-09T15:11:19+02:00",
        "organizer": "head-of-fundraising@my-awesome.org"
      },
      "overlaps_with": {
        "uid": "2051008d-6ce2-4489-b7d9-38d164c5e66e",
        "name": "Finance Monthly",
        "start": "2025-07-15T10:00:00+02:00",
        "end": "2025-07-15T12:00:00+02:00",
        "created": "2025-01-14T08:33:20+01:00",
        "organizer": "head-of-finance@my-awesome.org"
      },
      "calendar": "meeting-room-1"
    }
  ],
  "cancelled_overlapping_recurring_events": [
    {
      "event": {
        "uid": "be6d2d42-513b-45ca-bb43-663e2a10a1d7",
        "name": "Job Interviews",
        "start": "2025-07-14T14:00:00+02:00",
        "end": "2025-07-14T15:00:00+02:00",
        "created": "2025-06-30T12:04:14+02:00",
        "organizer": "head-of-hr@my-awesome.org"
      },
      "overlaps_with": {
        "uid": "f2b7b703-dfba-4ae7-a0e9-bf0e7637c7e4",
        "name": "Workers Council Meeting",
        "start": "2025-07-14T14:00:00+02:00",
        "end": "2025-07-14T15:00:00+02:00",
        "created": "2025-02-10T12:33:39+01:00",
        "organizer": "workers-council@my-awesome.org"
      },
      "calendar": "meeting-room-2"
    }
  ],
  "ignored_overlapping_events": [],
  "test_mode": true
}
""")

# Next July: always ahead of today and inside the 800 days clearing looks at.
YEAR = datetime.now(UTC).year + 1
ICS = {
    "Content-Type": "text/calendar",
    "Accept": "application/json",
    "Prefer": "return=representation",
}
FUNDRAISING = "abeda082-2a4b-48a7-a92a-ba24575622ae"
BERLIN = """\
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def vcalendar(uid: str, name: str, *lines: str, organizer: str | None = None) -> str:
    """One booking as a CalDAV client writes it (times in Europe/Berlin)."""
    event = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"SUMMARY:{name}"]
    if organizer:
        event.append(f"ORGANIZER:mailto:{organizer}")
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//a client//EN", BERLIN]
    body += [*event, *lines, "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join("\r\n".join(body).splitlines()) + "\r\n"


def berlin(day: str, time: str) -> str:
    return f"TZID=Europe/Berlin:{YEAR}{day}T{time}"


# The README's situation: the bookings behind its example report.
ROOMS: dict[str, list[str]] = {
    "meeting-room-1": [
        vcalendar(
            "abeda082-2a4b-48a7-a92a-ba24575622ae",
            "Fundraising Weekly",
            f"DTSTART;VALUE=DATE:{YEAR}0714",
            f"DTEND;VALUE=DATE:{YEAR}0719",
            "CREATED:20250709T131119Z",
            organizer="head-of-fundraising@my-awesome.org",
        ),
        vcalendar(
            "2051008d-6ce2-4489-b7d9-38d164c5e66e",
            "Finance Monthly",
            f"DTSTART;{berlin('0115', '100000')}",
            f"DTEND;{berlin('0115', '120000')}",
            "RRULE:FREQ=MONTHLY;COUNT=12",
            "CREATED:20250114T073320Z",
            organizer="head-of-finance@my-awesome.org",
        ),
    ],
    "meeting-room-2": [
        vcalendar(
            "be6d2d42-513b-45ca-bb43-663e2a10a1d7",
            "Job Interviews",
            f"DTSTART;{berlin('0714', '140000')}",
            f"DTEND;{berlin('0714', '150000')}",
            "RRULE:FREQ=DAILY;COUNT=5",
            "CREATED:20250630T100414Z",
            organizer="head-of-hr@my-awesome.org",
        ),
        vcalendar(
            "f2b7b703-dfba-4ae7-a0e9-bf0e7637c7e4",
            "Workers Council Meeting",
            f"DTSTART;{berlin('0714', '140000')}",
            f"DTEND;{berlin('0714', '150000')}",
            "CREATED:20250210T113339Z",
            organizer="workers-council@my-awesome.org",
        ),
    ],
}


def expected(*, test_mode: bool = True, calendars: tuple[str, ...] = tuple(ROOMS)) -> dict:
    """The README's example with its booking dates in next July (``created`` stays: those
    are when the bookings were made)."""
    want = copy.deepcopy(README_EXAMPLE)
    for name in LISTS:
        want[name] = [e for e in want[name] if e["calendar"] in calendars]
        for entry in want[name]:
            for event in (entry["event"], entry["overlaps_with"]):
                for key in ("start", "end"):
                    event[key] = event[key].replace("2025-", f"{YEAR}-", 1)
    want["test_mode"] = test_mode
    return want


def assert_same_shape(got: Any, want: Any, path: str = "$") -> None:
    """Key by key, at every level: the same keys, the same list lengths, the same values."""
    assert type(got) is type(want), f"{path}: {type(got).__name__}, want {type(want).__name__}"
    if isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys {list(got)}, want {list(want)}"
        for key in want:
            assert_same_shape(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), f"{path}: {len(got)} entries, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_shape(g, w, f"{path}[{i}]")
    else:
        assert got == want, f"{path}: {got!r}, want {want!r}"


@pytest.fixture
def rooms(client) -> dict[str, str]:
    """The two meeting rooms of the README, in Europe/Berlin, marked for clearing, with the
    example's bookings; returns event ids by UID."""
    ids = {}
    for cal, bookings in ROOMS.items():
        body = {"id": cal, "name": cal.replace("-", " ").title(), "timeZone": "Europe/Berlin"}
        made = client.post("/api/v1/calendars", json=body)
        assert made.status_code == 201, made.text
        marked = client.patch(f"/api/v1/calendars/{cal}", json={"autoClear": True})
        assert marked.status_code == 200, marked.text
        for text in bookings:
            resp = client.post(f"/api/v1/calendars/{cal}/events", content=text, headers=ICS)
            assert resp.status_code == 201, resp.text
            ids[resp.json()["uid"]] = resp.json()["id"]
    return ids


def test_drop_in_report_is_the_readme_example_key_by_key(client, rooms):
    resp = client.delete("/api/clear-bookings", params={"test": "1"})
    assert resp.status_code == 200, resp.text
    assert_same_shape(resp.json(), expected())
    # the example's own call names one room: that room's part of the same report
    one = client.delete("/api/clear-bookings", params={"calendar": "meeting-room-1", "test": "on"})
    assert one.status_code == 200, one.text
    assert_same_shape(one.json(), expected(calendars=("meeting-room-1",)))


def test_drop_in_real_run_reports_the_same_and_clears(client, rooms):
    resp = client.delete("/api/clear-bookings", params={"test": "0"})
    assert resp.status_code == 200, resp.text
    assert_same_shape(resp.json(), expected(test_mode=False))
    gone = client.get(f"/api/v1/calendars/meeting-room-1/events/{rooms[FUNDRAISING]}")
    assert gone.status_code == 404
    window = {"start": f"{YEAR}-07-13", "end": f"{YEAR}-07-20", "expand": "true"}
    left = client.get("/api/v1/calendars/meeting-room-2/events", params=window).json()["items"]
    assert [(e["title"], e["start"][5:16]) for e in left if e["title"] == "Job Interviews"] == [
        ("Job Interviews", f"07-{day}T14:00") for day in (15, 16, 17, 18)
    ]
    again = client.delete("/api/clear-bookings")
    assert again.json() == {**{name: [] for name in LISTS}, "test_mode": False}


def test_calgate_report_keeps_its_richer_form(client, rooms):
    resp = client.post("/api/v1/calendars/meeting-room-1/clear-bookings", params={"dryRun": True})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert list(report) == ["calendar", "test_mode", *LISTS, "skipped", "notified"]
    (entry,) = report["deleted_overlapping_events"]
    assert set(entry) == {"event", "overlaps_with", "is_deprioritized"}
    assert entry["event"] == {
        "id": rooms[FUNDRAISING],
        "recurrenceId": None,
        "uid": FUNDRAISING,
        "name": "Fundraising Weekly",
        "start": f"{YEAR}-07-13T22:00:00Z",
        "end": f"{YEAR}-07-18T22:00:00Z",
        "created": "2025-07-09T13:11:19Z",
        "organizer": {"email": "head-of-fundraising@my-awesome.org", "name": None},
        "prioritized": False,
    }
    assert [o["name"] for o in entry["overlaps_with"]] == ["Finance Monthly"]
    marked = client.post("/api/v1/clear-bookings", params={"dryRun": True}).json()
    assert [r["calendar"] for r in marked["reports"]] == list(ROOMS)
    assert marked["errors"] == []


# -- the entries the README's example has none of ---------------------------------------------
def booking(uid: str, start: str, end: str, *lines: str, organizer: str | None = None) -> str:
    return vcalendar(
        uid,
        f"Booking {uid}",
        f"DTSTART:{YEAR}0301T{start}00Z",
        f"DTEND:{YEAR}0301T{end}00Z",
        *lines,
        organizer=organizer,
    )


def test_drop_in_entries_for_cancelled_prioritized_and_organizerless_bookings(client):
    cal = "/api/v1/calendars/default"
    assert client.patch(cal, json={"timeZone": "America/New_York"}).status_code == 200
    for text in (
        booking("a", "1000", "1100", "CREATED:20260101T000000Z", organizer="a@example.org"),
        booking("b", "1100", "1200", "CREATED:20260102T000000Z", organizer="b@example.org"),
        # overlaps both kept bookings: the oldest (a) decided it; no organizer
        booking("c", "1030", "1130", "CREATED:20260103T000000Z"),
        booking("gone", "1300", "1400", "STATUS:CANCELLED", organizer="g@example.org"),
        booking("p1", "1500", "1600", "CREATED:20260104T000000Z", "X-CALGATE-PRIORITIZED:TRUE"),
        booking("p2", "1530", "1630", "CREATED:20260105T000000Z", "X-CALGATE-PRIORITIZED:TRUE"),
    ):
        resp = client.post(f"{cal}/events", content=text, headers=ICS)
        assert resp.status_code == 201, resp.text
    resp = client.delete("/api/clear-bookings", params={"calendar": "default", "test": "ok"})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert list(report) == [*LISTS, "test_mode"]

    def event(uid: str, start: str, end: str, created: str | None, org: str | None) -> dict:
        return {
            "uid": uid,
            "name": f"Booking {uid}",
            "start": f"{YEAR}-03-01T{start}:00-05:00",
            "end": f"{YEAR}-03-01T{end}:00-05:00",
            "created": created,
            "organizer": org,
        }

    a = event("a", "05:00", "06:00", "2025-12-31T19:00:00-05:00", "a@example.org")
    p1 = event("p1", "10:00", "11:00", "2026-01-03T19:00:00-05:00", None)
    p2 = event("p2", "10:30", "11:30", "2026-01-04T19:00:00-05:00", None)
    assert report["deleted_cancelled_events"] == [
        {
            "event": event("gone", "08:00", "09:00", None, "g@example.org"),
            "overlaps_with": None,
            "calendar": "default",
        }
    ]
    c = event("c", "05:30", "06:30", "2026-01-02T19:00:00-05:00", None)
    assert report["deleted_overlapping_events"] == [
        {"event": c, "overlaps_with": a, "calendar": "default"}
    ]
    assert report["cancelled_overlapping_recurring_events"] == []
    assert report["ignored_overlapping_events"] == [
        {"event": p1, "overlaps_with": p2, "calendar": "default"},
        {"event": p2, "overlaps_with": p1, "calendar": "default"},
    ]


# -- who booked: the organizer a drop-in booking carries ---------------------------------------
@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("ann@example.org", {"email": "ann@example.org", "name": None}),
        ("mailto:ann@example.org", {"email": "ann@example.org", "name": None}),
        ("Ann Example <ann@example.org>", {"email": "ann@example.org", "name": "Ann Example"}),
        ('"Example, Ann" <ann@example.org>', {"email": "ann@example.org", "name": "Example, Ann"}),
        ({"email": "ann@example.org", "name": "Ann"}, {"email": "ann@example.org", "name": "Ann"}),
        (None, None),
    ],
)
def test_drop_in_booking_carries_its_organizer(client, sent, stored):
    body = {"name": "Room", "start": f"{YEAR}-03-01T10:00:00", "end": f"{YEAR}-03-01T11:00:00"}
    resp = client.post("/api/default/events/", json={**body, "organizer": sent})
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {"id"}
    event = client.get(f"/api/v1/calendars/default/events/{resp.json()['id']}").json()
    assert event["organizer"] == stored


@pytest.mark.parametrize(
    ("sent", "pointer"),
    [
        ("not an address", "#/organizer"),
        ("Ann <>", "#/organizer"),
        ({"email": "ann@example.org", "phone": "1"}, "#/organizer/phone"),
        (5, "#/organizer"),
    ],
)
def test_drop_in_booking_with_a_bad_organizer_is_422(client, sent, pointer):
    body = {"name": "Room", "start": f"{YEAR}-03-01T10:00:00", "end": f"{YEAR}-03-01T11:00:00"}
    resp = client.post("/api/default/events/", json={**body, "organizer": sent})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in resp.json()["errors"]] == [pointer], resp.json()
    if pointer == "#/organizer":  # says which forms are taken
        assert '"Ann <ann@example.org>"' in resp.json()["detail"]
    listed = client.get(
        "/api/v1/calendars/default/events",
        params={"start": f"{YEAR}-03-01", "end": f"{YEAR}-03-02"},
    )
    assert listed.json()["items"] == []
