"""Published feeds: made by write tokens, read at a secret URL with no other credential, in
full or as busy time only (nothing private in the bytes), the same bytes while nothing
changes, a strong ETag and 304, 404 once deleted and for anything that is not a feed's URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import recurring_ical_events
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.conftest import auth
from tests.feeds import objects
from tests.feeds.objects import PRIVATE, seed


def feeds_url(cal: str) -> str:
    return f"/api/v1/calendars/{cal}/feeds"


def make_feed(client, cal: str, **body) -> dict:
    resp = client.post(feeds_url(cal), json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def anonymous(client) -> TestClient:
    """A client with no Authorization header on the same running app."""
    return TestClient(client.app)


def read(client, url: str, **headers):
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return anonymous(client).get(path, headers=headers)


def occurrences(text: bytes, days: int = 60) -> list:
    cal = Calendar.from_ical(text)
    now = datetime.now(UTC)
    return recurring_ical_events.of(cal).between(
        now - timedelta(days=40), now + timedelta(days=days)
    )


def test_busy_feed_tells_only_busy_time(client, cal):
    seed(client, cal)
    feed = make_feed(client, cal, detail="busy")
    resp = read(client, feed["url"])
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/calendar; charset=utf-8"
    for secret in PRIVATE:
        assert secret.encode() not in resp.content, secret
    parsed = Calendar.from_ical(resp.content)
    assert str(parsed["REFRESH-INTERVAL"].to_ical().decode()) == "PT1H"
    assert parsed["X-PUBLISHED-TTL"] == "PT1H"
    found = occurrences(resp.content)
    assert {str(e["SUMMARY"]) for e in found} == {"Busy"}
    # single (1) + series (5, its free third occurrence left out) + rich series (9 + RDATE,
    # one EXDATE) + office + all-day + floating; the free event and the old one left out
    assert len(found) == 1 + 4 + 10 + 3, [(e["UID"], e.start) for e in found]
    timed = [e for e in found if isinstance(e.start, datetime)]
    moved = [e for e in timed if e.start.hour == 10 and e.start.date() == objects.day(9)]
    assert moved, "the moved override is busy at its new time"
    assert not [e for e in timed if e.start.date() == objects.day(16)], "free override shown"
    assert all("@busy.calgate" in str(e["UID"]) for e in found)
    # a series keeps one UID across master and overrides
    assert len({str(e["UID"]) for e in found}) == 6


def test_full_feed_keeps_events_as_stored_inside_its_window(client, cal):
    seed(client, cal)
    feed = make_feed(client, cal, detail="full", pastDays=30, futureDays=365)
    assert set(feed) >= {"id", "url", "detail", "pastDays", "futureDays", "createdAt"}
    resp = read(client, feed["url"])
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "X-PRIVATE-THING;X-P=1:kept" in text and "BEGIN:VALARM" in text
    assert "Long ago" not in text  # 400 days back, outside the window
    assert "Lunch in the park" in text
    assert text.count("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n") == 1
    assert "TZID:Office Time" in text
    parsed = Calendar.from_ical(resp.content)
    assert parsed["X-WR-CALNAME"] and parsed["NAME"]
    summaries = {str(e["SUMMARY"]) for e in occurrences(resp.content)}
    assert {"Secret board meeting", "Merger talk (moved)", "Daily standup (late)"} <= summaries


def test_same_bytes_strong_etag_and_304_until_a_change(client, cal):
    seed(client, cal, [objects.private_single, objects.rich_series])
    feed = make_feed(client, cal)
    first, second = read(client, feed["url"]), read(client, feed["url"])
    assert first.content == second.content
    etag = first.headers["etag"]
    assert etag == second.headers["etag"] and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    again = read(client, feed["url"], **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert read(client, feed["url"], **{"If-None-Match": '"other"'}).status_code == 200
    objects.post_raw(client, cal, objects.free_event())
    changed = read(client, feed["url"], **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert b"Lunch in the park" in changed.content


def test_feeds_listed_without_url_and_deleted_for_good(client):
    one = make_feed(client, "default", detail="busy", pastDays=0, futureDays=7)
    two = make_feed(client, "default")
    assert one["url"] != two["url"] and (two["pastDays"], two["futureDays"]) == (30, 365)
    listed = client.get(feeds_url("default")).json()["items"]
    assert [f["id"] for f in listed] == [one["id"], two["id"]]
    assert all("url" not in f for f in listed)
    assert read(client, one["url"]).status_code == 200
    assert client.get(feeds_url("default")).json()["items"][0]["lastReadAt"] is not None
    assert client.delete(f"{feeds_url('default')}/{one['id']}").status_code == 204
    gone = read(client, one["url"])
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert read(client, two["url"]).status_code == 200
    assert client.delete(f"{feeds_url('default')}/{one['id']}").status_code == 404


def test_the_url_is_the_only_credential(client):
    feed = make_feed(client, "default")
    # with any Authorization header, a wrong one included, the same answer
    bad = read(client, feed["url"], Authorization="Bearer cg_nonsense")
    assert bad.status_code == 200
    assert read(client, feed["url"]).status_code == 200


def _token(client, role: str, calendars: list[str] | None) -> str:
    resp = client.post("/api/v1/tokens", json={"role": role, "calendars": calendars})
    assert resp.status_code == 201, resp.text
    return resp.json()["token"]


def test_roles_and_scopes(client):
    assert client.post("/api/v1/calendars", json={"id": "team", "name": "Team"}).status_code == 201
    reader = auth(_token(client, "read", None))
    assert client.post(feeds_url("default"), json={}, headers=reader).status_code == 403
    assert client.get(feeds_url("default"), headers=reader).status_code == 403
    made = make_feed(client, "default")
    delete = f"{feeds_url('default')}/{made['id']}"
    assert client.delete(delete, headers=reader).status_code == 403
    scoped = auth(_token(client, "write", ["team"]))
    assert client.post(feeds_url("default"), json={}, headers=scoped).status_code == 404
    assert client.get(feeds_url("default"), headers=scoped).status_code == 404
    assert client.delete(delete, headers=scoped).status_code == 404
    assert client.post(feeds_url("team"), json={}, headers=scoped).status_code == 201
    # a feed of another calendar is not found under this one
    assert client.delete(f"{feeds_url('team')}/{made['id']}").status_code == 404
    # a read token may export
    assert client.get("/api/v1/calendars/default/export", headers=reader).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"detail": "secret"},
        {"pastDays": -1},
        {"pastDays": 3661},
        {"futureDays": 0},
        {"futureDays": 99999},
        {"url": "https://x"},
    ],
)
def test_bad_bodies_are_422(client, body):
    resp = client.post(feeds_url("default"), json=body)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"


HOSTILE = [
    "/feeds/",
    "/feeds/.ics",
    "/feeds/" + "a" * 43,  # a token's shape, no .ics
    "/feeds/" + "a" * 43 + ".ics",  # unknown
    "/feeds/" + "a" * 5000 + ".ics",
    "/feeds/%C3%A9%C3%A8%E2%82%AC.ics",
    "/feeds/%00%00.ics",
    "/feeds/..%2F..%2Fapi%2Fv1%2Ftokens.ics",
    "/feeds/x/../../etc/passwd.ics",
    "/feeds/%2e%2e/%2e%2e/api.ics",
    "/feeds/" + "ü" * 43 + ".ics",
    "/feeds/" + "a" * 42 + "%20.ics",
    "/feeds/'%20OR%201=1--.ics",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_anything_but_a_feed_url_is_404(client, path):
    make_feed(client, "default")
    resp = anonymous(client).get(path)
    assert resp.status_code == 404, (path, resp.status_code, resp.text)
    assert resp.headers["content-type"] == "application/problem+json"


def test_a_token_with_suffix_or_case_changed_is_404(client):
    feed = make_feed(client, "default")
    path = urlsplit(feed["url"]).path
    token = path.removeprefix("/feeds/").removesuffix(".ics")
    for wrong in (
        f"/feeds/{token}.ics.ics",
        f"/feeds/{token.swapcase()}.ics",
        f"/feeds/{token[:-1]}.ics",
        f"/feeds/{token}x.ics",
        f"/feeds/{token}.ICS",
    ):
        assert anonymous(client).get(wrong).status_code == 404, wrong


def test_url_uses_the_public_url_setting(make_client):
    client = make_client(public_url="https://cal.example.org/base/")
    feed = make_feed(client, "default")
    assert feed["url"].startswith("https://cal.example.org/base/feeds/")
    assert feed["url"].endswith(".ics")


def test_feed_without_public_url_names_the_request_base(client):
    feed = make_feed(client, "default")
    assert feed["url"].startswith("http://testserver/feeds/")


def test_feed_and_export_on_each_metadata_database(db_client):
    """The feeds table (migration 0015) and the index reads on SQLite and PostgreSQL."""
    seed(db_client, "default", [objects.private_single, objects.private_series])
    feed = make_feed(db_client, "default", detail="busy")
    first = read(db_client, feed["url"])
    assert first.status_code == 200
    assert (
        read(db_client, feed["url"], **{"If-None-Match": first.headers["etag"]}).status_code == 304
    )
    assert len(occurrences(first.content)) == 1 + 4
    exported = db_client.get("/api/v1/calendars/default/export")
    assert exported.status_code == 200 and exported.text.count("BEGIN:VEVENT") == 4
    assert db_client.delete(f"{feeds_url('default')}/{feed['id']}").status_code == 204
    assert read(db_client, feed["url"]).status_code == 404


def test_head_answers_the_headers_of_a_get(client):
    feed = make_feed(client, "default")
    path = urlsplit(feed["url"]).path
    got = anonymous(client).get(path)
    head = anonymous(client).head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"
    assert anonymous(client).head("/feeds/" + "b" * 43 + ".ics").status_code == 404


def test_a_cache_buster_gets_the_feed(client, cal):
    """Subscribing clients add a query string to defeat caches; the feed is the same."""
    seed(client, cal)
    feed = make_feed(client, cal, detail="busy")
    plain = read(client, feed["url"])
    busted = read(client, feed["url"] + "?nocache=1700000000&x=%ff")
    assert busted.status_code == 200, busted.text
    assert busted.content == plain.content and busted.headers["etag"] == plain.headers["etag"]
