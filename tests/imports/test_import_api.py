"""POST/GET .../imports against the embedded store and Xandikos: counts, onConflict, the
Idempotency-Key, bad uploads."""

from __future__ import annotations

import pytest

from tests.imports.helpers import event_uids, imported, imports_url, post, run

pytestmark = pytest.mark.parametrize("calendar_id", ["embedded", "xandikos"], indirect=True)


def stored_text(client, cal: str, event_id: str) -> str:
    resp = client.get(
        f"/api/v1/calendars/{cal}/events/{event_id}", headers={"Accept": "text/calendar"}
    )
    assert resp.status_code == 200, resp.text
    return resp.text.replace("\r\n ", "")


def vevent(uid: str | None, start: str, summary: str = "Meeting", extra: str = "") -> str:
    uid_line = f"UID:{uid}\r\n" if uid else ""
    return (
        f"BEGIN:VEVENT\r\n{uid_line}DTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\n"
        f"DURATION:PT1H\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n"
    )


def vcalendar(*parts: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//import//EN\r\n"
        + "".join(parts)
        + ("END:VCALENDAR\r\n")
    )


SERIES = vcalendar(
    vevent("series-1", "20270104T090000Z", "Weekly", "RRULE:FREQ=WEEKLY;COUNT=10\r\n"),
    vevent("single-1", "20270105T100000Z", "Once"),
    vevent("series-1", "20270111T100000Z", "Moved", "RECURRENCE-ID:20270111T090000Z\r\n"),
    vevent(None, "20270106T100000Z", "No UID"),
    "BEGIN:VTODO\r\nUID:todo-1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Task\r\nEND:VTODO\r\n",
)


def test_import_groups_by_uid_and_skips_todos(client, calendar_id):
    done = imported(client, calendar_id, SERIES)
    assert done["status"] == "done", done
    assert (done["total"], done["processed"]) == (4, 4)
    assert (done["created"], done["skipped"], done["failed"], done["updated"]) == (3, 1, 0, 0)
    assert done["failures"] == [
        {
            "uid": "todo-1",
            "reason": "a VTODO is not an event: calgate imports VEVENTs only",
            "outcome": "skipped",
        }
    ]
    assert done["error"] is None and done["finishedAt"] is not None
    uids = event_uids(client, calendar_id)
    assert sorted(u for u in uids if not u.startswith("import-")) == ["series-1", "single-1"]
    assert len(uids) == 3
    series = stored_text(client, calendar_id, "series-1")
    assert series.count("BEGIN:VEVENT") == 2 and "RECURRENCE-ID:20270111T090000Z" in series


def test_rerun_with_skip_creates_nothing(client, calendar_id):
    imported(client, calendar_id, SERIES)
    again = imported(client, calendar_id, SERIES)
    assert again["status"] == "done"
    assert (again["created"], again["skipped"]) == (0, 4)  # the UID-less one found again too
    assert len(event_uids(client, calendar_id)) == 3


def test_update_replaces_and_new_uid_duplicates(client, calendar_id):
    imported(client, calendar_id, SERIES)
    changed = SERIES.replace("SUMMARY:Once", "SUMMARY:Once, renamed")
    upd = imported(client, calendar_id, changed, onConflict="update")
    assert (upd["updated"], upd["created"], upd["skipped"]) == (3, 0, 1), upd["failures"]
    one = client.get(f"/api/v1/calendars/{calendar_id}/events/single-1").json()
    assert one["title"] == "Once, renamed"
    dup = imported(client, calendar_id, SERIES, onConflict="newUid")
    assert (dup["created"], dup["skipped"]) == (3, 1), dup
    uids = event_uids(client, calendar_id)
    assert len(uids) == 6 and len(set(uids)) == 6
    # the override went with its master under the new UID: one object, two parts
    copies = [
        c["event"]
        for c in client.get(f"/api/v1/calendars/{calendar_id}/changes").json()["changes"]
        if c["event"]["title"] == "Weekly"
    ]
    assert len(copies) == 2
    for copy in copies:
        text = stored_text(client, calendar_id, copy["id"])
        assert text.count("BEGIN:VEVENT") == 2 and text.count(f"UID:{copy['uid']}") == 2


def test_fail_stops_at_the_first_existing_uid(client, calendar_id):
    imported(client, calendar_id, vcalendar(vevent("b", "20270105T100000Z")))
    text = vcalendar(
        vevent("a", "20270104T100000Z"),
        vevent("b", "20270105T100000Z"),
        vevent("c", "20270106T100000Z"),
    )
    done = imported(client, calendar_id, text, onConflict="fail")
    assert done["status"] == "failed"
    assert "onConflict=fail" in done["error"] and "'b'" in done["error"]
    assert (done["created"], done["failed"], done["processed"], done["total"]) == (1, 1, 2, 3)
    assert done["failures"][0]["uid"] == "b"
    assert sorted(event_uids(client, calendar_id)) == ["a", "b"]


def test_invalid_objects_fail_with_their_uid(client, calendar_id):
    text = vcalendar(
        vevent("good", "20270104T100000Z"),
        vevent("twice", "20270105T100000Z"),
        vevent("twice", "20270106T100000Z"),  # two masters with one UID
        vevent("never", "20270107T100000Z", extra="RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\n"),
    )
    done = imported(client, calendar_id, text)
    assert (done["created"], done["failed"]) == (1, 2), done
    reasons = {f["uid"]: f["reason"] for f in done["failures"]}
    assert reasons["twice"].startswith("invalid data: 2 VEVENTs without RECURRENCE-ID")
    assert reasons["never"].startswith("invalid data:") and "RRULE" in reasons["never"]
    assert event_uids(client, calendar_id) == ["good"]


def test_idempotency_key_makes_one_import(client, calendar_id):
    first = post(client, calendar_id, SERIES, key="upload-1")
    again = post(client, calendar_id, SERIES, key="upload-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = post(client, calendar_id, SERIES + " ", key="upload-1")
    assert other.status_code == 422, other.text
    assert run(client) == 1
    listed = client.get(imports_url(calendar_id)).json()["items"]
    assert [i["id"] for i in listed] == [first.json()["id"]]
    assert len(event_uids(client, calendar_id)) == 3


def test_multipart_upload(client, calendar_id):
    resp = client.post(
        imports_url(calendar_id), files={"file": ("export.ics", SERIES, "text/calendar")}
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["status"] == "queued" and resp.json()["total"] == 4
    assert resp.headers["Location"] == f"{imports_url(calendar_id)}/{resp.json()['id']}"
    run(client)
    assert client.get(resp.headers["Location"]).json()["created"] == 3


@pytest.mark.parametrize(
    "body",
    [b"not a calendar", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", b"\xff\xfe\x00"],
)
def test_garbage_is_a_422_at_once(client, calendar_id, body):
    resp = post(client, calendar_id, body)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert client.get(imports_url(calendar_id)).json()["items"] == []
