"""Line breaks in values that become iCalendar (issue 14, point 7).

- TEXT (title, description, location) may hold anything printable and line breaks; the stored
  object, read raw from the CalDAV store, must still have exactly one VEVENT and no property
  the client did not ask for, and the text reads back as sent, through calgate JSON, JSCalendar
  and both PATCH forms.
- Values that are not TEXT (URIs, parameter values, ids, keys) cannot hold a line break or a
  control character: a 422 naming the field by JSON pointer, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2 as httpx
import pytest
from icalendar import Calendar

JSCAL = "application/jscalendar+json"
EVENTS = "/api/v1/calendars/default/events"
YEAR = datetime.now(UTC).year + 1
JSON_BASE = {"start": f"{YEAR}-03-01T10:00:00Z", "end": f"{YEAR}-03-01T11:00:00Z"}
JS_BASE = {
    "@type": "Event",
    "start": f"{YEAR}-03-01T10:00:00",
    "timeZone": "Europe/Berlin",
    "duration": "PT1H",
}

HOSTILE_TEXT = [
    "Team\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:second",
    "Team\r\nATTENDEE:mailto:attacker@evil.example",
    "Team\nATTENDEE:mailto:attacker@evil.example",
    "Team\rATTENDEE:mailto:attacker@evil.example",
    "Team\r\n ATTENDEE:folded-in",
    "Team\r\n\tATTENDEE:folded-in",
    "Team\r\n\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR",
    "Team\\nATTENDEE:mailto:attacker@evil.example",
    "Team\\",
    "\\\\;\\,\\n",
    "Team\u2028ATTENDEE:mailto:attacker@evil.example",
    "Team\u2029ATTENDEE:mailto:attacker@evil.example",
    "Team\u0085ATTENDEE:mailto:attacker@evil.example",
    "a;b,c:d;e=f",
    'CN="x";ATTENDEE:mailto:attacker@evil.example',
    "  \ttabs and spaces\t ",
    "ünïcödé 🎉 " + "long line " * 40,
]


def _stored(client, event_id: str) -> str:
    """The object as the CalDAV store holds it (the embedded store's internal address)."""
    runtime = client.app.state.runtime
    store = runtime.embedded
    url = runtime.embedded_base_url().rstrip("/") + store.calendar_path("default") + event_id
    resp = httpx.get(
        f"{url}.ics", auth=(store.internal_username, store.internal_password), timeout=10
    )
    assert resp.status_code == 200, resp.text
    return resp.text


def _shape(text: str) -> list[str]:
    """Component boundaries and property names, from RFC 5545 content lines (CRLF, unfolded):
    no bare CR or LF may be left inside a line."""
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    lines = [line for line in unfolded.split("\r\n") if line]
    for line in lines:
        assert "\r" not in line and "\n" not in line, repr(line)
    shape = []
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        shape.append(line.upper() if name in ("BEGIN", "END") else name)
    return sorted(shape)


def _one_vevent(text: str) -> None:
    parsed = Calendar.from_ical(text)
    assert [c.name for c in parsed.walk("VEVENT")] == ["VEVENT"]
    assert "ATTENDEE" not in parsed.walk("VEVENT")[0]


def _same(sent: str, read: str | None) -> None:
    """Read back as sent. iCalendar has one line break (written \\n): a CRLF or a lone CR may
    read back as LF."""
    assert read in (sent, sent.replace("\r\n", "\n").replace("\r", "\n")), (sent, read)


@pytest.fixture
def baselines(client) -> dict[str, list[str]]:
    """The shape of a harmless event in each representation."""
    made = client.post(
        EVENTS, json={**JSON_BASE, "title": "a", "description": "b", "location": "c"}
    )
    js_body = {**JS_BASE, "title": "a", "description": "b"}
    js = client.post(EVENTS, json=js_body, headers={"Content-Type": JSCAL})
    js_id = js.headers["location"].rsplit("/", 1)[1]
    return {
        "json": _shape(_stored(client, made.json()["id"])),
        "jscal": _shape(_stored(client, js_id)),
    }


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_text_never_adds_a_property_or_a_component(client, baselines, text):
    # calgate JSON, POST
    made = client.post(
        EVENTS, json={**JSON_BASE, "title": text, "description": text, "location": text}
    )
    assert made.status_code == 201, made.text
    event_id = made.json()["id"]
    stored = _stored(client, event_id)
    assert _shape(stored) == baselines["json"]
    _one_vevent(stored)
    got = client.get(f"{EVENTS}/{event_id}").json()
    for field in ("title", "description", "location"):
        _same(text, got[field])

    # calgate JSON, PATCH (a merge patch over an event with harmless text)
    plain = client.post(
        EVENTS, json={**JSON_BASE, "title": "a", "description": "b", "location": "c"}
    )
    patched = client.patch(
        f"{EVENTS}/{plain.json()['id']}",
        json={"title": text, "description": text, "location": text},
    )
    assert patched.status_code == 200, patched.text
    stored = _stored(client, plain.json()["id"])
    assert _shape(stored) == baselines["json"]
    _one_vevent(stored)
    for field in ("title", "description", "location"):
        _same(text, patched.json()[field])

    # JSCalendar, POST and a PatchObject
    js = client.post(
        EVENTS,
        json={**JS_BASE, "title": text, "description": text},
        headers={"Content-Type": JSCAL},
    )
    assert js.status_code == 201, js.text
    js_id = js.headers["location"].rsplit("/", 1)[1]
    stored = _stored(client, js_id)
    assert _shape(stored) == baselines["jscal"]
    _one_vevent(stored)
    got = client.get(f"{EVENTS}/{js_id}", headers={"Accept": JSCAL}).json()
    _same(text, got["title"])
    _same(text, got["description"])
    js_plain = client.post(
        EVENTS, json={**JS_BASE, "title": "a", "description": "b"}, headers={"Content-Type": JSCAL}
    )
    js_plain_id = js_plain.headers["location"].rsplit("/", 1)[1]
    resp = client.patch(
        f"{EVENTS}/{js_plain_id}",
        json={"title": text, "description": text},
        headers={"Content-Type": JSCAL},
    )
    assert resp.status_code in (200, 204), resp.text
    stored = _stored(client, js_plain_id)
    assert _shape(stored) == baselines["jscal"]
    _one_vevent(stored)
    got = client.get(f"{EVENTS}/{js_plain_id}", headers={"Accept": JSCAL}).json()
    _same(text, got["title"])


@pytest.mark.parametrize("text", ["Team\x00", "Team\x1b[2J", "Team\x7f", "Team\x0b"])
def test_control_characters_in_text_are_a_422(client, text):
    resp = client.post(EVENTS, json={**JSON_BASE, "title": text})
    assert resp.status_code == 422 and resp.json()["errors"][0]["pointer"] == "#/title"
    js = client.post(EVENTS, json={**JS_BASE, "title": text}, headers={"Content-Type": JSCAL})
    assert js.status_code == 422 and js.json()["errors"][0]["pointer"] == "#/title"


BREAKS = ["\r\nX-INJECTED:1", "\nX-INJECTED:1", "\rX-INJECTED:1", "\u2028x", "\u0085x", "\x00"]

JSON_CASES = [
    ({"url": "https://example.org/{}"}, "#/url"),
    ({"organizer": {"email": "ann@example.org", "name": "Ann{}"}}, "#/organizer/name"),
    ({"attendees": [{"email": "ann@example.org", "name": "Ann{}"}]}, "#/attendees/0/name"),
    ({"attendees": [{"email": "urn:x:{}"}]}, "#/attendees/0/email"),
    ({"categories": ["work", "a{}"]}, "#/categories/1"),
]

_P = {"@type": "Participant", "sendTo": {"imip": "mailto:ann@example.org"}}
JS_CASES = [
    ({"links": {"l": {"@type": "Link", "href": "https://example.org/{}"}}}, "#/links/l/href"),
    (
        {"links": {"l": {"@type": "Link", "href": "https://x.org/", "title": "a{}"}}},
        "#/links/l/title",
    ),
    ({"links": {"l": {"@type": "Link", "href": "https://x.org/", "rel": "a{}"}}}, "#/links/l/rel"),
    (
        {"links": {"l": {"@type": "Link", "href": "https://x.org/", "contentType": "a{}"}}},
        "#/links/l/contentType",
    ),
    ({"locations": {"l": {"@type": "Location", "uri": "https://x.org/{}"}}}, "#/locations/l/uri"),
    (
        {"locations": {"l": {"@type": "Location", "coordinates": "geo:1,2{}"}}},
        "#/locations/l/coordinates",
    ),
    (
        {"virtualLocations": {"v": {"@type": "VirtualLocation", "uri": "https://x.org/{}"}}},
        "#/virtualLocations/v/uri",
    ),
    (
        {
            "virtualLocations": {
                "v": {"@type": "VirtualLocation", "uri": "https://x", "name": "a{}"}
            }
        },
        "#/virtualLocations/v/name",
    ),
    ({"participants": {"p": {**_P, "name": "Ann{}"}}}, "#/participants/p/name"),
    ({"participants": {"p": {**_P, "language": "de{}"}}}, "#/participants/p/language"),
    (
        {"participants": {"p": {**_P, "sendTo": {"imip": "mailto:a@b.org{}"}}}},
        "#/participants/p/sendTo/imip",
    ),
    ({"participants": {"p": {**_P, "email": "a@b.org{}"}}}, "#/participants/p/email"),
    (
        {"participants": {"p": {**_P, "calendarAddress": "mailto:a@b.org{}"}}},
        "#/participants/p/calendarAddress",
    ),
    ({"replyTo": {"imip": "mailto:a@b.org{}"}}, "#/replyTo/imip"),
    ({"uid": "u{}"}, "#/uid"),
    ({"relatedTo": {"u{}": {"@type": "Relation"}}}, "#/relatedTo/u"),
    ({"keywords": {"a{}": True}}, "#/keywords/a"),
    ({"categories": {"https://x.org/{}": True}}, "#/categories/https:~1~1x.org~1"),
    ({"color": "red{}"}, "#/color"),
    ({"locale": "de{}"}, "#/locale"),
    ({"timeZone": "Europe/Berlin{}"}, "#/timeZone"),
    ({"example.com:prop{}": 1}, "#/example.com:prop"),
]


def _fill(value, brk: str):
    if isinstance(value, str):
        return value.replace("{}", brk)
    if isinstance(value, dict):
        return {_fill(k, brk): _fill(v, brk) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, brk) for v in value]
    return value


def _refused_at(resp, pointer: str) -> None:
    assert resp.status_code == 422, (resp.status_code, resp.text)
    assert resp.headers["content-type"].startswith("application/problem+json")
    pointers = [e["pointer"] for e in resp.json()["errors"]]
    assert any(p.startswith(pointer) for p in pointers), (pointer, pointers)


@pytest.mark.parametrize("brk", BREAKS)
@pytest.mark.parametrize(("extra", "pointer"), JSON_CASES)
def test_calgate_json_refuses_a_break_outside_text(client, extra, pointer, brk):
    body = _fill(extra, brk)
    _refused_at(client.post(EVENTS, json={**JSON_BASE, **body}), pointer)
    made = client.post(EVENTS, json=JSON_BASE)
    _refused_at(client.patch(f"{EVENTS}/{made.json()['id']}", json=body), pointer)


@pytest.mark.parametrize("brk", BREAKS)
@pytest.mark.parametrize(("extra", "pointer"), JS_CASES)
def test_jscalendar_refuses_a_break_outside_text(client, extra, pointer, brk):
    body = _fill(extra, brk)
    headers = {"Content-Type": JSCAL}
    _refused_at(client.post(EVENTS, json={**JS_BASE, **body}, headers=headers), pointer)
    made = client.post(EVENTS, json=JS_BASE, headers=headers)
    event = made.headers["location"]
    if "uid" not in body:  # the uid of a stored event cannot be patched at all
        _refused_at(client.patch(event, json=body, headers=headers), pointer)
