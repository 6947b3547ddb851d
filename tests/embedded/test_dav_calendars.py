"""Calendars made, deleted and renamed through ``/dav/`` are calgate's calendars (issue 16,
point 6): a real ``calgate serve``; the clients are the ``caldav`` library and raw WebDAV."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import caldav
import httpx2 as httpx
import pytest

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess

H = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
API = "/api/v1/calendars"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalgateProcess]:
    process = CalgateProcess(tmp_path_factory.mktemp("dav-calendars") / "data")
    yield process
    process.stop()


def token(served: CalgateProcess, **body: object) -> str:
    made = httpx.post(f"{served.base}/api/v1/tokens", headers=H, json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def dav(served: CalgateProcess, secret: str = ADMIN_TOKEN) -> caldav.DAVClient:
    return caldav.DAVClient(url=f"{served.base}/dav/", username="someone", password=secret)


def new_id() -> str:
    return f"cal-{uuid.uuid4().hex[:8]}"


def test_mkcalendar_by_an_admin_makes_a_calgate_calendar(served: CalgateProcess):
    calendar_id = new_id()
    with dav(served) as client:
        made = client.principal().make_calendar(name="Meeting room", cal_id=calendar_id)
        made.save_event(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:mk-1\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20270301T100000Z\r\nDTEND:20270301T110000Z\r\n"
            "SUMMARY:First\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    got = httpx.get(f"{served.base}{API}/{calendar_id}", headers=H)
    assert got.status_code == 200, got.text
    assert got.json()["name"] == "Meeting room"
    listed = httpx.get(
        f"{served.base}{API}/{calendar_id}/events",
        headers=H,
        params={"start": "2027-03-01", "end": "2027-03-02"},
    )
    assert [e["title"] for e in listed.json()["items"]] == ["First"]


def test_mkcalendar_keeps_an_iana_calendar_timezone(served: CalgateProcess):
    calendar_id = new_id()
    body = (
        '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
        "<D:displayname>Tokyo office</D:displayname><C:calendar-timezone>"
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VTIMEZONE\r\n"
        "TZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\n"
        "TZOFFSETTO:+0900\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"
        "</C:calendar-timezone></D:prop></D:set></C:mkcalendar>"
    )
    made = httpx.request(
        "MKCALENDAR",
        f"{served.base}/dav/calgate/{calendar_id}/",
        content=body,
        auth=("x", ADMIN_TOKEN),
    )
    assert made.status_code == 201, made.text
    got = httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).json()
    assert (got["name"], got["timeZone"]) == ("Tokyo office", "Asia/Tokyo")


@pytest.mark.parametrize("role", ["write", "scoped admin"])
def test_other_tokens_cannot_make_or_delete_calendars(served: CalgateProcess, role: str):
    body: dict[str, object] = {"role": "write"}
    if role == "scoped admin":
        body = {"role": "admin", "calendars": ["default"]}
    secret = token(served, **body)
    calendar_id = new_id()
    made = httpx.request(
        "MKCALENDAR", f"{served.base}/dav/calgate/{calendar_id}/", auth=("x", secret)
    )
    assert made.status_code == 403
    assert httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).status_code == 404
    gone = httpx.delete(f"{served.base}/dav/calgate/default/", auth=("x", secret))
    assert gone.status_code == 403
    assert httpx.get(f"{served.base}{API}/default", headers=H).status_code == 200


def test_an_id_another_calendar_holds_is_refused(served: CalgateProcess):
    calendar_id = new_id()
    assert (
        httpx.post(
            served.base + API, headers=H, json={"id": calendar_id, "name": "Taken"}
        ).status_code
        == 201
    )
    again = httpx.request(
        "MKCALENDAR", f"{served.base}/dav/calgate/{calendar_id}/", auth=("x", ADMIN_TOKEN)
    )
    assert again.status_code in (405, 409), again.text
    assert httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).json()["name"] == "Taken"


ADDRESS_BOOK = (
    '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
    'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
    "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
    "</D:prop></D:set></D:mkcol>"
)


@pytest.mark.parametrize("body", ["", ADDRESS_BOOK], ids=["plain", "address book"])
def test_a_collection_that_is_not_a_calendar_is_refused(served: CalgateProcess, body: str):
    calendar_id = new_id()
    made = httpx.request(
        "MKCOL", f"{served.base}/dav/calgate/{calendar_id}/", content=body, auth=("x", ADMIN_TOKEN)
    )
    assert made.status_code == 403, made.text
    assert httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).status_code == 404
    probe = httpx.request(
        "PROPFIND",
        f"{served.base}/dav/calgate/{calendar_id}/",
        headers={"Depth": "0"},
        auth=("x", ADMIN_TOKEN),
    )
    assert probe.status_code == 404


def test_delete_by_an_admin_deletes_the_calendar_everywhere(served: CalgateProcess):
    calendar_id = new_id()
    assert (
        httpx.post(
            served.base + API, headers=H, json={"id": calendar_id, "name": "Doomed"}
        ).status_code
        == 201
    )
    with dav(served) as client:
        client.calendar(url=f"{served.base}/dav/calgate/{calendar_id}/").delete()
    assert httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).status_code == 404
    ids = [c["id"] for c in httpx.get(served.base + API, headers=H).json()["items"]]
    assert calendar_id not in ids
    # the id is free again, through either door
    again = httpx.post(served.base + API, headers=H, json={"id": calendar_id, "name": "Again"})
    assert again.status_code == 201, again.text


def test_displayname_set_over_caldav_is_the_api_name_and_back(served: CalgateProcess):
    calendar_id = new_id()
    assert (
        httpx.post(
            served.base + API, headers=H, json={"id": calendar_id, "name": "Before"}
        ).status_code
        == 201
    )
    writer = token(served, role="write", calendars=[calendar_id])
    with dav(served, writer) as client:
        calendar = client.calendar(url=f"{served.base}/dav/calgate/{calendar_id}/")
        calendar.set_properties([caldav.elements.dav.DisplayName("Set over CalDAV")])
    assert (
        httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).json()["name"]
        == "Set over CalDAV"
    )
    patched = httpx.patch(
        f"{served.base}{API}/{calendar_id}",
        headers=H,
        json={"name": "Set over the API", "timeZone": "America/New_York"},
    )
    assert patched.status_code == 200, patched.text
    with dav(served, writer) as client:
        calendar = client.calendar(url=f"{served.base}/dav/calgate/{calendar_id}/")
        assert calendar.get_display_name() == "Set over the API"
        zone = calendar.get_property(caldav.elements.cdav.CalendarTimeZone())
    assert zone is not None and "TZID:America/New_York" in zone


def test_a_read_token_cannot_rename(served: CalgateProcess):
    reader = token(served, role="read")
    body = (
        '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
        "<D:displayname>Hijacked</D:displayname></D:prop></D:set></D:propertyupdate>"
    )
    answer = httpx.request(
        "PROPPATCH", f"{served.base}/dav/calgate/default/", content=body, auth=("x", reader)
    )
    assert answer.status_code == 403
    assert httpx.get(f"{served.base}{API}/default", headers=H).json()["name"] != "Hijacked"


def test_an_extended_mkcol_of_a_calendar_makes_one(served: CalgateProcess):
    """RFC 5689: what some clients send instead of MKCALENDAR."""
    calendar_id = new_id()
    body = (
        '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
        'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
        "<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>"
        "<D:displayname>Made by MKCOL</D:displayname></D:prop></D:set></D:mkcol>"
    )
    made = httpx.request(
        "MKCOL", f"{served.base}/dav/calgate/{calendar_id}/", content=body, auth=("x", ADMIN_TOKEN)
    )
    assert made.status_code == 201, made.text
    assert (
        httpx.get(f"{served.base}{API}/{calendar_id}", headers=H).json()["name"] == "Made by MKCOL"
    )
