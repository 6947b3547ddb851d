"""CalDAV clients at /dav: any user name, a calgate token as the password, the token's
grant decides what is visible and writable."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
import pytest
from a2wsgi import WSGIMiddleware
from caldav.davclient import DAVClient
from fastapi import FastAPI

from calgate.domain.access import Grant
from calgate.embedded import EmbeddedStore
from calgate.embedded.throttle import FailedLogins

from .conftest import ADMIN_ALL, ADMIN_DEFAULT, READ_ALL, WRITE_ALL, WRITE_DEFAULT, serve_asgi


def event_ics(uid: str, summary: str = "Standup") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate tests//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20260105T090000Z\r\nDTEND:20260105T093000Z\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def propfind(url: str, *, auth: tuple[str, str] | None, depth: str = "1") -> httpx.Response:
    return httpx.request("PROPFIND", url, headers={"Depth": depth}, auth=auth)


def hrefs(response: httpx.Response) -> list[str]:
    return re.findall(r"<href>([^<]*)</href>", response.text)


def calendar_urls(dav_url: str, token: str, user: str = "someone@example.com") -> set[str]:
    with DAVClient(url=dav_url, username=user, password=token) as client:
        principal = client.get_principal()
        return {str(cal.url) for cal in principal.calendars()}


# -- discovery ----------------------------------------------------------------------


def test_rfc5397_any_user_name_with_token_finds_the_shared_principal(dav_url: str) -> None:
    for user in ("alice", "bob@example.com", "calgate"):
        with DAVClient(url=dav_url, username=user, password=WRITE_ALL) as client:
            assert str(client.get_principal().url) == dav_url + "calgate/"


def test_rfc4791_6_2_calendar_home_lists_all_calendars_for_unscoped_token(dav_url: str) -> None:
    assert calendar_urls(dav_url, WRITE_ALL) == {
        dav_url + "calgate/default/",
        dav_url + "calgate/other/",
    }
    assert calendar_urls(dav_url, READ_ALL) == {
        dav_url + "calgate/default/",
        dav_url + "calgate/other/",
    }


def test_scoped_token_lists_only_its_calendars(dav_url: str) -> None:
    assert calendar_urls(dav_url, WRITE_DEFAULT) == {dav_url + "calgate/default/"}
    listing = propfind(dav_url + "calgate/", auth=("x", WRITE_DEFAULT))
    assert listing.status_code == 207
    assert "/dav/calgate/other/" not in hrefs(listing)


def test_hrefs_carry_the_dav_mount_prefix(dav_url: str) -> None:
    response = propfind(dav_url + "calgate/", auth=("x", WRITE_ALL))
    assert response.status_code == 207
    found = hrefs(response)
    assert "/dav/calgate/default/" in found
    assert all(href.startswith("/dav/") for href in found), found


def test_calendar_displayname_is_served(dav_url: str) -> None:
    with DAVClient(url=dav_url, username="x", password=READ_ALL) as client:
        names = {c.get_display_name() for c in client.get_principal().calendars()}
    assert names == {"Default", "Other"}


# -- events ---------------------------------------------------------------------------


def test_rfc4791_5_3_2_write_token_creates_reads_and_deletes_an_event(dav_url: str) -> None:
    with DAVClient(url=dav_url, username="x", password=WRITE_DEFAULT) as client:
        cal = client.calendar(url=dav_url + "calgate/default/")
        event = cal.add_event(event_ics("evt-1", "Planning"))
        assert str(event.url).startswith(dav_url + "calgate/default/")
        events = cal.events()
        assert [e.icalendar_component["SUMMARY"] for e in events] == ["Planning"]
        event.delete()
        assert cal.events() == []


def test_read_token_reads_events_but_put_is_403(dav_url: str) -> None:
    url = dav_url + "calgate/default/evt-2.ics"
    created = httpx.put(url, content=event_ics("evt-2"), auth=("x", WRITE_ALL))
    assert created.status_code == 201
    read = httpx.get(url, auth=("x", READ_ALL))
    assert read.status_code == 200
    assert "UID:evt-2" in read.text
    put = httpx.put(url, content=event_ics("evt-2", "changed"), auth=("x", READ_ALL))
    assert put.status_code == 403
    new = httpx.put(
        dav_url + "calgate/default/evt-3.ics", content=event_ics("evt-3"), auth=("x", READ_ALL)
    )
    assert new.status_code == 403
    delete = httpx.delete(url, auth=("x", READ_ALL))
    assert delete.status_code == 403
    assert httpx.get(url, auth=("x", READ_ALL)).status_code == 200


def test_non_ascii_event_names_round_trip(dav_url: str) -> None:
    url = dav_url + "calgate/default/caf%C3%A9.ics"
    assert httpx.put(url, content=event_ics("evt-cafe"), auth=("x", WRITE_ALL)).status_code == 201
    assert httpx.get(url, auth=("x", WRITE_ALL)).status_code == 200
    listing = propfind(dav_url + "calgate/default/", auth=("x", WRITE_ALL))
    assert "/dav/calgate/default/caf%C3%A9.ics" in hrefs(listing)


# -- authentication -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "calgate/", "calgate/default/"])
def test_rfc7235_no_credentials_gets_401_with_basic_challenge(dav_url: str, path: str) -> None:
    response = propfind(dav_url + path, auth=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_wrong_token_gets_401(dav_url: str) -> None:
    response = propfind(dav_url + "calgate/", auth=("x", "not-a-token"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert httpx.get(dav_url + "calgate/default/", auth=("x", "")).status_code == 401


def test_internal_credential_is_refused_at_dav(dav_url: str, store: EmbeddedStore) -> None:
    auth = (store.internal_username, store.internal_password)
    assert propfind(dav_url + "calgate/", auth=auth).status_code == 401


def test_revoked_token_is_refused_at_once(dav_url: str, tokens: dict[str, Grant]) -> None:
    url = dav_url + "calgate/default/"
    assert propfind(url, auth=("x", WRITE_ALL)).status_code == 207
    del tokens[WRITE_ALL]
    assert propfind(url, auth=("x", WRITE_ALL)).status_code == 401


def _served(store: EmbeddedStore) -> tuple[str, Callable[[], None]]:
    app = FastAPI()
    app.mount("/dav", WSGIMiddleware(store.wsgi_app))  # type: ignore[arg-type]
    base, server, thread = serve_asgi(app)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return base, stop


def _timed(call: Callable[[], httpx.Response]) -> tuple[int, float]:
    started = time.monotonic()
    status = call().status_code
    return status, time.monotonic() - started


def test_refusals_and_the_first_challenge_come_at_once(dav_url: str) -> None:
    """Radicale slept 1 s (under pytest exactly 1 s, its auth delay) on every 401 and 403; a
    client with a valid token waits for nothing now, nor does the first request that comes
    without credentials. (0.9 s: far from both, so a loaded machine does not fail it.)"""
    status, took = _timed(lambda: propfind(dav_url + "calgate/", auth=None))
    assert (status, took < 0.9) == (401, True)
    status, took = _timed(lambda: propfind(dav_url + "calgate/other/", auth=("x", WRITE_DEFAULT)))
    assert (status, took < 0.9) == (403, True)
    status, took = _timed(lambda: propfind(dav_url + "calgate/", auth=("x", "wrong")))
    assert (status, took < 0.9) == (401, True)


def test_an_address_that_keeps_failing_gets_429_but_valid_tokens_pass(
    tmp_path: Path, tokens: dict[str, Grant]
) -> None:
    failures = FailedLogins(limit=3, window=1.0)
    store = EmbeddedStore(tmp_path / "guarded", tokens.get, failed_logins=failures)
    base, stop = _served(store)
    url = base + "/dav/calgate/"
    try:
        assert [propfind(url, auth=("x", f"guess-{i}")).status_code for i in range(3)] == [401] * 3
        blocked = propfind(url, auth=("x", "guess-4"))
        assert blocked.status_code == 429
        assert 1 <= int(blocked.headers["retry-after"]) <= 2
        status, took = _timed(lambda: propfind(url, auth=("x", WRITE_ALL)))
        assert (status, took < 0.9) == (207, True)
        assert propfind(url, auth=None).status_code == 401  # the challenge is never throttled
        time.sleep(1.1)
        assert propfind(url, auth=("x", "guess-5")).status_code == 401
    finally:
        stop()
        store.stop()


def test_failed_logins_slide_per_address() -> None:
    now = [100.0]
    failures = FailedLogins(limit=2, window=10.0, clock=lambda: now[0])
    failures.failed("a")
    failures.failed("a")
    assert failures.wait("a") == 10.0 and failures.wait("b") == 0.0
    now[0] = 105.0
    assert failures.wait("a") == 5.0
    now[0] = 110.0
    assert failures.wait("a") == 0.0


# -- scope and role -------------------------------------------------------------------


def test_scoped_token_cannot_reach_other_calendar(dav_url: str) -> None:
    other = dav_url + "calgate/other/"
    httpx.put(other + "evt-o.ics", content=event_ics("evt-o"), auth=("x", WRITE_ALL))
    auth = ("x", WRITE_DEFAULT)
    assert propfind(other, auth=auth).status_code in (403, 404)
    assert httpx.get(other + "evt-o.ics", auth=auth).status_code in (403, 404)
    put = httpx.put(other + "evt-p.ics", content=event_ics("evt-p"), auth=auth)
    assert put.status_code in (403, 404)
    assert httpx.delete(other + "evt-o.ics", auth=auth).status_code in (403, 404)
    report = httpx.request(
        "REPORT",
        other,
        headers={"Depth": "1"},
        auth=auth,
        content=(
            '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
            '<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
        ),
    )
    assert report.status_code in (403, 404)


@pytest.mark.parametrize("token", [WRITE_ALL, ADMIN_DEFAULT])
def test_tokens_cannot_create_or_delete_calendar_collections(dav_url: str, token: str) -> None:
    """Only an unscoped admin token may (tests/embedded/test_dav_calendars.py)."""
    auth = ("x", token)
    mkcal = httpx.request("MKCALENDAR", dav_url + "calgate/newcal/", auth=auth)
    assert mkcal.status_code == 403
    mkcol = httpx.request("MKCOL", dav_url + "calgate/newcol/", auth=auth)
    assert mkcol.status_code == 403
    assert httpx.delete(dav_url + "calgate/other/", auth=auth).status_code == 403
    assert propfind(dav_url + "calgate/other/", auth=auth, depth="0").status_code == 207


def test_tokens_cannot_write_outside_the_shared_principal(dav_url: str) -> None:
    auth = ("x", ADMIN_ALL)
    assert httpx.request("MKCOL", dav_url + "elsewhere/", auth=auth).status_code == 403
    assert (
        httpx.put(dav_url + "calgate/loose.ics", content=event_ics("loose"), auth=auth).status_code
        == 403
    )
