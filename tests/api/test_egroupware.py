"""EGroupware's JSCalendar REST API examples (tests/oracles/data/egroupware) sent to calgate as
its clients send them, on every contract-suite server (issue 13, point 3): the request bodies
and the Events its GET answers show (a client syncing from EGroupware sends those back) are
accepted, and RFC 8984 participants come back as RFC 8984 spells them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_jscalendar_api import JSCAL, get_js, send, url
from tests.oracles.support import DATA
from tests.oracles.test_egroupware_examples import RALF

EXAMPLES = DATA / "egroupware"
ANSWERS = ["get-collection-5695", "get-collection-5699", "get-collection-5701", "get-single"]


def load(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return found


def test_egroupware_requests_post_put_patch(client, calendar_id):
    resp = send(
        client, "POST", url(calendar_id), load("request-post"), Prefer="return=representation"
    )
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"].startswith(JSCAL)
    assert (resp.json()["title"], resp.json()["timeZone"]) == ("Test 25th", "Europe/Berlin")
    uid = "5638-8623c4830472a8ede9f9f8b30d435ea4"
    resp = send(client, "PUT", url(calendar_id, uid), load("request-put-uid"))
    assert resp.status_code == 201, resp.text
    resp = send(client, "PUT", url(calendar_id, uid), load("request-put-uid"))
    assert resp.status_code == 204, resp.text  # the same body again: an update
    resp = send(client, "PATCH", url(calendar_id, uid), load("request-patch"))
    assert resp.status_code in (200, 204), resp.text
    obj = get_js(client, calendar_id, uid)
    assert (obj["uid"], obj["title"], obj["duration"]) == (uid, "New title", "PT2H")


@pytest.mark.parametrize("name", ANSWERS)
def test_egroupware_get_answers_are_accepted_back(client, calendar_id, name):
    body = load(name)
    resp = send(client, "POST", url(calendar_id), body)
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
    resp = send(client, "POST", url("default"), body)
    assert resp.status_code == 422, resp.text
    pointers = {e["pointer"] for e in resp.json()["errors"]}
    assert "#/participants/p/sendTo" in pointers
    assert "sendTo" in resp.text and "email" in resp.text
