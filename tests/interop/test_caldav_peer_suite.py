"""python-caldav's own server tests pass on ``/dav/`` wherever they pass on a plain Radicale
(issue 16, point 6): ``tests/interop/peer_suite.py`` runs ``tests/test_caldav.py`` and
``tests/test_async_integration.py`` from the ``caldav`` sdist against both, with the library's
``radicale`` profile, and compares the two junit files test by test.

A difference is fixed or listed in ``KNOWN`` with its reason; the list must stay true: a listed
test that starts passing on ``/dav/`` fails this test until it is taken off. The pass counts of
both runs are printed at the end of the pytest run (with the oracles' agreement counts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.interop.peer_suite import (
    RUN_TIMEOUT,
    SERVER_NAME,
    SUITE_FILES,
    SuiteUnavailable,
    compare,
    fetch_suite,
)
from tests.oracles.support import SUMMARY
from tests.servers import require_or_skip

pytestmark = [pytest.mark.interop, pytest.mark.timeout(2 * RUN_TIMEOUT + 300)]

# test id -> why it passes on plain Radicale but not on /dav/
_PROXY_CASE = (
    "the test's proxy plugin marks a response by replacing the bytes '\\r\\nContent-Type: ' "
    "and so finds none: uvicorn writes header names in lower case ('content-type: '), which "
    "HTTP allows (RFC 9110, 5.1: field names are case-insensitive) and every client reads"
)
KNOWN: dict[str, str] = {
    "test_caldav.TestProxy::testWithProxyParams": _PROXY_CASE,
    "test_caldav.TestProxy::testWithProxyParamsWithoutScheme": _PROXY_CASE,
}


def test_caldav_peer_suite_passes_on_dav_wherever_it_passes_on_radicale(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    try:
        suite = fetch_suite()
    except SuiteUnavailable as exc:  # no package registry: DEVELOPERS.md says how by hand
        require_or_skip(str(exc))
    comparison = compare(suite, tmp_path, tolerated=len(KNOWN))
    SUMMARY["caldav peer suite"] = comparison.summary()
    record_property("caldav-peer-suite", comparison.summary())
    print(comparison.report())

    # the harness itself: both files ran their server tests on plain Radicale
    for name in SUITE_FILES:
        module = Path(name).stem
        ran = [
            test
            for test, outcome in comparison.baseline.outcomes.items()
            if test.startswith(module) and SERVER_NAME in test and outcome.status == "passed"
        ]
        assert len(ran) >= 30, f"{name} passed {len(ran)} server tests on plain Radicale"

    regressions = comparison.regressions()
    unexplained = {t: o for t, o in regressions.items() if t not in KNOWN}
    now_passing = sorted(t for t in KNOWN if t not in regressions)
    assert not unexplained, "pass on plain Radicale but not on /dav/:\n" + "\n".join(
        f"- {t}: {o.status}: {o.message}" for t, o in unexplained.items()
    )
    assert not comparison.door.stopped, f"stopped early on /dav/: {comparison.door.line()}"
    assert not now_passing, f"listed in KNOWN but no longer different: {now_passing}"
