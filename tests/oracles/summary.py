"""Hooks that show the oracle agreement counts at the end of every run, -q included (CI reads
those); tests/conftest.py installs them, as the process that prints (pytest-xdist's controller)
loads only that conftest.

The counts are made in whichever process runs the summary test (a pytest-xdist worker, say):
each travels to the process that prints with its test's report, as a user property."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.oracles.support import SUMMARY

_KEY = "oracle-summary"


_sent: dict[str, str] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    for suite, line in SUMMARY.items():
        if _sent.get(suite) != line:
            report.user_properties.append((_KEY, (suite, line)))
            _sent[suite] = line


def pytest_runtest_logreport(report: Any) -> None:
    for key, value in report.user_properties:
        if key == _KEY:
            suite, line = value
            SUMMARY[suite] = line


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("oracles and peer suites")
        for suite in sorted(SUMMARY):
            terminalreporter.write_line(SUMMARY[suite])
