"""JSCalendar (RFC 8984) on the event endpoints, on every contract-suite server: negotiation,
create/replace/PatchObject, lists as a Group with the change feed and ``props``, and edits that
leave what JSCalendar does not model untouched in the stored object."""

from __future__ import annotations

JSCAL = "application/jscalendar+json"

EVENT = {
    "@type": "Event",
    "uid": "js-1@example.com",
    "title": "Team sync",
    "start": "2026-01-05T10:00:00",
    "timeZone": "Europe/Berlin",
    "duration": "PT1H",
    "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "weekly", "count": 4}],
    "participants": {
        "p1": {
            "@type": "Participant",
            "name": "Ann",
            "sendTo": {"imip": "mailto:ann@example.com"},
            "roles": {"attendee": True},
            "participationStatus": "needs-action",
        }
    },
}


def url(cal: str, *parts: str) -> str:
    return "/".join([f"/api/v1/calendars/{cal}/events", *parts])


def send(client, method, path, body, **headers):
    return client.request(method, path, json=body, headers={"Content-Type": JSCAL, **headers})


def get_js(client, cal, event_id):
    resp = client.get(url(cal, event_id), headers={"Accept": JSCAL})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith(JSCAL)
    return resp.json()


def participant(obj, email):
    return next((pid, p) for pid, p in obj["participants"].items() if email in p["sendTo"]["imip"])


def test_create_read_and_patch_with_a_patch_object(client, calendar_id, raw):
    resp = send(client, "POST", url(calendar_id), EVENT)
    assert resp.status_code == 201, resp.text
    assert resp.content == b""
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    obj = get_js(client, calendar_id, event_id)
    assert obj["@type"] == "Event" and obj["id"] == event_id
    assert (obj["title"], obj["start"], obj["timeZone"], obj["duration"]) == (
        "Team sync",
        "2026-01-05T10:00:00",
        "Europe/Berlin",
        "PT1H",
    )
    assert obj["recurrenceRules"][0]["frequency"] == "weekly"
    pid, ann = participant(obj, "ann@example.com")
    assert ann.get("participationStatus", "needs-action") == "needs-action"
    patch = {
        "title": "Team sync (new)",
        f"participants/{pid}/participationStatus": "accepted",
        "recurrenceOverrides/2026-01-12T10:00:00": {"excluded": True},
    }
    resp = send(client, "PATCH", url(calendar_id, event_id), patch)
    assert resp.status_code == 204, resp.text
    after = get_js(client, calendar_id, event_id)
    assert after["title"] == "Team sync (new)"
    assert participant(after, "ann@example.com")[1]["participationStatus"] == "accepted"
    assert after["recurrenceOverrides"] == {"2026-01-12T10:00:00": {"excluded": True}}
    simple = client.get(url(calendar_id, event_id)).json()
    assert simple["excludedDates"] == ["2026-01-12T10:00:00+01:00"]
    stored = next(o for o in raw.events() if "js-1@example.com" in o.data).data
    assert "PARTSTAT=ACCEPTED" in stored and "EXDATE" in stored


def test_patch_object_errors_are_422_naming_the_key(client, calendar_id):
    resp = send(client, "POST", url(calendar_id), {**EVENT, "uid": "js-2"})
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    for patch in ({"nothere/x": 1}, {"recurrenceRules/0/count": 3}, {"title": 5}):
        bad = send(client, "PATCH", url(calendar_id, event_id), patch)
        assert bad.status_code == 422, (patch, bad.text)
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["errors"][0]["pointer"].startswith("#/")


def test_put_jscalendar_keeps_what_it_does_not_model(client, calendar_id, raw):
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:js-3\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20260110T090000Z\r\nDURATION:PT30M\r\n"
        "SUMMARY:Before\r\nX-VENDOR-FLAG;X-P=1:keep me\r\n"
        "ATTACH;FMTTYPE=text/plain:https://example.com/a.txt\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    made = client.post(url(calendar_id), content=text, headers={"Content-Type": "text/calendar"})
    assert made.status_code == 201, made.text
    obj = get_js(client, calendar_id, "js-3")
    obj["title"] = "After"
    resp = send(client, "PUT", url(calendar_id, "js-3"), obj, Prefer="return=representation")
    assert resp.status_code == 200, resp.text
    assert resp.json()["title"] == "After"
    stored = next(o for o in raw.events() if "UID:js-3" in o.data).data
    assert "SUMMARY:After" in stored
    assert "X-VENDOR-FLAG;X-P=1:keep me" in stored
    assert "https://example.com/a.txt" in stored
    again = send(client, "PUT", url(calendar_id, "js-3"), get_js(client, calendar_id, "js-3"))
    assert again.status_code == 204
    assert get_js(client, calendar_id, "js-3")["sequence"] == resp.json()["sequence"]


def test_lists_are_a_group_with_props_and_the_change_feed(client, calendar_id):
    send(client, "POST", url(calendar_id), {**EVENT, "uid": "js-4"})
    send(client, "POST", url(calendar_id), {**EVENT, "uid": "js-5", "title": "Other"})
    window = {"start": "2026-01-01", "end": "2026-02-01"}
    resp = client.get(
        url(calendar_id), params={**window, "props": "title"}, headers={"Accept": JSCAL}
    )
    assert resp.status_code == 200, resp.text
    listed = resp.json()
    assert listed["@type"] == "Group"
    assert sorted(e["title"] for e in listed["entries"]) == ["Other", "Team sync"]
    assert all(set(e) <= {"@type", "id", "uid", "title"} for e in listed["entries"])
    first = client.get(url(calendar_id), params={"syncToken": ""}, headers={"Accept": JSCAL}).json()
    assert {e["uid"] for e in first["entries"]} == {"js-4", "js-5"}
    token = first["syncToken"]
    assert client.delete(url(calendar_id, "js-5")).status_code == 204
    send(client, "PATCH", url(calendar_id, "js-4"), {"title": "Renamed"})
    delta = client.get(
        url(calendar_id), params={"syncToken": token, "props": "title"}, headers={"Accept": JSCAL}
    ).json()
    assert [e["title"] for e in delta["entries"]] == ["Renamed"]
    assert delta["removed"] == ["js-5"] and delta["moreResults"] is False


def test_unsupported_forms(client):
    resp = send(client, "POST", url("default"), EVENT)
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    patch_raw = client.patch(
        url("default", event_id),
        content="BEGIN:VCALENDAR",
        headers={"Content-Type": "text/calendar"},
    )
    assert patch_raw.status_code == 415
    listing = client.get(url("default"), headers={"Accept": "text/calendar"})
    assert listing.status_code == 406


FLIGHT = {
    "@type": "Event",
    "uid": "js-flight",
    "title": "Flight XY51 to Tokyo",
    "start": "2026-04-01T09:00:00",
    "timeZone": "Europe/Berlin",
    "duration": "PT10H30M",
    "mainLocationId": "fra",
    "locations": {
        "fra": {"@type": "Location", "name": "Frankfurt Airport (FRA)", "relativeTo": "start"},
        "nrt": {
            "@type": "Location",
            "name": "Narita International Airport (NRT)",
            "description": "Terminal 1",
            "locationTypes": {"airport": True},
            "coordinates": "geo:35.772,140.393",
            "relativeTo": "end",
            "timeZone": "Asia/Tokyo",
        },
    },
}


def test_locations_and_the_end_time_zone_are_stored_on_every_server(
    client, calendar_id, raw, request
):
    """Several locations are RFC 9073 VLOCATIONs, the end location's zone is DTEND's; the
    server keeps both (read with the caldav library), GET gives them back, PUT of GET is
    no change, and removing a location removes its VLOCATION. Cyrus drops VLOCATION
    components on PUT (documented in docs/api.md): there the main location (LOCATION) and the
    end zone (DTEND, shown as endTimeZone) are what survives."""
    resp = send(client, "POST", url(calendar_id), FLIGHT)
    assert resp.status_code == 201, resp.text
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    obj = get_js(client, calendar_id, event_id)
    stored = next(o for o in raw.events() if "UID:js-flight" in o.data).data
    assert "DTEND;TZID=Asia/Tokyo:20260402T023000" in stored
    if request.node.callspec.params["calendar_id"] == "cyrus":
        assert "BEGIN:VLOCATION" not in stored
        main = {"@type": "Location", "name": "Frankfurt Airport (FRA)"}
        assert (obj["locations"], obj["endTimeZone"]) == ({"fra": main}, "Asia/Tokyo")
        return
    assert obj["locations"] == FLIGHT["locations"]
    assert obj["mainLocationId"] == "fra" and "endTimeZone" not in obj
    assert stored.count("BEGIN:VLOCATION") == 2
    simple = client.get(url(calendar_id, event_id)).json()
    assert (simple["location"], simple["end"]) == (
        "Frankfurt Airport (FRA)",
        "2026-04-02T02:30:00+09:00",
    )
    again = send(client, "PUT", url(calendar_id, event_id), obj)
    assert again.status_code == 204
    assert get_js(client, calendar_id, event_id)["sequence"] == obj["sequence"]
    resp = send(client, "PATCH", url(calendar_id, event_id), {"locations/nrt": None})
    assert resp.status_code == 204, resp.text
    after = get_js(client, calendar_id, event_id)
    assert list(after["locations"]) == ["fra"]
    stored = next(o for o in raw.events() if "UID:js-flight" in o.data).data
    assert "Narita" not in stored and "Asia/Tokyo" not in stored


def test_bad_location_and_end_zone_values_are_422s(client):
    bad = {
        **FLIGHT,
        "uid": "js-bad",
        "endTimeZone": "Mars/Olympus",
        "mainLocationId": "nowhere",
        "locations": {"a": {"@type": "Location", "relativeTo": "later"}},
    }
    resp = send(client, "POST", url("default"), bad)
    assert resp.status_code == 422, resp.text
    pointers = sorted(e["pointer"] for e in resp.json()["errors"])
    assert pointers == ["#/endTimeZone", "#/locations/a/relativeTo", "#/mainLocationId"]


OFFICE = {
    "@type": "Event",
    "uid": "js-office",
    "title": "Office hours",
    "start": "2026-07-01T10:00:00",
    "timeZone": "/Office Time",
    "duration": "PT1H",
    "example.com:room": {"floor": 3},
    "timeZones": {
        "/Office Time": {
            "@type": "TimeZone",
            "tzId": "Office Time",
            "standard": [
                {
                    "@type": "TimeZoneRule",
                    "start": "1970-10-25T03:00:00",
                    "offsetFrom": "+0330",
                    "offsetTo": "+0230",
                    "recurrenceRules": [
                        {
                            "@type": "RecurrenceRule",
                            "frequency": "yearly",
                            "byMonth": ["10"],
                            "byDay": [{"@type": "NDay", "day": "su", "nthOfPeriod": -1}],
                        }
                    ],
                    "names": {"OST": True},
                }
            ],
            "daylight": [
                {
                    "@type": "TimeZoneRule",
                    "start": "1970-03-29T02:00:00",
                    "offsetFrom": "+0230",
                    "offsetTo": "+0330",
                    "recurrenceRules": [
                        {
                            "@type": "RecurrenceRule",
                            "frequency": "yearly",
                            "byMonth": ["3"],
                            "byDay": [{"@type": "NDay", "day": "su", "nthOfPeriod": -1}],
                        }
                    ],
                    "names": {"ODT": True},
                }
            ],
        }
    },
}


def test_rfc8984_4_7_2_custom_time_zones_and_vendor_properties_on_every_server(
    client, calendar_id, raw, request
):
    """A zone of the client's own (timeZones) becomes the object's VTIMEZONE, the event's
    times are computed in it (06:30Z on a summer day at +03:30), the server keeps it, and GET
    gives the same definition back; a vendor property rides along as JSPROP, which Cyrus
    drops on PUT (documented in docs/api.md, as its dropping of VLOCATION)."""
    resp = send(client, "POST", url(calendar_id), OFFICE)
    assert resp.status_code == 201, resp.text
    event_id = resp.headers["location"].rsplit("/", 1)[1]
    stored = next(o for o in raw.events() if "UID:js-office" in o.data).data
    assert "BEGIN:VTIMEZONE" in stored and "TZID:Office Time" in stored
    assert "DTSTART;TZID=Office Time:20260701T100000" in stored
    obj = get_js(client, calendar_id, event_id)
    assert obj["timeZone"] == "/Office Time" and obj["timeZones"] == OFFICE["timeZones"]
    if request.node.callspec.params["calendar_id"] == "cyrus":
        assert "JSPROP" not in stored and "example.com:room" not in obj
    else:
        assert "JSPROP" in stored and obj["example.com:room"] == {"floor": 3}
    simple = client.get(url(calendar_id, event_id)).json()
    assert simple["start"] == "2026-07-01T10:00:00+03:30"
    busy = client.post(
        "/api/v1/freebusy",
        json={"calendars": [calendar_id], "start": "2026-07-01", "end": "2026-07-02"},
    ).json()["calendars"][0]["busy"]
    assert busy == [{"start": "2026-07-01T06:30:00Z", "end": "2026-07-01T07:30:00Z"}]
    again = send(client, "PUT", url(calendar_id, event_id), obj)
    assert again.status_code == 204
    assert get_js(client, calendar_id, event_id)["sequence"] == obj["sequence"]
