"""Find a slot in a real browser (issue 19): with JavaScript, static/find.js asks
POST /api/v1/availability itself and books with POST .../events (the session cookie and the
CSRF token; the form never reaches /ui/find); without JavaScript the server's form does the same
through the same services. Rooms in Europe/Berlin, so the slots read +01:00 in February."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx2 as httpx
import pytest
from playwright.sync_api import Page, Request, expect

from tests.robustness.process import CalgateProcess
from tests.ui.browser import shot
from tests.ui.conftest import Pages
from tests.ui.test_sign_in import sign_in
from tests.ui.test_week_view import fresh_room

ROOMS = ("find-1", "find-2")
MONDAY = "2027-02-08"
TUESDAY = "2027-02-09"
BUSY = {"title": "Busy", "start": f"{MONDAY}T09:00:00", "end": f"{MONDAY}T10:30:00"}


def events(server: CalgateProcess, cal: str) -> list[dict]:
    got = httpx.get(
        f"{server.base}/api/v1/calendars/{cal}/events",
        headers=server.headers,
        params={"start": MONDAY, "end": TUESDAY},
    )
    assert got.status_code == 200, got.text
    return list(got.json()["items"])


@pytest.fixture
def rooms(ui_server: CalgateProcess) -> Iterator[tuple[str, str]]:
    """Two empty rooms (find-1 refuses overlaps), find-1 busy on Monday 09:00-10:30."""
    for i, cal in enumerate(ROOMS, 1):
        fresh_room(ui_server, cal, f"Find room {i}")
    patched = httpx.patch(
        f"{ui_server.base}/api/v1/calendars/{ROOMS[0]}",
        headers=ui_server.headers,
        json={"overlap": "reject"},
    )
    assert patched.status_code == 200, patched.text
    made = httpx.post(
        f"{ui_server.base}/api/v1/calendars/{ROOMS[0]}/events",
        headers=ui_server.headers,
        json=BUSY,
    )
    assert made.status_code == 201, made.text
    yield ROOMS


def fill(page: Page, cals: tuple[str, ...], need: str, start: str = MONDAY) -> None:
    page.goto(page.url.split("/ui/")[0] + "/ui/find")
    for cal in cals:
        page.get_by_role("checkbox", name=f"Find room {cal[-1]}").check()
    page.get_by_label("Free", exact=True).select_option(need)
    page.get_by_label("Duration (minutes)").fill("30")
    page.get_by_label("From (date)").fill(start)
    page.get_by_label("To (date, exclusive)").fill(TUESDAY)
    page.get_by_label("Daily from").fill("09:00")
    page.get_by_label("Daily to").fill("12:00")
    page.get_by_label("Title for a booking").fill("Found it")


def starts(page: Page) -> list[str]:
    return page.locator("table.slots tbody tr td:first-child").all_inner_texts()


def test_with_javascript_the_form_asks_the_api(
    page: Page, pages: Pages, ui_server: CalgateProcess, rooms: tuple[str, str]
) -> None:
    page.set_default_timeout(10_000)
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request) if request.method == "POST" else None)
    sign_in(page, ui_server.base, path="/ui/find")
    expect(page.get_by_role("heading", name="Find a slot")).to_be_visible()

    # any one of the two rooms: 09:00 is free in find-2 only
    fill(page, rooms, "any")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/availability")) as asked:
        page.get_by_role("button", name="Find free slots").click()
    body = asked.value.post_data_json
    assert body["groups"] == [{"calendars": list(rooms), "required": 1}]
    assert body["duration"] == "PT30M" and body["timeZone"] == "Europe/Berlin"
    assert body["workingHours"]["from"] == "09:00" and body["workingHours"]["to"] == "12:00"
    assert asked.value.headers["x-csrf-token"]
    first = page.locator("table.slots tbody tr").first
    expect(first).to_contain_text(f"{MONDAY}T09:00:00+01:00")
    expect(first.get_by_role("button")).to_have_text(["Book find-2"])  # find-1 is busy
    expect(page.get_by_role("heading", name="Free slots")).to_be_focused()
    shot(page, "find-a-slot-js")

    # find-1 alone: nothing inside its busy 09:00-10:30
    page.get_by_role("checkbox", name="Find room 2").uncheck()
    page.get_by_role("button", name="Find free slots").click()
    expect(page.locator("table.slots tbody tr").first).to_contain_text(f"{MONDAY}T10:30:00+01:00")
    shown = starts(page)
    assert shown[0] == f"{MONDAY}T10:30:00+01:00"
    assert not [s for s in shown if s < f"{MONDAY}T10:30"], shown
    assert len(shown) == 5  # starts 10:30 to 11:30 every 15 minutes (the last ends 12:00)

    # taken meanwhile: the API's 409 is told in an alert, nothing is booked
    taken = {"title": "Meanwhile", "start": f"{MONDAY}T10:30:00", "end": f"{MONDAY}T11:00:00"}
    assert httpx.post(
        f"{ui_server.base}/api/v1/calendars/{rooms[0]}/events",
        headers=ui_server.headers,
        json=taken,
    ).is_success
    page.get_by_role("button", name=f"Book find-1 from {MONDAY}T10:30:00+01:00").click()
    expect(page.get_by_role("alert")).to_contain_text("Meanwhile")
    assert pages.watch(page).accept_status(409) == 1

    # a free one: booked through the API, then the week view of that room and day
    with page.expect_request(lambda r: r.url.endswith(f"/api/v1/calendars/{rooms[0]}/events")):
        page.get_by_role("button", name=f"Book find-1 from {MONDAY}T11:00:00+01:00").click()
    expect(page).to_have_url(f"{ui_server.base}/ui/week?cal={rooms[0]}&date={MONDAY}")
    expect(page.locator(".flash-ok")).to_contain_text("Booked 'Found it' in find-1")
    page.wait_for_selector("#week-calendar[data-loaded]", state="attached")
    found = [e for e in events(ui_server, rooms[0]) if e["title"] == "Found it"]
    starts_at = [datetime.fromisoformat(e["start"].replace("Z", "+00:00")) for e in found]
    assert starts_at == [datetime.fromisoformat(f"{MONDAY}T11:00:00+01:00")]

    posted = [r.url.removeprefix(ui_server.base) for r in sent]
    assert not [u for u in posted if u.startswith("/ui/find")], posted  # no form post
    assert posted.count("/api/v1/availability") == 2


def test_slots_at_phone_width(
    phone_page: Page, ui_server: CalgateProcess, rooms: tuple[str, str]
) -> None:
    phone_page.set_default_timeout(10_000)
    sign_in(phone_page, ui_server.base, path="/ui/find")
    fill(phone_page, rooms, "all")
    phone_page.get_by_role("button", name="Find free slots").click()
    expect(phone_page.locator("table.slots tbody tr").first).to_contain_text("T10:30:00+01:00")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at a 390 px screen"
    shot(phone_page, "find-a-slot-phone")


def test_the_api_s_refusal_is_an_alert(
    page: Page, pages: Pages, ui_server: CalgateProcess, rooms: tuple[str, str]
) -> None:
    page.set_default_timeout(10_000)
    sign_in(page, ui_server.base, path="/ui/find")
    fill(page, rooms[:1], "all", start="2027-02-10")  # after the end date
    page.get_by_role("button", name="Find free slots").click()
    expect(page.get_by_role("alert")).to_contain_text("end")
    assert pages.watch(page).accept_status(422) == 1
    expect(page.locator("table.slots")).to_have_count(0)
    # no calendar ticked: told before asking
    page.get_by_role("checkbox", name="Find room 1").uncheck()
    page.get_by_role("button", name="Find free slots").click()
    expect(page.get_by_role("alert")).to_have_text("choose at least one calendar")


def test_without_javascript_the_server_form_still_works(
    pages: Pages, ui_server: CalgateProcess, rooms: tuple[str, str]
) -> None:
    page = pages.open(ui_server.base, javascript=False)
    page.set_default_timeout(10_000)
    sign_in(page, ui_server.base, path="/ui/find")
    fill(page, rooms[:1], "all")
    with page.expect_request(lambda r: r.url.endswith("/ui/find") and r.method == "POST"):
        page.get_by_role("button", name="Find free slots").click()
    expect(page.locator("table.slots tbody tr").first).to_contain_text(f"{MONDAY}T10:30:00+01:00")
    with page.expect_request(lambda r: r.url.endswith("/ui/find/book")):
        page.get_by_role("button", name=f"Book find-1 from {MONDAY}T10:30:00+01:00").click()
    expect(page.locator(".flash-ok")).to_contain_text("Booked 'Found it' in find-1")
    assert [e["title"] for e in events(ui_server, rooms[0])] == ["Busy", "Found it"]
