"""The week view in a real browser (issue 19): book a slot by clicking it, see the policy's 409
for an overlapping one with nothing created, move the event by dragging it and read it moved
over CalDAV, delete it; find a slot without JavaScript. Times in the calendar's zone
(Europe/Berlin) while the browser runs in its own."""

from __future__ import annotations

from datetime import UTC, datetime

import caldav
import httpx2 as httpx
import pytest
from playwright.sync_api import Page, expect

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.ui.browser import shot
from tests.ui.conftest import Pages

CAL = "room-a"
MONDAY = "2027-02-01"  # within the booking check's horizon (800 days)
TUESDAY = "2027-02-02"
EVENTS = f"/api/v1/calendars/{CAL}/events"


@pytest.fixture
def room(ui_server: CalgateProcess) -> str:
    h = ui_server.headers
    fresh_room(ui_server, CAL, "Room A")
    patched = httpx.patch(
        f"{ui_server.base}/api/v1/calendars/{CAL}", headers=h, json={"overlap": "reject"}
    )
    assert patched.status_code == 200, patched.text
    return CAL


def listed(server: CalgateProcess) -> list[dict]:
    got = httpx.get(
        f"{server.base}{EVENTS}",
        headers=server.headers,
        params={"start": MONDAY, "end": "2027-02-08", "expand": "true"},
    )
    assert got.status_code == 200, got.text
    return list(got.json()["items"])


def sign_in(page: Page, server: CalgateProcess, to: str) -> None:
    page.goto(f"{server.base}/ui/sign-in?next=/ui/calendars")
    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Calendars")
    page.goto(f"{server.base}{to}")


def open_week(page: Page, server: CalgateProcess, query: str) -> None:
    sign_in(page, server, f"/ui/week?{query}")
    page.wait_for_selector("#week-calendar[data-loaded]", state="attached")


def hour_box(page: Page, hour: int) -> dict:
    label = page.locator(f'.ec-body .ec-sidebar time[datetime$="T{hour:02d}:00:00"]')
    box = label.locator("xpath=..").bounding_box()
    assert box is not None
    return box


def point(page: Page, day: int, hour: int, minutes: int = 15) -> tuple[float, float]:
    """Inside day column ``day`` (0: the first shown) at ``hour``:``minutes`` of the grid."""
    column = page.locator(".ec-body .ec-grid .ec-day").nth(day).bounding_box()
    assert column is not None
    box = hour_box(page, hour)
    return column["x"] + column["width"] / 2, box["y"] + box["height"] * minutes / 60


def book(page: Page, day: int, hour: int, title: str, until: str | None = None) -> None:
    x, y = point(page, day, hour)
    page.mouse.click(x, y)
    expect(page.locator("#book-dialog")).to_be_visible()
    expect(page.locator("#book-start")).to_have_value(f"{TUESDAY}T{hour:02d}:00")
    expect(page.locator("#book-end")).to_have_value(f"{TUESDAY}T{hour + 1:02d}:00")
    page.fill("#book-title", title)
    if until:
        page.fill("#book-end", f"{TUESDAY}T{until}")
    page.click("#book-submit")


def test_book_conflict_drag_and_delete(
    page: Page, pages: Pages, ui_server: CalgateProcess, room: str
) -> None:
    page.set_default_timeout(10_000)
    open_week(page, ui_server, f"cal={room}&date={MONDAY}&tz=calendar")
    expect(page.locator("#week-zone")).to_contain_text("Europe/Berlin")

    book(page, 1, 10, "Planning")  # Tuesday 10:00 Berlin
    expect(page.locator("#book-dialog")).to_be_hidden()
    expect(page.locator(".ec-event", has_text="Planning")).to_be_visible()
    [made] = listed(ui_server)
    assert (made["title"], made["start"], made["end"]) == (
        "Planning",
        f"{TUESDAY}T10:00:00+01:00",
        f"{TUESDAY}T11:00:00+01:00",
    )
    assert made["timeZone"] == "Europe/Berlin"

    # 09:00 to 10:30 overlaps it: the calendar rejects overlaps, the page says why, nothing made
    book(page, 1, 9, "Clash", until="10:30")
    error = page.locator("#book-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("does not allow overlapping bookings")
    expect(error).to_contain_text("Planning")
    page.click("#book-cancel")
    assert [e["title"] for e in listed(ui_server)] == ["Planning"]
    # Chromium logs every 4xx answer to a fetch; that one was expected, and is the only one
    assert pages.watch(page).accept_status(409) == 1  # the rest is checked at teardown
    shot(page, "week-view")

    # drag it two hours later: the API and a plain CalDAV read see it moved
    event = page.locator(".ec-event", has_text="Planning")
    box = event.bounding_box()
    assert box is not None
    hour = hour_box(page, 10)["height"]
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + hour, steps=8)
    page.mouse.move(x, y + 2 * hour, steps=8)
    page.mouse.up()
    expect(page.locator("#week-message")).to_be_hidden()
    page.wait_for_function("() => document.querySelector('.ec-event') !== null", polling=100)
    for _ in range(50):
        [now] = listed(ui_server)
        if now["start"] != made["start"]:
            break
        page.wait_for_timeout(100)
    assert (now["start"], now["end"]) == (f"{TUESDAY}T12:00:00+01:00", f"{TUESDAY}T13:00:00+01:00")
    with caldav.DAVClient(
        url=f"{ui_server.base}/dav/", username="ui", password=ADMIN_TOKEN
    ) as client:
        calendars = client.principal().calendars()
        [calendar] = [c for c in calendars if str(c.url).rstrip("/").endswith(CAL)]
        [stored] = calendar.search(start=_dt(TUESDAY, 0), end=_dt("2027-02-03", 0), event=True)
        vevent = stored.icalendar_component
        assert str(vevent["SUMMARY"]) == "Planning"
        assert vevent["DTSTART"].dt.isoformat() == f"{TUESDAY}T12:00:00+01:00"

    # click it: details, and delete (If-Match with its ETag)
    page.locator(".ec-event", has_text="Planning").click()
    expect(page.locator("#event-dialog")).to_be_visible()
    expect(page.locator("#event-details")).to_contain_text("Room A")
    page.click("#event-delete")
    expect(page.locator("#event-dialog")).to_be_hidden()
    expect(page.locator(".ec-event")).to_have_count(0)
    assert listed(ui_server) == []


def _dt(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def fresh_room(server: CalgateProcess, cal_id: str, name: str) -> None:
    """The calendar, made when missing, without events in January to March 2027."""
    h = server.headers
    if httpx.get(f"{server.base}/api/v1/calendars/{cal_id}", headers=h).status_code == 404:
        made = httpx.post(
            f"{server.base}/api/v1/calendars",
            headers=h,
            json={"id": cal_id, "name": name, "timeZone": "Europe/Berlin"},
        )
        assert made.status_code == 201, made.text
    got = httpx.get(
        f"{server.base}/api/v1/calendars/{cal_id}/events",
        headers=h,
        params={"start": "2027-01-01", "end": "2027-03-01"},
    )
    for item in got.json()["items"]:
        gone = httpx.delete(
            f"{server.base}/api/v1/calendars/{cal_id}/events/{item['id']}", headers=h
        )
        assert gone.status_code == 204, gone.text


def drag_down(page: Page, title: str, hours: float) -> None:
    box = page.locator(".ec-event", has_text=title).bounding_box()
    assert box is not None
    step = hour_box(page, 10)["height"] * hours
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + step / 2, steps=8)
    page.mouse.move(x, y + step, steps=8)
    page.mouse.up()


def test_overlaid_rooms_a_moved_occurrence_and_a_stale_etag(
    page: Page, pages: Pages, ui_server: CalgateProcess, room: str
) -> None:
    page.set_default_timeout(10_000)
    fresh_room(ui_server, "room-b", "Room B")
    h, base = ui_server.headers, ui_server.base
    series = {
        "title": "Weekly",
        "start": "2027-01-25T14:00:00",
        "end": "2027-01-25T15:00:00",
        "recurrence": {"frequency": "weekly", "count": 4},
    }
    made = httpx.post(f"{base}/api/v1/calendars/room-b/events", headers=h, json=series)
    assert made.status_code == 201, made.text
    single = {"title": "Standup", "start": f"{TUESDAY}T09:00:00", "end": f"{TUESDAY}T09:30:00"}
    standup = httpx.post(f"{base}{EVENTS}", headers=h, json=single)
    assert standup.status_code == 201, standup.text

    open_week(page, ui_server, f"cal={room}&cal=room-b&layout=overlay&date={MONDAY}")
    weekly, stand = (
        page.locator(".ec-event", has_text="Weekly"),
        page.locator(".ec-event", has_text="Standup"),
    )
    expect(weekly).to_have_count(1)
    expect(stand).to_have_count(1)
    colours = [loc.evaluate("e => getComputedStyle(e).backgroundColor") for loc in (weekly, stand)]
    assert colours[0] != colours[1]  # each calendar its colour, as in the legend
    shot(page, "week-view-overlay")

    # an occurrence of a series moves alone (PATCH .../instances/{recurrenceId})
    drag_down(page, "Weekly", 1)
    page.wait_for_timeout(300)
    for _ in range(50):
        got = httpx.get(
            f"{base}/api/v1/calendars/room-b/events",
            headers=h,
            params={"start": "2027-01-25", "end": "2027-02-15", "expand": "true"},
        ).json()["items"]
        starts = [e["start"] for e in got]
        if "2027-02-01T15:00:00+01:00" in starts:
            break
        page.wait_for_timeout(100)
    assert starts == [
        "2027-01-25T14:00:00+01:00",
        "2027-02-01T15:00:00+01:00",
        "2027-02-08T14:00:00+01:00",
    ]

    # changed behind the page's back: the drag is a 412, undone, and the page says so
    renamed = httpx.patch(
        f"{base}{EVENTS}/{standup.json()['id']}", headers=h, json={"title": "Standup!"}
    )
    assert renamed.status_code == 200, renamed.text
    drag_down(page, "Standup", 2)
    expect(page.locator("#week-message")).to_contain_text("412")
    [still] = listed(ui_server)
    assert still["start"] == f"{TUESDAY}T09:00:00+01:00"
    expect(page.locator(".ec-event", has_text="Standup!")).to_be_visible()  # reloaded
    assert pages.watch(page).accept_status(412) == 1  # the rest is checked at teardown


def test_a_phone_shows_one_day(phone_page: Page, ui_server: CalgateProcess, room: str) -> None:
    single = {"title": "Phone", "start": f"{TUESDAY}T11:00:00", "end": f"{TUESDAY}T12:00:00"}
    assert httpx.post(
        f"{ui_server.base}{EVENTS}", headers=ui_server.headers, json=single
    ).is_success
    open_week(phone_page, ui_server, f"cal={room}&date={TUESDAY}")
    expect(phone_page.locator(".ec-body .ec-grid .ec-day")).to_have_count(1)
    expect(phone_page.locator(".ec-event", has_text="Phone")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen
    shot(phone_page, "week-view-phone")


def test_find_a_slot_and_book_it(page: Page, ui_server: CalgateProcess, room: str) -> None:
    page.set_default_timeout(10_000)
    single = {"title": "Early", "start": f"{MONDAY}T09:00:00", "end": f"{MONDAY}T10:30:00"}
    assert httpx.post(
        f"{ui_server.base}{EVENTS}", headers=ui_server.headers, json=single
    ).is_success
    sign_in(page, ui_server, f"/ui/find?cal={room}")
    page.fill("#find-minutes", "30")
    page.fill("#find-start", MONDAY)
    page.fill("#find-end", TUESDAY)
    page.fill("#find-from", "09:00")
    page.fill("#find-to", "12:00")
    page.fill("#find-title", "Found")
    page.click("button:has-text('Find free slots')")
    first = page.locator("table.slots tbody tr").first
    expect(first).to_contain_text(f"{MONDAY}T10:30:00+01:00")
    shot(page, "find-a-slot")
    first.locator("button").click()
    expect(page.locator(".flash-ok")).to_contain_text("Booked 'Found'")
    page.wait_for_selector("#week-calendar[data-loaded]", state="attached")
    expect(page.locator(".ec-event", has_text="Found")).to_be_visible()
    assert [e["title"] for e in listed(ui_server)] == ["Early", "Found"]
