"""EGroupware's JSCalendar REST API examples (tests/oracles/data/egroupware) sent to calgate as
its clients send them, on every contract-suite server (issue 13, point 3): the request bodies
and the Events its GET answers show (a client syncing from EGroupware sends those back) are
accepted, and RFC 8984 participants come back as RFC 8984 spells them. EGroupware's clients
send JSCalendar as ``application/json``: calgate reads such a body as JSCalendar too."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_jscalendar_api import JSCAL, get_js, url
from tests.oracles.support import DATA
from tests.oracles.test_egroupware_examples import RALF

EXAMPLES = DATA / "egroupware"
ANSWERS = ["get-collection-5695", "get-collection-5699", "get-collection-5701", "get-single"]


TYPES = [JSCAL, "application/json"]


def send(client, method, path, body, content_type, **headers):
    return client.request(
        method, path, json=body, headers={"Content-Type": content_type, **headers}
    )


def load(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return found


@pytest.mark.parametrize("content_type", TYPES)
def test_egroupware_requests_post_put_patch(client, calendar_id, content_type):
    post = load("request-post")
    resp = send(client, "POST", url(calendar_id), post, JSCAL, Prefer="return=representation")
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"].startswith(JSCAL)
    assert (resp.json()["title"], resp.json()["timeZone"]) == ("Test 25th", "Europe/Berlin")
    uid = "5638-8623c4830472a8ede9f9f8b30d435ea4"
    resp = send(client, "PUT", url(calendar_id, uid), load("request-put-uid"), content_type)
    assert resp.status_code == 201, resp.text
    resp = send(client, "PUT", url(calendar_id, uid), load("request-put-uid"), content_type)
    assert resp.status_code == 204, resp.text  # the same body again: an update
    resp = send(client, "PATCH", url(calendar_id, uid), load("request-patch"), content_type)
    assert resp.status_code in (200, 204), resp.text
    obj = get_js(client, calendar_id, uid)
    assert (obj["uid"], obj["title"], obj["duration"]) == (uid, "New title", "PT2H")


@pytest.mark.parametrize("content_type", TYPES)
@pytest.mark.parametrize("name", ANSWERS)
def test_egroupware_get_answers_are_accepted_back(client, calendar_id, name, content_type):
    body = load(name)
    resp = send(client, "POST", url(calendar_id), body, content_type)
    assert resp.status_code == 201, resp.text
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    obj = get_js(client, calendar_id, event_id)
    assert obj["uid"] == body["uid"] and obj["title"] == body["title"]
    assert obj["participants"]["5"] == RALF
    assert obj["replyTo"] == {"imip": "mailto:ralf@boulder.egroupware.org"}
    assert obj["sequence"] == int(body["sequence"])
    if "recurrenceRules" in body:  # byDay sent as one NDay of "mo,we": two NDays
        days = [d["day"] for d in obj["recurrenceRules"][0]["byDay"]]
        assert days == body["recurrenceRules"][0]["byDay"]["day"].split(",")
        assert all(a["trigger"]["offset"] == "PT0S" for a in obj["alerts"].values())


def test_a_participant_without_any_address_is_a_422_saying_what_to_send(client):
    body = {**load("request-post"), "participants": {"p": {"name": "Nobody", "roles": {}}}}
    resp = send(client, "POST", url("default"), body, JSCAL)
    assert resp.status_code == 422, resp.text
    pointers = {e["pointer"] for e in resp.json()["errors"]}
    assert "#/participants/p/sendTo" in pointers
    assert "sendTo" in resp.text and "email" in resp.text


def test_egroupware_post_as_json_is_the_same_event_in_either_form(client):
    """The POST example means the same in calgate's JSON form, which takes it as it is."""
    resp = send(client, "POST", url("default"), load("request-post"), "application/json")
    assert resp.status_code == 201, resp.text
    assert (resp.json()["start"], resp.json()["end"]) == (
        "2023-07-25T10:00:00+02:00",
        "2023-07-25T11:00:00+02:00",
    )


def test_calgate_json_with_read_only_members_stays_calgate_json(client):
    """A PUT of calgate's own GET answer is not mistaken for JSCalendar: its read-only members
    are refused by name, as before."""
    made = client.post(url("default"), json={"title": "x", "start": "2026-05-01T10:00:00Z"})
    assert made.status_code == 201, made.text
    resp = client.put(url("default", made.json()["id"]), json=made.json())
    assert resp.status_code == 422, resp.text
    assert "#/etag" in {e["pointer"] for e in resp.json()["errors"]}
