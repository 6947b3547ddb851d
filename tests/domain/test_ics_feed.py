"""A feed's body read as calendar objects (pure code)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import icalendar
import pytest

from calgate.domain.ics_feed import FeedUnreadable, read_feed

CALENDARS = Path(icalendar.__file__).parent / "tests" / "calendars"


def _cal(*events: str, head: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{head}{body}END:VCALENDAR\r\n".encode()


def test_a_custom_vtimezone_travels_with_the_events_that_use_it():
    feed = read_feed((CALENDARS / "america_new_york.ics").read_bytes())
    [obj] = feed.objects
    assert obj.uid == "noend123" and obj.name == "noend123.ics"
    assert "BEGIN:VTIMEZONE" in obj.text and "TZID:custom_America/New_York" in obj.text


def test_overrides_join_their_master_and_etags_follow_the_text():
    master = "UID:a\r\nDTSTART:20260101T100000Z\r\nRRULE:FREQ=DAILY\r\nSUMMARY:S\r\n"
    override = "UID:a\r\nRECURRENCE-ID:20260102T100000Z\r\nDTSTART:20260102T120000Z\r\n"
    other = "UID:b@x\r\nDTSTART:20260101T100000Z\r\n"
    feed = read_feed(_cal(master, override, other))
    a, b = feed.objects
    assert a.text.count("BEGIN:VEVENT") == 2 and b.text.count("BEGIN:VEVENT") == 1
    assert b.name.endswith(".ics") and "@" not in b.name  # a UID that is no plain id: hashed
    again = read_feed(_cal(master, override, other, head="X-WR-CALDESC:other\r\n"))
    assert [o.etag for o in again.objects] == [a.etag, b.etag]
    changed = read_feed(_cal(master.replace("SUMMARY:S", "SUMMARY:T"), override, other))
    assert changed.objects[0].etag != a.etag and changed.objects[1].etag == b.etag


def test_derived_uids_are_stable_and_tell_twins_apart():
    twin = "DTSTART:20260101T100000Z\r\nSUMMARY:Lecture\r\n"
    first = read_feed(_cal(twin, twin, "DTSTART:20260102T100000Z\r\nSUMMARY:Lab\r\n"))
    uids = [o.uid for o in first.objects]
    assert len(set(uids)) == 3 and all(u.startswith("derived-") for u in uids)
    later = read_feed(_cal("DTSTART:20260103T100000Z\r\nSUMMARY:New\r\n", twin, twin))
    assert set(uids[:2]) <= {o.uid for o in later.objects}
    assert all(f"UID:{o.uid}" in o.text for o in later.objects)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("REFRESH-INTERVAL;VALUE=DURATION:PT4H\r\n", timedelta(hours=4)),
        ("X-PUBLISHED-TTL:P1D\r\n", timedelta(days=1)),
        ("REFRESH-INTERVAL;VALUE=DURATION:PT30M\r\nX-PUBLISHED-TTL:P1D\r\n", timedelta(minutes=30)),
        ("X-PUBLISHED-TTL:soon\r\n", None),
        ("", None),
    ],
)
def test_the_feeds_own_refresh_interval(head, expected):
    assert read_feed(_cal(head=head)).refresh == expected


@pytest.mark.parametrize(
    "body", [b"", b"  \r\n", b"<html></html>", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"]
)
def test_bodies_that_are_no_feed(body):
    with pytest.raises(FeedUnreadable):
        read_feed(body)
