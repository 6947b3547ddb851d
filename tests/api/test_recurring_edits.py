"""Recurring events end to end on every contract-suite server: instances, single-occurrence
edits, this-and-following splits and whole-series edits, each read back with the plain
`caldav` library (one object per UID, overrides in the same object, SEQUENCE bumped, no
duplicate RECURRENCE-IDs)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import icalendar
import pytest

BERLIN = "Europe/Berlin"
DAILY = {
    "title": "Stand-up",
    "start": "2026-06-01T09:00:00",
    "end": "2026-06-01T09:15:00",
    "timeZone": BERLIN,
    "recurrence": {"frequency": "daily", "count": 10},
}


def url(cal: str, *parts: str) -> str:
    return "/".join([f"/api/v1/calendars/{cal}/events", *parts])


def rid(day: int, hour: int = 9) -> str:
    """A recurrence id as a client sends it: local time in the series' zone."""
    return f"2026-06-{day:02d}T{hour:02d}:00:00"


def create(client, cal, body=None) -> dict:
    resp = client.post(url(cal), json=body or DAILY)
    assert resp.status_code == 201, resp.text
    return resp.json()


def stored(raw_cal, uid: str) -> icalendar.Calendar:
    """The object holding ``uid``, as another CalDAV client reads it."""
    found = [o for o in raw_cal.events() if uid in o.data]
    assert len(found) == 1, f"{len(found)} objects hold UID {uid}"
    return icalendar.Calendar.from_ical(found[0].data)


def vevents(cal: icalendar.Calendar) -> list:
    return [c for c in cal.walk("VEVENT")]


def check_well_formed(raw_cal) -> dict[str, icalendar.Calendar]:
    """Every object: one UID, one master at most, no duplicate RECURRENCE-IDs."""
    out = {}
    for obj in raw_cal.events():
        cal = icalendar.Calendar.from_ical(obj.data)
        events = vevents(cal)
        uids = {str(e["UID"]) for e in events}
        assert len(uids) == 1, uids
        rids = [e["RECURRENCE-ID"].dt for e in events if "RECURRENCE-ID" in e]
        assert len(rids) == len(set(rids)), rids
        assert sum("RECURRENCE-ID" not in e for e in events) <= 1
        out[uids.pop()] = cal
    return out


def override(cal: icalendar.Calendar, day: int):
    for event in vevents(cal):
        value = event.get("RECURRENCE-ID")
        if value is not None and value.dt.day == day:
            return event
    return None


def master(cal: icalendar.Calendar):
    return next(e for e in vevents(cal) if "RECURRENCE-ID" not in e)


def instances(client, cal, event_id, **params) -> dict:
    resp = client.get(url(cal, event_id, "instances"), params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


# -- reading ----------------------------------------------------------------------------------
def test_instances_list_pages_and_carry_the_series_id(client, calendar_id):
    series = create(client, calendar_id)
    page = instances(client, calendar_id, series["id"])
    assert [i["recurrenceId"] for i in page["items"]] == [
        f"2026-06-{d:02d}T09:00:00+02:00" for d in range(1, 11)
    ]
    assert {i["id"] for i in page["items"]} == {series["id"]}
    assert not any(i["modified"] for i in page["items"]) and page["truncated"] is False
    first = instances(client, calendar_id, series["id"], limit=4)
    assert first["truncated"] is True and len(first["items"]) == 4
    rest = instances(client, calendar_id, series["id"], limit=100, pageToken=first["nextPageToken"])
    assert [i["recurrenceId"] for i in first["items"] + rest["items"]] == [
        i["recurrenceId"] for i in page["items"]
    ]
    window = instances(
        client,
        calendar_id,
        series["id"],
        start="2026-06-03T00:00:00+02:00",
        end="2026-06-05T09:00:00+02:00",
    )
    assert [i["start"] for i in window["items"]] == [
        "2026-06-03T09:00:00+02:00",
        "2026-06-04T09:00:00+02:00",
    ]


def test_one_instance_by_recurrence_id_in_any_spelling_or_by_number(client, calendar_id):
    series = create(client, calendar_id)
    for spelling in (
        rid(3),
        "2026-06-03T07:00:00Z",
        quote("2026-06-03T09:00:00+02:00"),
        "2026-06-03",
    ):
        resp = client.get(url(calendar_id, series["id"], "instances", spelling))
        assert resp.status_code == 200, (spelling, resp.text)
        one = resp.json()
        assert (one["recurrenceId"], one["start"], one["id"]) == (
            "2026-06-03T09:00:00+02:00",
            "2026-06-03T09:00:00+02:00",
            series["id"],
        )
        assert one["rrule"] is None and one["modified"] is False
    third = client.get(url(calendar_id, series["id"], "instances"), params={"n": 3}).json()
    assert third["recurrenceId"] == "2026-06-03T09:00:00+02:00"
    for missing in (rid(3, 10), rid(11), "2026-07-01"):
        resp = client.get(url(calendar_id, series["id"], "instances", missing))
        assert resp.status_code == 404, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
    resp = client.get(url(calendar_id, series["id"], "instances"), params={"n": 11})
    assert resp.status_code == 404


# -- one occurrence -----------------------------------------------------------------------------
def test_patch_one_occurrence_stores_an_override_in_the_same_object(client, calendar_id, raw):
    series = create(client, calendar_id)
    resp = client.patch(
        url(calendar_id, series["id"], "instances", rid(4)),
        json={"start": "2026-06-04T14:00:00", "title": "Moved stand-up"},
    )
    assert resp.status_code == 200, resp.text
    moved = resp.json()
    assert (moved["recurrenceId"], moved["start"], moved["end"], moved["modified"]) == (
        "2026-06-04T09:00:00+02:00",
        "2026-06-04T14:00:00+02:00",
        "2026-06-04T14:15:00+02:00",
        True,
    )
    assert resp.headers["etag"] == moved["etag"]
    cal = stored(raw, series["uid"])
    check_well_formed(raw)
    over = override(cal, 4)
    assert over["RECURRENCE-ID"].dt.hour == 9 and over["DTSTART"].dt.hour == 14
    assert str(over["SUMMARY"]) == "Moved stand-up" and "RRULE" not in over
    assert int(over["SEQUENCE"]) > int(master(cal).get("SEQUENCE", 0))
    # the moved occurrence keeps its identity: addressed by its original start
    again = client.patch(
        url(calendar_id, series["id"], "instances", rid(4)), json={"location": "Room 2"}
    ).json()
    assert (again["start"], again["title"], again["location"]) == (
        "2026-06-04T14:00:00+02:00",
        "Moved stand-up",
        "Room 2",
    )
    listed = client.get(
        url(calendar_id), params={"start": "2026-06-04", "end": "2026-06-05", "expand": "true"}
    ).json()["items"]
    assert [(i["start"], i["modified"]) for i in listed] == [("2026-06-04T14:00:00+02:00", True)]
    assert len([e for e in vevents(stored(raw, series["uid"])) if "RECURRENCE-ID" in e]) == 1


def test_put_one_occurrence_and_series_fields_are_refused(client, calendar_id, raw):
    series = create(client, calendar_id)
    path = url(calendar_id, series["id"], "instances", rid(2))
    body = {
        "title": "Planning instead",
        "start": rid(2),
        "end": "2026-06-02T10:00:00",
        "timeZone": BERLIN,
    }
    resp = client.put(path, json=body)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["title"], resp.json()["end"]) == (
        "Planning instead",
        "2026-06-02T10:00:00+02:00",
    )
    assert str(override(stored(raw, series["uid"]), 2)["SUMMARY"]) == "Planning instead"
    for bad in ({"rrule": "FREQ=WEEKLY"}, {"excludedDates": ["2026-06-03"]}):
        resp = client.patch(path, json=bad)
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"][0]["pointer"] == f"#/{next(iter(bad))}"


def test_delete_one_occurrence_excludes_it_and_drops_its_override(client, calendar_id, raw):
    series = create(client, calendar_id)
    client.patch(url(calendar_id, series["id"], "instances", rid(5)), json={"title": "special"})
    for day in (3, 5):
        resp = client.delete(url(calendar_id, series["id"], "instances", rid(day)))
        assert resp.status_code == 204, resp.text
    cal = stored(raw, series["uid"])
    assert override(cal, 5) is None
    excluded = sorted(
        d.dt.day
        for p in master(cal).get("EXDATE") or []
        for d in (p if isinstance(p, list) else [p])
        for d in d.dts
    )
    assert excluded == [3, 5]
    days = [i["start"][8:10] for i in instances(client, calendar_id, series["id"])["items"]]
    assert days == ["01", "02", "04", "06", "07", "08", "09", "10"]
    gone = client.get(url(calendar_id, series["id"], "instances", rid(3)))
    assert gone.status_code == 404


def test_deleting_the_only_occurrence_left_deletes_the_event(client, calendar_id):
    series = create(
        client, calendar_id, {**DAILY, "recurrence": {"frequency": "daily", "count": 2}}
    )
    for day in (1, 2):
        assert (
            client.delete(url(calendar_id, series["id"], "instances", rid(day))).status_code == 204
        )
    assert client.get(url(calendar_id, series["id"])).status_code == 404


# -- this and following -------------------------------------------------------------------------
def test_this_and_following_splits_the_series_and_moves_overrides(client, calendar_id, raw):
    series = create(client, calendar_id)
    client.patch(url(calendar_id, series["id"], "instances", rid(8)), json={"location": "Garden"})
    client.delete(url(calendar_id, series["id"], "instances", rid(9)))
    resp = client.patch(
        url(calendar_id, series["id"], "instances", rid(6)),
        params={"range": "thisAndFollowing"},
        json={"title": "Stand-up (new time)", "start": "2026-06-06T10:00:00"},
    )
    assert resp.status_code == 201, resp.text
    new = resp.json()
    assert resp.headers["location"].endswith(f"/events/{new['id']}")
    assert new["id"] != series["id"] and new["uid"] != series["uid"]
    assert (new["start"], new["recurrence"]["count"]) == ("2026-06-06T10:00:00+02:00", 5)
    objects = check_well_formed(raw)
    old_cal, new_cal = objects[series["uid"]], objects[new["uid"]]
    assert master(old_cal)["RRULE"]["COUNT"] == [5]
    assert override(old_cal, 8) is None and override(new_cal, 8) is not None
    moved = override(new_cal, 8)
    assert (moved["RECURRENCE-ID"].dt.hour, moved["DTSTART"].dt.hour) == (10, 10)
    assert str(moved["SUMMARY"]) == "Stand-up (new time)" and str(moved["LOCATION"]) == "Garden"
    assert int(master(old_cal)["SEQUENCE"]) >= 1
    old_days = [i["start"] for i in instances(client, calendar_id, series["id"])["items"]]
    assert old_days == [f"2026-06-0{d}T09:00:00+02:00" for d in range(1, 6)]
    new_items = instances(client, calendar_id, new["id"])["items"]
    assert [(i["start"][:13], i["modified"]) for i in new_items] == [
        ("2026-06-06T10", False),
        ("2026-06-07T10", False),
        ("2026-06-08T10", True),
        ("2026-06-10T10", False),
    ]


def test_this_and_following_in_the_body_and_on_an_endless_series(client, calendar_id, raw):
    endless = {**DAILY, "recurrence": {"frequency": "weekly"}}
    series = create(client, calendar_id, endless)
    resp = client.patch(
        url(calendar_id, series["id"], "instances", "2026-06-15T09:00:00"),
        json={"range": "thisAndFollowing", "location": "Room 7"},
    )
    assert resp.status_code == 201, resp.text
    old = client.get(url(calendar_id, series["id"])).json()
    assert old["recurrence"]["until"] is not None
    old_rule = master(stored(raw, series["uid"]))["RRULE"]
    assert old_rule["UNTIL"][0].strftime("%Y%m%dT%H%M%S") == "20260615T065959"
    assert resp.json()["recurrence"].get("until") is None
    assert [i["start"][:10] for i in instances(client, calendar_id, series["id"])["items"]] == [
        "2026-06-01",
        "2026-06-08",
    ]


def test_delete_this_and_following_ends_the_series(client, calendar_id, raw):
    series = create(client, calendar_id)
    client.patch(url(calendar_id, series["id"], "instances", rid(9)), json={"title": "late"})
    resp = client.delete(
        url(calendar_id, series["id"], "instances", rid(7)), params={"range": "thisAndFollowing"}
    )
    assert resp.status_code == 204, resp.text
    cal = stored(raw, series["uid"])
    assert override(cal, 9) is None and master(cal)["RRULE"]["COUNT"] == [6]
    resp = client.delete(
        url(calendar_id, series["id"], "instances", rid(1)), params={"range": "thisAndFollowing"}
    )
    assert resp.status_code == 204
    assert client.get(url(calendar_id, series["id"])).status_code == 404


# -- the whole series ---------------------------------------------------------------------------
def test_moving_the_series_carries_unmoved_overrides_and_keeps_moved_ones(client, calendar_id, raw):
    series = create(client, calendar_id)
    base = url(calendar_id, series["id"], "instances")
    client.patch(f"{base}/{rid(3)}", json={"location": "Roof"})
    client.patch(f"{base}/{rid(4)}", json={"start": "2026-06-04T16:00:00", "title": "Own title"})
    client.delete(f"{base}/{rid(5)}")
    resp = client.patch(
        url(calendar_id, series["id"]),
        json={"start": "2026-06-01T11:00:00", "title": "Later stand-up"},
    )
    assert resp.status_code == 200, resp.text
    items = instances(client, calendar_id, series["id"])["items"]
    by_day = {i["recurrenceId"][:10]: i for i in items}
    assert "2026-06-05" not in by_day  # the exclusion followed its occurrence
    assert len(items) == 9
    roof = by_day["2026-06-03"]
    assert (roof["recurrenceId"], roof["start"], roof["title"], roof["location"]) == (
        "2026-06-03T11:00:00+02:00",
        "2026-06-03T11:00:00+02:00",
        "Later stand-up",
        "Roof",
    )
    own = by_day["2026-06-04"]
    assert (own["recurrenceId"], own["start"], own["title"]) == (
        "2026-06-04T11:00:00+02:00",
        "2026-06-04T16:00:00+02:00",
        "Own title",
    )
    check_well_formed(raw)
    rids = Counter(
        e["RECURRENCE-ID"].dt.hour
        for e in vevents(stored(raw, series["uid"]))
        if "RECURRENCE-ID" in e
    )
    assert rids == {11: 2}


def test_range_all_on_an_instance_edits_the_series(client, calendar_id):
    series = create(client, calendar_id)
    resp = client.patch(
        url(calendar_id, series["id"], "instances", rid(5)),
        params={"range": "all"},
        json={"title": "All"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["id"] == series["id"] and resp.json()["recurrence"]["count"] == 10
    assert {i["title"] for i in instances(client, calendar_id, series["id"])["items"]} == {"All"}


def test_bad_range_and_bad_recurrence_id_are_clear_422s(client, calendar_id):
    series = create(client, calendar_id)
    resp = client.patch(
        url(calendar_id, series["id"], "instances", rid(2)), params={"range": "some"}, json={}
    )
    assert resp.status_code == 422
    resp = client.get(url(calendar_id, series["id"], "instances", "not-a-date"))
    assert resp.status_code == 422 and "ISO 8601" in resp.json()["detail"]
    single = create(client, calendar_id, {k: v for k, v in DAILY.items() if k != "recurrence"})
    resp = client.get(url(calendar_id, single["id"], "instances", rid(1)))
    assert resp.status_code == 404


def test_a_dense_endless_rule_is_bounded(client, calendar_id):
    body = {
        "title": "tick",
        "start": "2020-01-01T00:00:00",
        "duration": "PT1S",
        "timeZone": "UTC",
        "rrule": "FREQ=SECONDLY",
    }
    series = create(client, calendar_id, body)
    page = instances(client, calendar_id, series["id"], start="2026-06-01T00:00:00Z", limit=50)
    assert page["truncated"] is True and len(page["items"]) == 50
    assert page["items"][0]["start"] == "2026-06-01T00:00:00Z"
    resp = client.get(
        url(calendar_id), params={"start": "2026-06-01", "end": "2026-06-02", "expand": "true"}
    )
    assert resp.status_code == 422, resp.text
    assert "occurrences" in resp.json()["detail"]


@pytest.mark.parametrize("mode", ["chain", "stored-occurrence", "exclusion"])
def test_company_calendar_delete_modes_map_onto_calgate(client, calendar_id, raw, mode):
    """Company Calendar for Jira's three recurring delete modes (see docs/api.md)."""
    series = create(client, calendar_id)
    if mode == "chain":
        assert client.delete(url(calendar_id, series["id"])).status_code == 204
        assert client.get(url(calendar_id, series["id"])).status_code == 404
        return
    if mode == "stored-occurrence":
        client.patch(url(calendar_id, series["id"], "instances", rid(2)), json={"title": "x"})
        target = rid(2)
    else:
        target = "2026-06-02"  # an exclusion date, as that API sends it
    assert client.delete(url(calendar_id, series["id"], "instances", target)).status_code == 204
    cal = stored(raw, series["uid"])
    assert override(cal, 2) is None
    days = [i["start"][8:10] for i in instances(client, calendar_id, series["id"])["items"]]
    assert "02" not in days and len(days) == 9


def test_delete_range_in_the_body_and_if_match_on_occurrences(client, calendar_id):
    series = create(client, calendar_id)
    path = url(calendar_id, series["id"], "instances", rid(4))
    stale = client.patch(path, headers={"If-Match": '"not-the-etag"'}, json={"title": "x"})
    assert stale.status_code == 412, stale.text
    current = client.get(url(calendar_id, series["id"])).headers["etag"]
    resp = client.request(
        "DELETE", path, json={"range": "thisAndFollowing"}, headers={"If-Match": current}
    )
    assert resp.status_code == 204, resp.text
    assert len(instances(client, calendar_id, series["id"])["items"]) == 3


def test_a_split_whose_second_write_fails_leaves_the_calendar_as_it_was(
    client, calendar_id, raw, monkeypatch
):
    """Another client changes the series between calgate's read and its write: the server
    answers 412 to the shortened old series, and the new series calgate made is taken back."""
    from calgate.services import writing as service

    series = create(client, calendar_id)
    real_put = service.put_edit

    def changed_underneath(ctx, href, cal, etag):
        obj = next(o for o in raw.events() if series["uid"] in o.data)
        obj.data = obj.data.replace("SUMMARY:Stand-up", "SUMMARY:Renamed elsewhere")
        obj.save()
        return real_put(ctx, href, cal, etag)

    monkeypatch.setattr(service, "put_edit", changed_underneath)
    resp = client.patch(
        url(calendar_id, series["id"], "instances", rid(6)),
        params={"range": "thisAndFollowing"},
        json={"title": "new"},
    )
    assert resp.status_code == 412, resp.text
    objects = check_well_formed(raw)
    assert list(objects) == [series["uid"]]
    assert str(master(objects[series["uid"]])["SUMMARY"]) == "Renamed elsewhere"
    assert len(instances(client, calendar_id, series["id"])["items"]) == 10
    listed = client.get(url(calendar_id), params={"start": "2026-06-01", "end": "2026-07-01"})
    assert [i["id"] for i in listed.json()["items"]] == [series["id"]]
