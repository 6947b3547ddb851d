"""Fixtures for the browser tests: a real ``calgate serve`` and headless Chromium driven by
Playwright. Playwright cannot download its browsers here; Debian's chromium is used
(scripts/install-browser.sh; CALGATE_TEST_CHROMIUM names another). Without it the tests skip,
or fail on CI.

Every page is watched (tests/ui/browser.py): a request to another host, a console error or a
CSP refusal fails the test at teardown."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from tests.robustness.process import CalgateProcess
from tests.servers import require_or_skip
from tests.ui.browser import PageWatch

CHROMIUM = os.environ.get("CALGATE_TEST_CHROMIUM", "/usr/bin/chromium")
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # a hung page or server fails its test instead of stalling CI
    for item in items:
        if _HERE in Path(str(item.fspath)).parents and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(60))


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalgateProcess]:
    """One ``calgate serve`` on a free port with a fresh data folder (admin token:
    tests.robustness.process.ADMIN_TOKEN, headers in ``.headers``)."""
    server = CalgateProcess(tmp_path_factory.mktemp("ui") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        require_or_skip(
            f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh "
            "(or set CALGATE_TEST_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


class Pages:
    """Opens watched pages, each in a fresh context (no cookies shared between tests), allowed
    to talk to one origin (``http://host:port``); ``watch(page)`` is a page's record."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._opened: list[tuple[BrowserContext, Page, PageWatch]] = []

    def open(
        self, allowed: str, viewport: ViewportSize = DESKTOP, *, javascript: bool = True
    ) -> Page:
        """A watched page; ``javascript=False``: a browser with scripts off (the forms must
        still work)."""
        context = self._browser.new_context(viewport=viewport, java_script_enabled=javascript)
        watch = PageWatch(allowed)
        watch.attach(context)
        page = context.new_page()
        watch.watch(page)
        self._opened.append((context, page, watch))
        return page

    def watch(self, page: Page) -> PageWatch:
        return next(watch for _, opened, watch in self._opened if opened is page)

    def close(self) -> list[str]:
        """Closes every context; what the pages did wrong."""
        for context, _, _ in self._opened:
            context.close()
        return [problem for _, _, watch in self._opened for problem in watch.problems()]


@pytest.fixture
def pages(browser: Browser) -> Iterator[Pages]:
    opened = Pages(browser)
    yield opened
    problems = opened.close()
    if problems:
        pytest.fail("the page misbehaved:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(pages: Pages, ui_server: CalgateProcess) -> Page:
    """A desktop page (1280x800) allowed to talk to ``ui_server`` only."""
    return pages.open(ui_server.base, DESKTOP)


@pytest.fixture
def phone_page(pages: Pages, ui_server: CalgateProcess) -> Page:
    """A phone-sized page (390x844) allowed to talk to ``ui_server`` only."""
    return pages.open(ui_server.base, PHONE)
