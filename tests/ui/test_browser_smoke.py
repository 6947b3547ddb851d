"""The browser harness itself: a real server, a real Chromium, and the watch that fails a test
whose page reaches another host or logs an error."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.robustness.process import CalgateProcess
from tests.ui.browser import shot
from tests.ui.conftest import Pages


def test_browser_reaches_the_server(page: Page, pages: Pages, ui_server: CalgateProcess) -> None:
    response = page.goto(f"{ui_server.base}/health")
    assert response is not None and response.ok
    assert '"status":"ok"' in page.content()
    assert shot(page, "smoke-health").stat().st_size > 0
    assert pages.watch(page).problems() == []


def test_api_docs_load_from_calgate_alone(
    page: Page, pages: Pages, ui_server: CalgateProcess
) -> None:
    """/api/docs is Swagger UI served by calgate (FastAPI's own page loads it from
    cdn.jsdelivr.net, which a machine without internet cannot reach): it renders the
    operations with no request to another host (the watch fails the test on any)."""
    page.goto(f"{ui_server.base}/api/docs", wait_until="networkidle")
    assert "calgate API" in page.title()
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/calendars" in p for p in paths), paths[:5]
    assert pages.watch(page).foreign_requests == []


def test_guard_catches_a_fetch_to_another_host(
    phone_page: Page, pages: Pages, ui_server: CalgateProcess
) -> None:
    phone_page.goto(f"{ui_server.base}/health")
    outcome = phone_page.evaluate(
        "fetch('http://203.0.113.1/').then(() => 'answered', e => 'refused: ' + e.name)"
    )
    assert outcome == "refused: TypeError"
    watch = pages.watch(phone_page)
    assert watch.foreign_requests == ["http://203.0.113.1/"]
    assert phone_page.viewport_size == {"width": 390, "height": 844}
    watch.clear()
