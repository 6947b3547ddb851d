"""The robustness probes (issue 14): hostile input, stalled and dying servers, crashes and
concurrent starts. Every probe carries the `robustness` marker and a timeout, so a hang fails
the probe instead of stalling CI (`make test-robustness` runs them alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent
PROBE_TIMEOUT = 180  # seconds; the slowest probe (kill -9 and restart) needs well under half


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.robustness)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(PROBE_TIMEOUT))
