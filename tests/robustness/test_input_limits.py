"""Hostile input at the HTTP layer (issue 14, points 1, 5, 6 and 9): deeply nested JSON, big
bodies and fields, malformed credentials, undecodable query strings. Each answer is a 4xx (a
problem+json on the API, a plain 401/413 on /dav/) within a few seconds, never a 500 or a hang.

In-process first (TestClient), then the same probes against a real ``calgate serve`` over a raw
socket, which sends bytes no HTTP client library would (Latin-1 header bytes, a Content-Length
whose body never comes)."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from calgate.api.intake import json_depth
from tests.conftest import ADMIN_TOKEN
from tests.robustness.process import ADMIN_TOKEN as PROCESS_TOKEN
from tests.robustness.process import CalgateProcess

EVENTS = "/api/v1/calendars/default/events"
JSCAL = "application/jscalendar+json"
PROBLEM = "application/problem+json"
WITHIN = 5.0  # seconds: generous, only to catch hangs (the answers take milliseconds)
START = {"start": "2030-01-07T10:00:00Z"}


def nested(depth: int, shape: str) -> str:
    return shape * depth


SHAPES = ["[", '{"a":']


def send(client: TestClient, method: str, url: str, *, auth: bool = True, **kwargs):
    """A request, timed; ``auth=False`` drops the client's token."""
    request = client.build_request(method, url, **kwargs)
    if not auth and "authorization" not in {k.lower() for k in kwargs.get("headers", {})}:
        request.headers.pop("authorization", None)
    started = time.monotonic()
    response = client.send(request)
    elapsed = time.monotonic() - started
    assert elapsed < WITHIN, f"{method} {url} took {elapsed:.1f} s"
    return response


def assert_problem(response, status: int, pointer: str | None = None) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    if pointer is not None:
        assert pointer in [e.get("pointer") for e in body.get("errors", [])], body
    return body


def created(client: TestClient, **fields: object) -> str:
    resp = client.post(EVENTS, json={**START, "title": "probe", **fields})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


# -- point 1: deeply nested JSON ------------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize("shape", SHAPES)
def test_deeply_nested_json_body_is_a_422(client: TestClient, shape: str, depth: int) -> None:
    for content_type in ("application/json", JSCAL, None):
        headers = {"Content-Type": content_type} if content_type else {}
        resp = send(client, "POST", EVENTS, content=nested(depth, shape), headers=headers)
        body = assert_problem(resp, 422, "#")
        assert "max_json_depth" in body["detail"]


@pytest.mark.parametrize("shape", SHAPES)
def test_deeply_nested_field_value_is_a_422(client: TestClient, shape: str) -> None:
    text = '{"start": "2030-01-07T10:00:00Z", "title": ' + nested(1000, shape)
    text += ("]" if shape == "[" else "}") * 1000 + "}"
    assert_problem(send(client, "POST", EVENTS, content=text), 422)


@pytest.mark.parametrize("shape", SHAPES)
def test_deeply_nested_patch_is_a_422(client: TestClient, shape: str) -> None:
    event = f"{EVENTS}/{created(client)}"
    for content_type in ("application/merge-patch+json", "application/json", JSCAL):
        resp = send(
            client,
            "PATCH",
            event,
            content='{"title": ' + nested(100_000, shape),
            headers={"Content-Type": content_type},
        )
        assert_problem(resp, 422, "#")
    instance = f"{event}/instances/2030-01-07T10:00:00Z"
    assert_problem(send(client, "PATCH", instance, content=nested(5000, shape)), 422)


@pytest.mark.parametrize(
    "method,url",
    [
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/sources"),
        ("POST", "/api/v1/calendars"),
        ("POST", "/api/v1/freebusy"),
        ("POST", "/api/default/events/"),  # the room-booking tool's route
    ],
)
def test_deeply_nested_body_on_every_route_is_a_422(client: TestClient, method, url) -> None:
    assert_problem(send(client, method, url, content=nested(100_000, "[")), 422)


def test_real_jscalendar_nesting_is_accepted(client: TestClient) -> None:
    """An Event with overrides, participants and localizations nests far below the cap."""
    event = {
        "@type": "Event",
        "uid": "nesting-ok",
        "title": "standup",
        "start": "2030-01-07T10:00:00",
        "timeZone": "Europe/Berlin",
        "duration": "PT15M",
        "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "daily", "count": 5}],
        "participants": {
            "p1": {"@type": "Participant", "email": "ann@example.org", "roles": {"attendee": True}}
        },
        "recurrenceOverrides": {
            "2030-01-08T10:00:00": {
                "title": "standup (moved)",
                "participants/p1/participationStatus": "declined",
            }
        },
    }
    assert json_depth(json.dumps(event).encode()) < 8
    resp = send(client, "POST", EVENTS, json=event, headers={"Content-Type": JSCAL})
    assert resp.status_code == 201, resp.text


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"title": "[[[[{{{{\\"[[[["}') == 1
    assert json_depth(b'"unterminated [[[[') == 0
    assert json_depth(b"[[[]]]") == 3
    assert json_depth(b"") == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_unauthenticated_nested_body_is_a_401(client: TestClient, shape: str) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        resp = send(
            client, "POST", EVENTS, auth=False, content=nested(100_000, shape), headers=headers
        )
        assert_problem(resp, 401)
        resp = send(
            client,
            "PATCH",
            f"{EVENTS}/x",
            auth=False,
            content=nested(100_000, shape),
            headers=headers,
        )
        assert_problem(resp, 401)


# -- point 5: big bodies and fields ---------------------------------------------------------


def test_body_over_max_body_bytes_is_a_413(client: TestClient) -> None:
    big = {**START, "description": "x" * 10_000_000}
    body = assert_problem(send(client, "POST", EVENTS, json=big), 413)
    assert "max_body_bytes" in body["detail"]
    ics = "BEGIN:VCALENDAR\r\n" + "X-JUNK:" + "x" * 2_000_000 + "\r\nEND:VCALENDAR\r\n"
    resp = send(client, "POST", EVENTS, content=ics, headers={"Content-Type": "text/calendar"})
    assert_problem(resp, 413)
    resp = send(client, "PUT", f"{EVENTS}/big", json=big)
    assert_problem(resp, 413)


def test_body_without_content_length_is_counted(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"start": "2030-01-07T10:00:00Z", "description": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    assert_problem(send(client, "POST", EVENTS, content=chunks()), 413)


def test_max_body_bytes_is_a_setting(make_client) -> None:
    client = make_client(max_body_bytes=4096)
    assert_problem(send(client, "POST", EVENTS, json={**START, "description": "x" * 5000}), 413)
    assert (
        send(client, "POST", EVENTS, json={**START, "description": "x" * 3000}).status_code == 201
    )


@pytest.mark.parametrize(
    "field,value,pointer,setting",
    [
        ("title", "x" * 1_000_000, "#/title", "max_text_chars"),
        ("location", "x" * 1001, "#/location", "max_text_chars"),
        ("description", "x" * 70_000, "#/description", "max_long_text_chars"),
        ("categories", [f"c{i}" for i in range(101)], "#/categories", "max_categories"),
        ("categories", ["x" * 1001], "#/categories/0", "max_text_chars"),
        (
            "attendees",
            [{"email": f"a{i}@example.org"} for i in range(1001)],
            "#/attendees",
            "max_attendees",
        ),
        ("alerts", [{"trigger": "-PT15M"}] * 51, "#/alerts", "max_alerts"),
    ],
)
def test_json_form_field_limits(client: TestClient, field, value, pointer, setting) -> None:
    body = assert_problem(send(client, "POST", EVENTS, json={**START, field: value}), 422, pointer)
    assert setting in body["detail"]
    event = f"{EVENTS}/{created(client)}"
    assert_problem(send(client, "PATCH", event, json={field: value}), 422, pointer)
    assert_problem(send(client, "PUT", event, json={**START, field: value}), 422, pointer)


def test_100000_attendees_answer_at_once(client: TestClient) -> None:
    """100,000 attendees do not fit in a megabyte: a 413 at once. 20,000 do, and are a 422
    before any of them is converted."""
    many = [{"email": f"a{i}@example.org"} for i in range(100_000)]
    assert_problem(send(client, "POST", EVENTS, json={**START, "attendees": many}), 413)
    fits = [{"email": f"a{i}@x.io"} for i in range(20_000)]
    resp = send(client, "POST", EVENTS, json={**START, "attendees": fits})
    assert_problem(resp, 422, "#/attendees")


def test_limits_are_settings_and_the_limit_itself_is_accepted(make_client) -> None:
    client = make_client(max_attendees=3, max_text_chars=10, max_alerts=1, max_categories=2)
    people = [{"email": f"a{i}@example.org"} for i in range(3)]
    ok = {**START, "title": "x" * 10, "attendees": people, "categories": ["a", "b"]}
    assert (
        send(client, "POST", EVENTS, json={**ok, "alerts": [{"trigger": "-PT5M"}]}).status_code
        == 201
    )
    for field, value in [
        ("title", "x" * 11),
        ("attendees", [*people, {"email": "d@example.org"}]),
        ("categories", ["a", "b", "c"]),
        ("alerts", [{"trigger": "-PT5M"}, {"trigger": "-PT1M"}]),
    ]:
        assert_problem(send(client, "POST", EVENTS, json={**ok, field: value}), 422, f"#/{field}")


def jscal_event(**extra: object) -> dict:
    return {"@type": "Event", "start": "2030-01-07T10:00:00", "timeZone": "UTC", **extra}


@pytest.mark.parametrize(
    "extra,pointer",
    [
        ({"title": "x" * 1001}, "#/title"),
        ({"description": "x" * 70_000}, "#/description"),
        ({"keywords": {f"k{i}": True for i in range(101)}}, "#/keywords"),
        (
            {
                "participants": {
                    f"p{i}": {"@type": "Participant", "email": f"a{i}@example.org"}
                    for i in range(1001)
                }
            },
            "#/participants",
        ),
        (
            {
                "alerts": {
                    f"a{i}": {
                        "@type": "Alert",
                        "trigger": {"@type": "OffsetTrigger", "offset": "-PT5M"},
                    }
                    for i in range(51)
                }
            },
            "#/alerts",
        ),
        (
            {
                "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "daily"}],
                "recurrenceOverrides": {"2030-01-08T10:00:00": {"title": "x" * 1001}},
            },
            "#/recurrenceOverrides/2030-01-08T10:00:00/title",
        ),
    ],
)
def test_jscalendar_field_limits(client: TestClient, extra, pointer) -> None:
    resp = send(client, "POST", EVENTS, json=jscal_event(**extra), headers={"Content-Type": JSCAL})
    assert_problem(resp, 422, pointer)


def test_jscalendar_patch_growing_past_a_limit(client: TestClient) -> None:
    event = f"{EVENTS}/{created(client)}"
    patch = {
        f"participants/p{i}": {"@type": "Participant", "email": f"a{i}@example.org"}
        for i in range(1001)
    }
    resp = send(client, "PATCH", event, json=patch, headers={"Content-Type": JSCAL})
    assert_problem(resp, 422, "#/participants")
    resp = send(client, "PATCH", event, json={"title": "x" * 2000}, headers={"Content-Type": JSCAL})
    assert_problem(resp, 422, "#/title")


def ics(*lines: str, uid: str = "raw-limits") -> str:
    body = "\r\n".join(lines)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//probe//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300107T100000Z\r\n"
        f"{body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def folded(line: str) -> str:
    """RFC 5545 3.1 folding, 75 octets a line: the limit counts the unfolded value."""
    return "\r\n ".join(line[i : i + 74] for i in range(0, len(line), 74))


@pytest.mark.parametrize(
    "lines,word",
    [
        ([folded("SUMMARY:" + "x" * 5000)], "SUMMARY"),
        ([folded("DESCRIPTION:" + "x" * 70_000)], "DESCRIPTION"),
        ([f"ATTENDEE:mailto:a{i}@example.org" for i in range(1001)], "ATTENDEE"),
        (["CATEGORIES:" + ",".join(f"c{i}" for i in range(101))], "CATEGORIES"),
        (
            ["BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM"] * 51,
            "VALARM",
        ),
    ],
)
def test_raw_icalendar_limits(client: TestClient, lines, word) -> None:
    headers = {"Content-Type": "text/calendar"}
    body = assert_problem(send(client, "POST", EVENTS, content=ics(*lines), headers=headers), 422)
    assert word in body["detail"]
    resp = send(client, "PUT", f"{EVENTS}/raw-limits", content=ics(*lines), headers=headers)
    assert_problem(resp, 422)


def test_raw_icalendar_at_the_limits_is_stored(make_client) -> None:
    client = make_client(max_attendees=2, max_text_chars=100)
    text = ics(folded("SUMMARY:" + "é" * 100), "ATTENDEE:mailto:a@example.org", "ATTENDEE:b@x.io")
    resp = send(client, "POST", EVENTS, content=text, headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 201, resp.text


DAV_HEADERS = {
    "Content-Type": "text/calendar",
    "Authorization": "Basic " + base64.b64encode(f"probe:{ADMIN_TOKEN}".encode()).decode(),
}


def dav_put(client: TestClient, name: str, text: str):
    return send(
        client, "PUT", f"/dav/calgate/default/{name}.ics", content=text, headers=DAV_HEADERS
    )


def test_stored_data_over_the_limits_is_still_served(make_client) -> None:
    """Limits are on input: an event a CalDAV client stored with a long title and many
    attendees is listed and read in every form."""
    client = make_client(max_text_chars=10, max_attendees=2)
    text = ics("SUMMARY:" + "long title " * 20, *(f"ATTENDEE:mailto:a{i}@x.io" for i in range(5)))
    put = dav_put(client, "stored-big", text)
    assert put.status_code in (201, 204), put.text
    url = f"{EVENTS}/stored-big"
    assert send(client, "GET", url).json()["title"].startswith("long title")
    assert len(send(client, "GET", url, headers={"Accept": JSCAL}).json()["participants"]) == 5
    listing = send(client, "GET", EVENTS, params={"start": "2030-01-01", "end": "2030-02-01"})
    assert [e["id"] for e in listing.json()["items"]] == ["stored-big"]


def test_dav_body_over_dav_max_body_bytes_is_a_413(make_client) -> None:
    client = make_client(dav_max_body_bytes=65536)
    text = ics(folded("DESCRIPTION:" + "x" * 100_000), uid="dav-big")
    assert dav_put(client, "dav-big", text).status_code == 413
    resp = dav_put(client, "dav-small", ics("SUMMARY:small", uid="dav-small"))
    assert resp.status_code == 201, resp.text


# -- point 6: malformed credentials ----------------------------------------------------------

JUNK_CREDENTIALS = [
    b"Basic \xff\xfe",
    b"Basic !!!",
    b"Basic",
    b"Basic ",
    b"Basic YWJj",  # "abc": no colon
    b"Basic " + base64.b64encode(b"user:\xff\xfe"),  # not UTF-8
    b"Basic " + base64.b64encode(b"user:"),  # empty password
    b"Basic /w==",
    b"Bearer",
    b"Bearer ",
    b"Bearer \xff\xfe\x80",
    b"\xff\xfe",
    b"Negotiate abc",
]


@pytest.mark.parametrize("header", JUNK_CREDENTIALS)
def test_malformed_credential_on_the_api_is_a_401(client: TestClient, header: bytes) -> None:
    resp = send(client, "GET", EVENTS, auth=False, headers={"Authorization": header})
    assert_problem(resp, 401)
    assert resp.headers["www-authenticate"].startswith("Bearer")
    resp = send(
        client,
        "POST",
        EVENTS,
        auth=False,
        headers={"Authorization": header},
        content=nested(1000, "["),
    )
    assert_problem(resp, 401)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (b"Basic \xff\xfe", "malformed"),
        (b"Basic YWJj", "malformed"),
        (b"Negotiate abc", "malformed"),
        (b"Bearer cg_no-such-token-0123456789", "unknown or revoked"),
        (b"Basic " + base64.b64encode(b"me:cg_no-such-token-0123456789"), "unknown or revoked"),
    ],
)
def test_the_401_says_whether_the_header_or_the_token_is_wrong(
    client: TestClient, header: bytes, says: str
) -> None:
    resp = send(client, "GET", EVENTS, auth=False, headers={"Authorization": header})
    assert_problem(resp, 401)
    assert says in resp.json()["detail"]


@pytest.mark.parametrize("header", JUNK_CREDENTIALS)
def test_malformed_credential_on_dav_is_a_401(client: TestClient, header: bytes) -> None:
    resp = send(client, "PROPFIND", "/dav/", auth=False, headers={"Authorization": header})
    assert resp.status_code == 401, resp.text
    assert resp.headers["www-authenticate"].startswith("Basic")


def test_basic_with_the_token_as_password_still_works(client: TestClient) -> None:
    basic = b"Basic " + base64.b64encode(f"anyone:{ADMIN_TOKEN}".encode())
    resp = send(client, "GET", EVENTS, auth=False, headers={"Authorization": basic})
    assert resp.status_code == 200
    resp = send(
        client, "PROPFIND", "/dav/", auth=False, headers={"Authorization": basic, "Depth": "0"}
    )
    assert resp.status_code == 207


# -- point 9: query strings ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["q=%ff", "q=%C3%28", "category=%80abc", "%ff=1", "q=a&q=%fe"])
def test_query_parameter_not_utf8_is_a_422(client: TestClient, query: str) -> None:
    resp = send(client, "GET", f"{EVENTS}?{query}")
    assert_problem(resp, 422)
    assert "UTF-8" in resp.json()["detail"]


def test_query_parameter_not_utf8_names_it(client: TestClient) -> None:
    assert_problem(send(client, "GET", f"{EVENTS}?q=%ff"), 422, "q")
    assert_problem(send(client, "GET", "/api/v1/calendars?x=%ff"), 422)


def test_utf8_query_still_works(client: TestClient) -> None:
    created(client, title="Grüße")
    resp = send(client, "GET", f"{EVENTS}?q=Gr%C3%BC%C3%9Fe&start=2030-01-01&end=2030-02-01")
    assert resp.status_code == 200
    assert [e["title"] for e in resp.json()["items"]] == ["Grüße"]


@pytest.mark.parametrize(
    "params", [{"syncToken": "garbage"}, {"syncToken": ""}, {"props": "title"}]
)
def test_jscalendar_only_parameter_on_a_json_listing_is_a_422(client: TestClient, params) -> None:
    name = next(iter(params))
    for accept in (None, "application/json"):
        headers = {"Accept": accept} if accept else {}
        resp = send(client, "GET", EVENTS, params=params, headers=headers)
        body = assert_problem(resp, 422, name)
        assert "JSCalendar" in body["detail"]


def test_listing_parameter_on_the_jscalendar_feed_is_a_422(client: TestClient) -> None:
    headers = {"Accept": JSCAL}
    feed = send(client, "GET", EVENTS, params={"syncToken": "", "limit": 5}, headers=headers)
    assert feed.status_code == 200, feed.text
    for extra in ({"start": "2030-01-01"}, {"q": "x"}, {"pageToken": "p"}, {"expand": "true"}):
        params = {"syncToken": "", **extra}
        assert_problem(
            send(client, "GET", EVENTS, params=params, headers=headers), 422, next(iter(extra))
        )
    listing = send(client, "GET", EVENTS, params={"props": "title"}, headers=headers)
    assert listing.status_code == 200, listing.text


# -- the same against a real process ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[CalgateProcess]:
    process = CalgateProcess(
        tmp_path_factory.mktemp("input-limits") / "data", env={"CALGATE_LOG_LEVEL": "WARNING"}
    )
    try:
        yield process
    finally:
        process.stop()


def raw_request(server: CalgateProcess, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send ``head`` (the request line and headers, CRLF-separated, without the blank line)
    and ``body`` on a socket; (status, whole answer). Fails when no answer comes in time."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=WITHIN) as sock:
        sock.sendall(head + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
        data = b""
        started = time.monotonic()
        while b"\r\n\r\n" not in data or len(data) < _expected(data):
            assert time.monotonic() - started < WITHIN, data[:500]
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 "), data[:500]
    return int(data[9:12]), data


def _expected(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return 1 << 30  # read to the end


def process_headers(token: str = PROCESS_TOKEN) -> bytes:
    return f"Authorization: Bearer {token}".encode()


@pytest.mark.parametrize("shape", SHAPES)
def test_process_nested_json(server: CalgateProcess, shape: str) -> None:
    body = nested(100_000, shape).encode()
    head = b"POST /api/v1/calendars/default/events HTTP/1.1\r\n" + process_headers()
    head += b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
    status, answer = raw_request(server, head, body)
    assert status == 422, answer[:500]
    assert b"application/problem+json" in answer


def test_process_unauthenticated_body_is_never_read(server: CalgateProcess) -> None:
    """A 401 for a request announcing 100 MB and sending none of it: calgate answers from the
    headers, without waiting for (or reading) the body."""
    for auth in (b"", b"\r\nAuthorization: Bearer nope", b"\r\nAuthorization: Basic \xff\xfe"):
        head = b"POST /api/v1/calendars/default/events HTTP/1.1" + auth
        head += b"\r\nContent-Type: application/json\r\nContent-Length: 100000000"
        status, answer = raw_request(server, head, b"[[[[")
        assert status == 401, answer[:500]
        assert b"application/problem+json" in answer


def test_process_too_large_is_a_413_before_the_body(server: CalgateProcess) -> None:
    head = b"PUT /api/v1/calendars/default/events/big HTTP/1.1\r\n" + process_headers()
    head += b"\r\nContent-Type: text/calendar\r\nContent-Length: 100000000"
    status, answer = raw_request(server, head, b"BEGIN:VCALENDAR\r\n")
    assert status == 413, answer[:500]
    assert b"application/problem+json" in answer


def test_process_dav_too_large_is_a_413(server: CalgateProcess) -> None:
    basic = base64.b64encode(f"x:{PROCESS_TOKEN}".encode())
    head = b"PUT /dav/calgate/default/big.ics HTTP/1.1\r\nAuthorization: Basic " + basic
    head += b"\r\nContent-Type: text/calendar\r\nContent-Length: 100000000"
    status, answer = raw_request(server, head, b"BEGIN:VCALENDAR\r\n")
    assert status == 413, answer[:500]


@pytest.mark.parametrize("header", JUNK_CREDENTIALS)
def test_process_malformed_credentials(server: CalgateProcess, header: bytes) -> None:
    status, answer = raw_request(
        server, b"GET /api/v1/calendars HTTP/1.1\r\nAuthorization: " + header
    )
    assert status == 401, answer[:500]
    assert b"application/problem+json" in answer
    status, answer = raw_request(
        server, b"PROPFIND /dav/ HTTP/1.1\r\nDepth: 0\r\nAuthorization: " + header
    )
    assert status == 401, answer[:500]
    assert b"www-authenticate: basic" in answer.lower()


def test_process_query_not_utf8(server: CalgateProcess) -> None:
    head = b"GET /api/v1/calendars/default/events?q=%ff HTTP/1.1\r\n" + process_headers()
    status, answer = raw_request(server, head)
    assert status == 422, answer[:500]
    head = b"GET /api/v1/calendars/default/events?syncToken=garbage HTTP/1.1\r\n"
    status, answer = raw_request(server, head + process_headers())
    assert status == 422, answer[:500]
    assert b"syncToken" in answer
