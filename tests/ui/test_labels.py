"""Every form control on every page has a label a screen reader announces, and every page can be
walked with the Tab key to its controls (issue 19: keyboard-usable forms with labels)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.robustness.process import CalgateProcess
from tests.ui.test_sign_in import sign_in

PAGES = [
    "/ui/calendars",
    "/ui/calendars/default",
    "/ui/tokens",
    "/ui/sources",
    "/ui/webhooks",
    "/ui/feeds",
    "/ui/week",
    "/ui/find",
]

# the controls a page shows (hidden inputs carry the CSRF token, not something to fill in)
_UNLABELLED = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')]
  .filter(el => el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby')
                && !(el.tagName === 'BUTTON' && el.textContent.trim())
                && !(el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type) && el.value))
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("path", PAGES)
def test_every_control_has_a_label(page: Page, ui_server: CalgateProcess, path: str) -> None:
    sign_in(page, ui_server.base, path=path)
    page.wait_for_load_state("networkidle")
    assert path in page.url
    assert page.evaluate(_UNLABELLED) == []
    # Tab reaches a form control (the page's first link is "Skip to content")
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.tagName"))
    assert reached & {"INPUT", "SELECT", "TEXTAREA", "BUTTON"}, reached
