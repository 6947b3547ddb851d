"""The calendar page (issue 19): a calendar's facts, and for a token that may change it (the
rule of PATCH /api/v1/calendars/{id}) its name, time zone, booking policy and notification
template, each change through the API's service; the template's preview rendered by the mails'
sandbox, nothing saved."""

from __future__ import annotations

import re

import pytest

from tests.web.test_sign_in import csrf_of, make_token, sign_in

PAGE = "/ui/calendars/default"


@pytest.fixture
def admin(browser):
    assert sign_in(browser).status_code == 303
    return browser


def post(client, action: str, page: str = PAGE, **data):
    data.setdefault("csrf", csrf_of(client, page))
    return client.post(f"{page}/{action}", data=data, follow_redirects=False)


def api(make_client, calendar: str = "default") -> dict:
    return make_client().get(f"/api/v1/calendars/{calendar}").json()


def test_the_page_shows_the_calendar(admin):
    page = admin.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "<code>default</code>" in text and "CalDAV URL" in text and "Capabilities" in text
    assert 'action="/ui/calendars/default/policy"' in text
    assert '<option value="Europe/Berlin">' in text
    assert 'hx-post="/ui/calendars/default/preview"' in text
    assert '<script src="/ui/static/vendor/htmx.min.js"></script>' in text


def test_rename_and_time_zone_show_up_in_the_api(admin, make_client):
    done = post(admin, "name", name="Room A")
    assert done.status_code == 303 and done.headers["location"] == PAGE
    assert "renamed" in admin.get(PAGE).text
    done = post(admin, "time-zone", time_zone="America/New_York")
    assert done.status_code == 303
    found = api(make_client)
    assert found["name"] == "Room A" and found["timeZone"] == "America/New_York"


def test_the_booking_policy_shows_up_in_the_api(admin, make_client):
    done = post(admin, "policy", overlap="reject", auto_clear="on", notifications="always")
    assert done.status_code == 303
    found = api(make_client)
    assert (found["overlap"], found["autoClear"], found["notifications"]) == (
        "reject",
        True,
        "always",
    )
    assert "rejected (409)" in admin.get(PAGE).text
    post(admin, "policy", overlap="allow", notifications="off")
    found = api(make_client)
    assert (found["overlap"], found["autoClear"], found["notifications"]) == (
        "allow",
        False,
        "off",
    )


def test_the_template_is_saved_and_reset(admin, make_client):
    done = post(
        admin,
        "notification",
        notification_template="Hi {{ organizer.name }}: {{ name }} is gone.",
        notification_subject="Gone: {{ name }}",
    )
    assert done.status_code == 303
    found = api(make_client)
    assert found["notificationTemplate"] == "Hi {{ organizer.name }}: {{ name }} is gone."
    assert found["notificationSubject"] == "Gone: {{ name }}"
    post(admin, "notification", notification_template="", notification_subject="")
    found = api(make_client)
    assert found["notificationTemplate"] is None and found["notificationSubject"] is None


def test_the_preview_renders_with_the_sandbox_and_saves_nothing(admin, make_client):
    post(admin, "time-zone", time_zone="Europe/Berlin")
    shown = post(
        admin,
        "preview",
        notification_template="{{ name }} in {{ calendar_name }} at {{ start | datetime }}",
        notification_subject="About {{ name }}",
    )
    assert shown.status_code == 200
    assert "Team meeting in Default at 2025-03-03 10:00 CET" in shown.text
    assert "About Team meeting" in shown.text
    # what was typed stays in the form; nothing was saved
    assert "{{ name }} in {{ calendar_name }}" in shown.text
    assert api(make_client)["notificationTemplate"] is None


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (
            "{{ ''.__class__ }}",
            "access to attribute &#39;__class__&#39; of &#39;str&#39; is unsafe",
        ),
        ("{% if %}", "TemplateSyntaxError"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
)
def test_a_bad_template_shows_the_sandbox_error_and_is_not_saved(
    admin, make_client, template, reason
):
    shown = post(admin, "preview", notification_template=template, notification_subject="")
    assert shown.status_code == 200
    assert reason in shown.text and "default mail instead" in shown.text
    refused = post(admin, "notification", notification_template=template, notification_subject="")
    assert refused.status_code == 422 and 'class="flash flash-error"' in refused.text
    assert api(make_client)["notificationTemplate"] is None


def test_a_template_over_the_limit_is_refused_before_it_is_rendered(admin, make_client):
    for action in ("preview", "notification"):
        refused = post(admin, action, notification_template="x" * 20_001)
        assert refused.status_code == 422 and "at most 20000 characters" in refused.text
    long_subject = post(admin, "preview", notification_subject="s" * 301)
    assert "notificationSubject is longer than 300 characters" in long_subject.text
    assert api(make_client)["notificationTemplate"] is None


def test_htmx_gets_only_the_preview(admin):
    shown = admin.post(
        f"{PAGE}/preview",
        data={
            "csrf": csrf_of(admin, PAGE),
            "notification_template": "Dear {{ organizer }}",
            "notification_subject": "",
        },
        headers={"HX-Request": "true"},
    )
    assert shown.status_code == 200
    assert "Dear Organizer &lt;organizer@example.org&gt;" in shown.text
    assert "<html" not in shown.text and "<form" not in shown.text


def test_the_preview_needs_the_csrf_token(admin):
    refused = post(admin, "preview", csrf="forged", notification_template="{{ name }}")
    assert refused.status_code == 403 and "CSRF" in refused.text
    refused = admin.post(f"{PAGE}/preview", data={"notification_template": "x"})
    assert refused.status_code == 403


def test_a_failed_change_keeps_nothing_of_it(admin, make_client):
    """The template is set before the subject is checked: the refused subject undoes it."""
    refused = post(
        admin, "notification", notification_template="fine {{ name }}", notification_subject="{%"
    )
    assert refused.status_code == 422 and "notificationSubject" in refused.text
    assert "fine {{ name }}" in refused.text  # what was typed is still in the form
    assert api(make_client)["notificationTemplate"] is None


@pytest.mark.parametrize(
    ("action", "data", "reason"),
    [
        ("name", {"name": "x" * 201}, "at most 200 characters"),
        ("name", {"name": ""}, "at least 1 character"),
        ("name", {"name": "bad\x00name"}, "name"),
        ("time-zone", {"time_zone": "Mars/Olympus"}, "Mars/Olympus"),
        ("time-zone", {"time_zone": "\x00"}, "time_zone"),
        ("policy", {"overlap": "sometimes", "notifications": "off"}, "overlap"),
        ("notification", {"notification_template": "a\x00b"}, "notification_template"),
        ("preview", {"notification_template": "a\x00b"}, "notification_template"),
    ],
)
def test_hostile_input_is_an_error_on_the_page(admin, make_client, action, data, reason):
    before = api(make_client)
    answer = post(admin, action, **data)
    assert 400 <= answer.status_code < 500, answer.text
    assert reason in answer.text and "flash-error" in answer.text
    after = api(make_client)
    assert after == before


def test_a_form_over_the_body_limit_is_a_page_not_a_500(admin):
    answer = post(admin, "name", name="x" * 2_000_000)
    assert answer.status_code == 413 and "<html" in answer.text


def test_a_calendar_the_viewer_cannot_see_is_a_404_page(browser, make_client):
    make_client().post("/api/v1/calendars", json={"id": "other", "name": "Other"})
    token = make_token(make_client, role="write", calendars=["default"])
    assert sign_in(browser, token).status_code == 303
    assert browser.get(PAGE).status_code == 200
    for page in ("/ui/calendars/other", "/ui/calendars/nope", "/ui/calendars/%00"):
        missing = browser.get(page)
        assert missing.status_code == 404 and "no calendar with id" in missing.text
    forged = browser.post(
        "/ui/calendars/other/name",
        data={"csrf": csrf_of(browser, PAGE), "name": "Mine"},
        follow_redirects=False,
    )
    assert forged.status_code == 404
    assert api(make_client, "other")["name"] == "Other"


def test_a_read_token_gets_no_forms_and_a_forged_post_is_refused(browser, make_client):
    token = make_token(make_client, role="read")
    assert sign_in(browser, token).status_code == 303
    page = browser.get(PAGE)
    assert page.status_code == 200 and "<code>default</code>" in page.text
    assert "<form" not in page.text.split("</header>")[1]
    assert "htmx.min.js" not in page.text
    csrf = csrf_of(browser, PAGE)
    for action, data in [
        ("name", {"name": "Mine"}),
        ("policy", {"overlap": "reject", "notifications": "off"}),
        ("notification", {"notification_template": "x"}),
        ("preview", {"notification_template": "x"}),
    ]:
        refused = browser.post(
            f"{PAGE}/{action}", data={"csrf": csrf, **data}, follow_redirects=False
        )
        assert refused.status_code == 403, action
        assert "needs a token with role write" in refused.text
    api_refused = make_client()
    api_refused.headers["Authorization"] = f"Bearer {token}"
    assert api_refused.patch("/api/v1/calendars/default", json={"name": "x"}).status_code == 403
    assert api(make_client)["name"] == "Default"
    assert re.search(r"<h1>Default", browser.get(PAGE).text)


def test_an_unknown_form_is_a_404_page(admin):
    missing = post(admin, "delete", name="x")
    assert missing.status_code == 404 and "<html" in missing.text


def test_a_refused_change_is_undone_on_each_database(db_client):
    """The page catches the service's error (the API lets it end the request): the savepoint
    around the change undoes what the service set before it refused, on SQLite and PostgreSQL."""
    del db_client.headers["Authorization"]
    assert sign_in(db_client).status_code == 303
    refused = post(
        db_client,
        "notification",
        notification_template="kept? {{ name }}",
        notification_subject="{%",
    )
    assert refused.status_code == 422
    saved = post(db_client, "name", name="After the refusal")
    assert saved.status_code == 303
    page = db_client.get(PAGE).text
    assert "After the refusal" in page and "kept?" not in page
