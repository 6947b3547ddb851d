"""The embedded store's CalDAV door keeps the API's promises (issue 16, points 1 and 2): a
calendar that rejects overlaps refuses them through ``/dav/`` too, and a ``/dav/`` write is in the
API (and its change feed) as soon as the CalDAV answer arrives. A real ``calgate serve`` with
its embedded store; the clients are the ``caldav`` library and plain HTTP, as a CalDAV client
sends it. The index's own refresh is set to an hour, so only the door can make a write visible.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import caldav
import httpx2 as httpx
import pytest

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess

H = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
API = "/api/v1/calendars"


def ics(uid: str, start: str, end: str, summary: str = "Room booking") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//dav door//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalgateProcess]:
    data = tmp_path_factory.mktemp("dav-door") / "data"
    process = CalgateProcess(data, env={"CALGATE_INDEX_MAX_AGE": "3600"})
    yield process
    process.stop()


@pytest.fixture
def rooms(served: CalgateProcess) -> str:
    """A new calendar that rejects overlapping bookings; its id."""
    calendar_id = f"room-{uuid.uuid4().hex[:8]}"
    made = httpx.post(served.base + API, headers=H, json={"id": calendar_id, "name": "Room"})
    assert made.status_code == 201, made.text
    patched = httpx.patch(
        f"{served.base}{API}/{calendar_id}", headers=H, json={"overlap": "reject"}
    )
    assert patched.status_code == 200, patched.text
    return calendar_id


@pytest.fixture
def open_calendar(served: CalgateProcess) -> str:
    calendar_id = f"open-{uuid.uuid4().hex[:8]}"
    made = httpx.post(served.base + API, headers=H, json={"id": calendar_id, "name": "Open"})
    assert made.status_code == 201, made.text
    return calendar_id


def dav_put(served: CalgateProcess, calendar_id: str, name: str, text: str) -> httpx.Response:
    """A PUT as Thunderbird sends it: Basic auth, text/calendar, If-None-Match for a new one."""
    return httpx.put(
        f"{served.base}/dav/calgate/{calendar_id}/{name}",
        content=text.encode(),
        headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
        auth=("someone@example.com", ADMIN_TOKEN),
        timeout=60,
    )


def put_new(
    served: CalgateProcess,
    calendar_id: str,
    uid: str,
    start: str,
    end: str,
    summary: str = "Room booking",
) -> int:
    """A new event ``<uid>.ics`` through ``/dav/``; the status code."""
    return dav_put(served, calendar_id, f"{uid}.ics", ics(uid, start, end, summary)).status_code


def dav_replace(served: CalgateProcess, calendar_id: str, name: str, text: str) -> httpx.Response:
    return httpx.put(
        f"{served.base}/dav/calgate/{calendar_id}/{name}",
        content=text.encode(),
        headers={"Content-Type": "text/calendar"},
        auth=("x", ADMIN_TOKEN),
    )


def api_titles(served: CalgateProcess, calendar_id: str) -> list[str]:
    got = httpx.get(
        f"{served.base}{API}/{calendar_id}/events",
        headers=H,
        params={"start": "2027-01-01", "end": "2028-01-01"},
    )
    assert got.status_code == 200, got.text
    return sorted(item["title"] for item in got.json()["items"])


def changes_since(served: CalgateProcess, calendar_id: str, token: str) -> dict[str, Any]:
    """The change feed (a JSCalendar list with ``syncToken``; empty: everything)."""
    got = httpx.get(
        f"{served.base}{API}/{calendar_id}/events",
        headers={**H, "Accept": "application/jscalendar+json"},
        params={"syncToken": token},
    )
    assert got.status_code == 200, got.text
    return dict(got.json())


def store_titles(served: CalgateProcess, calendar_id: str) -> list[str]:
    """What the store holds, read through CalDAV (not through calgate's index)."""
    with caldav.DAVClient(url=f"{served.base}/dav/", username="x", password=ADMIN_TOKEN) as dav:
        calendar = dav.calendar(url=f"{served.base}/dav/calgate/{calendar_id}/")
        return sorted(str(e.icalendar_component["SUMMARY"]) for e in calendar.events())


# -- point 1: the booking policy through /dav/ ---------------------------------------------------


def test_overlapping_dav_put_is_refused_with_a_dav_error(served: CalgateProcess, rooms: str):
    first = dav_put(
        served, rooms, "a.ics", ics("a", "20270310T100000Z", "20270310T110000Z", "Team")
    )
    assert first.status_code == 201, first.text
    second = dav_put(served, rooms, "b.ics", ics("b", "20270310T103000Z", "20270310T113000Z"))
    assert second.status_code == 409, second.text
    assert second.headers["content-type"].startswith("application/xml")
    body = second.text
    assert "<D:error" in body and "no-overlapping-booking" in body
    assert "Team" in body and "2027-03-10T10:00:00Z" in body  # names the booking in the way
    assert f"/dav/calgate/{rooms}/a.ics" in body
    assert store_titles(served, rooms) == ["Team"]
    assert api_titles(served, rooms) == ["Team"]


def test_dav_and_api_refuse_each_others_overlaps(served: CalgateProcess, rooms: str):
    booked = httpx.post(
        f"{served.base}{API}/{rooms}/events",
        headers=H,
        json={"title": "By API", "start": "2027-04-01T09:00:00Z", "end": "2027-04-01T10:00:00Z"},
    )
    assert booked.status_code == 201, booked.text
    refused = dav_put(served, rooms, "c.ics", ics("c", "20270401T093000Z", "20270401T100000Z"))
    assert refused.status_code == 409, refused.text
    assert "By API" in refused.text
    by_dav = dav_put(
        served, rooms, "d.ics", ics("d", "20270401T120000Z", "20270401T130000Z", "DAV")
    )
    assert by_dav.status_code == 201, by_dav.text
    api_refused = httpx.post(
        f"{served.base}{API}/{rooms}/events",
        headers=H,
        json={"title": "Late", "start": "2027-04-01T12:30:00Z", "end": "2027-04-01T12:45:00Z"},
    )
    assert api_refused.status_code == 409, api_refused.text
    assert api_refused.json()["conflicts"][0]["title"] == "DAV"
    assert store_titles(served, rooms) == ["By API", "DAV"]


def test_back_to_back_and_moving_ones_own_booking_are_allowed(served: CalgateProcess, rooms: str):
    assert put_new(served, rooms, "e", "20270501T100000Z", "20270501T110000Z") == 201
    assert put_new(served, rooms, "f", "20270501T110000Z", "20270501T120000Z") == 201
    # the same event, 30 minutes earlier: it overlaps only the time it held itself
    moved = dav_replace(
        served, rooms, "e.ics", ics("e", "20270501T093000Z", "20270501T103000Z", "Moved")
    )
    assert moved.status_code in (201, 204), moved.text
    # and into the next booking: refused, the stored one unchanged
    clash = dav_replace(
        served, rooms, "e.ics", ics("e", "20270501T103000Z", "20270501T113000Z", "Clash")
    )
    assert clash.status_code == 409, clash.text
    assert store_titles(served, rooms) == ["Moved", "Room booking"]


def test_cancelled_and_transparent_dav_events_take_no_time(served: CalgateProcess, rooms: str):
    assert put_new(served, rooms, "g", "20270601T100000Z", "20270601T110000Z") == 201
    free = ics("h", "20270601T100000Z", "20270601T110000Z", "Free").replace(
        "SUMMARY:Free", "SUMMARY:Free\r\nTRANSP:TRANSPARENT"
    )
    assert dav_put(served, rooms, "h.ics", free).status_code == 201


def test_a_read_token_still_gets_radicales_403(served: CalgateProcess, rooms: str):
    made = httpx.post(f"{served.base}/api/v1/tokens", headers=H, json={"role": "read"})
    assert made.status_code == 201, made.text
    secret = made.json()["token"]
    refused = httpx.put(
        f"{served.base}/dav/calgate/{rooms}/r.ics",
        content=ics("r", "20270701T100000Z", "20270701T110000Z").encode(),
        auth=("x", secret),
    )
    assert refused.status_code == 403
    assert store_titles(served, rooms) == []


def test_fifty_parallel_bookings_split_between_api_and_dav(served: CalgateProcess, rooms: str):
    def one(i: int) -> int:
        if i % 2:
            return dav_put(
                served,
                rooms,
                f"race-{i}.ics",
                ics(f"race-{i}", "20270801T100000Z", "20270801T110000Z"),
            ).status_code
        with httpx.Client(timeout=120) as http:
            return http.post(
                f"{served.base}{API}/{rooms}/events",
                headers=H,
                json={
                    "title": f"API {i}",
                    "start": "2027-08-01T10:00:00Z",
                    "end": "2027-08-01T11:00:00Z",
                },
            ).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = sorted(pool.map(one, range(50)))
    assert codes == [201] + [409] * 49, codes
    assert len(store_titles(served, rooms)) == 1
    assert len(api_titles(served, rooms)) == 1


# -- point 2: the index learns of every /dav/ write at once ---------------------------------------


def test_a_dav_write_is_in_the_api_and_the_change_feed_at_once(
    served: CalgateProcess, open_calendar: str
):
    token = changes_since(served, open_calendar, "")["syncToken"]
    put = dav_put(
        served,
        open_calendar,
        "new.ics",
        ics("new-1", "20270301T100000Z", "20270301T110000Z", "New"),
    )
    assert put.status_code == 201, put.text
    assert api_titles(served, open_calendar) == ["New"]
    changes = changes_since(served, open_calendar, token)
    assert [e["uid"] for e in changes["entries"]] == ["new-1"]
    # an edit: the API answers with the new title and the store's new ETag
    edited = dav_replace(
        served,
        open_calendar,
        "new.ics",
        ics("new-1", "20270301T100000Z", "20270301T110000Z", "Edited"),
    )
    assert edited.status_code == 204, edited.text
    items = httpx.get(
        f"{served.base}{API}/{open_calendar}/events",
        headers=H,
        params={"start": "2027-01-01", "end": "2028-01-01"},
    ).json()["items"]
    assert [i["title"] for i in items] == ["Edited"]
    one = httpx.get(f"{served.base}{API}/{open_calendar}/events/{items[0]['id']}", headers=H)
    assert one.headers["etag"] == edited.headers["etag"]
    # a delete: gone from the API at once
    gone = httpx.delete(
        f"{served.base}/dav/calgate/{open_calendar}/new.ics", auth=("x", ADMIN_TOKEN)
    )
    assert gone.status_code in (200, 204), gone.text
    assert api_titles(served, open_calendar) == []
    assert (
        httpx.get(
            f"{served.base}{API}/{open_calendar}/events/{items[0]['id']}", headers=H
        ).status_code
        == 404
    )


def test_a_write_through_the_caldav_library_is_visible_at_once(
    served: CalgateProcess, open_calendar: str
):
    assert api_titles(served, open_calendar) == []  # read (and so indexed) before the write
    with caldav.DAVClient(url=f"{served.base}/dav/", username="x", password=ADMIN_TOKEN) as dav:
        calendar = dav.calendar(url=f"{served.base}/dav/calgate/{open_calendar}/")
        calendar.save_event(ics("lib-1", "20270315T080000Z", "20270315T090000Z", "From caldav"))
    assert api_titles(served, open_calendar) == ["From caldav"]


def test_a_refused_write_changes_nothing_in_the_feed(served: CalgateProcess, rooms: str):
    assert put_new(served, rooms, "k", "20270901T100000Z", "20270901T110000Z") == 201
    feed = changes_since(served, rooms, "")
    refused = dav_put(served, rooms, "l.ics", ics("l", "20270901T100000Z", "20270901T103000Z"))
    assert refused.status_code == 409
    after = changes_since(served, rooms, feed["syncToken"])
    assert after["entries"] == []


def test_the_index_setting_is_really_an_hour(served: CalgateProcess, tmp_path: Path):
    """The tests above prove the door only if the periodic refresh could not have run: a file
    dropped into the store's folder (a write outside calgate) is not in the API yet."""
    calendar_id = f"outside-{uuid.uuid4().hex[:6]}"
    made = httpx.post(served.base + API, headers=H, json={"id": calendar_id, "name": "Outside"})
    assert made.status_code == 201
    assert api_titles(served, calendar_id) == []
    folder = served.data_dir / "collections" / "collection-root" / "calgate" / calendar_id
    (folder / "dropped.ics").write_text(
        ics("dropped", "20270310T100000Z", "20270310T110000Z", "Dropped")
    )
    assert api_titles(served, calendar_id) == []


# -- MOVE (point 6: it works for tokens; the destination through the booking check) -------------


def dav_move(served: CalgateProcess, source: str, destination: str, token: str = ADMIN_TOKEN):
    return httpx.request(
        "MOVE",
        f"{served.base}/dav/calgate/{source}",
        headers={"Destination": f"{served.base}/dav/calgate/{destination}", "Overwrite": "F"},
        auth=("x", token),
    )


def test_move_between_calendars_a_token_may_write(
    served: CalgateProcess, open_calendar: str, rooms: str
):
    assert api_titles(served, open_calendar) == [] and api_titles(served, rooms) == []
    put = dav_put(
        served, open_calendar, "m.ics", ics("m", "20271001T100000Z", "20271001T110000Z", "Mover")
    )
    assert put.status_code == 201
    moved = dav_move(served, f"{open_calendar}/m.ics", f"{rooms}/m.ics")
    assert moved.status_code == 201, moved.text
    assert store_titles(served, open_calendar) == [] and store_titles(served, rooms) == ["Mover"]
    assert api_titles(served, open_calendar) == [] and api_titles(served, rooms) == ["Mover"]


def test_move_within_a_calendar_renames(served: CalgateProcess, rooms: str):
    assert put_new(served, rooms, "n", "20271002T100000Z", "20271002T110000Z", "N") == 201
    moved = dav_move(served, f"{rooms}/n.ics", f"{rooms}/renamed.ics")
    assert moved.status_code == 201, moved.text  # not a conflict with the time it held itself
    assert store_titles(served, rooms) == ["N"]
    ids = [
        i["id"]
        for i in httpx.get(
            f"{served.base}{API}/{rooms}/events",
            headers=H,
            params={"start": "2027-10-01", "end": "2027-10-03"},
        ).json()["items"]
    ]
    assert ids == ["renamed"]


def test_move_into_a_taken_slot_is_refused(served: CalgateProcess, open_calendar: str, rooms: str):
    assert put_new(served, rooms, "taken", "20271003T100000Z", "20271003T110000Z", "Taken") == 201
    assert put_new(served, open_calendar, "o", "20271003T103000Z", "20271003T104500Z", "O") == 201
    refused = dav_move(served, f"{open_calendar}/o.ics", f"{rooms}/o.ics")
    assert refused.status_code == 409, refused.text
    assert "Taken" in refused.text
    assert store_titles(served, open_calendar) == ["O"] and store_titles(served, rooms) == ["Taken"]


def test_move_needs_write_rights_on_both_ends(
    served: CalgateProcess, open_calendar: str, rooms: str
):
    scoped = httpx.post(
        f"{served.base}/api/v1/tokens",
        headers=H,
        json={"role": "write", "calendars": [open_calendar]},
    )
    assert scoped.status_code == 201, scoped.text
    secret = scoped.json()["token"]
    assert put_new(served, open_calendar, "p", "20271004T100000Z", "20271004T110000Z") == 201
    refused = dav_move(served, f"{open_calendar}/p.ics", f"{rooms}/p.ics", token=secret)
    assert refused.status_code == 403, refused.text
    assert store_titles(served, open_calendar) == ["Room booking"]
    within = dav_move(served, f"{open_calendar}/p.ics", f"{open_calendar}/q.ics", token=secret)
    assert within.status_code == 201, within.text


# -- hostile input: a clear refusal, never a 500 -------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY",  # endless: more occurrences than the check walks
        "FREQ=DAILY;COUNT=20000",  # out of calgate's bounds for a rule (COUNT <= 10,000)
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # never occurs
    ],
)
def test_a_rule_the_check_cannot_walk_is_a_403_not_a_500(
    served: CalgateProcess, rooms: str, rule: str
):
    text = ics("endless", "20270310T100000Z", "20270310T100100Z").replace(
        "SUMMARY:", f"RRULE:{rule}\r\nSUMMARY:"
    )
    refused = dav_put(served, rooms, "endless.ics", text)
    assert refused.status_code == 403, refused.text
    assert "valid-calendar-object-resource" in refused.text and "<G:reason>" in refused.text
    assert store_titles(served, rooms) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not a calendar",
        b"\xff\xfe\x00garbage",
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VTODO\r\nUID:todo-1\r\n"
        b"DTSTAMP:20260101T000000Z\r\nDUE:20270310T100000Z\r\nSUMMARY:Task\r\nEND:VTODO\r\n"
        b"END:VCALENDAR\r\n",
    ],
    ids=["text", "binary", "empty calendar", "a task"],
)
def test_odd_bodies_into_a_booking_calendar_get_radicales_answer(
    served: CalgateProcess, rooms: str, body: bytes
):
    """Not bookings: the door leaves them to Radicale (which refuses the first two and stores
    the rest, as it does without calgate); never a 500, never a listed event."""
    answer = httpx.put(
        f"{served.base}/dav/calgate/{rooms}/odd.ics",
        content=body,
        headers={"Content-Type": "text/calendar"},
        auth=("x", ADMIN_TOKEN),
    )
    assert answer.status_code < 500, (answer.status_code, answer.text)
    assert api_titles(served, rooms) == []
