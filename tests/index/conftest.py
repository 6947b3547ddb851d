"""Fixtures shared with the events contract suite."""

from tests.api.test_events_contract import raw  # noqa: F401  (fixture)
