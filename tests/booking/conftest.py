"""Fixtures shared by the booking tests."""

from tests.api.test_events_contract import raw  # noqa: F401  (fixture)
