"""The events contract, run through calgate against every CalDAV server of the suite (embedded
Radicale, Xandikos, a standalone Radicale), with the stored objects checked by the plain
`caldav` library as any other CalDAV client would see them."""

from __future__ import annotations

import caldav
import icalendar
import pytest

from tests.vtimezone_check import EVENT_TIMES, definitions, wrong_local_offsets

EVENT = {
    "title": "Release slot",
    "start": "2026-05-04T10:00:00",
    "end": "2026-05-04T11:00:00",
    "timeZone": "Europe/Berlin",
    "description": "Ship it",
    "location": "Room 1",
}


@pytest.fixture
def raw(client, calendar_id, request):
    """The same calendar, opened directly with the `caldav` library."""
    runtime = client.app.state.runtime
    if calendar_id == "default":
        store = runtime.embedded
        dav = caldav.DAVClient(
            url=runtime.embedded_base_url(),
            username=store.internal_username,
            password=store.internal_password,
        )
        url = runtime.embedded_base_url().rstrip("/") + store.calendar_path("default")
    else:
        server = request.getfixturevalue(f"{request.node.callspec.params['calendar_id']}_server")
        dav = caldav.DAVClient(
            url=server.url,
            username=server.username,
            password=server.password,
            auth_type=server.auth_type,
        )
        url = server.calendar_url
    yield dav.calendar(url=url)
    dav.close()


def events_url(cal: str) -> str:
    return f"/api/v1/calendars/{cal}/events"


def create(client, cal, body=None, **headers):
    resp = client.post(events_url(cal), json=body or EVENT, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp


def test_create_returns_201_location_etag_and_event(client, calendar_id):
    resp = create(client, calendar_id)
    ev = resp.json()
    assert resp.headers["location"] == f"{events_url(calendar_id)}/{ev['id']}"
    assert resp.headers["etag"] == ev["etag"] and ev["etag"]
    assert ev["title"] == "Release slot" and ev["timeZone"] == "Europe/Berlin"
    assert ev["start"] == "2026-05-04T10:00:00+02:00" and ev["end"] == "2026-05-04T11:00:00+02:00"
    assert ev["sequence"] == 0 and ev["uid"] and ev["created"] and ev["updated"]
    got = client.get(f"{events_url(calendar_id)}/{ev['id']}")
    assert got.status_code == 200 and got.json()["title"] == "Release slot"
    assert got.headers["etag"] == got.json()["etag"]


def test_event_created_through_api_reads_back_with_plain_caldav(client, calendar_id, raw):
    ev = create(client, calendar_id).json()
    objs = [o for o in raw.events() if o.icalendar_component["UID"] == ev["uid"]]
    assert len(objs) == 1
    cal = icalendar.Calendar.from_ical(objs[0].data)
    vevent = next(iter(cal.walk("VEVENT")))
    assert str(vevent["SUMMARY"]) == "Release slot"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert "DTSTAMP" in vevent and int(vevent["SEQUENCE"]) == 0
    assert cal.get_missing_tzids() == set()  # a VTIMEZONE for every TZID


def test_event_made_by_another_client_reads_through_api(client, calendar_id, raw):
    raw.add_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
        "UID:other-client-1@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20260506T090000\r\nDURATION:PT90M\r\nSUMMARY:Floating with duration\r\n"
        "X-VENDOR-THING:keep me\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw.add_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
        "UID:other-client-2@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;VALUE=DATE:20260507\r\nSUMMARY:Date only\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    resp = client.get(events_url(calendar_id), params={"start": "2026-05-01", "end": "2026-06-01"})
    assert resp.status_code == 200, resp.text
    by_uid = {e["uid"]: e for e in resp.json()["items"]}
    floating = by_uid["other-client-1@example.com"]
    assert floating["start"] == "2026-05-06T09:00:00" and floating["end"] == "2026-05-06T10:30:00"
    assert floating["floating"] is True and floating["timeZone"] is None
    day = by_uid["other-client-2@example.com"]
    assert day["allDay"] is True and day["start"] == "2026-05-07" and day["end"] == "2026-05-08"
    # Its id works for GET and PATCH, and the vendor property survives the edit.
    resp = client.patch(f"{events_url(calendar_id)}/{floating['id']}", json={"title": "Renamed"})
    assert resp.status_code == 200, resp.text
    stored = next(o for o in raw.events() if "other-client-1" in o.data)
    assert "X-VENDOR-THING:keep me" in stored.data and "SUMMARY:Renamed" in stored.data


def test_list_window_is_overlap(client, calendar_id):
    create(
        client,
        calendar_id,
        {"title": "a", "start": "2026-05-04T10:00:00Z", "end": "2026-05-04T11:00:00Z"},
    )
    create(
        client,
        calendar_id,
        {"title": "b", "start": "2026-05-04T11:00:00Z", "end": "2026-05-04T12:00:00Z"},
    )
    params = {"start": "2026-05-04T10:30:00Z", "end": "2026-05-04T11:00:00Z"}
    titles = [
        e["title"] for e in client.get(events_url(calendar_id), params=params).json()["items"]
    ]
    assert titles == ["a"]  # b starts at the window's end: back-to-back is not overlap


def test_expand_returns_occurrences_with_series_id_across_dst(client, calendar_id):
    ev = create(
        client,
        calendar_id,
        {
            "title": "Weekly",
            "start": "2026-03-16T09:00:00",
            "end": "2026-03-16T09:30:00",
            "timeZone": "Europe/Berlin",
            "recurrence": {"frequency": "weekly", "count": 4},
        },
    ).json()
    resp = client.get(
        events_url(calendar_id),
        params={"start": "2026-03-01", "end": "2026-05-01", "expand": "true"},
    )
    items = resp.json()["items"]
    assert [i["start"] for i in items] == [
        "2026-03-16T09:00:00+01:00",
        "2026-03-23T09:00:00+01:00",
        "2026-03-30T09:00:00+02:00",
        "2026-04-06T09:00:00+02:00",
    ]
    assert {i["id"] for i in items} == {ev["id"]}
    assert items[2]["recurrenceId"] == "2026-03-30T09:00:00+02:00"
    plain = client.get(events_url(calendar_id), params={"start": "2026-03-01", "end": "2026-05-01"})
    assert [i["id"] for i in plain.json()["items"]] == [ev["id"]]


def test_put_replaces_and_bumps_sequence(client, calendar_id):
    ev = create(client, calendar_id).json()
    url = f"{events_url(calendar_id)}/{ev['id']}"
    body = {
        "title": "Moved",
        "start": "2026-05-05T10:00:00",
        "end": "2026-05-05T11:00:00",
        "timeZone": "Europe/Berlin",
    }
    resp = client.put(url, json=body, headers={"If-Match": ev["etag"]})
    assert resp.status_code == 200, resp.text
    new = resp.json()
    assert new["title"] == "Moved" and new["description"] is None and new["sequence"] == 1
    assert new["etag"] != ev["etag"]


def test_put_creates_with_client_chosen_id(client, calendar_id):
    url = f"{events_url(calendar_id)}/standup-2026"
    body = {"title": "Standup", "start": "2026-05-06T09:00:00Z", "end": "2026-05-06T09:15:00Z"}
    resp = client.put(url, json=body, headers={"If-None-Match": "*"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["id"] == "standup-2026" and resp.headers["location"] == url
    again = client.put(url, json=body, headers={"If-None-Match": "*"})
    assert again.status_code == 412


def test_patch_changes_only_sent_fields_and_null_removes(client, calendar_id):
    ev = create(client, calendar_id).json()
    url = f"{events_url(calendar_id)}/{ev['id']}"
    resp = client.patch(url, json={"title": "Renamed", "location": None})
    assert resp.status_code == 200, resp.text
    new = resp.json()
    assert new["title"] == "Renamed" and new["location"] is None
    assert new["description"] == "Ship it" and new["start"] == ev["start"]


def test_stale_if_match_is_412_everywhere(client, calendar_id):
    ev = create(client, calendar_id).json()
    url = f"{events_url(calendar_id)}/{ev['id']}"
    assert client.patch(url, json={"title": "v2"}).status_code == 200
    stale = {"If-Match": ev["etag"]}
    for resp in (
        client.patch(url, json={"title": "v3"}, headers=stale),
        client.put(url, json=EVENT, headers=stale),
        client.delete(url, headers=stale),
    ):
        assert resp.status_code == 412, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
    assert client.get(url).json()["title"] == "v2"


def test_rfc9110_13_1_1_if_match_uses_strong_comparison(client, calendar_id):
    """A weak tag never matches, not even the current one marked weak; a list holding the
    current tag does."""
    ev = create(client, calendar_id).json()
    url = f"{events_url(calendar_id)}/{ev['id']}"
    weak = client.patch(url, json={"title": "v2"}, headers={"If-Match": f"W/{ev['etag']}"})
    assert weak.status_code == 412, weak.text
    listed = client.patch(url, json={"title": "v2"}, headers={"If-Match": f'"other", {ev["etag"]}'})
    assert listed.status_code == 200, listed.text
    assert listed.json()["title"] == "v2"


def test_delete_is_204_then_404(client, calendar_id, raw):
    ev = create(client, calendar_id).json()
    url = f"{events_url(calendar_id)}/{ev['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404
    assert not [o for o in raw.events() if ev["uid"] in o.data]


def test_offset_without_zone_is_stored_in_utc(client, calendar_id, raw):
    ev = create(
        client,
        calendar_id,
        {"title": "x", "start": "2026-05-04T10:00:00+02:00", "end": "2026-05-04T11:00:00+02:00"},
    ).json()
    assert ev["start"] == "2026-05-04T08:00:00Z" and ev["timeZone"] == "UTC"
    stored = next(o for o in raw.events() if ev["uid"] in o.data)
    assert "DTSTART:20260504T080000Z" in stored.data


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Australia/Sydney"])
def test_vtimezone_read_back_gives_iana_offsets_in_2027_2037_and_2045(
    client, calendar_id, raw, zone
):
    """Issue 16, point 3: the VTIMEZONE each server gives back, read alone as a client reads
    it, has zoneinfo's offsets for events in 2027 (winter and summer), 2037 and 2045."""
    for wall in EVENT_TIMES:
        body = {"title": "Slot", "start": wall.isoformat(), "duration": "PT1H", "timeZone": zone}
        uid = create(client, calendar_id, body).json()["uid"]
        stored = _stored(raw, uid)
        definition = definitions(stored)[zone]
        assert wrong_local_offsets(definition, zone, EVENT_TIMES) == [], (wall, stored)


def test_local_time_without_zone_takes_calendar_default(client, calendar_id):
    client.patch(f"/api/v1/calendars/{calendar_id}", json={"timeZone": "America/New_York"})
    ev = create(
        client,
        calendar_id,
        {"title": "x", "start": "2026-05-04T10:00:00", "end": "2026-05-04T11:00:00"},
    ).json()
    assert ev["timeZone"] == "America/New_York" and ev["start"] == "2026-05-04T10:00:00-04:00"


def test_all_day_event(client, calendar_id):
    ev = create(
        client,
        calendar_id,
        {"title": "Holiday", "start": "2026-05-01", "end": "2026-05-03", "allDay": True},
    ).json()
    assert ev["allDay"] is True and ev["start"] == "2026-05-01" and ev["end"] == "2026-05-03"
    items = client.get(
        events_url(calendar_id), params={"start": "2026-05-02", "end": "2026-05-03"}
    ).json()["items"]
    assert [i["id"] for i in items] == [ev["id"]]


def test_unknown_time_zone_is_422_with_pointer(client, calendar_id):
    resp = client.post(events_url(calendar_id), json={**EVENT, "timeZone": "Europe/Atlantis"})
    assert resp.status_code == 422
    assert any(e["pointer"] == "#/timeZone" for e in resp.json()["errors"])


RICH = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"
    "BEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
    "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:rich-1@example.com\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART;TZID=W. Europe Standard Time:20260512T090000\r\n"
    "DTEND;TZID=W. Europe Standard Time:20260512T100000\r\n"
    "SUMMARY:Outlook meeting\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
    "ATTACH;FMTTYPE=text/plain:https://files.example.com/agenda.txt\r\n"
    "ATTENDEE;CN=Ann;X-CUSTOM=1:mailto:ann@example.com\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:Soon\r\nX-WR-ALARMUID:a1\r\n"
    "END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
KEPT = [
    "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
    "ATTACH;FMTTYPE=text/plain:https://files.example.com/agenda.txt",
    "X-CUSTOM=1",
    "X-WR-ALARMUID:a1",
    "DTSTART;TZID=W. Europe Standard Time:20260512T090000",
]


def _stored(raw, uid: str) -> str:
    data = next(o.data for o in raw.events() if uid in o.data)
    return data.replace("\r\n ", "").replace("\n ", "")  # unfold


@pytest.mark.parametrize("method", ["patch", "put"])
def test_edits_keep_what_calgate_does_not_model(client, calendar_id, raw, method):
    raw.add_event(RICH)
    items = client.get(
        events_url(calendar_id), params={"start": "2026-05-01", "end": "2026-06-01"}
    ).json()["items"]
    ev = next(e for e in items if e["uid"] == "rich-1@example.com")
    assert ev["start"] == "2026-05-12T09:00:00+02:00"
    url = f"{events_url(calendar_id)}/{ev['id']}"
    if method == "patch":
        resp = client.patch(url, json={"title": "Renamed"}, headers={"If-Match": ev["etag"]})
    else:
        body = {k: ev[k] for k in ("start", "end", "timeZone", "attendees")}
        resp = client.put(url, json={**body, "title": "Renamed"}, headers={"If-Match": ev["etag"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["sequence"] == 1
    stored = _stored(raw, "rich-1@example.com")
    assert "SUMMARY:Renamed" in stored
    for fragment in KEPT:
        assert fragment in stored, (fragment, stored)


def test_rfc4791_5_3_2_1_event_the_server_refuses_is_422_not_502(client, calendar_id):
    """An instant (no DTEND) is valid iCalendar; Cyrus refuses it as valid-calendar-data."""
    from tests.server_behaviour import behaviour_of

    body = {"title": "instant", "start": "2026-05-04T10:00:00Z", "duration": "PT0S"}
    resp = client.post(events_url(calendar_id), json=body)
    server = client.get(f"/api/v1/calendars/{calendar_id}").json()["capabilities"]["server"]
    if behaviour_of(server)["requires_dtend"]:
        assert resp.status_code == 422, resp.text
        problem = resp.json()
        assert problem["precondition"] == "valid-calendar-data" and problem["upstreamStatus"]
    else:
        assert resp.status_code == 201, resp.text
