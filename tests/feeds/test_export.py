"""GET .../export: one text/calendar of the calendar's objects as stored, streamed; a round
trip (export, delete everything, put each exported object back, export again) gives the same
events; start/end select as listings do; a big calendar streams.

Compared with icalendar per UID and RECURRENCE-ID, every property and subcomponent, except
DTSTAMP, CREATED and LAST-MODIFIED (a server or an importer may set them on a write; the raw
PUT used here keeps them, but an import through another path need not)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar, Component

from calgate.index import store
from calgate.index.materialize import materialize
from tests.conftest import _empty_calendar
from tests.feeds import objects
from tests.feeds.objects import post_raw, seed, wrap

STAMPS = {"DTSTAMP", "CREATED", "LAST-MODIFIED"}


def export(client, cal: str, **params: str):
    resp = client.get(f"/api/v1/calendars/{cal}/export", params=params)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/calendar; charset=utf-8"
    assert resp.headers["content-disposition"] == f'attachment; filename="{cal}.ics"'
    return resp.content


def _shape(component: Component) -> tuple:
    props = sorted(
        (
            name,
            component[name].to_ical()
            if hasattr(component[name], "to_ical")
            else repr(component[name]),
        )
        for name in component
        if name not in STAMPS
    )
    return (component.name, tuple(props), tuple(sorted(_shape(c) for c in component.subcomponents)))


def by_uid(text: bytes) -> dict[str, dict[str, tuple]]:
    """UID -> RECURRENCE-ID (or "master") -> the component's shape."""
    found: dict[str, dict[str, tuple]] = defaultdict(dict)
    for event in Calendar.from_ical(text).walk("VEVENT"):
        rid = event.get("RECURRENCE-ID")
        key = rid.to_ical().decode() if rid is not None else "master"
        found[str(event["UID"])][key] = _shape(event)
    return dict(found)


def objects_of(text: bytes) -> list[str]:
    """The export cut into one VCALENDAR per UID (its VTIMEZONEs with it), as an importer
    would PUT them."""
    cal = Calendar.from_ical(text)
    zones = {str(z["TZID"]): z for z in cal.walk("VTIMEZONE")}
    grouped: dict[str, list[Component]] = defaultdict(list)
    for event in cal.walk("VEVENT"):
        grouped[str(event["UID"])].append(event)
    out = []
    for events in grouped.values():
        used = {str(p.params["TZID"]) for e in events for p in _props(e) if "TZID" in p.params}
        parts = [zones[t].to_ical().decode() for t in sorted(used) if t in zones]
        out.append(wrap(*parts, *(e.to_ical().decode() for e in events)))
    return out


def _props(event: Component) -> list:
    out = []
    for value in event.values():
        out.extend(value if isinstance(value, list) else [value])
    return [v for v in out if hasattr(v, "params")]


def test_round_trip_gives_the_same_events(client, cal):
    seed(client, cal)
    first = export(client, cal)
    text = first.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n") == 1
    assert text.count("TZID:Office Time\r\n") == 1
    assert text.index("TZID:Europe/Berlin") < text.index(";TZID=Europe/Berlin:")
    for kept in (
        "X-PRIVATE-THING;X-P=1:kept",
        "X-CUSTOM-FLAG;X-WHO=team:yes",
        "X-ALARM-THING:1",
        "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
        "RRULE:FREQ=DAILY;COUNT=10",
    ):
        assert kept in text, kept
    exported = by_uid(first)
    assert len(exported) == len(objects.ALL)
    # the export is what was stored
    seeded = {}
    for make in objects.ALL:
        seeded.update(by_uid(make().encode()))
    assert exported == seeded
    _empty_calendar(client, cal)
    assert by_uid(export(client, cal)) == {}
    for obj in objects_of(first):
        resp = post_raw(client, cal, obj)
        assert resp.status_code == 201, resp.text
    again = export(client, cal)
    assert by_uid(again) == exported
    rich = by_uid(again)["rich-1@example.org"]
    assert set(rich) == {"master", objects.stamp(4, 14)}
    # (not byte for byte: the objects were cut out and written again by icalendar)


def test_expansion_of_the_export_matches_the_listing(client):
    seed(client, "default")
    cal = Calendar.from_ical(export(client, "default"))
    now = datetime.now(UTC)
    start, end = now - timedelta(days=1), now + timedelta(days=40)
    expanded = recurring_ical_events.of(cal).between(start, end)
    listing = client.get(
        "/api/v1/calendars/default/events",
        params={"start": start.isoformat(), "end": end.isoformat(), "expand": "true", "limit": 500},
    )
    assert listing.status_code == 200, listing.text
    assert len(expanded) == len(listing.json()["items"])


def test_start_and_end_select_events_with_an_occurrence_in_the_window(client, cal):
    seed(client, cal)
    # days 12..14: only the weekly series (day 9 moved, day 16 free) has nothing there; the
    # daily rich series ended on day 10, its RDATE is day 20
    start, end = objects.day(12).isoformat(), objects.day(14).isoformat()
    assert by_uid(export(client, cal, start=start, end=end)) == {}
    start, end = objects.day(15).isoformat(), objects.day(21).isoformat()
    got = set(by_uid(export(client, cal, start=start, end=end)))
    assert got == {"series-uid-456@example.org", "rich-1@example.org"}
    past = by_uid(export(client, cal, end=objects.day(-300).isoformat()))
    assert set(past) == {"old-1@example.org"}
    ahead = set(by_uid(export(client, cal, start=objects.day(18).isoformat())))
    assert ahead == {"series-uid-456@example.org", "rich-1@example.org"}
    bad = client.get(f"/api/v1/calendars/{cal}/export", params={"start": "soon"})
    assert bad.status_code == 422
    reversed_ = client.get(
        f"/api/v1/calendars/{cal}/export",
        params={"start": start, "end": objects.day(1).isoformat()},
    )
    assert reversed_.status_code == 422


def test_export_of_an_unknown_calendar_is_404(client):
    resp = client.get("/api/v1/calendars/nope/export")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"


def test_a_big_calendar_streams(make_client):
    """2,000 objects (ten pages of the index read) in one export, in id order. They enter the
    index directly (2,000 writes through CalDAV take minutes; what is measured is the export's
    read of the index), so the app must not resync over them: index_max_age is an hour."""
    client = make_client(index_max_age=3600)
    export(client, "default")  # the first sync, before the index is filled by hand
    runtime = client.app.state.runtime
    count, now = 2000, datetime.now(UTC)
    puts = []
    for i in range(count):
        text = wrap(
            f"BEGIN:VEVENT\r\nUID:bulk-{i:05d}\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:{objects.stamp(i % 300, 9)}\r\n"
            f"DURATION:PT1H\r\nSUMMARY:Bulk {i}\r\nEND:VEVENT\r\n"
        )
        fields = materialize(
            text,
            event_id=f"bulk-{i:05d}",
            calendar_id="default",
            etag=f'"{i}"',
            floating_tz="UTC",
            now=now,
            max_occurrences=1000,
        )
        puts.append(store.Put(f"bulk-{i:05d}", f"/bulk-{i:05d}.ics", f'"{i}"', text, fields))
    with runtime.db.session() as session:
        state = store.sync_state(session, calendar_id="default", for_update=True)
        store.put_objects(session, state, puts)
    with client.stream("GET", "/api/v1/calendars/default/export") as resp:
        assert resp.status_code == 200
        pieces = list(resp.iter_bytes())
    assert len(pieces) > 1  # sent in pieces, not one body
    body = b"".join(pieces)
    text = body.decode()
    assert text.count("BEGIN:VEVENT") == count
    assert text.count("BEGIN:VTIMEZONE") == 1
    uids = [line[4:] for line in text.split("\r\n") if line.startswith("UID:")]
    assert uids == sorted(uids) and len(set(uids)) == count
    assert len(Calendar.from_ical(body).walk("VEVENT")) == count
    window = export(
        client, "default", start=objects.day(0).isoformat(), end=objects.day(10).isoformat()
    )
    # days 0..9: i % 300 in 0..9, seven times over (i < 2,100)
    assert window.decode().count("BEGIN:VEVENT") == 70
