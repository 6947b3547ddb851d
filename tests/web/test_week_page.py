"""The week view's page and find a slot (issue 19): the page lists the calendars the viewer sees
and hands week.js its choice; its query is checked (an unknown calendar is a 404 page, a bad
date a 422 page); find a slot works without JavaScript (the availability service) and books."""

from __future__ import annotations

import json
import re

import pytest

from tests.web.test_sign_in import csrf_of, make_token, sign_in

WEEK = "2027-02-01"  # a Monday


@pytest.fixture
def browser(make_client):
    client = make_client()
    del client.headers["Authorization"]
    return client


@pytest.fixture
def rooms(make_client):
    admin = make_client()
    for room in ("room-1", "room-2"):
        made = admin.post(
            "/api/v1/calendars",
            json={"id": room, "name": room.title(), "timeZone": "Europe/Berlin"},
        )
        assert made.status_code == 201, made.text
    return admin


def config_of(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="week-config">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


def test_the_week_page_shows_the_chosen_calendars(browser, rooms):
    sign_in(browser)
    page = browser.get(f"/ui/week?cal=room-1&cal=room-2&layout=overlay&tz=mine&date={WEEK}")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'value="room-1" checked' in page.text and 'value="default" >' in page.text
    assert '<script src="/ui/static/week.js"></script>' in page.text
    assert '<meta name="csrf-token"' in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    config = config_of(page.text)
    assert [c["id"] for c in config["calendars"]] == ["room-1", "room-2"]
    assert config["calendars"][0]["timeZone"] == "Europe/Berlin"
    assert config["calendars"][0]["writable"] is True
    assert (config["layout"], config["tz"], config["date"]) == ("overlay", "mine", WEEK)


def test_without_a_choice_every_visible_calendar_is_shown(browser, rooms):
    sign_in(browser)
    config = config_of(browser.get("/ui/week").text)
    assert {c["id"] for c in config["calendars"]} == {"default", "room-1", "room-2"}
    assert config["layout"] == "side"


def test_a_read_token_sees_but_may_not_write(browser, rooms, make_client):
    token = make_token(make_client, role="read", name="reader", calendars=["room-2"])
    sign_in(browser, token, "/ui/week")
    config = config_of(browser.get("/ui/week").text)
    assert [(c["id"], c["writable"]) for c in config["calendars"]] == [("room-2", False)]
    assert browser.get("/ui/week?cal=room-1").status_code == 404


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("cal=nope", 404, "no calendar with id &#39;nope&#39;"),
        ("date=2031-13-01", 422, "date must be a date"),
        ("layout=diagonal", 422, "layout must be one of side, overlay"),
        ("tz=mars", 422, "tz must be one of calendar, mine"),
        ("colour=red", 422, ""),
    ],
)
def test_the_query_is_checked(browser, rooms, query, status, text):
    sign_in(browser)
    page = browser.get(f"/ui/week?{query}")
    assert page.status_code == status, page.text
    assert page.headers["content-type"].startswith("text/html")  # a page, not problem+json
    assert text in page.text


def test_without_a_session_the_week_leads_to_sign_in(browser):
    assert browser.get("/ui/week", follow_redirects=False).status_code == 303


def find(browser, **fields):
    data = {
        "csrf": csrf_of(browser, "/ui/find"),
        "minutes": "60",
        "start": WEEK,
        "end": "2027-02-02",
        "from": "09:00",
        "to": "12:00",
        "need": "any",
        **fields,
    }
    return browser.post("/ui/find", data=data)


def test_find_a_slot_without_javascript_lists_slots_and_books_one(browser, rooms):
    busy = {"title": "Busy", "start": f"{WEEK}T09:00:00", "end": f"{WEEK}T11:00:00"}
    assert rooms.post("/api/v1/calendars/room-1/events", json=busy).status_code == 201
    sign_in(browser, next_page="/ui/find")
    page = find(browser, cal=["room-1"], title="Found")
    assert page.status_code == 200, page.text
    slots = re.findall(r'name="start" value="([^"]+)"', page.text)
    assert slots[0] == "2027-02-01T11:00:00+01:00"  # 09:00-11:00 Berlin is taken
    assert "Book room-1" in page.text
    either = find(browser, cal=["room-1", "room-2"])
    assert "2027-02-01T09:00:00+01:00" in either.text  # room-2 is free then
    booked = browser.post(
        "/ui/find/book",
        data={
            "csrf": csrf_of(browser, "/ui/find"),
            "cal": "room-1",
            "start": slots[0],
            "end": "2027-02-01T12:00:00+01:00",
            "title": "Found",
        },
        follow_redirects=False,
    )
    assert booked.status_code == 303
    assert booked.headers["location"] == "/ui/week?cal=room-1&date=2027-02-01"
    listed = rooms.get(
        "/api/v1/calendars/room-1/events", params={"start": WEEK, "end": "2027-02-02"}
    )
    assert [e["title"] for e in listed.json()["items"]] == ["Busy", "Found"]


def test_the_find_page_hands_find_js_what_it_needs(browser, rooms):
    """find.js asks the API itself: the CSRF token in a meta tag, each calendar's zone and
    whether the viewer may book it on its checkbox; the form's action stays for no JavaScript."""
    sign_in(browser, next_page="/ui/find")
    page = browser.get("/ui/find?cal=room-1")
    assert '<script src="/ui/static/find.js"></script>' in page.text
    assert f'<meta name="csrf-token" content="{csrf_of(browser, "/ui/find")}">' in page.text
    assert 'value="room-1" data-zone="Europe/Berlin" data-writable checked' in page.text
    assert '<form id="find-form" class="card" method="post" action="/ui/find">' in page.text
    assert browser.get("/ui/static/find.js").status_code == 200


def test_find_a_slot_tells_what_is_wrong(browser, rooms):
    sign_in(browser, next_page="/ui/find")
    assert "choose at least one calendar" in find(browser).text
    page = find(browser, cal=["room-1"], minutes="0")
    assert page.status_code == 422 and "whole number of minutes" in page.text
    assert find(browser, cal=["room-1"], end="2027-01-30").status_code == 422


def test_booking_a_taken_slot_is_the_policy_s_409(browser, rooms):
    assert rooms.patch("/api/v1/calendars/room-1", json={"overlap": "reject"}).status_code == 200
    busy = {"title": "Busy", "start": f"{WEEK}T09:00:00", "end": f"{WEEK}T11:00:00"}
    assert rooms.post("/api/v1/calendars/room-1/events", json=busy).status_code == 201
    sign_in(browser, next_page="/ui/find")
    page = browser.post(
        "/ui/find/book",
        data={
            "csrf": csrf_of(browser, "/ui/find"),
            "cal": "room-1",
            "start": "2027-02-01T10:00:00+01:00",
            "end": "2027-02-01T11:00:00+01:00",
        },
        follow_redirects=False,
    )
    assert page.status_code == 409 and "does not allow overlapping bookings" in page.text
