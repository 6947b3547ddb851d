"""The tokens page (issue 19): admins list, make and revoke tokens under the rules of
/api/v1/tokens (services.tokens decides); a new token's secret is shown once, after the
redirect, from a sealed one-time cookie that never holds it in the clear."""

from __future__ import annotations

import re

import pytest

from calgate.ui.once import COOKIE as NEW_TOKEN_COOKIE
from tests.web.test_sign_in import csrf_of, make_token, sign_in

PAGE = "/ui/tokens"
SECRET = re.compile(r'id="new-secret" class="secret" value="(cg_[^"]+)"')


@pytest.fixture
def admin(browser):
    assert sign_in(browser).status_code == 303
    return browser


def create(client, **data):
    data.setdefault("csrf", csrf_of(client, PAGE))
    return client.post(PAGE, data=data, follow_redirects=False)


def api_tokens(make_client) -> dict[str, dict]:
    return {t["id"]: t for t in make_client().get("/api/v1/tokens").json()["items"]}


def bearer(make_client, secret: str):
    client = make_client()
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_the_list_shows_the_tokens(admin, make_client):
    make_token(make_client, role="read", name="kiosk", calendars=["default"])
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "kiosk" in page.text and "<td>read</td>" in page.text and "<td>default</td>" in page.text
    assert "Revoke (signs you out)" in page.text  # the admin token of this session
    assert 'name="calendars" value="default"' in page.text


def test_a_new_token_is_shown_once_and_works_in_the_api(admin, make_client):
    made = create(admin, name="booking kiosk", role="write", calendars="default")
    assert made.status_code == 303 and made.headers["location"] == PAGE
    cookie = made.headers["set-cookie"]
    assert NEW_TOKEN_COOKIE in cookie and "HttpOnly" in cookie and "Path=/ui/tokens" in cookie
    assert "Max-Age=60" in cookie and "SameSite=strict" in cookie
    page = admin.get(PAGE)
    found = SECRET.search(page.text)
    assert found is not None and "Copy it now: it is not shown again" in page.text
    secret = found.group(1)
    assert secret not in cookie  # sealed, not in the clear
    assert secret not in made.headers["location"]
    listed = [t for t in api_tokens(make_client).values() if t["name"] == "booking kiosk"]
    assert len(listed) == 1 and listed[0]["role"] == "write"
    assert listed[0]["calendars"] == ["default"] and secret.startswith(listed[0]["prefix"])
    assert bearer(make_client, secret).get("/api/v1/calendars/default").status_code == 200
    again = admin.get(PAGE)
    assert secret not in again.text and "Copy it now" not in again.text


def test_the_secret_is_only_for_the_session_that_made_it(admin, make_client):
    made = create(admin, name="mine", role="read")
    sealed = made.cookies[NEW_TOKEN_COOKIE]
    other = make_client()
    del other.headers["Authorization"]
    assert sign_in(other).status_code == 303
    other.cookies.set(NEW_TOKEN_COOKIE, sealed, path=PAGE)
    assert "Copy it now" not in other.get(PAGE).text
    other.cookies.set(NEW_TOKEN_COOKIE, "forged", path=PAGE)
    assert other.get(PAGE).status_code == 200


def test_no_calendar_ticked_is_every_calendar(admin, make_client):
    assert create(admin, name="everything", role="read").status_code == 303
    listed = [t for t in api_tokens(make_client).values() if t["name"] == "everything"]
    assert listed[0]["calendars"] is None


def test_revoking_a_token_shows_up_in_the_api(admin, make_client):
    secret = make_token(make_client, role="read", name="to revoke")
    token_id = next(i for i, t in api_tokens(make_client).items() if t["name"] == "to revoke")
    done = admin.post(
        f"/ui/tokens/{token_id}/revoke",
        data={"csrf": csrf_of(admin, PAGE)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and token_id not in api_tokens(make_client)
    assert f"Token {token_id} revoked." in admin.get(PAGE).text
    assert bearer(make_client, secret).get("/api/v1/calendars").status_code == 401
    again = admin.post(f"/ui/tokens/{token_id}/revoke", data={"csrf": csrf_of(admin, PAGE)})
    assert again.status_code == 404 and "no active token" in again.text


def test_revoking_the_session_s_own_token_signs_out(browser, make_client):
    secret = make_token(make_client, role="admin", name="me")
    assert sign_in(browser, secret).status_code == 303
    token_id = next(i for i, t in api_tokens(make_client).items() if t["name"] == "me")
    done = browser.post(
        f"/ui/tokens/{token_id}/revoke",
        data={"csrf": csrf_of(browser, PAGE)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = browser.get(PAGE, follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/ui/sign-in")
    signin = browser.get(after.headers["location"])
    assert "sign in again" in signin.text


@pytest.mark.parametrize("role", ["read", "write"])
def test_below_admin_there_is_no_tokens_page(browser, make_client, role):
    secret = make_token(make_client, role=role)
    assert sign_in(browser, secret).status_code == 303
    assert 'href="/ui/tokens"' not in browser.get("/ui/calendars").text
    assert browser.get(PAGE).status_code == 403
    csrf = csrf_of(browser, "/ui/calendars")
    forged = browser.post(PAGE, data={"csrf": csrf, "name": "x", "role": "admin"})
    assert forged.status_code == 403 and "needs a token with role admin" in forged.text
    admin_id = next(iter(api_tokens(make_client)))
    forged = browser.post(f"/ui/tokens/{admin_id}/revoke", data={"csrf": csrf})
    assert forged.status_code == 403
    assert admin_id in api_tokens(make_client)
    assert not [t for t in api_tokens(make_client).values() if t["name"] == "x"]


def test_a_scoped_admin_makes_tokens_only_inside_its_scope(browser, make_client):
    make_client().post("/api/v1/calendars", json={"id": "other", "name": "Other"})
    secret = make_token(make_client, role="admin", calendars=["default"], name="scoped")
    assert sign_in(browser, secret).status_code == 303
    page = browser.get(PAGE)
    assert 'value="default"' in page.text and 'value="other"' not in page.text
    everything = create(browser, name="all", role="read")
    assert everything.status_code == 403
    assert "it cannot make a token for every calendar" in everything.text
    outside = create(browser, name="out", role="read", calendars="other")
    assert outside.status_code == 403 and "not in this token&#39;s scope" in outside.text
    inside = create(browser, name="in", role="write", calendars="default")
    assert inside.status_code == 303
    names = {t["name"] for t in api_tokens(make_client).values()}
    assert "in" in names and not names & {"all", "out"}
    # it sees only the tokens it covers
    listed = browser.get(PAGE).text
    rows = listed.split("<tbody>")[1].split("</tbody>")[0]
    assert "scoped" in rows and "<td>all</td>" not in rows  # not the unscoped admin's token


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"name": "x" * 201, "role": "read"}, "at most 200 characters"),
        ({"name": "a\x00b", "role": "read"}, "name"),
        ({"name": "x", "role": "root"}, "role"),
        ({"name": "x", "role": "read", "calendars": "nope"}, "unknown calendar id(s): nope"),
        ({"name": "x", "role": "read", "calendars": "\x00"}, "calendars"),
    ],
)
def test_hostile_input_is_an_error_on_the_page(admin, make_client, data, reason):
    before = set(api_tokens(make_client))
    refused = create(admin, **data)
    assert 400 <= refused.status_code < 500
    assert reason in refused.text and "flash-error" in refused.text
    assert set(api_tokens(make_client)) == before


def test_the_forms_need_the_csrf_token(admin, make_client):
    before = set(api_tokens(make_client))
    assert create(admin, csrf="forged", name="x", role="read").status_code == 403
    assert admin.post(PAGE, data={"name": "x", "role": "read"}).status_code == 403
    assert set(api_tokens(make_client)) == before
