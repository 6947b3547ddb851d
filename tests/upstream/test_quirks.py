"""Server features as data, and telling the servers apart by their answers."""

from __future__ import annotations

from calgate.upstream import CalDAVConnection, ServerFeatures, detect_server, quirks_for
from calgate.upstream.quirks import DEFAULT_QUIRKS, QUIRKS, without_sync_collection
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


def test_every_product_has_its_quirks_and_unknown_ones_are_safe() -> None:
    assert set(QUIRKS) == {"radicale", "xandikos", "cyrus", "sabredav"}
    assert quirks_for(None) == DEFAULT_QUIRKS
    assert quirks_for("nginx") == DEFAULT_QUIRKS
    assert DEFAULT_QUIRKS.rewrites_on_put is True  # an unknown server's object is read back
    assert quirks_for("cyrus").rewrites_on_put is True
    assert quirks_for("radicale").rewrites_on_put is False
    assert ServerFeatures(server="cyrus").quirks == quirks_for("cyrus")


REPORT = {
    "syncCollection": False,
    "ctag": True,
    "serverSideExpand": True,
    "scheduling": False,
    "mkcalendar": True,
    "freeBusyQuery": True,
    "server": "sabredav",
    "emulated": ["recurrenceExpansion", "syncCollection"],
}


def test_the_stored_report_reads_back_as_it_was_written() -> None:
    features = ServerFeatures.from_json(REPORT)
    assert features.sync_collection is False and features.free_busy_query is True
    assert features.server == "sabredav"
    assert features.emulated == ("recurrenceExpansion", "syncCollection")
    assert features.to_json() == REPORT


def test_a_source_not_probed_yet_tries_sync_collection() -> None:
    assert ServerFeatures.from_json({}).sync_collection is True
    assert ServerFeatures.from_json({"syncCollection": False}).sync_collection is False


def test_a_refused_sync_collection_changes_only_that_answer() -> None:
    stored = {**REPORT, "syncCollection": True, "emulated": ["recurrenceExpansion"]}
    assert without_sync_collection(stored) == {**stored, "syncCollection": False}
    assert without_sync_collection({}) == {"syncCollection": False}
