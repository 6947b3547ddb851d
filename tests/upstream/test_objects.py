"""Object requests against each real server: PUT/GET/DELETE with their preconditions
(RFC 4791 section 5.3.2, RFC 7232), calendar-query time ranges (RFC 4791 sections 7.8 and 9.9),
PROPFIND listings and MKCALENDAR (RFC 4791 section 5.3.1)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from calgate.errors import Conflict, NotFound, PreconditionFailed
from calgate.upstream import CalDAVConnection
from tests.server_behaviour import behaviour_of
from tests.servers import RunningServer


def vevent(uid: str, start: str, end: str, summary: str = "Meeting", extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def new_event(calendar: str, **kw: str) -> tuple[str, str]:
    uid = str(uuid.uuid4())
    ical = vevent(uid, kw.pop("start", "20250110T100000Z"), kw.pop("end", "20250110T110000Z"), **kw)
    return calendar + uid + ".ics", ical


def test_rfc4791_5_3_2_create_then_get_returns_data_and_quoted_etag(
    conn: CalDAVConnection, calendar: str
) -> None:
    href, ical = new_event(calendar, summary="Planning", extra="X-CALGATE-KEEP:yes\r\n")
    etag = conn.put(href, ical, if_none_match=True)
    assert etag is not None and etag.endswith('"')
    obj = conn.get(href)
    assert obj.href == href
    assert obj.etag == etag
    assert "SUMMARY:Planning\r\n" in obj.ical
    assert "X-CALGATE-KEEP:yes\r\n" in obj.ical


def test_rfc4791_5_3_2_if_none_match_star_refuses_existing(
    conn: CalDAVConnection, calendar: str
) -> None:
    href, ical = new_event(calendar)
    conn.put(href, ical, if_none_match=True)
    with pytest.raises(PreconditionFailed):
        conn.put(href, ical.replace("Meeting", "Other"), if_none_match=True)
    assert "SUMMARY:Meeting" in conn.get(href).ical


def test_rfc7232_3_1_if_match_current_etag_updates(conn: CalDAVConnection, calendar: str) -> None:
    href, ical = new_event(calendar)
    first = conn.put(href, ical, if_none_match=True)
    second = conn.put(href, ical.replace("Meeting", "Moved"), if_match=first)
    assert second is not None and second != first
    assert conn.get(href).etag == second


def test_rfc7232_3_1_if_match_stale_etag_refused(conn: CalDAVConnection, calendar: str) -> None:
    href, ical = new_event(calendar)
    stale = conn.put(href, ical, if_none_match=True)
    conn.put(href, ical.replace("Meeting", "Moved"), if_match=stale)
    with pytest.raises(PreconditionFailed):
        conn.put(href, ical.replace("Meeting", "Lost update"), if_match=stale)
    assert "SUMMARY:Moved" in conn.get(href).ical


def test_rfc7232_3_1_delete_with_stale_etag_refused_then_current_deletes(
    conn: CalDAVConnection, calendar: str
) -> None:
    href, ical = new_event(calendar)
    stale = conn.put(href, ical, if_none_match=True)
    current = conn.put(href, ical.replace("Meeting", "Moved"), if_match=stale)
    with pytest.raises(PreconditionFailed):
        conn.delete(href, if_match=stale)
    conn.delete(href, if_match=current)
    with pytest.raises(NotFound):
        conn.get(href)


def _folded_description(chars: int) -> str:
    """A DESCRIPTION of ``chars`` characters, folded at 75 octets (RFC 5545 section 3.1): enough
    text to make a server compress the object when it may."""
    text = "DESCRIPTION:" + "agenda item, " * (chars // 13)
    lines = [text[i : i + 74] for i in range(0, len(text), 74)]
    return "\r\n ".join(lines) + "\r\n"


def test_rfc9110_8_8_3_compressed_get_etag_is_weak_as_quirks_say(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    """Asked for gzip, each server does what ``tests.server_behaviour`` says with a large
    object's ETag (Cyrus weakens it); ``get()`` gives the strong tag the PUT gave, on every
    server."""
    href, ical = new_event(calendar, extra=_folded_description(4000))
    etag = conn.put(href, ical, if_none_match=True)
    assert etag is not None and not etag.startswith("W/")
    gzipped = conn.send("GET", href, headers={"Accept-Encoding": "gzip"})
    assert gzipped.status == 200
    weak = behaviour_of(caldav_server.name)["weak_etag_when_compressed"]
    assert gzipped.headers["ETag"] == (f"W/{etag}" if weak else etag)
    assert conn.get(href).etag == etag


def test_rfc9110_13_1_1_an_edit_can_use_the_etag_get_gives(
    conn: CalDAVConnection, calendar: str
) -> None:
    href, ical = new_event(calendar, extra=_folded_description(4000))
    conn.put(href, ical, if_none_match=True)
    current = conn.get(href)
    assert current.etag is not None
    moved = conn.put(href, current.ical.replace("Meeting", "Moved"), if_match=current.etag)
    assert moved != current.etag and "SUMMARY:Moved" in conn.get(href).ical


def test_rfc4918_9_4_get_missing_object_is_not_found(conn: CalDAVConnection, calendar: str) -> None:
    with pytest.raises(NotFound):
        conn.get(calendar + "missing.ics")


def test_rfc4918_9_6_delete_missing_object_is_not_found(
    conn: CalDAVConnection, calendar: str
) -> None:
    with pytest.raises(NotFound):
        conn.delete(calendar + "missing.ics")


def test_rfc4791_5_3_2_1_second_object_with_same_uid_conflicts(
    conn: CalDAVConnection, calendar: str
) -> None:
    href, ical = new_event(calendar)
    conn.put(href, ical, if_none_match=True)
    with pytest.raises(Conflict):
        conn.put(calendar + "copy.ics", ical, if_none_match=True)


def test_rfc4791_9_9_time_range_selects_overlapping_events_and_recurrences(
    conn: CalDAVConnection, calendar: str
) -> None:
    january, ical = new_event(calendar, start="20250110T100000Z", end="20250110T110000Z")
    conn.put(january, ical)
    february, ical = new_event(calendar, start="20250210T100000Z", end="20250210T110000Z")
    conn.put(february, ical)
    weekly, ical = new_event(
        calendar, start="20241202T090000Z", end="20241202T093000Z", extra="RRULE:FREQ=WEEKLY\r\n"
    )
    conn.put(weekly, ical)

    def hrefs(start: datetime | None, end: datetime | None) -> set[str]:
        return {o.href for o in conn.query(calendar, start=start, end=end)}

    jan1, feb1 = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    assert hrefs(jan1, feb1) == {january, weekly}
    assert hrefs(feb1, None) == {february, weekly}
    assert hrefs(None, datetime(2024, 12, 1, tzinfo=UTC)) == set()
    everything = conn.query(calendar, start=None, end=None)
    assert {o.href for o in everything} == {january, february, weekly}
    by_href = {o.href: o for o in everything}
    assert by_href[weekly].etag == conn.get(weekly).etag
    assert "RRULE:FREQ=WEEKLY\r\n" in by_href[weekly].ical  # not expanded by the server


def test_rfc4791_9_9_naive_bounds_refused(conn: CalDAVConnection, calendar: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        conn.query(calendar, start=datetime(2025, 1, 1), end=None)


def test_rfc4918_9_1_list_hrefs_gives_each_object_and_its_etag(
    conn: CalDAVConnection, calendar: str
) -> None:
    assert conn.list_hrefs(calendar) == {}
    expected = {}
    for _ in range(3):
        href, ical = new_event(calendar)
        expected[href] = conn.put(href, ical, if_none_match=True)
    assert conn.list_hrefs(calendar) == expected


def test_hrefs_are_absolute_and_resolve_relative_input(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    href, ical = new_event(calendar)
    path = href.removeprefix(caldav_server.url.rstrip("/"))
    assert path.startswith("/")
    conn.put(path, ical)
    assert conn.get(path).href == href
    assert list(conn.list_hrefs(calendar)) == [href]


def test_rfc4791_5_3_1_make_calendar_under_discovered_home(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    slug = f"team {uuid.uuid4().hex[:6]}"
    url = conn.make_calendar(home_url=None, slug=slug, name="Team", time_zone="Europe/Oslo")
    assert url.startswith(caldav_server.home_url)
    assert url.endswith("/") and "%20" in url
    found = {c.url: c for c in conn.discover()}
    assert found[url].name == "Team"
    href, ical = new_event(url)
    conn.put(href, ical, if_none_match=True)
    assert list(conn.list_hrefs(url)) == [href]


def test_rfc4791_5_3_1_make_calendar_where_one_exists_conflicts(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    with pytest.raises(Conflict):
        conn.make_calendar(
            home_url=caldav_server.home_url,
            slug=caldav_server.calendar_url.rstrip("/").rsplit("/", 1)[1],
            name="Again",
            time_zone=None,
        )


def test_one_connection_serves_several_worker_threads(
    conn: CalDAVConnection, calendar: str
) -> None:
    events = [new_event(calendar) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        etags = list(pool.map(lambda e: conn.put(e[0], e[1], if_none_match=True), events))
        got = list(pool.map(lambda e: conn.get(e[0]), events))
    assert [g.etag for g in got] == etags
    assert conn.list_hrefs(calendar) == {href: etag for (href, _), etag in zip(events, etags)}
