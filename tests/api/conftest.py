"""Fixtures shared by the API tests."""

from tests.api.test_events_contract import raw  # noqa: F401  (fixture)
from tests.api.test_ics_subscription import feed_server  # noqa: F401  (fixture)
