"""POST /api/v1/freebusy and /api/v1/availability through the real stack: events made through
the API and straight on the CalDAV server, on every contract server and both metadata DBs."""

from __future__ import annotations

from tests.conftest import auth

FB = "/api/v1/freebusy"
AV = "/api/v1/availability"


def _create(client, cal: str, body: dict) -> dict:
    resp = client.post(f"/api/v1/calendars/{cal}/events", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _timed(title: str, start: str, end: str, **extra: object) -> dict:
    return {"title": title, "start": start, "end": end, **extra}


def _fill(client, cal: str) -> None:
    """The calendar's zone is Europe/Berlin: all-day and floating events are placed in it."""
    resp = client.patch(f"/api/v1/calendars/{cal}", json={"timeZone": "Europe/Berlin"})
    assert resp.status_code == 200, resp.text
    weekly = {"frequency": "weekly"}
    _create(
        client,
        cal,
        _timed(
            "Weekly", "2026-06-01T09:00:00", "2026-06-01T10:00:00",
            timeZone="Europe/Berlin", recurrence=weekly,
        ),
    )  # fmt: skip
    _create(client, cal, {"title": "Off", "start": "2026-06-03", "end": "2026-06-04"})
    _create(
        client,
        cal,
        _timed("Floating", "2026-06-04T10:00:00", "2026-06-04T11:00:00", floating=True),
    )
    _create(
        client, cal, _timed("Free", "2026-06-05T09:00:00Z", "2026-06-05T10:00:00Z",
                            transparency="free"),
    )  # fmt: skip
    _create(
        client, cal, _timed("Cancelled", "2026-06-05T12:00:00Z", "2026-06-05T13:00:00Z",
                            status="cancelled"),
    )  # fmt: skip
    _create(
        client, cal, _timed("Maybe", "2026-06-09T10:00:00Z", "2026-06-09T11:00:00Z",
                            status="tentative"),
    )  # fmt: skip
    # overlaps the second weekly occurrence (07:00-08:00Z): merged into one period
    _create(client, cal, _timed("Overlap", "2026-06-08T07:30:00Z", "2026-06-08T08:30:00Z"))
    # back to back with the tentative one: coalesced (touching)
    _create(client, cal, _timed("Next", "2026-06-09T11:00:00Z", "2026-06-09T11:30:00Z"))


EXPECTED_BUSY = [
    {"start": "2026-06-01T07:00:00Z", "end": "2026-06-01T08:00:00Z"},
    {"start": "2026-06-02T22:00:00Z", "end": "2026-06-03T22:00:00Z"},  # all-day, Berlin
    {"start": "2026-06-04T08:00:00Z", "end": "2026-06-04T09:00:00Z"},  # floating, Berlin
    {"start": "2026-06-08T07:00:00Z", "end": "2026-06-08T08:30:00Z"},
    {"start": "2026-06-09T10:00:00Z", "end": "2026-06-09T11:30:00Z"},  # tentative + next
]

OTHER_CLIENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
    "UID:fb-other-client@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20260605T140000Z\r\nDTEND:20260605T150000Z\r\nSUMMARY:Written elsewhere\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_freebusy_merges_every_kind_of_busy_event(client, calendar_id, raw):
    _fill(client, calendar_id)
    raw.add_event(OTHER_CLIENT)  # straight to the server: calgate must sync and see it
    resp = client.post(
        FB, json={"calendars": [calendar_id], "start": "2026-06-01", "end": "2026-06-15"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["start"] == "2026-06-01T00:00:00Z" and body["end"] == "2026-06-15T00:00:00Z"
    [cal] = body["calendars"]
    assert cal["calendarId"] == calendar_id
    expected = sorted(
        [*EXPECTED_BUSY, {"start": "2026-06-05T14:00:00Z", "end": "2026-06-05T15:00:00Z"}],
        key=lambda p: p["start"],
    )
    assert cal["busy"] == expected


def test_freebusy_local_offsets_and_clipping(db_client):
    _fill(db_client, "default")
    resp = db_client.post(
        FB,
        json={
            "calendars": ["default"],
            "start": "2026-06-01T09:30:00",
            "end": "2026-06-03T12:00:00",
            "timeZone": "Europe/Berlin",
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["timeZone"] == "Europe/Berlin"
    assert body["calendars"][0]["busy"] == [
        {"start": "2026-06-01T09:30:00+02:00", "end": "2026-06-01T10:00:00+02:00"},
        {"start": "2026-06-03T00:00:00+02:00", "end": "2026-06-03T12:00:00+02:00"},
    ]


def test_freebusy_beyond_the_materialized_horizon_expands_live(db_client):
    _create(
        db_client,
        "default",
        _timed("Weekly", "2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z",
               recurrence={"frequency": "weekly"}),
    )  # fmt: skip
    # more than 800 days ahead of now: no materialized occurrences there
    resp = db_client.post(
        FB, json={"calendars": ["default"], "start": "2030-01-07", "end": "2030-01-21"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["calendars"][0]["busy"] == [
        {"start": "2030-01-07T09:00:00Z", "end": "2030-01-07T10:00:00Z"},
        {"start": "2030-01-14T09:00:00Z", "end": "2030-01-14T10:00:00Z"},
    ]


# -- the example ------------------------------------------------------------------
def _calendar(client, cal_id: str) -> None:
    resp = client.post(
        "/api/v1/calendars", json={"id": cal_id, "name": cal_id, "timeZone": "Europe/Berlin"}
    )
    assert resp.status_code == 201, resp.text


def _berlin(client, cal: str, day: str, start: str, end: str) -> None:
    _create(
        client,
        cal,
        _timed("Busy", f"{day}T{start}:00", f"{day}T{end}:00", timeZone="Europe/Berlin"),
    )


def test_alice_and_bob_and_any_one_room_45_minutes_9_to_17_berlin(db_client):
    for cal in ("alice", "bob", "room-a", "room-b", "room-c"):
        _calendar(db_client, cal)
    thu = "2026-03-26"
    _berlin(db_client, "alice", thu, "09:00", "12:00")
    _berlin(db_client, "bob", thu, "13:00", "17:00")
    _berlin(db_client, "room-a", thu, "11:30", "12:30")
    _berlin(db_client, "room-b", thu, "12:00", "12:15")
    _create(db_client, "room-c", {"title": "Closed", "start": thu, "end": "2026-03-27"})
    resp = db_client.post(
        AV,
        json={
            "groups": [
                {"calendars": ["alice", "bob"], "required": "all"},
                {"calendars": ["room-a", "room-b", "room-c"], "required": 1},
            ],
            "duration": "PT45M",
            "start": "2026-03-26",  # Thursday; the clocks go forward on Sunday the 29th
            "end": "2026-04-01",
            "timeZone": "Europe/Berlin",
            "workingHours": {
                "days": ["mo", "tu", "we", "th", "fr"],
                "from": "09:00",
                "to": "17:00",
            },
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    slots = body["slots"]
    # Thursday: only 12:15 has Alice, Bob and a room (room-b; room-a is busy until 12:30)
    assert slots[0] == {
        "start": "2026-03-26T12:15:00+01:00",
        "end": "2026-03-26T13:00:00+01:00",
        "groups": [{"free": ["alice", "bob"]}, {"free": ["room-b"]}],
    }
    assert slots[1]["start"] == "2026-03-27T09:00:00+01:00"
    assert slots[1]["groups"][1]["free"] == ["room-a", "room-b", "room-c"]
    monday = [s for s in slots if s["start"].startswith("2026-03-30")]
    assert monday[0]["start"] == "2026-03-30T09:00:00+02:00"  # after the DST switch
    assert monday[-1]["end"] == "2026-03-30T17:00:00+02:00"
    # Thu 1 + Fri, Mon, Tue 30 each (09:00..16:15); no weekend, no Wednesday (window end)
    assert len(slots) == 91 and body["truncated"] is False
    assert body["duration"] == "PT45M"


def test_availability_buffers_and_max_slots(db_client):
    _berlin(db_client, "default", "2026-03-23", "10:00", "11:00")
    resp = db_client.post(
        AV,
        json={
            "groups": [{"calendars": ["default"]}],
            "duration": "PT30M",
            "bufferBefore": "PT10M",
            "bufferAfter": "PT15M",
            "start": "2026-03-23T09:00:00",
            "end": "2026-03-23T12:00:00",
            "timeZone": "Europe/Berlin",
            "maxSlots": 3,
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    # the calendar's zone is UTC, the event was made at 10:00 Berlin time
    assert [s["start"][11:16] for s in body["slots"]] == ["09:00", "09:15", "11:15"]
    assert body["truncated"] is True


# -- validation and access ----------------------------------------------------------------
def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()


def _pointers(body: dict) -> list[str]:
    return [e.get("pointer") for e in body.get("errors", [])]


WINDOW = {"start": "2026-06-01", "end": "2026-06-08"}


def test_more_than_50_calendars_is_422_naming_the_limit(client):
    body = _problem(
        client.post(FB, json={"calendars": [f"c{i}" for i in range(51)], **WINDOW}), 422
    )
    assert "50" in body["detail"] and "#/calendars" in _pointers(body)
    groups = [{"calendars": [f"g{g}c{i}" for i in range(10)]} for g in range(6)]
    body = _problem(client.post(AV, json={"groups": groups, "duration": "PT1H", **WINDOW}), 422)
    assert "at most 50" in body["detail"] and _pointers(body) == ["#/groups"]


def test_window_rules_are_422_with_pointers(client):
    cases = [
        ({"start": "2026-06-08", "end": "2026-06-01"}, "#/end", "after start"),
        ({"start": "2026-01-01", "end": "2027-06-01"}, "#/end", "366 days"),
        ({"start": "June", "end": "2026-06-01"}, "#/start", "ISO 8601"),
        ({**WINDOW, "timeZone": "Mars/Olympus"}, "#/timeZone", "Unknown time zone"),
    ]
    for window, pointer, words in cases:
        body = _problem(client.post(FB, json={"calendars": ["default"], **window}), 422)
        assert _pointers(body) == [pointer] and words in body["detail"], body


def test_availability_rules_are_422_with_pointers(client):
    group = {"calendars": ["default"]}
    cases = [
        ({"duration": "PT0S"}, "#/duration"),
        ({"duration": "soon"}, "#/duration"),
        ({"duration": "P8D"}, "#/duration"),  # longer than the window
        ({"duration": "PT1H", "bufferBefore": "-PT5M"}, "#/bufferBefore"),
        ({"duration": "PT1H", "step": "PT10S"}, "#/step"),
        (
            {"duration": "PT1H", "groups": [{"calendars": ["default"], "required": 2}]},
            "#/groups/0/required",
        ),
        (
            {"duration": "PT1H", "groups": [{"calendars": ["default"], "required": 0}]},
            "#/groups/0/required",
        ),
        (
            {"duration": "PT1H", "workingHours": {"from": "17:00", "to": "09:00"}},
            "#/workingHours/to",
        ),
        (
            {"duration": "PT1H", "workingHours": {"from": "9am", "to": "17:00"}},
            "#/workingHours/from",
        ),
    ]
    for extra, pointer in cases:
        body = _problem(client.post(AV, json={"groups": [group], **WINDOW, **extra}), 422)
        assert pointer in _pointers(body), (extra, body)


def test_repeated_calendar_is_422(client):
    body = _problem(client.post(FB, json={"calendars": ["default", "default"], **WINDOW}), 422)
    assert "listed twice" in body["detail"]


def test_unknown_and_invisible_calendars_are_the_same_404(db_client):
    db_client.post("/api/v1/calendars", json={"id": "rooms", "name": "Rooms"})
    made = db_client.post("/api/v1/tokens", json={"role": "read", "calendars": ["rooms"]}).json()
    h = auth(made["token"])
    assert db_client.post(FB, json={"calendars": ["rooms"], **WINDOW}, headers=h).status_code == 200
    hidden = _problem(
        db_client.post(FB, json={"calendars": ["rooms", "default"], **WINDOW}, headers=h), 404
    )
    missing = _problem(
        db_client.post(FB, json={"calendars": ["rooms", "nope"], **WINDOW}, headers=h), 404
    )
    assert "'default'" in hidden["detail"] and "'nope'" in missing["detail"]
    assert hidden["detail"].replace("default", "X") == missing["detail"].replace("nope", "X")
    groups = [{"calendars": ["rooms", "default"], "required": 1}]
    resp = db_client.post(AV, json={"groups": groups, "duration": "PT1H", **WINDOW}, headers=h)
    assert _problem(resp, 404)["detail"] == hidden["detail"]
