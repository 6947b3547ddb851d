"""The UI's session (issue 19): sign-in with any API token, a signed HttpOnly SameSite cookie,
CSRF on every form and on the API calls the week view makes with the cookie, and the token's
grant, read again on every request, deciding what a page shows and allows."""

from __future__ import annotations

import re

import pytest

from calgate.ui import session as ui_session
from tests.conftest import ADMIN_TOKEN

EVENT = {"title": "ui", "start": "2027-01-04T09:00:00Z", "end": "2027-01-04T10:00:00Z"}
EVENTS = "/api/v1/calendars/default/events"


def sign_in(client, token: str = ADMIN_TOKEN, next_page: str = "/ui/calendars"):
    return client.post(
        "/ui/sign-in", data={"token": token, "next": next_page}, follow_redirects=False
    )


def csrf_of(client, page: str = "/ui/calendars") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None
    return found.group(1)


def make_token(make_client, **body) -> str:
    admin = make_client()
    made = admin.post("/api/v1/tokens", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def test_a_page_without_a_session_leads_to_sign_in_and_back(browser):
    resp = browser.get("/ui/calendars", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/ui/sign-in?next=%2Fui%2Fcalendars"
    signed = sign_in(browser)
    assert signed.status_code == 303 and signed.headers["location"] == "/ui/calendars"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert ADMIN_TOKEN not in cookie  # the secret never leaves the form
    page = browser.get("/ui/calendars")
    assert page.status_code == 200 and "<td><code>default</code></td>" in page.text


@pytest.mark.parametrize("token", ["", "cg_not-a-token", "x" * 5000])
def test_a_wrong_token_is_told_and_gets_no_cookie(browser, token):
    resp = sign_in(browser, token)
    assert resp.status_code == 401
    assert "unknown or revoked" in resp.text and "set-cookie" not in resp.headers


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", "/api/"])
def test_sign_in_leads_only_to_a_page_of_the_ui(browser, target):
    assert sign_in(browser, next_page=target).headers["location"] == "/ui/"


def test_a_revoked_token_ends_its_sessions_at_once(browser, make_client):
    token = make_token(make_client, role="write", name="revoked in the test")
    assert sign_in(browser, token).status_code == 303
    assert browser.get("/ui/calendars", follow_redirects=False).status_code == 200
    admin = make_client()
    listed = admin.get("/api/v1/tokens").json()["items"]
    token_id = next(t["id"] for t in listed if t["name"] == "revoked in the test")
    assert admin.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert browser.get("/ui/calendars", follow_redirects=False).status_code == 303
    refused = browser.get("/api/v1/calendars")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_a_changed_or_expired_cookie_is_no_session(browser):
    sign_in(browser)
    value = browser.cookies[ui_session.COOKIE]
    payload, _, mac = value.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    browser.cookies.clear()
    browser.cookies.set(ui_session.COOKIE, forged)
    assert browser.cookies[ui_session.COOKIE] == forged
    assert browser.get("/ui/calendars", follow_redirects=False).status_code == 303
    key = b"k" * 32
    started = ui_session.start("tok_1", "ab" * 32, now=1_000_000)
    encoded = ui_session.encode(key, started)
    assert ui_session.decode(key, encoded, now=1_000_000 + ui_session.MAX_AGE) == started
    assert ui_session.decode(key, encoded, now=1_000_001 + ui_session.MAX_AGE) is None
    assert ui_session.decode(b"other" * 8, encoded, now=1_000_000) is None
    assert ui_session.decode(key, "not.a-cookie", now=1_000_000) is None


def test_the_api_takes_the_cookie_with_csrf_for_changes(browser):
    sign_in(browser)
    assert browser.get("/api/v1/calendars").status_code == 200
    refused = browser.post(EVENTS, json=EVENT)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = browser.post(EVENTS, json=EVENT, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    made = browser.post(EVENTS, json=EVENT, headers={"X-CSRF-Token": csrf_of(browser)})
    assert made.status_code == 201, made.text


def test_the_api_rules_hold_for_a_read_only_session(browser, make_client):
    sign_in(browser, make_token(make_client, role="read", name="reader"))
    page = browser.get("/ui/calendars").text
    assert "New calendar" not in page and "/ui/tokens" not in page
    csrf = csrf_of(browser)
    denied = browser.post(EVENTS, json=EVENT, headers={"X-CSRF-Token": csrf})
    assert denied.status_code == 403
    form = browser.post("/ui/calendars", data={"csrf": csrf, "name": "Not mine"})
    assert form.status_code == 403 and "text/html" in form.headers["content-type"]
    assert "not-mine" not in browser.get("/api/v1/calendars").text


def test_forms_need_this_sites_origin_and_the_sessions_csrf(browser):
    sign_in(browser)
    csrf = csrf_of(browser)
    other_site = browser.post(
        "/ui/calendars",
        data={"csrf": csrf, "name": "Cross"},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403 and "another site" in other_site.text
    no_token = browser.post("/ui/calendars", data={"name": "Cross"})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    made = browser.post(
        "/ui/calendars", data={"csrf": csrf, "name": "Room 7"}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"] == "/ui/calendars/room-7"


def test_a_refused_form_keeps_the_page_and_says_why(browser):
    sign_in(browser)
    resp = browser.post("/ui/calendars", data={"csrf": csrf_of(browser), "name": ""})
    assert resp.status_code == 422
    assert 'class="flash flash-error"' in resp.text and "<h1>Calendars</h1>" in resp.text


def test_every_ui_answer_carries_the_security_headers(browser):
    for path in ("/ui/sign-in", "/ui/static/ui.css"):
        resp = browser.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["content-security-policy"].startswith("default-src 'self'")
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
    assert "no-store" in browser.get("/ui/sign-in").headers["cache-control"]


def test_sign_out_ends_the_session(browser):
    sign_in(browser)
    out = browser.post("/ui/sign-out", follow_redirects=False)
    assert out.status_code == 303 and ui_session.COOKIE in out.headers["set-cookie"]
    assert browser.get("/ui/calendars", follow_redirects=False).status_code == 303
    assert "Signed out." in browser.get("/ui/sign-in").text


def test_unknown_pages_are_pages_and_the_apis_stay_problems(browser):
    sign_in(browser)
    for path in ("/ui/nope", "/ui/static/nope.js", "/ui/calendars/%00"):
        resp = browser.get(path)
        assert resp.status_code == 404, path
        assert resp.headers["content-type"].startswith("text/html"), path
        assert resp.headers["content-security-policy"].startswith("default-src 'self'")
    wrong_method = browser.put("/ui/calendars")
    assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["content-type"]
    api = browser.get("/api/v1/nope")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_behind_a_proxy_the_public_url_is_this_site(make_client):
    """A proxy ending TLS for https://cal.example.org talks plain http to calgate with its own
    Host: forms from the public origin are this site's, and the cookies are Secure."""
    client = make_client(public_url="https://cal.example.org")
    del client.headers["Authorization"]
    public = {"Origin": "https://cal.example.org"}
    signed = client.post(
        "/ui/sign-in", data={"token": ADMIN_TOKEN}, headers=public, follow_redirects=False
    )
    assert signed.status_code == 303 and "Secure" in signed.headers["set-cookie"]
    value = signed.cookies[ui_session.COOKIE]
    client.cookies.set(ui_session.COOKIE, value)
    form = {"csrf": csrf_of(client), "name": "Proxied"}
    made = client.post("/ui/calendars", data=form, headers=public, follow_redirects=False)
    assert made.status_code == 303, made.text
    other = client.post("/ui/calendars", data=form, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403


def test_an_htmx_request_without_a_session_sends_the_whole_page_to_sign_in(browser):
    """The template preview's htmx post after the session ended: not the sign-in page swapped
    into the preview box, but ``HX-Redirect`` for the whole page, back to where it was."""
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/ui/calendars/default"}
    resp = browser.post(
        "/ui/calendars/default/preview",
        data={"notification_template": "{{ name }}"},
        headers=headers,
        follow_redirects=False,
    )
    assert resp.status_code == 204
    assert resp.headers["hx-redirect"] == "/ui/sign-in?next=%2Fui%2Fcalendars%2Fdefault"
    plain = browser.post("/ui/calendars/default/preview", follow_redirects=False)
    assert plain.status_code == 303  # a form post without htmx: the usual redirect
