"""The sources page (issue 19): a CalDAV server added through the form (discovery, its
calendars and capabilities), sync now reading a change made on the server, a refused
password shown with the API's reason and nothing stored, the remove confirm step, and the
page for unscoped admins only."""

from __future__ import annotations

import uuid
from datetime import datetime

import caldav
import pytest

from tests.web.conftest import csrf_in, sign_in_as

PAGE = "/ui/sources"


def _new_token(api, **body) -> str:
    made = api.post("/api/v1/tokens", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def _add(page, **fields):
    csrf = csrf_in(page.get(PAGE).text)
    return page.post(PAGE, data={"csrf": csrf, **fields}, follow_redirects=False)


def test_a_caldav_server_added_by_the_form_shows_its_calendars_and_syncs_now(
    signed_in, xandikos_server
):
    page, api = signed_in(index_max_age=3600)  # a read does not sync: only sync now does
    added = _add(page, url=xandikos_server.url, name="Xandikos", auth_type="basic")
    assert added.status_code == 303, added.text
    assert added.headers["location"] == PAGE
    shown = page.get(PAGE)
    source = api.get("/api/v1/sources/xandikos").json()
    # the session's Xandikos may hold calendars other tests made: the count is what it found
    assert f"added with {len(source['calendars'])} calendar(s)" in shown.text
    cal = source["calendars"][0]
    assert f"<code>{cal['id']}</code>" in shown.text
    assert "Server: xandikos" in shown.text and "sync-collection (RFC 6578)" in shown.text
    assert "calgate does itself: recurrence expansion" in shown.text
    events = f"/api/v1/calendars/{cal['id']}/events?start=2027-03-01&end=2027-03-02"
    assert api.get(events).status_code == 200  # the first read syncs the calendar once
    uid = f"ui-sync-now-{uuid.uuid4().hex}"
    caldav.DAVClient(xandikos_server.url).calendar(url=cal["caldavUrl"]).save_event(
        dtstart=datetime(2027, 3, 1, 9), dtend=datetime(2027, 3, 1, 10), uid=uid, summary="Outside"
    )
    assert uid not in api.get(events).text  # the index is fresh for an hour: not read again
    synced = page.post(
        f"{PAGE}/xandikos/sync", data={"csrf": csrf_in(shown.text)}, follow_redirects=False
    )
    assert synced.status_code == 303 and synced.headers["location"] == PAGE
    after = page.get(PAGE).text
    assert "Source &#39;xandikos&#39; synced." in after
    assert after.count("UTC</td>") >= 1  # the calendar's last sync, to the minute
    assert uid in api.get(events).text


def test_a_refused_password_shows_the_reason_and_stores_nothing(signed_in, radicale_server):
    page, api = signed_in()
    before = api.get("/api/v1/sources").json()["items"]
    resp = _add(
        page,
        url=radicale_server.calendar_url,
        username=radicale_server.username,
        password="wrong-password-123",
        auth_type="basic",
    )
    assert resp.status_code == 422
    assert 'class="flash flash-error"' in resp.text and "credentials" in resp.text.lower()
    assert "wrong-password-123" not in resp.text  # the password field is never echoed back
    assert f'value="{radicale_server.calendar_url}"' in resp.text  # the rest is kept
    assert api.get("/api/v1/sources").json()["items"] == before


def test_an_unreachable_server_shows_the_reason(signed_in):
    page, _api = signed_in()
    resp = _add(page, url="http://127.0.0.1:9/dav/", username="a", password="b")
    assert resp.status_code == 422 and "unreachable" in resp.text.lower()


@pytest.mark.parametrize(
    "fields",
    [
        {"url": ""},
        {"url": "ftp://x"},
        {"url": "http://127.0.0.1:9/", "auth_type": "kerberos"},
        {"url": "http://127.0.0.1:9/", "auth_type": "bearer", "password": "two words"},
        {"url": "http://127.0.0.1:9/", "username": "ann", "password": "p\U0004b36b"},
        {"url": "x" * 3000},
        {"url": "http://127.0.0.1:9/\x00", "name": "<script>alert(1)</script>"},
    ],
)
def test_hostile_source_forms_are_refused_with_a_reason(signed_in, fields):
    page, api = signed_in()
    resp = _add(page, **fields)
    assert 400 <= resp.status_code < 500, resp.text
    assert 'class="flash flash-error"' in resp.text and "<script>alert" not in resp.text
    assert [s["kind"] for s in api.get("/api/v1/sources").json()["items"]] == ["embedded"]


def test_a_feed_subscription_form_refuses_a_bad_interval_or_address(signed_in):
    page, _api = signed_in()
    csrf = csrf_in(page.get(PAGE).text)
    for fields, said in [
        ({"url": "https://example.com/x.ics", "refresh_interval": "5"}, "refreshInterval"),
        ({"url": "https://example.com/x.ics", "refresh_interval": "soon"}, "minutes"),
        ({"url": "http://127.0.0.1:9/x.ics"}, "127.0.0.1"),
    ]:
        resp = page.post(f"{PAGE}/feeds", data={"csrf": csrf, **fields})
        assert resp.status_code == 422, resp.text
        assert said in resp.text and fields["url"] in resp.text


def test_a_feed_subscribed_by_the_form_and_its_failed_sync_now(signed_in, feed_server):
    feed, url = feed_server
    page, api = signed_in(ics_allow_private=True)
    csrf = csrf_in(page.get(PAGE).text)
    made = page.post(
        f"{PAGE}/feeds",
        data={"csrf": csrf, "url": url, "name": "Holidays", "refresh_interval": "30"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    source = api.get("/api/v1/sources/holidays").json()
    assert source["kind"] == "ics" and source["refreshInterval"] == 1800
    shown = page.get(PAGE).text
    assert "Subscribed to the feed as source &#39;holidays&#39;." in shown
    assert "<dd>30 min</dd>" in shown and "<dt>Last error</dt><dd>none</dd>" in shown
    feed.status = 500
    failed = page.post(f"{PAGE}/holidays/sync", data={"csrf": csrf})
    assert failed.status_code == 502 and "HTTP 500" in failed.text
    assert 'class="flash flash-error"' in failed.text
    assert failed.text.count("HTTP 500") >= 2  # the message, and the source's last error


def test_sync_now_of_the_embedded_store_and_of_an_unknown_source(signed_in):
    page, _api = signed_in()
    csrf = csrf_in(page.get(PAGE).text)
    done = page.post(f"{PAGE}/embedded/sync", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    missing = page.post(f"{PAGE}/nope%00/sync", data={"csrf": csrf})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    no_csrf = page.post(f"{PAGE}/embedded/sync", data={})
    assert no_csrf.status_code == 403


def test_remove_asks_first_and_the_embedded_store_stays(signed_in, xandikos_server):
    page, api = signed_in()
    assert _add(page, url=xandikos_server.url, name="gone").status_code == 303
    confirm = page.get(f"{PAGE}/gone/remove")
    assert confirm.status_code == 200 and "Nothing is deleted on the server" in confirm.text
    csrf = csrf_in(confirm.text)
    unticked = page.post(f"{PAGE}/gone/remove", data={"csrf": csrf})
    assert unticked.status_code == 422 and api.get("/api/v1/sources/gone").status_code == 200
    removed = page.post(
        f"{PAGE}/gone/remove", data={"csrf": csrf, "confirm": "yes"}, follow_redirects=False
    )
    assert removed.status_code == 303 and api.get("/api/v1/sources/gone").status_code == 404
    assert "the server keeps its data" in page.get(PAGE).text
    embedded = page.post(f"{PAGE}/embedded/remove", data={"csrf": csrf, "confirm": "yes"})
    assert embedded.status_code == 422 and "cannot be removed" in embedded.text


@pytest.mark.parametrize(
    "grant",
    [{"role": "write"}, {"role": "admin", "calendars": ["default"]}],
)
def test_only_an_unscoped_admin_has_the_page(signed_in, grant):
    page, api = signed_in()
    sign_in_as(page, _new_token(api, name="not for sources", **grant))
    assert "/ui/sources" not in page.get("/ui/calendars").text
    resp = page.get(PAGE)
    assert resp.status_code == 403 and "text/html" in resp.headers["content-type"]
    assert "managing sources" in resp.text
    csrf = csrf_in(page.get("/ui/calendars").text)
    posted = page.post(PAGE, data={"csrf": csrf, "url": "http://127.0.0.1:9/"})
    assert posted.status_code == 403
    assert page.post(f"{PAGE}/embedded/sync", data={"csrf": csrf}).status_code == 403


def test_a_failed_sync_shows_its_reason_until_one_works(signed_in, tmp_path):
    """A CalDAV server that stops: sync now is the server's error, and the sources page keeps
    why and when beside the calendar; the index's next good sync clears it (store level)."""
    from calgate.index import store
    from tests.servers import run_xandikos

    page, api = signed_in(index_max_age=3600)
    with run_xandikos(tmp_path / "gone") as server:
        assert _add(page, url=server.url, name="Gone", auth_type="basic").status_code == 303
        cal = api.get("/api/v1/sources/gone").json()["calendars"][0]["id"]
        assert "none</td>" in page.get(PAGE).text  # no sync error yet
    csrf = csrf_in(page.get(PAGE).text)
    failed = page.post(f"{PAGE}/gone/sync", data={"csrf": csrf})
    assert failed.status_code in (502, 503, 504), failed.text
    shown = page.get(PAGE).text
    assert '<span class="error-text">' in shown and "UTC)" in shown
    with page.app.state.runtime.db.session() as session:
        state = store.sync_state(session, calendar_id=cal)
        assert state.last_error and state.last_error_at is not None
        store.mark_synced(session, state, at=state.last_error_at, sync_token=None, ctag=None)
        assert state.last_error is None and state.last_error_at is None
