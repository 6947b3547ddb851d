"""The webhooks page (issue 19): create (the signing secret shown once, in a cookie for the
endpoint's page only, never in a URL), list, send a test message, the last deliveries, delete;
each token manages its own endpoints (another's is a 404)."""

from __future__ import annotations

import re

import pytest

from calgate.ui import once
from tests.web.conftest import csrf_in, sign_in_as

PAGE = "/ui/webhooks"
URL = "https://hooks.invalid/calgate"  # never resolves: taken, checked again on delivery


def _token(api, **body) -> str:
    made = api.post("/api/v1/tokens", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def _create(page, **fields):
    data = {"url": URL, "events": ["event.created", "event.deleted"], **fields}
    return page.post(
        PAGE, data={"csrf": csrf_in(page.get(PAGE).text), **data}, follow_redirects=False
    )


def test_create_shows_the_secret_once_and_lists_the_endpoint(signed_in):
    page, api = signed_in()
    made = _create(page, calendars="default", description="Room board")
    assert made.status_code == 303, made.text
    where = made.headers["location"]
    endpoint_id = where.rsplit("/", 1)[-1]
    assert re.fullmatch(r"/ui/webhooks/wh_[0-9a-f]{16}", where) and "whsec" not in where
    cookie = made.headers["set-cookie"]
    assert f"{once.COOKIE}=" in cookie and f"Path={where}" in cookie
    assert "HttpOnly" in cookie and "Max-Age=60" in cookie and "SameSite=strict" in cookie
    assert "whsec_" not in cookie  # sealed: the browser's cookie store never holds it in clear
    shown = page.get(where)
    secret = re.search(r'id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<', shown.text)
    assert secret is not None and "shown only this once" in shown.text
    assert once.COOKIE in shown.headers["set-cookie"]  # deleted as it is read
    assert "whsec_" not in page.get(where).text  # a reload shows it no more
    assert "whsec_" not in page.get(PAGE).text
    listed = page.get(PAGE).text
    assert URL in listed and "event.created, event.deleted" in listed and "Room board" in listed
    assert "<td>default</td>" in listed and "active" in listed
    api_view = api.get(f"/api/v1/webhooks/{endpoint_id}").json()
    assert api_view["calendars"] == ["default"] and api_view["description"] == "Room board"


def test_the_secret_cookie_is_for_its_own_endpoint_only(signed_in):
    page, _api = signed_in()
    first = _create(page).headers["location"]
    page.cookies.delete(
        once.COOKIE, path=first
    )  # lost on the way: no secret on the page, nothing breaks
    assert page.get(first).status_code == 200
    second = _create(page)
    sealed = second.cookies[once.COOKIE]
    page.cookies.delete(once.COOKIE, path=second.headers["location"])
    page.cookies.set(
        once.COOKIE, sealed, domain="testserver.local", path=first
    )  # moved to another endpoint's page
    moved = page.get(first)
    assert "whsec_" not in moved.text and once.COOKIE in moved.headers["set-cookie"]
    page.cookies.set(once.COOKIE, "forged", domain="testserver.local", path=first)
    assert page.get(first).status_code == 200


def test_send_a_test_message_and_see_its_delivery(signed_in):
    page, _api = signed_in()
    where = _create(page).headers["location"]
    detail = page.get(where).text
    assert "Nothing delivered yet." in detail
    tested = page.post(f"{where}/test", data={"csrf": csrf_in(detail)}, follow_redirects=False)
    assert tested.status_code == 303 and tested.headers["location"] == where
    after = page.get(where).text
    assert "Test message queued" in after
    assert "<td>webhook.test</td>" in after and "pending" in after and "none yet" in after


def test_delete_removes_the_endpoint(signed_in):
    page, api = signed_in()
    where = _create(page).headers["location"]
    endpoint_id = where.rsplit("/", 1)[-1]
    csrf = csrf_in(page.get(where).text)
    gone = page.post(f"{where}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == PAGE
    assert api.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert page.get(where).status_code == 404
    assert "No webhook endpoints." in page.get(PAGE).text


def test_another_tokens_endpoint_is_a_404(signed_in):
    page, api = signed_in()
    where = _create(page).headers["location"]
    sign_in_as(page, _token(api, role="write", name="other writer"))
    csrf = csrf_in(page.get(PAGE).text)
    assert URL not in page.get(PAGE).text
    for resp in (
        page.get(where),
        page.post(f"{where}/test", data={"csrf": csrf}),
        page.post(f"{where}/delete", data={"csrf": csrf}),
    ):
        assert resp.status_code == 404 and "text/html" in resp.headers["content-type"]
    assert api.get(f"/api/v1/webhooks/{where.rsplit('/', 1)[-1]}").status_code == 200


def test_a_read_token_has_no_webhooks(signed_in):
    page, api = signed_in()
    sign_in_as(page, _token(api, role="read", name="reader"))
    assert "/ui/webhooks" not in page.get("/ui/calendars").text
    assert page.get(PAGE).status_code == 403


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "javascript:alert(1)"},
        {"url": "http://127.0.0.1:1/x"},
        {"url": URL + " x"},
        {"url": "https://" + "h" * 3000 + ".invalid/"},
        {"events": []},
        {"events": ["bogus.type"]},
        {"calendars": "not-a-calendar"},
        {"calendars": "<b>x</b>"},
        {"description": "d" * 600},
        {"url": "https://hooks.invalid/\x00"},
    ],
)
def test_hostile_webhook_forms_are_refused_with_a_reason(signed_in, fields):
    page, api = signed_in()
    resp = _create(page, **fields)
    assert 400 <= resp.status_code < 500, resp.text
    assert 'class="flash flash-error"' in resp.text and "<b>x</b>" not in resp.text
    assert api.get("/api/v1/webhooks").json()["items"] == []


@pytest.mark.parametrize("endpoint", ["nope", "x" * 100, "%00", "wh_..%2F..%2Fsources"])
def test_unknown_endpoint_pages_are_404_or_422(signed_in, endpoint):
    page, _api = signed_in()
    csrf = csrf_in(page.get(PAGE).text)
    for resp in (
        page.get(f"{PAGE}/{endpoint}"),
        page.post(f"{PAGE}/{endpoint}/test", data={"csrf": csrf}),
        page.post(f"{PAGE}/{endpoint}/delete", data={"csrf": csrf}),
    ):
        assert resp.status_code in (404, 422), resp.text
