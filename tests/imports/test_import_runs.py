"""How the import worker runs: the booking check of ``overlap: reject`` calendars, the change
feed's origin, an import taken over from a run that died mid-batch, live counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from calgate.db.models import CalendarRow, ImportItemRow, ImportRow, IndexedEventRow, SourceRow
from calgate.domain import ical_import
from calgate.runtime import Runtime
from calgate.services import import_run
from calgate.services.context import CalendarContext
from tests.imports.helpers import event_uids, imported, post, run
from tests.imports.test_import_api import vcalendar, vevent


@pytest.mark.parametrize("calendar_id", ["embedded", "xandikos"], indirect=True)
def test_overlaps_in_a_reject_calendar_are_reported_not_stored(client, calendar_id):
    resp = client.patch(f"/api/v1/calendars/{calendar_id}", json={"overlap": "reject"})
    assert resp.status_code == 200, resp.text
    booked = client.post(
        f"/api/v1/calendars/{calendar_id}/events",
        json={"title": "Booked", "start": "2027-02-01T10:00:00Z", "end": "2027-02-01T11:00:00Z"},
    )
    assert booked.status_code == 201, booked.text
    booked_uid = booked.json()["uid"]
    text = vcalendar(
        vevent("clash", "20270201T103000Z"),
        vevent("free", "20270201T120000Z"),
        vevent("clash-series", "20270125T100000Z", extra="RRULE:FREQ=WEEKLY;COUNT=3\r\n"),
        vevent("after-free", "20270201T123000Z"),  # overlaps "free", imported just before
    )
    done = imported(client, calendar_id, text)
    assert (done["created"], done["failed"]) == (1, 3), done
    reasons = {f["uid"]: f["reason"] for f in done["failures"]}
    assert reasons["clash"] == f"booking conflict: overlaps {booked_uid} at 2027-02-01T10:00:00Z"
    assert reasons["clash-series"].startswith(f"booking conflict: overlaps {booked_uid}")
    assert reasons["after-free"] == "booking conflict: overlaps free at 2027-02-01T12:00:00Z"
    assert sorted(event_uids(client, calendar_id)) == sorted([booked_uid, "free"])


def test_imported_changes_carry_origin_import(client):
    imported(client, "default", vcalendar(vevent("o-1", "20270104T100000Z")))
    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        origin = session.scalar(
            select(IndexedEventRow.origin).where(IndexedEventRow.event_id == "o-1")
        )
    assert origin == "import"


def _many(n: int) -> str:
    return vcalendar(
        *(vevent(f"many-{i}", f"2027{1 + i % 12:02d}01T{i % 20:02d}0000Z") for i in range(n))
    )


def test_a_run_that_died_mid_batch_is_finished_with_each_event_once(client):
    """As a killed worker leaves it: the first batch planned, some of its objects written, the
    lease run out. The next run writes the rest, and counts the written ones as created."""
    n = 150
    resp = post(client, "default", _many(n))
    assert resp.status_code == 202, resp.text
    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        row = session.scalar(select(ImportRow))
        assert row is not None
        items = list(
            session.scalars(
                select(ImportItemRow)
                .where(ImportItemRow.import_id == row.id)
                .order_by(ImportItemRow.seq)
                .limit(import_run.BATCH)
            )
        )
        for item in items:
            assert item.uid is not None
            item.plan = {
                "action": "create",
                "id": ical_import.event_id_for(item.uid),
                "uid": item.uid,
            }
        gone = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(
            update(ImportRow).values(status="running", claimed_by="dead-worker", claimed_until=gone)
        )
    # the dead run wrote a third of its batch before it died (not entered in the index)
    ctx = CalendarContext(runtime, *_calendar(runtime))
    for item in items[:33]:
        assert item.text is not None and item.uid is not None
        ctx.conn.write(ctx.href_for(item.uid), item.text, if_none_match=True)
    assert run(client) == 1
    done = client.get(resp.headers["Location"]).json()
    assert (done["status"], done["created"], done["failed"], done["processed"]) == (
        "done",
        n,
        0,
        n,
    ), done
    uids = event_uids(client, "default")
    assert sorted(uids) == sorted(f"many-{i}" for i in range(n))


def _calendar(runtime: Runtime) -> tuple[CalendarRow, SourceRow]:
    with runtime.db.session() as session:
        calendar = session.get(CalendarRow, "default")
        assert calendar is not None
        source = session.get(SourceRow, calendar.source_id)
        assert source is not None
        return calendar, source


def test_a_live_lease_is_not_taken(client):
    resp = post(client, "default", _many(5))
    runtime = client.app.state.runtime
    later = datetime.now(UTC) + timedelta(minutes=5)
    with runtime.db.session() as session:
        session.execute(update(ImportRow).values(claimed_by="live-worker", claimed_until=later))
    assert run(client) == 0
    assert client.get(resp.headers["Location"]).json()["status"] == "queued"


def test_uploads_have_their_own_size_limit(make_client):
    """import_max_bytes, not max_body_bytes (a JSON body's), bounds an upload."""
    client = make_client(import_max_bytes=4096, max_body_bytes=1024)
    resp = post(client, "default", _many(40))
    assert resp.status_code == 413, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "import_max_bytes" in resp.json()["detail"]
    text = _many(8)
    assert 1024 < len(text) < 4096
    assert post(client, "default", text).status_code == 202


def test_import_on_each_metadata_database(db_client):
    """The lease (FOR UPDATE SKIP LOCKED on PostgreSQL), the bulk plan and outcome updates and
    the counts read back, on SQLite and PostgreSQL."""
    done = imported(db_client, "default", _many(250))
    assert (done["status"], done["created"], done["processed"]) == ("done", 250, 250), done
    again = imported(db_client, "default", _many(250))
    assert (again["created"], again["skipped"]) == (0, 250)
    listed = db_client.get("/api/v1/calendars/default/imports").json()["items"]
    assert [i["id"] for i in listed] == [again["id"], done["id"]]
