"""Show the oracle agreement counts at the end of every run, -q included (CI reads those)."""

from __future__ import annotations

from typing import Any

from .support import SUMMARY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY:
        terminalreporter.section("oracles")
        for line in SUMMARY.values():
            terminalreporter.write_line(line)
