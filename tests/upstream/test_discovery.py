"""Discovery (RFC 4791 section 6.2.1, RFC 5397, RFC 6764) against real servers, and how adding a
source fails when the URL, the server or the password is wrong."""

from __future__ import annotations

import uuid

import pytest

from calgate.errors import SourceConnectFailed
from calgate.upstream import CalDAVConnection, Credentials, davxml
from tests.servers import RunningServer, free_port
from tests.upstream.support import HTML, Reply, always, connect, fake_server, multistatus
from tests.vtimezone_check import EVENT_TIMES, definitions, wrong_local_offsets

SECRET = "s3cr3t-Tok3n-do-not-leak"


def _discover(url: str, timeout: float = 5.0, secret: str = SECRET) -> SourceConnectFailed:
    creds = Credentials("alice", secret, "basic")
    with (
        CalDAVConnection(url, creds, timeout=timeout) as conn,
        pytest.raises(SourceConnectFailed) as info,
    ):
        conn.discover()
    assert secret not in info.value.detail
    assert secret not in str(info.value.errors)
    return info.value


@pytest.mark.parametrize("where", ["root", "principal", "home", "calendar"])
def test_rfc4791_6_2_1_discover_finds_the_event_calendar_from_any_starting_url(
    caldav_server: RunningServer, where: str
) -> None:
    start = {
        "root": caldav_server.url,
        "principal": caldav_server.principal_url,
        "home": caldav_server.home_url,
        "calendar": caldav_server.calendar_url,
    }[where]
    with connect(caldav_server, start) as conn:
        found = conn.discover()
    urls = [c.url for c in found]
    assert caldav_server.calendar_url in urls
    if where == "calendar":  # a single calendar's URL (Confluence) gives just that calendar
        assert urls == [caldav_server.calendar_url]
    assert all(c.supports_events for c in found)


def test_rfc4791_5_2_3_discover_skips_calendars_without_vevent(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    todo_url = caldav_server.home_url + "tasks-only/"
    body = (
        '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        '<D:set><D:prop><C:supported-calendar-component-set><C:comp name="VTODO"/>'
        "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
    )
    response = conn.send("MKCALENDAR", todo_url, body, {"Content-Type": "application/xml"})
    assert response.status in (201, 405)
    assert todo_url not in [c.url for c in conn.discover()]


def test_discover_reports_name_and_time_zone(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    url = conn.make_calendar(
        home_url=None, slug="oslo-team", name="Oslo team", time_zone="Europe/Oslo"
    )
    found = {c.url: c for c in conn.discover()}
    assert found[url].name == "Oslo team"
    assert found[url].time_zone == "Europe/Oslo"


def test_rfc4791_5_2_2_calendar_timezone_read_back_gives_iana_offsets(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    """Issue 16, point 3: the ``calendar-timezone`` calgate sends with MKCALENDAR, as the
    server gives it back, read alone, has zoneinfo's offsets in 2027, 2037 and 2045."""
    url = conn.make_calendar(
        home_url=None,
        slug=f"tz-{uuid.uuid4().hex[:6]}",
        name="Sydney",
        time_zone="Australia/Sydney",
    )
    (found,) = conn.propfind(url, [davxml.CALENDAR_TIMEZONE], depth=0)
    text = found.raw_text(davxml.CALENDAR_TIMEZONE)
    assert text is not None
    definition = definitions(text)["Australia/Sydney"]
    assert wrong_local_offsets(definition, "Australia/Sydney", EVENT_TIMES) == [], text


def test_rfc7235_3_1_wrong_password_is_reason_credentials(radicale_server: RunningServer) -> None:
    # Xandikos (as started here) does not check passwords at all: see tests/servers.py.
    err = _discover(radicale_server.url)
    assert err.reason == "credentials"
    assert err.errors[0].pointer == "#/password"
    assert "401" in err.detail


def test_closed_port_is_reason_unreachable() -> None:
    err = _discover(f"http://127.0.0.1:{free_port()}/dav/")
    assert err.reason == "unreachable"
    assert err.errors[0].pointer == "#/url"
    assert "refused" in err.detail


def test_unknown_host_is_reason_unreachable() -> None:
    err = _discover("http://calgate-test.invalid/dav/")
    assert err.reason == "unreachable"
    assert err.errors[0].pointer == "#/url"


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(HTML, id="200-html"),
        pytest.param(Reply(501, b"Unsupported method", {"Content-Type": "text/plain"}), id="501"),
        pytest.param(Reply(404, b"nope", {"Content-Type": "text/plain"}), id="404"),
        pytest.param(
            Reply(207, b"<multistatus><broken", {"Content-Type": "application/xml"}),
            id="bad-xml",
        ),
        pytest.param(multistatus(), id="empty-multistatus"),
    ],
)
def test_plain_http_server_is_reason_not_caldav(reply: Reply) -> None:
    with fake_server(always(reply)) as server:
        err = _discover(server.url)
    assert err.reason == "not-caldav"
    assert err.errors[0].pointer == "#/url"


def test_webdav_without_principal_or_calendars_is_reason_not_caldav() -> None:
    collection = "<d:resourcetype><d:collection/></d:resourcetype>"
    reply = multistatus(
        f"<d:response><d:href>/</d:href><d:propstat><d:prop>{collection}</d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    )
    with fake_server(always(reply)) as server:
        err = _discover(server.url)
    assert err.reason == "not-caldav"


def test_server_failure_is_reason_server_error() -> None:
    with fake_server(always(Reply(500, b"oops", {"Content-Type": "text/plain"}))) as server:
        err = _discover(server.url)
    assert err.reason == "server-error"
    assert "500" in err.detail


def test_slow_server_is_reason_timeout() -> None:
    with fake_server(always(Reply(207, b"", delay=2.0))) as server:
        err = _discover(server.url, timeout=0.3)
    assert err.reason == "timeout"
