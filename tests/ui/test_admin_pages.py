"""The admin pages in a real browser (issue 19): sign in, create a calendar, open its page,
set overlap: reject and see the API say so, preview a notification template as one types
(htmx, CSP default-src 'self'), create a token (secret shown once, gone after reload), revoke
it and see the API refuse it."""

from __future__ import annotations

import secrets

import httpx2 as httpx
from playwright.sync_api import Page, expect

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.ui.browser import shot


def sign_in(page: Page, base: str, token: str = ADMIN_TOKEN) -> None:
    page.goto(f"{base}/ui/sign-in?next=/ui/calendars")
    page.get_by_label("API token", exact=True).fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/ui/calendars")


def api(server: CalgateProcess, path: str, token: str = ADMIN_TOKEN) -> httpx.Response:
    return httpx.get(f"{server.base}{path}", headers={"Authorization": f"Bearer {token}"})


def new_calendar(page: Page, name: str) -> str:
    cal_id = f"room-{secrets.token_hex(3)}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Id (optional: made from the name)").fill(cal_id)
    page.get_by_label("Time zone", exact=True).fill("Europe/Berlin")
    page.get_by_role("button", name="Create calendar").click()
    return cal_id


def test_a_calendar_s_page_sets_overlap_reject(page: Page, ui_server: CalgateProcess) -> None:
    sign_in(page, ui_server.base)
    cal_id = new_calendar(page, "Board room")
    expect(page).to_have_url(f"{ui_server.base}/ui/calendars/{cal_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Board room")
    page.get_by_label("Overlapping bookings", exact=True).select_option("reject")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status")).to_have_text("Booking policy saved.")
    assert api(ui_server, f"/api/v1/calendars/{cal_id}").json()["overlap"] == "reject"
    # the preview follows the typing (htmx), rendered by the mails' sandbox; nothing saved
    page.get_by_label("Body", exact=True).fill(
        "Dear {{ organizer.name }}, {{ name }} in {{ calendar_name }}"
    )
    expect(page.locator("#preview .mail-body")).to_have_text(
        "Dear Organizer, Team meeting in Board room"
    )
    page.get_by_label("Body", exact=True).fill("{{ ''.__class__ }}")
    expect(page.locator("#preview [role=alert]")).to_contain_text("is unsafe")
    assert api(ui_server, f"/api/v1/calendars/{cal_id}").json()["notificationTemplate"] is None
    page.get_by_label("Body", exact=True).fill("{{ name }} was removed")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("status")).to_have_text("Notification template saved.")
    found = api(ui_server, f"/api/v1/calendars/{cal_id}").json()
    assert found["notificationTemplate"] == "{{ name }} was removed"
    page.get_by_role("button", name="Preview").click()  # without htmx: the page again
    expect(page.locator("#preview .mail-body")).to_have_text("Team meeting was removed")
    assert shot(page, "calendar-page").stat().st_size > 0


def test_the_admin_pages_fit_a_phone(phone_page: Page, ui_server: CalgateProcess) -> None:
    sign_in(phone_page, ui_server.base)
    for path, button in [("calendars/default", "Save policy"), ("tokens", "Create token")]:
        phone_page.goto(f"{ui_server.base}/ui/{path}")
        expect(phone_page.get_by_role("button", name=button)).to_be_visible()
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"/ui/{path} is {width} px wide on a 390 px screen"
    shot(phone_page, "tokens-page-phone")


def test_a_token_is_shown_once_and_revoked(page: Page, ui_server: CalgateProcess) -> None:
    sign_in(page, ui_server.base)
    page.get_by_role("link", name="Tokens").click()
    name = f"kiosk {secrets.token_hex(2)}"
    page.get_by_label("Name (what it is for)").fill(name)
    page.get_by_label("Role", exact=True).select_option("write")
    page.get_by_label("default", exact=True).check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy it now: it is not shown again")).to_be_visible()
    secret = page.get_by_label("Secret", exact=True).input_value()
    assert secret.startswith("cg_")
    assert api(ui_server, "/api/v1/calendars/default", secret).status_code == 200
    shot(page, "tokens-page-new-secret")
    page.reload()
    expect(page.get_by_text("Copy it now")).to_have_count(0)
    assert secret not in page.content()
    row = page.get_by_role("row").filter(has_text=name)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    expect(page.get_by_role("row").filter(has_text=name)).to_have_count(0)
    refused = api(ui_server, "/api/v1/calendars/default", secret)
    assert refused.status_code == 401


def test_a_preview_after_the_session_ended_leads_the_page_to_sign_in(
    page: Page, ui_server: CalgateProcess
) -> None:
    """The session ends while someone types a template (here its cookie is dropped): the
    preview's htmx request gets HX-Redirect, so the whole page goes to sign-in, and back to
    the calendar after it, instead of the sign-in page landing inside the preview box."""
    sign_in(page, ui_server.base)
    page.goto(f"{ui_server.base}/ui/calendars/default")
    page.context.clear_cookies()
    page.get_by_label("Body", exact=True).fill("{{ name }}")
    expect(page).to_have_url(f"{ui_server.base}/ui/sign-in?next=%2Fui%2Fcalendars%2Fdefault")
    page.get_by_label("API token", exact=True).fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{ui_server.base}/ui/calendars/default")
