"""The capability report: what each server supports and what calgate emulates, probed when the
source is connected and shown on the source and its calendars."""

from __future__ import annotations

from tests.server_behaviour import behaviour_of

KEYS = {
    "syncCollection",
    "ctag",
    "serverSideExpand",
    "scheduling",
    "mkcalendar",
    "freeBusyQuery",
    "server",
    "emulated",
}


def test_capabilities_are_reported_per_calendar(client, calendar_id):
    caps = client.get(f"/api/v1/calendars/{calendar_id}").json()["capabilities"]
    assert set(caps) >= KEYS, caps
    assert "recurrenceExpansion" in caps["emulated"]
    server = caps["server"]
    if server is not None and behaviour_of(server)["sync_collection"] is False:
        assert caps["syncCollection"] is False and "syncCollection" in caps["emulated"]
    else:
        assert caps["syncCollection"] is True and "syncCollection" not in caps["emulated"]


def test_source_shows_the_same_report(client, calendar_id):
    cal = client.get(f"/api/v1/calendars/{calendar_id}").json()
    src = client.get(f"/api/v1/sources/{cal['source']}").json()
    assert src["capabilities"] == cal["capabilities"]
