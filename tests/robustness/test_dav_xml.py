"""Hostile XML bodies on ``/dav/`` (the JSON nesting probe's twin for WebDAV): deeply nested
elements made Radicale recurse into a 500, and a DOCTYPE's entities were expanded. Both are a
400 with the reason now, before Radicale parses anything; the store keeps answering."""

from __future__ import annotations

import base64

import pytest

from calgate.embedded.guard import MAX_XML_DEPTH, xml_problem
from tests.conftest import ADMIN_TOKEN

CAL = "/dav/calgate/default/"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"me:{ADMIN_TOKEN}".encode()).decode()}


def nested(levels: int) -> bytes:
    return (
        b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
        + b"<D:a>" * levels
        + b"</D:a>" * levels
        + b"</D:propfind>"
    )


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i else "&lol;") * 10}">'.encode() for i in range(10)
    )
    + b']><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol9;</D:displayname></D:prop>'
    + b"</D:propfind>"
)

QUERY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="20270101T000000Z" end="20280101T000000Z"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""


def dav(client, method: str, body: bytes, *, auth: bool = True):
    headers = {"Content-Type": "application/xml", "Depth": "1", **(AUTH if auth else {})}
    return client.request(method, CAL, content=body, headers=headers)


@pytest.mark.parametrize("method", ["PROPFIND", "REPORT", "PROPPATCH"])
@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_deeply_nested_xml_is_a_400_and_the_store_goes_on(client, method, levels):
    resp = dav(client, method, nested(levels))
    assert resp.status_code == 400, resp.text
    assert f"deeper than {MAX_XML_DEPTH}" in resp.text
    assert dav(client, "PROPFIND", b"").status_code == 207


def test_entity_expansion_is_refused(client):
    resp = dav(client, "PROPFIND", LAUGHS)
    assert resp.status_code == 400 and "DOCTYPE" in resp.text


def test_an_unknown_sender_gets_the_401_first(client):
    assert dav(client, "PROPFIND", nested(100_000), auth=False).status_code == 401


def test_real_request_bodies_pass(client):
    assert dav(client, "REPORT", QUERY).status_code == 207
    assert xml_problem(QUERY) is None
    assert xml_problem(nested(MAX_XML_DEPTH - 1)) is None
    assert xml_problem(nested(MAX_XML_DEPTH)) is not None  # the propfind element counts too
