"""Failures of the server or the network become calgate's error tree (``calgate.errors``), and
the secret shows up in no repr and no error detail."""

from __future__ import annotations

import base64
import logging
from urllib.parse import urlsplit

import pytest

from calgate.errors import (
    CalgateError,
    UpstreamError,
    UpstreamRejectedCredentials,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from calgate.upstream import AuthType, CalDAVConnection, Credentials
from calgate.upstream.errors import upstream_error
from tests.servers import RunningServer, free_port
from tests.upstream.support import (
    HTML,
    Reply,
    Seen,
    always,
    dav_response,
    fake_server,
    multistatus,
)

SECRET = "s3cr3t-Tok3n-do-not-leak"


def connection(url: str, auth: AuthType = "basic", timeout: float = 5.0) -> CalDAVConnection:
    return CalDAVConnection(url, Credentials("alice", SECRET, auth), timeout=timeout)


def failure(url: str, timeout: float = 5.0) -> CalgateError:
    with connection(url, timeout=timeout) as conn, pytest.raises(CalgateError) as info:
        conn.get(url + "event.ics")
    assert SECRET not in info.value.detail
    return info.value


def test_secret_is_not_in_repr() -> None:
    creds = Credentials("alice", SECRET, "bearer")
    assert SECRET not in repr(creds)
    with CalDAVConnection("https://cal.example.com/dav/", creds, timeout=1) as conn:
        assert SECRET not in repr(conn)
        assert "cal.example.com" in repr(conn)


def test_closed_port_is_unreachable_with_retry_after() -> None:
    err = failure(f"http://127.0.0.1:{free_port()}/cal/")
    assert isinstance(err, UpstreamUnreachable)
    assert err.headers["Retry-After"]


def test_unknown_host_is_unreachable() -> None:
    assert isinstance(failure("http://calgate-test.invalid/cal/"), UpstreamUnreachable)


def test_slow_server_is_timeout() -> None:
    with fake_server(always(Reply(200, b"BEGIN:VCALENDAR", delay=2.0))) as server:
        err = failure(server.url, timeout=0.3)
    assert isinstance(err, UpstreamTimeout)


def test_rfc7235_3_1_wrong_password_on_a_source_is_rejected_credentials(
    radicale_server: RunningServer,
) -> None:
    err = failure(radicale_server.calendar_url)
    assert isinstance(err, UpstreamRejectedCredentials)
    assert err.upstream_status == 401


@pytest.mark.parametrize("status", [400, 409, 500, 502, 507])
def test_other_statuses_are_upstream_error_with_status(status: int) -> None:
    with fake_server(always(Reply(status, b"no", {"Content-Type": "text/plain"}))) as server:
        err = failure(server.url)
    assert type(err) is UpstreamError
    assert err.upstream_status == status
    assert err.extra["upstreamStatus"] == status


def test_rate_limited_is_upstream_error_429() -> None:
    with fake_server(always(Reply(429, b"", {"Retry-After": "5"}))) as server:
        err = failure(server.url)
    assert type(err) is UpstreamError
    assert err.upstream_status == 429


BROKEN_XML = Reply(207, b"<d:multistatus xmlns:d='DAV:'><d:resp", {"Content-Type": "text/xml"})


@pytest.mark.parametrize("reply", [BROKEN_XML, HTML], ids=["broken", "html"])
def test_unparseable_multistatus_is_upstream_error(reply: Reply) -> None:
    with (
        fake_server(always(reply)) as server,
        connection(server.url) as conn,
        pytest.raises(UpstreamError) as info,
    ):
        conn.list_hrefs(server.url)
    assert type(info.value) is UpstreamError
    assert info.value.upstream_status is None


def test_get_of_non_icalendar_is_upstream_error() -> None:
    with fake_server(always(HTML)) as server:
        err = failure(server.url)
    assert type(err) is UpstreamError


def test_status_mapping_is_one_function() -> None:
    url = "https://bob:hunter2@cal.example.com/dav/x.ics?token=abc"
    for status, name in [
        (401, "UpstreamRejectedCredentials"),
        (403, "UpstreamRejectedCredentials"),
        (404, "NotFound"),
        (410, "NotFound"),
        (412, "PreconditionFailed"),
        (503, "UpstreamError"),
    ]:
        err = upstream_error(url, status=status)
        assert type(err).__name__ == name
        assert "hunter2" not in err.detail and "token=abc" not in err.detail
    uid = (
        b'<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        b"<C:no-uid-conflict/></D:error>"
    )
    assert type(upstream_error(url, status=412, body=uid)).__name__ == "Conflict"


# -- authentication goes out as configured, with the first request ---------------------------


def _ok_multistatus(_request: Seen) -> Reply:
    return multistatus(dav_response("/cal/a.ics", '<d:getetag>"1"</d:getetag>'))


def test_basic_auth_is_sent_up_front_without_a_probe() -> None:
    with fake_server(_ok_multistatus) as server, connection(server.url) as conn:
        conn.list_hrefs(server.url + "cal/")
    assert len(server.seen) == 1
    expected = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert server.seen[0].headers["Authorization"] == f"Basic {expected}"


def test_bearer_token_is_sent_as_authorization_bearer() -> None:
    with fake_server(_ok_multistatus) as server, connection(server.url, "bearer") as conn:
        conn.list_hrefs(server.url + "cal/")
    assert [s.headers["Authorization"] for s in server.seen] == [f"Bearer {SECRET}"]


def test_rfc7616_digest_auth_answers_the_challenge() -> None:
    def respond(request: Seen) -> Reply:
        if not request.headers.get("Authorization", "").startswith("Digest "):
            challenge = 'Digest realm="cal", nonce="abc123", qop="auth", algorithm=MD5'
            return Reply(401, b"", {"WWW-Authenticate": challenge})
        return _ok_multistatus(request)

    with fake_server(respond) as server, connection(server.url, "digest") as conn:
        assert list(conn.list_hrefs(server.url + "cal/")) == [server.url + "cal/a.ics"]
    answer = server.seen[-1].headers["Authorization"]
    assert 'username="alice"' in answer and SECRET not in answer


def test_no_credentials_sends_no_authorization() -> None:
    anonymous = Credentials(None, None, "basic")
    with (
        fake_server(_ok_multistatus) as server,
        CalDAVConnection(server.url, anonymous, timeout=5) as conn,
    ):
        conn.list_hrefs(server.url + "cal/")
    assert "Authorization" not in server.seen[0].headers


# -- hrefs as servers send them ---------------------------------------------------------------


def test_confluence_double_encoded_at_is_read_as_at() -> None:
    path = "/cal/user%2540example.com/e1.ics"

    def respond(request: Seen) -> Reply:
        if request.method == "GET":
            return Reply(200, b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", {"ETag": '"7"'})
        return multistatus(dav_response(path, '<d:getetag>"7"</d:getetag>'))

    with fake_server(respond) as server, connection(server.url) as conn:
        hrefs = conn.list_hrefs(server.url + "cal/user@example.com/")
        assert list(hrefs) == [server.url + "cal/user@example.com/e1.ics"]
        obj = conn.get(next(iter(hrefs)))
    assert server.seen[-1].path in (
        "/cal/user@example.com/e1.ics",
        "/cal/user%40example.com/e1.ics",
    )
    assert obj.etag == '"7"'
    assert obj.ical == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_relative_hrefs_resolve_against_the_request_url() -> None:
    data = "<c:calendar-data>BEGIN:VCALENDAR&#13;\nEND:VCALENDAR&#13;\n</c:calendar-data>"
    reply = multistatus(dav_response("e1.ics", f'<d:getetag>W/"x"</d:getetag>{data}'))
    with fake_server(always(reply)) as server, connection(server.url) as conn:
        [obj] = conn.query(server.url + "cal/", start=None, end=None)
    assert obj.href == server.url + "cal/e1.ics"
    assert obj.etag == 'W/"x"'
    assert obj.ical == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def _weak_get(getetag: str):  # a server that weakens GET's ETag whatever the coding
    def respond(request: Seen) -> Reply:
        if request.method == "GET":
            return Reply(200, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", {"ETag": 'W/"7"'})
        return multistatus(dav_response(request.path, f"<d:getetag>{getetag}</d:getetag>"))

    return respond


def test_rfc9110_8_8_3_get_asks_for_identity_and_strengthens_a_weak_etag() -> None:
    with fake_server(_weak_get('"7"')) as server, connection(server.url) as conn:
        obj = conn.get(server.url + "cal/e1.ics")
    assert obj.etag == '"7"'  # the DAV:getetag of the version just read
    get, propfind = server.seen
    assert get.headers["Accept-Encoding"] == "identity"
    assert (propfind.method, propfind.headers["Depth"]) == ("PROPFIND", "0")


@pytest.mark.parametrize("getetag", ['"8"', 'W/"7"'])
def test_rfc9110_8_8_3_a_weak_etag_stays_weak_unless_the_server_has_its_strong_twin(
    getetag: str,
) -> None:
    """Changed in between ("8"), or no strong tag at all: the weak one stays, and an If-Match
    built on it fails (strong comparison) rather than overwrite what was not read."""
    with fake_server(_weak_get(getetag)) as server, connection(server.url) as conn:
        obj = conn.get(server.url + "cal/e1.ics")
    assert obj.etag == 'W/"7"'


def test_rfc4791_5_3_4_put_without_etag_asks_for_it() -> None:
    def respond(request: Seen) -> Reply:
        if request.method == "PUT":
            return Reply(201)
        return multistatus(dav_response(request.path, '<d:getetag>"after"</d:getetag>'))

    with fake_server(respond) as server, connection(server.url) as conn:
        etag = conn.put(server.url + "cal/e.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert etag == '"after"'
    assert [s.method for s in server.seen] == ["PUT", "PROPFIND"]
    assert server.seen[0].headers["Content-Type"].startswith("text/calendar")


def test_put_without_etag_and_no_way_to_get_one_gives_none() -> None:
    def respond(request: Seen) -> Reply:
        return Reply(204) if request.method == "PUT" else Reply(405)

    with fake_server(respond) as server, connection(server.url) as conn:
        assert conn.put(server.url + "e.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") is None


def test_user_info_in_the_url_is_not_used_or_shown() -> None:
    with fake_server(_ok_multistatus) as server:
        url = server.url.replace("http://", "http://mallory:hunter2@")
        with connection(url) as conn:
            assert "hunter2" not in repr(conn) and "hunter2" not in conn.url
            conn.list_hrefs(conn.url + "cal/")
    expected = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert server.seen[0].headers["Authorization"] == f"Basic {expected}"


def test_url_without_scheme_is_unreachable() -> None:
    err = failure("cal.example.com/dav/")
    assert isinstance(err, UpstreamUnreachable)
    assert "valid" in err.detail


# -- error details name no address: it is logged at debug level instead ----------------------


def _no_address(detail: str, url: str) -> None:
    """An error body must not show where the server is: no URL, host, port or path."""
    parts = urlsplit(url)
    for piece in ("http://", "https://", parts.hostname or "", f":{parts.port}", parts.path):
        if piece and piece != "/":
            assert piece not in detail, (piece, detail)


def test_failure_details_name_no_address(caplog) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/internal/cal/"
    with caplog.at_level(logging.DEBUG, logger="calgate.upstream.errors"):
        err = failure(url)
    _no_address(err.detail, url)
    assert f"127.0.0.1:{port}/internal/cal/event.ics" in caplog.text


def test_unknown_host_detail_names_no_host() -> None:
    url = "http://calgate-test.invalid/cal/"
    _no_address(failure(url).detail, url)


@pytest.mark.parametrize("status", [401, 403, 404, 410, 412, 500, 502, 503])
def test_status_details_name_no_address(status: int) -> None:
    url = "https://cal.example.com:8443/dav/calendars/alice/team/x.ics"
    err = upstream_error(url, status=status)
    _no_address(err.detail, url)


def test_no_uid_conflict_detail_names_no_address() -> None:
    url = "https://cal.example.com:8443/dav/calendars/alice/team/x.ics"
    uid = (
        b'<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        b"<D:resource-must-be-null/></D:error>"
    )
    err = upstream_error(url, status=403, body=uid)
    _no_address(err.detail, url)
