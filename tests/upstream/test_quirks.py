"""Server features as data, and telling the servers apart by their answers."""

from __future__ import annotations

from calgate.upstream import CalDAVConnection, detect_server, features_for
from calgate.upstream.quirks import DEFAULT_FEATURES, SERVER_FEATURES
from tests.servers import RunningServer


def test_detect_server_from_an_options_answer(
    caldav_server: RunningServer, conn: CalDAVConnection
) -> None:
    response = conn.send("OPTIONS", caldav_server.calendar_url)
    assert detect_server(dict(response.headers)) == caldav_server.name


def test_detect_server_by_header() -> None:
    assert detect_server({"X-Sabre-Version": "1.8.12"}) == "sabredav"
    assert detect_server({"server": "Cyrus-HTTP/3.6.1 Cyrus-SASL/2.1.28"}) == "cyrus"
    assert detect_server({"Server": "nginx"}) is None
    assert detect_server({}) is None


def test_every_product_lists_every_feature() -> None:
    for features in SERVER_FEATURES.values():
        assert features.keys() == DEFAULT_FEATURES.keys()
    assert features_for(None) == DEFAULT_FEATURES
    assert features_for("sabredav")["sync_collection"] is False
    assert features_for("cyrus")["requires_dtend"] is True
