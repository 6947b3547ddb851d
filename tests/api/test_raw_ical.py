"""Raw iCalendar on the event endpoints, on every contract-suite server: stored as sent, read
back byte for byte as the server has it (compared with the plain `caldav` library), and the
content negotiation around it (406, 415, q-values, Prefer)."""

from __future__ import annotations

import pytest

from calgate.api.negotiation import chosen
from calgate.errors import NotAcceptable

ICAL = "text/calendar"


def ics(uid: str = "raw-1@example.com", summary: str = "Raw", extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//raw test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260610T090000Z\r\n"
        f"DTEND:20260610T100000Z\r\nSUMMARY:{summary}\r\nX-VENDOR-THING;X-P=1:kept\r\n"
        f"{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def url(cal: str, *parts: str) -> str:
    return "/".join([f"/api/v1/calendars/{cal}/events", *parts])


def post_raw(client, cal, text, **headers):
    return client.post(url(cal), content=text, headers={"Content-Type": ICAL, **headers})


def test_raw_create_then_get_byte_for_byte_as_the_server_has_it(client, calendar_id, raw):
    resp = post_raw(client, calendar_id, ics())
    assert resp.status_code == 201, resp.text
    assert resp.content == b"" and resp.headers["etag"]
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    got = client.get(url(calendar_id, event_id), headers={"Accept": ICAL})
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/calendar")
    direct = next(o for o in raw.events() if "raw-1@example.com" in o.data)
    assert got.text == direct.data
    assert "X-VENDOR-THING;X-P=1:kept" in got.text
    assert got.headers["etag"] == resp.headers["etag"]
    as_json = client.get(url(calendar_id, event_id)).json()
    assert (as_json["title"], as_json["uid"]) == ("Raw", "raw-1@example.com")


def test_prefer_return_representation_answers_in_the_accepted_form(client, calendar_id):
    resp = post_raw(client, calendar_id, ics(uid="raw-2"), Prefer="return=representation")
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"].startswith(ICAL)  # no Accept: the form sent
    assert "UID:raw-2" in resp.text
    resp = post_raw(
        client,
        calendar_id,
        ics(uid="raw-2b"),
        Prefer="return=representation",
        Accept="application/json",
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["id"] == "raw-2b" and resp.json()["title"] == "Raw"
    put = client.put(
        url(calendar_id, "raw-2"),
        content=ics(uid="raw-2", summary="Changed"),
        headers={"Content-Type": ICAL, "Prefer": "return=representation", "Accept": ICAL},
    )
    assert put.status_code == 200, put.text
    assert "SUMMARY:Changed" in put.text and put.headers["content-type"].startswith(ICAL)


def test_raw_put_replaces_keeps_the_uid_and_honours_if_match(client, calendar_id):
    created = post_raw(client, calendar_id, ics(uid="raw-3"))
    etag = created.headers["etag"]
    headers = {"Content-Type": ICAL}
    wrong_uid = client.put(url(calendar_id, "raw-3"), content=ics(uid="other"), headers=headers)
    assert wrong_uid.status_code == 422 and "UID" in wrong_uid.json()["detail"]
    stale = client.put(
        url(calendar_id, "raw-3"),
        content=ics(uid="raw-3", summary="v2"),
        headers={**headers, "If-Match": '"stale"'},
    )
    assert stale.status_code == 412
    ok = client.put(
        url(calendar_id, "raw-3"),
        content=ics(uid="raw-3", summary="v2"),
        headers={**headers, "If-Match": etag},
    )
    assert ok.status_code == 204, ok.text
    assert ok.headers["etag"] != etag
    assert client.get(url(calendar_id, "raw-3")).json()["title"] == "v2"
    created_by_put = client.put(url(calendar_id, "raw-4"), content=ics(uid="u4"), headers=headers)
    assert created_by_put.status_code == 201
    assert created_by_put.headers["location"].endswith("/raw-4")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (ics(uid="a") + ics(uid="b"), "Not valid iCalendar"),
        (
            ics(uid="a").replace(
                "END:VCALENDAR",
                "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\n"
                "DTSTART:20260611T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR",
            ),
            "a, b",
        ),
        (ics().replace("VERSION:2.0", "VERSION:2.0\r\nMETHOD:REQUEST"), "METHOD"),
        (
            ics().replace(
                "END:VCALENDAR",
                "BEGIN:VTODO\r\nUID:t\r\nDTSTAMP:20260101T000000Z\r\nEND:VTODO\r\nEND:VCALENDAR",
            ),
            "VTODO",
        ),
        ("not a calendar", "iCalendar"),
    ],
)
def test_raw_bodies_that_are_not_one_event_are_422s(client, text, words):
    resp = post_raw(client, "default", text)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert words in resp.json()["detail"]


def test_a_second_object_with_the_same_uid_is_a_409(client):
    assert post_raw(client, "default", ics(uid="dup")).status_code == 201
    again = post_raw(client, "default", ics(uid="dup"))
    assert again.status_code == 409 and "dup" in again.json()["detail"]


def test_unsupported_accept_is_406_and_unsupported_body_415(client):
    post_raw(client, "default", ics(uid="neg"))
    resp = client.get(url("default", "neg"), headers={"Accept": "application/xml"})
    assert resp.status_code == 406
    assert resp.headers["content-type"] == "application/problem+json"
    assert "text/calendar" in resp.json()["detail"]
    resp = client.post(url("default"), content="<x/>", headers={"Content-Type": "application/xml"})
    assert resp.status_code == 415 and "text/calendar" in resp.json()["detail"]
    resp = client.post(url("default"), content="{", headers={"Content-Type": "application/json"})
    assert resp.status_code == 422


def test_accept_quality_values_decide() -> None:
    assert chosen(None) == "json"
    assert chosen("*/*") == "json"
    assert chosen("text/calendar") == "ical"
    assert chosen("text/calendar;q=0.5, application/json") == "json"
    assert chosen("application/json;q=0.1, text/*") == "ical"
    assert chosen("application/jscalendar+json, */*;q=0.1", ("json", "ical")) == "json"
    with pytest.raises(NotAcceptable):
        chosen("text/calendar;q=0, application/xml", ("json", "ical"))


@pytest.mark.parametrize("form", ["ical", "jscalendar"])
def test_idempotency_key_replays_raw_and_jscalendar_creates(client, form):
    if form == "ical":
        send = {"content": ics(uid="idem-1"), "headers": {"Content-Type": ICAL}}
    else:
        body = {"@type": "Event", "title": "t", "start": "2026-06-01T09:00:00", "duration": "PT1H"}
        send = {"json": body, "headers": {"Content-Type": "application/jscalendar+json"}}
    key = {"Idempotency-Key": f"idem-{form}"}
    first = client.post(url("default"), **{**send, "headers": {**send["headers"], **key}})
    again = client.post(url("default"), **{**send, "headers": {**send["headers"], **key}})
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    feed = client.get("/api/v1/calendars/default/changes").json()["changes"]
    assert len(feed) == 1


def test_merge_patch_json_is_the_json_form(client):
    """The README's walk-through sends its PATCH as application/merge-patch+json."""
    made = client.post(url("default"), json={"title": "a", "start": "2026-12-01T10:00:00"})
    resp = client.patch(
        url("default", made.json()["id"]),
        content='{"title": "b"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["title"] == "b"
