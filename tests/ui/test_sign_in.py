"""Signing in and out in a real browser, by keyboard alone, at desktop and phone width."""

from __future__ import annotations

import httpx2 as httpx
from playwright.sync_api import Page, expect

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.ui.browser import shot
from tests.ui.conftest import Pages


def sign_in(page: Page, base: str, token: str = ADMIN_TOKEN, path: str = "/ui/") -> None:
    """Through the sign-in form, as a person does: the page asked for leads there first."""
    page.goto(f"{base}{path}")
    expect(page).to_have_url(f"{base}/ui/sign-in?next={path.replace('/', '%2F')}")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_by_keyboard_and_out_again(page: Page, ui_server: CalgateProcess) -> None:
    base = ui_server.base
    page.goto(f"{base}/ui/calendars")
    expect(page).to_have_url(f"{base}/ui/sign-in?next=%2Fui%2Fcalendars")
    page.keyboard.type(ADMIN_TOKEN)  # the token field has the focus
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/ui/calendars")
    expect(page.get_by_role("heading", name="Calendars")).to_be_visible()
    expect(page.get_by_role("cell", name="default", exact=True)).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "calgate_ui")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # no script can read the session
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    page.goto(f"{base}/ui/calendars")
    expect(page).to_have_url(f"{base}/ui/sign-in?next=%2Fui%2Fcalendars")


def test_a_wrong_token_is_told(page: Page, pages: Pages, ui_server: CalgateProcess) -> None:
    page.goto(f"{ui_server.base}/ui/sign-in")
    page.get_by_label("API token").fill("cg_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")
    assert pages.watch(page).accept_status(401) == 1  # the page is a 401, as it should be


def test_the_calendars_page_at_phone_width(phone_page: Page, ui_server: CalgateProcess) -> None:
    """Long names and ids wrap: a calendar named with one long word does not widen the page
    (other tests' calendars on the shared server once made it 417 px wide)."""
    long = {"name": "Besprechungsraumverwaltungsausschuss" * 2, "id": "room-" + "x" * 50}
    made = httpx.post(f"{ui_server.base}/api/v1/calendars", json=long, headers=ui_server.headers)
    assert made.status_code in (201, 409), made.text  # 409: made by an earlier run of this test
    sign_in(phone_page, ui_server.base, path="/ui/calendars")
    expect(phone_page.get_by_role("heading", name="Calendars")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at a 390 px screen"
    shot(phone_page, "calendars-phone")
