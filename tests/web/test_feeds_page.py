"""The feeds page (issue 19): a calendar published as a busy feed through the form, its secret
URL shown once and answering text/calendar, deleted; the API's rules for who may publish."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from calgate.ui import once
from tests.web.conftest import csrf_in, sign_in_as

PAGE = "/ui/feeds"
EVENT = {"title": "Secret talk", "start": "2027-01-04T09:00:00Z", "end": "2027-01-04T10:00:00Z"}


def _create(page, **fields):
    data = {"calendar": "default", "detail": "busy", **fields}
    return page.post(
        PAGE, data={"csrf": csrf_in(page.get(PAGE).text), **data}, follow_redirects=False
    )


def test_a_busy_feed_is_made_shown_once_read_and_deleted(signed_in):
    page, api = signed_in()
    assert api.post("/api/v1/calendars/default/events", json=EVENT).status_code == 201
    made = _create(page, past_days="0", future_days="3000")
    assert made.status_code == 303 and made.headers["location"] == PAGE
    cookie = made.headers["set-cookie"]
    assert f"Path={PAGE}" in cookie and "HttpOnly" in cookie and "Max-Age=60" in cookie
    assert "/feeds/" not in cookie and "/feeds/" not in made.headers["location"]
    shown = page.get(PAGE)
    found = re.search(r'id="feed-url">(http[^<]+\.ics)<', shown.text)
    assert found is not None and "shown only this once" in shown.text
    assert "<td>busy</td>" in shown.text and "0 days back, 3000 ahead" in shown.text
    assert found.group(1) not in page.get(PAGE).text  # gone after a reload
    feed_path = urlsplit(found.group(1)).path
    read = api.get(feed_path, headers={"Authorization": ""})
    assert read.status_code == 200 and read.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in read.text and "Secret talk" not in read.text  # busy only
    feed_id = api.get("/api/v1/calendars/default/feeds").json()["items"][0]["id"]
    csrf = csrf_in(page.get(PAGE).text)
    gone = page.post(
        f"{PAGE}/default/{feed_id}/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert api.get(feed_path).status_code == 404
    assert "Not published." in page.get(PAGE).text


def test_a_scoped_writer_sees_and_publishes_only_its_calendars(signed_in):
    page, api = signed_in()
    assert api.post("/api/v1/calendars", json={"name": "Hidden"}).status_code == 201
    made = api.post(
        "/api/v1/tokens", json={"role": "write", "calendars": ["default"], "name": "scoped"}
    )
    sign_in_as(page, made.json()["token"])
    listed = page.get(PAGE).text
    assert "<code>default</code>" in listed and "<code>hidden</code>" not in listed
    refused = _create(page, calendar="hidden")
    assert refused.status_code == 404 and 'class="flash flash-error"' in refused.text
    assert api.get("/api/v1/calendars/hidden/feeds").json()["items"] == []


def test_a_read_token_may_not_publish(signed_in):
    page, api = signed_in()
    made = api.post("/api/v1/tokens", json={"role": "read", "name": "reader"})
    sign_in_as(page, made.json()["token"])
    assert page.get(PAGE).status_code == 403
    csrf = csrf_in(page.get("/ui/calendars").text)
    assert page.post(PAGE, data={"csrf": csrf, "calendar": "default"}).status_code == 403


@pytest.mark.parametrize(
    "fields",
    [
        {"detail": "everything"},
        {"past_days": "-1"},
        {"future_days": "0"},
        {"future_days": "99999999999999999999999"},
        {"past_days": "a lot"},
        {"calendar": ""},
        {"calendar": "<script>x</script>"},
        {"calendar": "x" * 5000},
    ],
)
def test_hostile_feed_forms_are_refused_with_a_reason(signed_in, fields):
    page, api = signed_in()
    resp = _create(page, **fields)
    assert 400 <= resp.status_code < 500, resp.text
    assert 'class="flash flash-error"' in resp.text and "<script>x" not in resp.text
    assert once.COOKIE not in resp.headers.get("set-cookie", "")
    assert api.get("/api/v1/calendars/default/feeds").json()["items"] == []


@pytest.mark.parametrize("path", ["/default/nope/delete", "/nope/nope/delete", "/%00/x/delete"])
def test_deleting_an_unknown_feed_is_a_404(signed_in, path):
    page, _api = signed_in()
    resp = page.post(PAGE + path, data={"csrf": csrf_in(page.get(PAGE).text)})
    assert resp.status_code == 404 and "text/html" in resp.headers["content-type"]
