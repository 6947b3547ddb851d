"""Probing what a server can do (``CalDAVConnection.probe_capabilities``): the answers of each
real server, what the probe costs, and that a missing feature is False, never an error."""

from __future__ import annotations

from typing import Any

import pytest

from calgate.errors import UpstreamRejectedCredentials, UpstreamTimeout
from calgate.upstream import CalDAVConnection, Credentials, quirks_for
from tests.server_behaviour import behaviour_of
from tests.servers import RunningServer
from tests.upstream.support import Reply, Seen, dav_response, fake_server, multistatus

# What each server really does (measured against Radicale 3.9, Xandikos 0.4, Cyrus 3.6,
# SabreDAV 1.8): every one answers an expand query, free-busy-query and has a ctag; Radicale
# and SabreDAV 1.8 have no scheduling, SabreDAV 1.8 no sync-collection.
EXPECTED: dict[str, dict[str, Any]] = {
    "radicale": {
        "syncCollection": True,
        "ctag": True,
        "serverSideExpand": True,
        "scheduling": False,
        "mkcalendar": True,
        "freeBusyQuery": True,
        "server": "radicale",
        "emulated": ["recurrenceExpansion"],
    },
    "xandikos": {
        "syncCollection": True,
        "ctag": True,
        "serverSideExpand": True,
        "scheduling": True,
        "mkcalendar": True,
        "freeBusyQuery": True,
        "server": "xandikos",
        "emulated": ["recurrenceExpansion"],
    },
    "cyrus": {
        "syncCollection": True,
        "ctag": True,
        "serverSideExpand": True,
        "scheduling": True,
        "mkcalendar": True,
        "freeBusyQuery": True,
        "server": "cyrus",
        "emulated": ["recurrenceExpansion"],
    },
    "sabredav": {
        "syncCollection": False,
        "ctag": True,
        "serverSideExpand": True,
        "scheduling": False,
        "mkcalendar": True,  # in the Allow of a free name under the home only
        "freeBusyQuery": True,
        "server": "sabredav",
        "emulated": ["recurrenceExpansion", "syncCollection"],
    },
}


def test_probe_capabilities_match_each_server(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    caps = conn.probe_capabilities(caldav_server.calendar_url)
    assert caps.to_json() == EXPECTED[caldav_server.name]


def test_probe_capabilities_agree_with_what_each_server_does(
    caldav_server: RunningServer, conn: CalDAVConnection, calendar: str
) -> None:
    caps = conn.probe_capabilities(calendar)
    assert caps.server == caldav_server.name
    assert caps.quirks == quirks_for(caldav_server.name)
    known = behaviour_of(caldav_server.name)
    assert caps.sync_collection is known["sync_collection"]
    assert caps.scheduling is known["scheduling"]
    assert ("syncCollection" in caps.emulated) is not known["sync_collection"]
    assert "recurrenceExpansion" in caps.emulated


def test_probe_capabilities_is_cheap_and_changes_nothing(
    caldav_server: RunningServer,
    conn: CalDAVConnection,
    calendar: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = caldav_server.home_url
    before = {r.href for r in conn.propfind(home, [], depth=1)}
    ctag = conn.ctag(calendar)
    sent: list[str] = []
    send = conn.send

    def spy(method: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(method)
        return send(method, *args, **kwargs)

    monkeypatch.setattr(conn, "send", spy)
    conn.probe_capabilities(calendar)
    assert len(sent) <= 8, sent
    assert "PUT" not in sent and "MKCALENDAR" not in sent and "DELETE" not in sent
    monkeypatch.undo()
    assert {r.href for r in conn.propfind(home, [], depth=1)} == before
    assert conn.ctag(calendar) == ctag


def fake_conn(url: str, timeout: float = 5) -> CalDAVConnection:
    return CalDAVConnection(url, Credentials("alice", "pw", "basic"), timeout=timeout)


CALENDAR_PROPS = multistatus(dav_response("/cal/", "<d:displayname>Cal</d:displayname>"))


def test_probe_missing_features_are_false_not_errors() -> None:
    """A bare WebDAV server: OPTIONS without DAV or Allow, a calendar that answers PROPFIND
    without a ctag, and every REPORT refused (501, 400, 403)."""
    reports = iter([Reply(501), Reply(400), Reply(403)])

    def respond(request: Seen) -> Reply:
        if request.method == "PROPFIND":
            return CALENDAR_PROPS
        if request.method == "REPORT":
            return next(reports, Reply(405))
        return Reply(200)

    with fake_server(respond) as fake, fake_conn(fake.url) as conn:
        caps = conn.probe_capabilities(fake.url + "cal/")
    assert caps.to_json() == {
        "syncCollection": False,
        "ctag": False,
        "serverSideExpand": False,
        "scheduling": False,
        "mkcalendar": False,
        "freeBusyQuery": False,
        "server": None,
        "emulated": ["recurrenceExpansion", "syncCollection"],
    }


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(200, delay=1.0), UpstreamTimeout),
        (Reply(401), UpstreamRejectedCredentials),
    ],
)
def test_probe_raises_failures_that_are_not_about_a_feature(
    reply: Reply, error: type[Exception]
) -> None:
    def respond(request: Seen) -> Reply:
        if request.method == "PROPFIND":
            return CALENDAR_PROPS
        return Reply(200) if request.method == "OPTIONS" else reply

    with (
        fake_server(respond) as fake,
        fake_conn(fake.url, timeout=0.3) as conn,
        pytest.raises(error),
    ):
        conn.probe_capabilities(fake.url + "cal/")
