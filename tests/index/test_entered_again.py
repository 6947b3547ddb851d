"""An object entered into the index again with the etag it already has is no change: the change
feed (and so webhooks) does not report it twice. With several processes on one store this
happens: one process's sync enters an object another process wrote, then that writer enters
it too; the writer's origin (``api``) is the one kept, a sync's (``caldav``) never replaces it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from calgate.db.models import IndexedEventRow
from calgate.index import store
from calgate.index.materialize import materialize

EVENTS = "/api/v1/calendars/default/events"


def _row(client, event_id: str) -> IndexedEventRow:
    with client.app.state.runtime.db.session() as session:
        row = session.scalar(select(IndexedEventRow).where(IndexedEventRow.event_id == event_id))
        assert row is not None
        session.expunge(row)
        return row


def _enter_again(client, row: IndexedEventRow, origin: str, etag: str | None = None) -> None:
    fields = materialize(
        row.ical or "",
        event_id=row.event_id,
        calendar_id=row.calendar_id,
        etag=etag or row.etag,
        floating_tz="UTC",
        now=datetime.now(UTC),
        max_occurrences=100,
    )
    with client.app.state.runtime.db.session() as session:
        state = store.sync_state(session, calendar_id=row.calendar_id, for_update=True)
        store.put_object(
            session,
            state,
            event_id=row.event_id,
            href=row.href,
            etag=etag or row.etag,
            ical=row.ical or "",
            fields=fields,
            origin=origin,
        )


def test_the_same_etag_again_is_no_change_and_keeps_the_writers_origin(client):
    made = client.post(
        EVENTS,
        json={"title": "Once", "start": "2027-03-01T10:00:00Z", "end": "2027-03-01T11:00:00Z"},
    )
    assert made.status_code == 201, made.text
    first = _row(client, made.json()["id"])
    assert (first.origin, first.seq == first.created_seq) == ("api", True)

    _enter_again(client, first, "caldav")  # another process's sync sees it after the writer
    after_sync = _row(client, first.event_id)
    assert (after_sync.seq, after_sync.origin) == (first.seq, "api")

    with client.app.state.runtime.db.session() as session:  # the sync came first this time
        found = session.get(IndexedEventRow, first.id)
        assert found is not None
        found.origin = "caldav"
    _enter_again(client, first, "api")
    after_writer = _row(client, first.event_id)
    assert (after_writer.seq, after_writer.origin) == (first.seq, "api")

    _enter_again(client, first, "api", etag='"another"')  # a real change is one
    assert _row(client, first.event_id).seq > first.seq
