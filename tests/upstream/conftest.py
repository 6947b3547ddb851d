"""Fixtures for the upstream contract tests. The servers (``caldav_server`` and friends) come from
``tests/servers.py`` through ``tests/conftest.py``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from calgate.upstream import CalDAVConnection
from tests.servers import RunningServer
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
