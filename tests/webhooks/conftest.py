"""Fixtures of the webhook tests: a real receiver on loopback, and the metadata database on
each backend (as settings for ``make_client``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _reset_postgres
from tests.webhooks.test_delivery import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request) -> dict[str, object]:
    """Settings for SQLite (the default) or a fresh database on the local PostgreSQL."""
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    return {"database_url": url}
