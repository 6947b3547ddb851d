"""Calendars: the embedded default, calgate's own settings, new calendars on a source."""

from __future__ import annotations

import caldav


def test_first_start_makes_default_calendar(db_client):
    body = db_client.get("/api/v1/calendars").json()
    assert [c["id"] for c in body["items"]] == ["default"]
    default = body["items"][0]
    assert default["source"] == "embedded" and default["timeZone"] == "UTC"
    assert default["caldavUrl"].endswith("/dav/calgate/default/")


def test_patch_calendar_settings(db_client):
    resp = db_client.patch(
        "/api/v1/calendars/default", json={"name": "Team", "timeZone": "Europe/Berlin"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["name"] == "Team" and resp.json()["timeZone"] == "Europe/Berlin"
    assert db_client.get("/api/v1/calendars/default").json()["timeZone"] == "Europe/Berlin"


def test_patch_calendar_unknown_time_zone_is_422(db_client):
    resp = db_client.patch("/api/v1/calendars/default", json={"timeZone": "Mars/Olympus"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["pointer"] == "#/timeZone"


def test_create_calendar_on_embedded_store(db_client):
    resp = db_client.post(
        "/api/v1/calendars", json={"name": "Meeting Room A", "timeZone": "Europe/Oslo"}
    )
    assert resp.status_code == 201, resp.text
    cal = resp.json()
    assert (
        cal["id"] == "meeting-room-a"
        and resp.headers["location"] == "/api/v1/calendars/meeting-room-a"
    )
    # A second one with the same name gets a new slug; an explicit taken id is a 422.
    again = db_client.post("/api/v1/calendars", json={"name": "Meeting Room A"})
    assert again.json()["id"] == "meeting-room-a-2"
    taken = db_client.post("/api/v1/calendars", json={"id": "default", "name": "x"})
    assert taken.status_code == 422 and taken.json()["errors"][0]["pointer"] == "#/id"


def test_created_calendar_is_a_real_caldav_collection(db_client):
    db_client.post("/api/v1/calendars", json={"id": "lab", "name": "Test lab"})
    runtime = db_client.app.state.runtime
    store = runtime.embedded
    dav = caldav.DAVClient(
        url=runtime.embedded_base_url(),
        username=store.internal_username,
        password=store.internal_password,
    )
    names = {c.get_display_name() for c in dav.principal().calendars()}
    assert {"Default", "Test lab"} <= names


def test_create_calendar_bad_slug_is_422(db_client):
    resp = db_client.post("/api/v1/calendars", json={"id": "Bad Id!", "name": "x"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["pointer"] == "#/id"


def test_unknown_calendar_is_404_problem(db_client):
    resp = db_client.get("/api/v1/calendars/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"


def test_timestamps_are_utc_on_the_wire(db_client):
    cal = db_client.get("/api/v1/calendars/default").json()
    assert cal["created"].endswith("Z") and cal["updated"].endswith("Z")
    token = db_client.get("/api/v1/tokens").json()["items"][0]
    assert token["created"].endswith("Z")


def test_concurrent_creations_with_one_name_get_distinct_ids(db_client):
    from concurrent.futures import ThreadPoolExecutor

    def create(_):
        return db_client.post("/api/v1/calendars", json={"name": "Room"})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(create, range(8)))
    assert [r.status_code for r in answers] == [201] * 8, [r.text for r in answers]
    ids = sorted(r.json()["id"] for r in answers)
    assert len(set(ids)) == 8 and "room" in ids


def test_concurrent_creations_with_one_explicit_id_one_wins(db_client):
    from concurrent.futures import ThreadPoolExecutor

    def create(_):
        return db_client.post("/api/v1/calendars", json={"id": "same", "name": "Same"})

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(r.status_code for r in pool.map(create, range(6)))
    assert codes == [201] + [422] * 5
