"""The sources page in a real browser (issue 19): an admin signs in, sees the embedded store
with its calendar and capabilities, presses Sync now, and the page says it synced."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.ui.browser import shot
from tests.ui.conftest import Pages


def test_an_admin_syncs_the_embedded_store_now(
    page: Page, pages: Pages, ui_server: CalgateProcess
) -> None:
    page.goto(f"{ui_server.base}/ui/sources")
    page.get_by_label("API token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/sources")
    embedded = page.locator("section.source", has_text="embedded")
    assert embedded.count() == 1
    assert "default" in embedded.locator("table").inner_text()
    embedded.get_by_role("button", name="Sync now").click()
    page.wait_for_url("**/ui/sources")
    status = page.get_by_role("status")
    assert "synced" in status.inner_text()
    synced = page.locator("section.source", has_text="embedded").locator("tbody td").nth(2)
    assert synced.inner_text().endswith("UTC")  # the calendar's last sync, now known
    shot(page, "sources-page")
    assert pages.watch(page).problems() == []
