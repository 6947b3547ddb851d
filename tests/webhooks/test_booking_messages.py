"""``booking.rejected`` and ``booking.cleared`` end to end: a double booking refused by the API
or through ``/dav/``, and a clearing pass, reach a real HTTP receiver on loopback, verified with
``standardwebhooks``; endpoints that did not ask for them, or do not cover the calendar, get
nothing. Every delivered body is checked against its model (the OpenAPI document's schema).
The background worker is kept out of the way (a round an hour): the tests drive it. On SQLite
and PostgreSQL."""

from __future__ import annotations

import base64
import json
import time
from typing import get_args

import pytest
from sqlalchemy import func, select

from calgate.db.models import WebhookDeliveryRow
from calgate.schemas.webhook_messages import MESSAGES, SENT, BookingRejected
from calgate.schemas.webhooks import WebhookEvent
from calgate.services import webhook_dispatch
from tests.booking.helpers import ics
from tests.conftest import ADMIN_TOKEN, _reset_postgres, auth
from tests.webhooks.test_delivery import EVENTS, Receiver, run, subscribe, verified

BOOKING = ["booking.rejected", "booking.cleared"]
DAV_BASIC = base64.b64encode(f"someone:{ADMIN_TOKEN}".encode()).decode()


@pytest.fixture(params=["sqlite", "postgres"])
def quiet(request, make_client):
    """calgate on each metadata database."""
    database: dict[str, str] = {}
    if request.param == "postgres":
        database["database_url"] = request.getfixturevalue("postgres_database")
        _reset_postgres(database["database_url"])
    return make_client(
        webhook_allow_http=True,
        webhook_allow_private=True,
        webhook_retry_scale=0.0001,
        webhook_interval=3600,
        **database,
    )


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()


def messages(client, endpoint: dict, receiver: Receiver, count: int) -> list[dict]:
    """Drive the worker until ``receiver`` has ``count`` messages; each verified and checked
    against its model: parsed by it and dumped back unchanged (no field outside the schema)."""
    deadline = time.monotonic() + 10
    while len(receiver.got) < count and time.monotonic() < deadline:
        run(client)
        time.sleep(0.02)
    run(client)  # anything more would arrive now
    out = []
    for headers, body in receiver.got:
        message = verified(endpoint, headers, body)
        model = MESSAGES[message["type"]].model_validate(message)
        assert model.model_dump(mode="json", by_alias=True, exclude_unset=True) == message
        out.append(message)
    assert len(out) == count, [m["type"] for m in out]
    return out


def rejecting(client, calendar_id: str = "default") -> None:
    resp = client.patch(f"/api/v1/calendars/{calendar_id}", json={"overlap": "reject"})
    assert resp.status_code == 200, resp.text


def book(client, title: str, start: str, end: str, calendar_id: str = "default"):
    return client.post(
        f"/api/v1/calendars/{calendar_id}/events",
        json={"title": title, "start": start, "end": end},
    )


def dav_put(client, name: str, text: str):
    return client.put(
        f"/dav/calgate/default/{name}.ics",
        content=text,
        headers={"Authorization": f"Basic {DAV_BASIC}", "Content-Type": "text/calendar"},
    )


def test_an_api_double_booking_is_announced_to_the_endpoints_that_want_it(quiet, receivers):
    rejecting(quiet)
    assert quiet.post("/api/v1/calendars", json={"id": "team", "name": "Team"}).status_code == 201
    wants, events_only, elsewhere, off = receivers(), receivers(), receivers(), receivers()
    endpoint = subscribe(quiet, wants, events=BOOKING)
    subscribe(quiet, events_only, events=["event.created"])
    disabled = subscribe(quiet, off, events=BOOKING)
    assert quiet.patch(f"/api/v1/webhooks/{disabled['id']}", json={"enabled": False}).is_success
    team = quiet.post("/api/v1/tokens", json={"role": "write", "calendars": ["team"]}).json()
    made = quiet.post(
        "/api/v1/webhooks",
        json={"url": elsewhere.url, "events": BOOKING},
        headers=auth(team["token"]),
    )
    assert made.status_code == 201 and made.json()["calendars"] == ["team"]
    revoked, dropped = receivers(), quiet.post("/api/v1/tokens", json={"role": "write"}).json()
    made = quiet.post(
        "/api/v1/webhooks",
        json={"url": revoked.url, "events": BOOKING},
        headers=auth(dropped["token"]),
    )
    assert made.status_code == 201
    assert quiet.delete(f"/api/v1/tokens/{dropped['id']}").status_code == 204

    first = book(quiet, "Standup", "2027-04-01T10:00:00Z", "2027-04-01T11:00:00Z")
    later = book(quiet, "Review", "2027-04-01T12:00:00Z", "2027-04-01T13:00:00Z")
    assert (first.status_code, later.status_code) == (201, 201)
    clash = book(quiet, "Clash", "2027-04-01T10:30:00Z", "2027-04-01T11:30:00Z")
    assert clash.status_code == 409, clash.text
    moved = quiet.patch(
        f"{EVENTS}/{later.json()['id']}",
        json={"start": "2027-04-01T10:15:00Z", "end": "2027-04-01T10:45:00Z"},
    )
    assert moved.status_code == 409, moved.text

    got = messages(quiet, endpoint, wants, 2)
    assert {m["type"] for m in got} == {"booking.rejected"}
    created, updated = sorted(got, key=lambda m: m["data"]["eventId"] is not None)
    data = created["data"]
    in_the_way = {
        "eventId": first.json()["id"],
        "recurrenceId": None,
        "uid": first.json()["uid"],
        "start": "2027-04-01T10:00:00Z",
        "end": "2027-04-01T11:00:00Z",
    }
    assert data == {
        "calendarId": "default",
        "eventId": None,  # a refused create leaves no event
        "uid": data["uid"],
        "start": "2027-04-01T10:30:00Z",
        "end": "2027-04-01T11:30:00Z",
        "origin": "api",
        "reason": "overlap",
        "conflicts": [in_the_way],
        "conflictCount": 1,
    }
    assert data["uid"] and not {"Clash", "Standup"} & set(json.dumps(data).split('"'))
    assert updated["data"]["eventId"] == later.json()["id"]  # a refused edit names its event
    assert updated["data"]["uid"] == later.json()["uid"]
    assert updated["data"]["conflicts"] == [in_the_way]
    assert len({h["webhook-id"] for h, _ in wants.got}) == 2  # two refusals, two messages
    assert [json.loads(b)["type"] for _, b in events_only.got] == ["event.created"] * 2
    assert elsewhere.got == [] and off.got == [] and revoked.got == []


def test_a_dav_double_booking_is_announced_with_origin_caldav(quiet, receivers):
    rejecting(quiet)
    wants = receivers()
    endpoint = subscribe(quiet, wants, events=["booking.rejected"])
    held = dav_put(quiet, "held", ics("held", "20270402T100000Z", "20270402T110000Z"))
    assert held.status_code == 201, held.text
    refused = dav_put(quiet, "late", ics("late", "20270402T103000Z", "20270402T113000Z"))
    assert refused.status_code == 409, refused.text

    (message,) = messages(quiet, endpoint, wants, 1)
    data = message["data"]
    assert (data["origin"], data["eventId"], data["uid"]) == ("caldav", None, "late")
    assert (data["start"], data["end"]) == ("2027-04-02T10:30:00Z", "2027-04-02T11:30:00Z")
    assert [(c["eventId"], c["uid"]) for c in data["conflicts"]] == [("held", "held")]


def test_a_clearing_pass_announces_each_booking_it_clears(quiet, receivers):
    wants = receivers()
    endpoint = subscribe(quiet, wants, events=["booking.cleared", "event.deleted", "event.updated"])
    for made, (name, start, end, extra) in enumerate(
        (
            ("first", "20270405T100000Z", "20270405T110000Z", {}),
            ("second", "20270405T103000Z", "20270405T113000Z", {}),
            ("series", "20270405T104500Z", "20270405T111500Z", {"rrule": "FREQ=DAILY;COUNT=3"}),
            ("gone", "20270406T100000Z", "20270406T110000Z", {"status": "CANCELLED"}),
        ),
        start=1,
    ):  # made one day after another: the first made keeps its time
        created = f"2026010{made}T000000Z"
        put = dav_put(quiet, name, ics(name, start, end, created=created, **extra))
        assert put.status_code == 201, put.text
    run(quiet)  # the four creates are not wanted
    assert wants.got == []

    report = quiet.post("/api/v1/calendars/default/clear-bookings", params={"dryRun": False})
    assert report.status_code == 200, report.text
    got = messages(quiet, endpoint, wants, 5)
    cleared = {m["data"]["eventId"]: m["data"] for m in got if m["type"] == "booking.cleared"}
    changes = sorted(
        (m["type"], m["data"]["eventId"], m["data"]["origin"])
        for m in got
        if m["type"] != "booking.cleared"
    )
    assert sorted(cleared) == ["second", "series"]  # not "gone": cancelled, not an overlap
    assert cleared["second"]["action"] == "deleted"
    assert cleared["second"]["recurrenceId"] is None
    assert (cleared["second"]["start"], cleared["second"]["end"]) == (
        "2027-04-05T10:30:00Z",
        "2027-04-05T11:30:00Z",
    )
    assert cleared["series"]["action"] == "occurrence_cancelled"
    assert cleared["series"]["recurrenceId"] is not None
    for data in cleared.values():
        assert (data["calendarId"], data["reason"]) == ("default", "overlap")
        assert (data["winner"]["eventId"], data["winner"]["uid"]) == ("first", "first")
        assert data["winner"]["prioritized"] is False
    assert changes == [
        ("event.deleted", "gone", "clearing"),
        ("event.deleted", "second", "clearing"),
        ("event.updated", "series", "clearing"),
    ]
    again = quiet.post("/api/v1/calendars/default/clear-bookings", params={"dryRun": False})
    assert again.status_code == 200
    messages(quiet, endpoint, wants, 5)  # nothing more


def test_announcing_the_same_happening_twice_queues_one_message(quiet, receivers):
    subscribe(quiet, receivers(), events=["booking.rejected"])
    runtime = quiet.app.state.runtime
    data = BookingRejected.model_validate(
        {
            "calendarId": "default",
            "eventId": None,
            "uid": "u",
            "start": "2027-04-07T10:00:00Z",
            "end": "2027-04-07T11:00:00Z",
            "origin": "api",
            "reason": "overlap",
            "conflicts": [],
            "conflictCount": 0,
        }
    )
    counts = []
    for _ in range(2):  # a step retried announces the same key again
        with runtime.db.session() as session:
            counts.append(
                webhook_dispatch.announce(session, "default", "booking.rejected", data, "k1")
            )
    assert counts == [1, 0]
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDeliveryRow)) == 1


def test_the_openapi_document_shows_every_message_type(quiet):
    spec = quiet.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert set(MESSAGES) == set(get_args(WebhookEvent))  # every type one may subscribe to
    assert set(spec["webhooks"]) == set(SENT) == {*MESSAGES, "webhook.test"}
    schemas = spec["components"]["schemas"]
    for kind, model in MESSAGES.items():
        body = spec["webhooks"][kind]["post"]["requestBody"]["content"]["application/json"]
        name = body["schema"]["$ref"].rsplit("/", 1)[1]
        assert name == model.__name__
        message = schemas[name]
        assert message["properties"]["type"]["const"] == kind
        data = schemas[message["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
        assert "calendarId" in data["required"]
    rejected = schemas["BookingRejected"]["properties"]
    assert {"conflicts", "origin", "reason", "start", "end", "uid", "eventId"} <= set(rejected)
    cleared = schemas["BookingCleared"]["properties"]
    assert {"winner", "action", "reason", "recurrenceId"} <= set(cleared)
