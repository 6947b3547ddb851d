"""Fixtures of the UI's TestClient tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def browser(make_client):
    """A client without the test suite's bearer header: a browser has only its cookies."""
    client = make_client()
    del client.headers["Authorization"]
    return client
