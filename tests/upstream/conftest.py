"""Fixtures for the upstream contract tests. The servers (``caldav_server`` and friends) come from
``tests/servers.py`` through ``tests/conftest.py``; the interop servers that ``caldav_server`` also
runs on (Cyrus, SabreDAV: ``-m interop``) are imported here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from calgate.upstream import CalDAVConnection
from tests.servers import (  # noqa: F401  (fixtures)
    RunningServer,
    cyrus_server,
    sabredav_server,
)
from tests.upstream.support import connect


@pytest.fixture
def conn(caldav_server: RunningServer) -> Iterator[CalDAVConnection]:
    with connect(caldav_server) as connection:
        yield connection


@pytest.fixture
def calendar(caldav_server: RunningServer, conn: CalDAVConnection) -> str:
    """A new, empty calendar on the server under test."""
    slug = f"t-{uuid.uuid4().hex[:12]}"
    return conn.make_calendar(
        home_url=caldav_server.home_url, slug=slug, name="Test", time_zone=None
    )


# Contract tests a server cannot pass, by (test function, server id): marked xfail(strict), so a
# server that starts to pass shows up. Keep in step with ``tests.server_behaviour``.
SERVER_GAPS = {
    ("test_rfc4791_5_3_2_1_second_object_with_same_uid_conflicts", "sabredav"): (
        "SabreDAV 1.8 does not enforce RFC 4791 5.3.2.1 no-uid-conflict: it stores a second "
        "object with the same UID (server_behaviour: uid_conflict_status None)"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        server = callspec.params.get("caldav_server") if callspec is not None else None
        name = getattr(item, "originalname", item.name)
        reason = SERVER_GAPS.get((name, server)) if server is not None else None
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
