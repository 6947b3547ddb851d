"""Bad input against the booking endpoints: wrong types, odd times, sandbox escapes, endless
rules, foreign scopes, and odd iCalendar data other clients wrote straight to the server. Every
refusal is RFC 9457 problem+json with a detail a person can act on, and loses nothing; odd
server data is cleared and counted sensibly.

Probes that could hang run in a child process that is killed after a generous bound: the bound
is a liveness check (the request must not spin forever), not a speed assertion."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.booking.helpers import ics, uids_on_server
from tests.conftest import auth

CAL = "/api/v1/calendars/default"
EVENTS = f"{CAL}/events"
FREEBUSY = "/api/v1/freebusy"
AVAILABILITY = "/api/v1/availability"
ICS = {"Content-Type": "text/calendar"}
ROOT = Path(__file__).resolve().parents[2]
# A request that should be refused at once gets this long before it counts as hanging.
LIVENESS_BOUND = 45


def problem(resp, status: int, *words: str, pointer: str | None = None) -> dict:
    """Assert an RFC 9457 answer with ``status`` whose detail names each of ``words``."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json", resp.headers
    body = resp.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    detail = body["detail"]
    assert isinstance(detail, str) and len(detail) > 10, body
    assert "Traceback" not in detail, body
    # the detail, or for several fields a summary plus one entry per field in ``errors``
    said = " ".join([detail, *(e["detail"] for e in body.get("errors", []))]).lower()
    for word in words:
        assert word.lower() in said, (word, body)
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body.get("errors", [])], body
    return body


def event(title: str, start: str, end: str, **extra: object) -> dict[str, object]:
    return {"title": title, "start": start, "end": end, **extra}


def vcalendar(*lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//probe//EN", *lines, "END:VCALENDAR", ""]
    )


def vevent(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"]


def titles(client, cal: str, start: str = "2026-01-01", end: str = "2026-12-31") -> list[str]:
    resp = client.get(f"/api/v1/calendars/{cal}/events", params={"start": start, "end": end})
    assert resp.status_code == 200, resp.text
    return sorted(e["title"] for e in resp.json()["items"])


@pytest.fixture
def rejecting(client, calendar_id) -> str:
    resp = client.patch(
        f"/api/v1/calendars/{calendar_id}", json={"overlap": "reject", "timeZone": "Europe/Berlin"}
    )
    assert resp.status_code == 200, resp.text
    return calendar_id


@pytest.fixture
def default_rejecting(client) -> str:
    resp = client.patch(CAL, json={"overlap": "reject", "timeZone": "Europe/Berlin"})
    assert resp.status_code == 200, resp.text
    return "default"


@pytest.fixture
def tokens(client) -> dict[str, str]:
    """A read token for every calendar and a read token scoped to another calendar."""
    other = client.post("/api/v1/calendars", json={"id": "other", "name": "Other"})
    assert other.status_code == 201, other.text
    made = {}
    for name, body in {
        "read": {"role": "read"},
        "scoped": {"role": "write", "calendars": ["other"]},
    }.items():
        resp = client.post("/api/v1/tokens", json=body)
        assert resp.status_code == 201, resp.text
        made[name] = resp.json()["token"]
    return made


def run_isolated(script: str) -> dict:
    """Run ``script`` (which prints one JSON line last) in a fresh interpreter with a fresh
    calgate; fail when it does not finish within LIVENESS_BOUND seconds (then it is killed)."""
    prelude = textwrap.dedent(
        """
        import json, tempfile, pathlib, logging
        logging.disable(logging.CRITICAL)
        from fastapi.testclient import TestClient
        from calgate.api.app import create_app
        from calgate.settings import Settings
        TOKEN = "cg_test-admin-" + "0" * 32
        def make_client():
            folder = pathlib.Path(tempfile.mkdtemp())
            settings = Settings(_env_file=None, data_dir=folder / "data", admin_token=TOKEN,
                                index_max_age=0, background_sync=False, clear_interval=0)
            client = TestClient(create_app(settings), raise_server_exceptions=False)
            client.__enter__()
            client.headers.update({"Authorization": f"Bearer {TOKEN}"})
            return client
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(script)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=LIVENESS_BOUND,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {LIVENESS_BOUND} s (hangs): {script.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- calendar policy and templates -------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"overlap": 1}, "#/overlap"),
        ({"overlap": "sometimes"}, "#/overlap"),
        ({"overlap": "REJECT "}, "#/overlap"),
        ({"autoClear": 2}, "#/autoClear"),
        ({"autoClear": "maybe"}, "#/autoClear"),
        ({"notificationTemplate": 5}, "#/notificationTemplate"),
        ({"notificationTemplate": ["{{ name }}"]}, "#/notificationTemplate"),
        ({"notificationTemplate": "x" * 20_001}, "#/notificationTemplate"),
        ({"notificationTemplate": "a\x00b"}, "#/notificationTemplate"),
        ({"notificationSubject": "x" * 301}, "#/notificationSubject"),
        ({"notificationSubject": "{% if %}"}, "#/notificationSubject"),
        ({"overlap": "reject", "unknownSetting": True}, "#/unknownSetting"),
    ],
)
def test_policy_settings_of_the_wrong_kind_are_422(client, body, pointer):
    before = client.get(CAL).json()
    problem(client.patch(CAL, json=body), 422, pointer=pointer)
    after = client.get(CAL).json()
    assert {k: after[k] for k in ("overlap", "autoClear", "notificationTemplate")} == {
        k: before[k] for k in ("overlap", "autoClear", "notificationTemplate")
    }


@pytest.mark.parametrize("body", [[1], "null", 5])
def test_policy_body_that_is_not_an_object_is_422(client, body):
    problem(client.patch(CAL, json=body), 422, "object")


@pytest.mark.parametrize(
    ("template", "word"),
    [
        ("{{ ''.__class__.__mro__ }}", "__class__"),
        ("{{ name.__init__ }}", "__init__"),
        ("{{ organizer.__class__ }}", "__class__"),
        ("{{ cycler.__init__.__globals__ }}", "__init__"),
        ("{{ '{0.__class__}'.format(name) }}", "__class__"),
        ("{{ name|attr('__class__') }}", "__class__"),
        ("{{ overlap_events.append(1) }}", "append"),
        ("{% include 'secrets' %}", "loader"),
        ("{% extends 'base' %}", "loader"),
        ("{% for i in range(10**9) %}x{% endfor %}", "range"),
        ("{{ 1 / 0 }}", "division"),
        ("{{ start | datetime(5) }}", "strftime"),
        ("{% if %}", "not a valid Jinja2 template"),
    ],
)
def test_templates_that_escape_or_fail_are_refused_and_nothing_is_stored(client, template, word):
    kept = "Kept {{ name }}"
    assert client.patch(CAL, json={"notificationTemplate": kept}).status_code == 200
    for field in ("notificationTemplate", "notificationSubject"):
        problem(client.patch(CAL, json={field: template}), 422, word, pointer=f"#/{field}")
    got = client.get(CAL).json()
    assert got["notificationTemplate"] == kept and got["notificationSubject"] is None


def test_template_with_huge_output_is_refused(client):
    problem(
        client.patch(CAL, json={"notificationTemplate": "{{ 'x' * 10**7 }}"}),
        422,
        pointer="#/notificationTemplate",
    )
    assert client.get(CAL).json()["notificationTemplate"] is None


def test_template_that_loops_for_ages_is_refused_promptly():
    template = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    got = run_isolated(
        f"""
        client = make_client()
        body = {{"notificationTemplate": {template!r}}}
        resp = client.patch("/api/v1/calendars/default", json=body)
        print(json.dumps({{"status": resp.status_code}}))
        """
    )
    assert got["status"] == 422


def test_subject_with_newlines_becomes_one_header_line(make_client):
    # An SMTP server that is never reached: the mail waits in the outbox, where we read it.
    client = make_client(
        smtp_server="127.0.0.1", smtp_port=9, smtp_email="rooms@example.org", smtp_ssl=False
    )
    subject = "Booking {{ name }}\r\nBcc: victim@example.org\nX-Evil: 1"
    # the default body: mails go out only for calendars that opted in to it
    settings = {"notificationSubject": subject, "notifications": "always"}
    assert client.patch(CAL, json=settings).status_code == 200
    for uid, start, end, created in (
        ("a", "20270301T100000Z", "20270301T110000Z", "20260101T000000Z"),
        ("b", "20270301T103000Z", "20270301T113000Z", "20260102T000000Z"),
    ):
        resp = client.post(EVENTS, content=ics(uid, start, end, created=created), headers=ICS)
        assert resp.status_code == 201, resp.text
    report = client.post(f"{CAL}/clear-bookings").json()
    assert report["notified"] == 1
    with client.app.state.runtime.db.session() as session:
        subjects = [row[0] for row in session.execute(text("SELECT subject FROM outbox"))]
    assert subjects == ["Booking Booking b Bcc: victim@example.org X-Evil: 1"]


# -- writes under overlap: reject --------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        (event("Back", "2026-03-02T11:00:00", "2026-03-02T10:00:00"), 422, "after start"),
        (event("Zero", "2026-03-02T10:30:00", "2026-03-02T10:30:00"), 422, "after start"),
        ({"title": "T", "start": 5, "end": None}, 422, "string"),
        ({"title": "T", "start": "2026-03-02T25:00:00"}, 422, "start"),
        ({"title": "T"}, 422, "start"),
        (event("Day", "2026-03-02", "2026-03-03"), 409, "Base"),
        (event("Offset", "2026-03-02T14:30:00+05:00", "2026-03-02T12:00:00"), 409, "Base"),
        (event("Naive", "2026-03-02T10:30:00", "2026-03-02T12:00:00"), 409, "Base"),
    ],
)
def test_bad_or_clashing_json_bookings_are_refused_and_store_nothing(
    client, rejecting, body, status, word
):
    base = client.post(
        f"/api/v1/calendars/{rejecting}/events",
        json=event("Base", "2026-03-02T10:00:00", "2026-03-02T11:00:00"),
    )
    assert base.status_code == 201, base.text
    problem(client.post(f"/api/v1/calendars/{rejecting}/events", json=body), status, word)
    assert titles(client, rejecting) == ["Base"]


def test_offset_and_naive_times_are_the_same_instant(client, default_rejecting):
    first = client.post(EVENTS, json=event("Z", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"))
    assert first.status_code == 201, first.text
    # 10:00 Berlin (the calendar's zone) is 09:00Z: taken; 11:00 Berlin is free
    problem(client.post(EVENTS, json=event("N", "2026-03-02T10:00:00", "2026-03-02T10:30:00")), 409)
    ok = client.post(EVENTS, json=event("N", "2026-03-02T11:00:00", "2026-03-02T12:00:00"))
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("body", "word"),
    [
        (
            {
                "@type": "Event",
                "uid": "js-neg",
                "title": "JS",
                "start": "2026-03-09T10:30:00",
                "timeZone": "Europe/Berlin",
                "duration": "-PT1H",
            },
            "duration",
        ),
        (
            {
                "@type": "Event",
                "uid": "js-tz",
                "title": "JS",
                "start": "2026-03-09T10:30:00",
                "timeZone": "Nowhere/X",
                "duration": "PT1H",
            },
            "Nowhere/X",
        ),
        ({"@type": "Task", "uid": "js-task", "title": "JS"}, "Event"),
    ],
)
def test_bad_jscalendar_bookings_are_422(client, rejecting, body, word):
    resp = client.post(
        f"/api/v1/calendars/{rejecting}/events",
        json=body,
        headers={"Content-Type": "application/jscalendar+json"},
    )
    problem(resp, 422, word)
    assert titles(client, rejecting) == []


@pytest.mark.parametrize(
    "lines",
    [
        ["DTSTART:20260302T103000Z", "DTEND:20260302T100000Z"],
        ["DTSTART:20260302T103000Z", "DURATION:-PT1H"],
        ["DTSTART:20260302T103000Z", "DURATION:P0D"],
    ],
)
def test_raw_bookings_without_length_are_stored_as_sent_and_block_nothing(
    client, default_rejecting, lines
):
    # A raw body is stored as sent (services/ical_text.py); one that takes no time is not a clash
    # and holds no time.
    base = client.post(EVENTS, json=event("Base", "2026-03-02T11:00:00", "2026-03-02T12:00:00"))
    assert base.status_code == 201, base.text
    body = vcalendar(*vevent(f"raw-{uuid.uuid4()}", *lines, "SUMMARY:Raw"))
    resp = client.post(EVENTS, content=body, headers=ICS)
    assert resp.status_code == 201, resp.text
    later = client.post(EVENTS, json=event("Later", "2026-03-02T10:00:00", "2026-03-02T11:00:00"))
    assert later.status_code == 201, later.text
    assert titles(client, "default") == ["Base", "Later", "Raw"]


@pytest.mark.parametrize(
    ("lines", "word"),
    [
        (["DURATION:PT1H"], "DTSTART"),
        (["DTSTART;VALUE=DATE:20260302", "DTEND:20260303T090000Z"], "DTEND"),
    ],
)
def test_raw_bookings_with_broken_times_are_422(client, default_rejecting, lines, word):
    body = vcalendar(*vevent(f"raw-{uuid.uuid4()}", *lines, "SUMMARY:Raw"))
    problem(client.post(EVENTS, content=body, headers=ICS), 422, word)


def test_endless_secondly_rule_is_refused_with_a_clear_reason(client, default_rejecting):
    # Refused from the rule alone (more occurrences in the checked horizon than
    # services.booking.MAX_CHECKED), without expanding them under the calendar's lock.
    body = vcalendar(
        *vevent("endless", "DTSTART:20270302T093000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")
    )
    problem(client.post(EVENTS, content=body, headers=ICS), 422, "too many occurrences")
    assert titles(client, "default", "2027-03-01", "2027-03-03") == []


def test_unbounded_hourly_rule_is_checked_and_booked(client, default_rejecting):
    resp = client.post(
        EVENTS,
        json=event(
            "Hourly",
            "2027-03-01T09:00:00",
            "2027-03-01T09:10:00",
            recurrence={"frequency": "hourly"},
        ),
    )
    assert resp.status_code == 201, resp.text
    clash = client.post(EVENTS, json=event("X", "2027-06-01T12:05:00", "2027-06-01T12:06:00"))
    problem(clash, 409, "Hourly")


def test_json_rule_with_interval_zero_is_422(client, default_rejecting):
    body = event(
        "Zero",
        "2027-03-01T09:00:00",
        "2027-03-01T10:00:00",
        recurrence={"frequency": "hourly", "interval": 0},
    )
    problem(client.post(EVENTS, json=body), 422, pointer="#/recurrence/interval")


def test_raw_rule_with_interval_zero_is_refused_promptly():
    got = run_isolated(
        """
        client = make_client()
        client.patch("/api/v1/calendars/default", json={"overlap": "reject"})
        body = ("BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:-//p//EN\\r\\nBEGIN:VEVENT\\r\\n"
                "UID:zero\\r\\nDTSTAMP:20260101T000000Z\\r\\nDTSTART:20270302T093000Z\\r\\n"
                "DURATION:PT1H\\r\\nRRULE:FREQ=HOURLY;INTERVAL=0\\r\\nSUMMARY:Zero\\r\\n"
                "END:VEVENT\\r\\nEND:VCALENDAR\\r\\n")
        resp = client.post("/api/v1/calendars/default/events", content=body,
                           headers={"Content-Type": "text/calendar"})
        print(json.dumps({"status": resp.status_code, "type": resp.headers["content-type"]}))
        """
    )
    assert got == {"status": 422, "type": "application/problem+json"}


def test_stored_rule_with_interval_zero_counts_once_and_does_not_hang():
    # INTERVAL=0 stored in the embedded store's folder by something other than calgate
    # (/dav/ refuses it: tests/robustness/test_dav_rules.py): listing, free/busy and a
    # booking next to it must answer, reading the event as a single one.
    got = run_isolated(
        """
        import base64
        client = make_client()
        runtime = client.app.state.runtime
        client.patch("/api/v1/calendars/default", json={"overlap": "reject"})
        body = ("BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nPRODID:-//p//EN\\r\\nBEGIN:VEVENT\\r\\n"
                "UID:zero\\r\\nDTSTAMP:20260101T000000Z\\r\\nDTSTART:20270302T093000Z\\r\\n"
                "DURATION:PT1H\\r\\nRRULE:FREQ=HOURLY;INTERVAL=0\\r\\nSUMMARY:Zero\\r\\n"
                "END:VEVENT\\r\\nEND:VCALENDAR\\r\\n")
        basic = base64.b64encode(f"x:{TOKEN}".encode()).decode()
        dav = {"Content-Type": "text/calendar", "Authorization": f"Basic {basic}"}
        put = client.put("/dav/calgate/default/zero.ics", content=body, headers=dav)
        folder = runtime.settings.data_dir / "collections" / "collection-root" / "calgate"
        (folder / "default" / "zero.ics").write_text(body, newline="")
        listing = client.get("/api/v1/calendars/default/events",
                             params={"start": "2027-03-01", "end": "2027-03-08", "expand": "true"})
        clash = client.post("/api/v1/calendars/default/events", json={
            "title": "X", "start": "2027-03-02T09:45:00Z", "end": "2027-03-02T10:15:00Z"})
        later = client.post("/api/v1/calendars/default/events", json={
            "title": "Y", "start": "2027-03-02T11:00:00Z", "end": "2027-03-02T12:00:00Z"})
        print(json.dumps({"put": put.status_code, "listing": listing.status_code,
                          "starts": [e["start"] for e in listing.json()["items"]],
                          "clash": clash.status_code, "later": later.status_code}))
        """
    )
    assert got == {
        "put": 403,
        "listing": 200,
        "starts": ["2027-03-02T09:30:00Z"],
        "clash": 409,
        "later": 201,
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T23:00:00", "9999-12-31T23:59:00"),
        ("0001-01-01T00:00:00", "0001-01-01T01:00:00"),
    ],
)
def test_dates_at_the_end_of_time_are_422(client, default_rejecting, start, end):
    problem(client.post(EVENTS, json=event("Edge", start, end)), 422)


def test_occurrence_edits_with_bad_input(client, rejecting):
    url = f"/api/v1/calendars/{rejecting}/events"
    series = client.post(
        url,
        json=event(
            "Weekly",
            "2026-03-02T08:00:00",
            "2026-03-02T09:00:00",
            recurrence={"frequency": "weekly", "count": 6},
        ),
    )
    assert series.status_code == 201, series.text
    other = client.post(url, json=event("Other", "2026-03-23T10:00:00", "2026-03-23T11:00:00"))
    assert other.status_code == 201, other.text
    sid = series.json()["id"]
    inst = f"{url}/{sid}/instances"
    problem(client.patch(f"{inst}/not-a-time", json={"title": "x"}), 422)
    problem(client.patch(f"{inst}/2026-03-03T08:00:00", json={"title": "x"}), 404)
    problem(
        client.patch(
            f"{inst}/2026-03-16T08:00:00", params={"range": "everything"}, json={"title": "x"}
        ),
        422,
        pointer="range",
    )
    # moving this and the following occurrences onto Other's slot is a conflict
    moved = client.patch(
        f"{inst}/2026-03-16T08:00:00",
        params={"range": "thisAndFollowing"},
        json={"start": "2026-03-16T10:30:00", "end": "2026-03-16T11:30:00"},
    )
    problem(moved, 409, "Other")
    problem(
        client.patch(
            f"{inst}/2026-03-16T08:00:00",
            params={"range": "thisAndFollowing"},
            json={"start": "2026-03-16T11:00:00", "end": "2026-03-16T10:00:00"},
        ),
        422,
        "after start",
    )
    # nothing changed: one series of six plus Other
    got = client.get(f"{url}/{sid}").json()
    assert got["title"] == "Weekly" and got["recurrence"]["count"] == 6
    assert titles(client, rejecting) == ["Other", "Weekly"]


# -- clearing ----------------------------------------------------------------------------
def _overlapping_pair(client) -> None:
    for uid, start, end, created in (
        ("first", "20270301T100000Z", "20270301T110000Z", "20260101T000000Z"),
        ("second", "20270301T103000Z", "20270301T113000Z", "20260102T000000Z"),
    ):
        resp = client.post(EVENTS, content=ics(uid, start, end, created=created), headers=ICS)
        assert resp.status_code == 201, resp.text


def _uids(client) -> list[str]:
    resp = client.get(EVENTS, params={"start": "2027-03-01", "end": "2027-03-02"})
    return sorted(e["uid"] for e in resp.json()["items"])


@pytest.mark.parametrize("value", ["2", "", "maybe", "null"])
def test_dry_run_values_that_are_not_booleans_are_422_and_change_nothing(client, value):
    _overlapping_pair(client)
    for path in (f"{CAL}/clear-bookings", "/api/v1/clear-bookings"):
        problem(client.post(path, params={"dryRun": value}), 422, "dryRun", pointer="dryRun")
    assert _uids(client) == ["first", "second"]


@pytest.mark.parametrize("value", ["yes", "TRUE", "on", "1"])
def test_dry_run_truthy_spellings_change_nothing(client, value):
    _overlapping_pair(client)
    report = client.post(f"{CAL}/clear-bookings", params={"dryRun": value})
    assert report.status_code == 200, report.text
    assert report.json()["test_mode"] is True
    assert [d["event"]["uid"] for d in report.json()["deleted_overlapping_events"]] == ["second"]
    assert _uids(client) == ["first", "second"]


def test_clearing_unknown_foreign_or_read_only(client, tokens):
    _overlapping_pair(client)
    problem(client.post("/api/v1/calendars/nope/clear-bookings"), 404, "nope")
    problem(client.post("/api/v1/calendars/Bad!/clear-bookings"), 422, "calendar_id")
    scoped, read = auth(tokens["scoped"]), auth(tokens["read"])
    problem(client.post(f"{CAL}/clear-bookings", headers=scoped), 404, "default")
    problem(client.post(f"{CAL}/clear-bookings", headers=read), 403, "write")
    problem(client.post("/api/v1/clear-bookings", headers=read), 403, "write")
    problem(client.delete("/api/clear-bookings", params={"calendar": "default"}, headers=read), 403)
    problem(
        client.delete("/api/clear-bookings", params={"calendar": "default"}, headers=scoped), 404
    )
    problem(client.delete("/api/clear-bookings", params={"calendar": "nope", "test": "1"}), 404)
    problem(client.delete("/api/clear-bookings", params={"calendar": "Bad Cal"}), 422, "calendar")
    problem(client.post("/api/v1/clear-bookings", headers={"Authorization": "Bearer nope"}), 401)
    # a read token may look (dry run), and the scoped token's sweep covers only its calendar
    # (both are marked autoClear: the sweep covers marked calendars the token sees)
    dry = client.post(f"{CAL}/clear-bookings", params={"dryRun": "true"}, headers=read)
    assert dry.status_code == 200 and dry.json()["test_mode"] is True
    for cal in ("default", "other"):
        marked = client.patch(f"/api/v1/calendars/{cal}", json={"autoClear": True})
        assert marked.status_code == 200, marked.text
    swept = client.delete("/api/clear-bookings", headers=scoped)
    assert swept.status_code == 200, swept.text
    assert swept.json() == {
        "deleted_cancelled_events": [],
        "deleted_overlapping_events": [],
        "cancelled_overlapping_recurring_events": [],
        "ignored_overlapping_events": [],
        "test_mode": False,
    }
    assert _uids(client) == ["first", "second"]


def test_drop_in_clear_with_an_unknown_test_value_is_422_and_deletes_nothing(client):
    _overlapping_pair(client)
    resp = client.delete("/api/clear-bookings", params={"calendar": "default", "test": "weird"})
    problem(resp, 422, "test", pointer="test")
    assert _uids(client) == ["first", "second"]


@pytest.mark.parametrize("value", ["1", "ok", "OK", "true", "yes"])
def test_drop_in_clear_test_spellings_are_dry_runs(client, value):
    _overlapping_pair(client)
    resp = client.delete("/api/clear-bookings", params={"calendar": "default", "test": value})
    assert resp.status_code == 200, resp.text
    assert resp.json()["test_mode"] is True
    assert [d["event"]["uid"] for d in resp.json()["deleted_overlapping_events"]] == ["second"]
    assert _uids(client) == ["first", "second"]


ODD_OBJECTS: dict[str, list[str]] = {
    # (uid: the VEVENT lines) as other clients write them; all around 2027-03-01
    "anchor": ["DTSTART:20270301T080000Z", "DTEND:20270301T110000Z", "CREATED:20260101T000000Z"],
    "no-dtend": ["DTSTART:20270301T100000Z", "CREATED:20260102T000000Z"],
    "backwards": [
        "DTSTART:20270301T100000Z",
        "DTEND:20270301T090000Z",
        "CREATED:20260103T000000Z",
    ],
    "zero-duration": ["DTSTART:20270301T100000Z", "DURATION:P0D", "CREATED:20260104T000000Z"],
    "allday-datetime-end": [
        "DTSTART;VALUE=DATE:20270305",
        "DTEND:20270306T120000Z",
        "CREATED:20260105T000000Z",
    ],
    "future-created": [
        "DTSTART:20270301T103000Z",
        "DTEND:20270301T113000Z",
        "CREATED:29990101T000000Z",
    ],
    "bad-created": [
        "DTSTART:20270301T090000Z",
        "DTEND:20270301T093000Z",
        "CREATED:yesterday",
    ],
    "no-mailto": [
        "DTSTART:20270301T090000Z",
        "DTEND:20270301T100000Z",
        "CREATED:20260106T000000Z",
    ],
    "prio-yes": [
        "DTSTART:20270301T083000Z",
        "DTEND:20270301T090000Z",
        "CREATED:20260107T000000Z",
        "X-CALGATE-PRIORITIZED:yes",
    ],
}


def _odd_calendar(uid: str, lines: list[str]) -> str:
    organizer = "ORGANIZER;CN=Bob:bob" if uid == "no-mailto" else f"ORGANIZER:mailto:{uid}@x.org"
    return vcalendar(*vevent(uid, *lines, f"SUMMARY:{uid}", organizer))


def _series_cancelled_override_only() -> str:
    return vcalendar(
        *vevent(
            "series",
            "DTSTART:20270302T080000Z",
            "DTEND:20270302T090000Z",
            "RRULE:FREQ=DAILY;COUNT=3",
            "SUMMARY:series",
            "CREATED:20260101T000000Z",
            "ORGANIZER:mailto:series@x.org",
        ),
        *vevent(
            "series",
            "RECURRENCE-ID:20270303T080000Z",
            "DTSTART:20270303T080000Z",
            "DTEND:20270303T090000Z",
            "STATUS:CANCELLED",
            "SUMMARY:series (off)",
        ),
    )


def test_odd_server_data_is_cleared_and_counted_sensibly(client, calendar_id, raw):
    stored = []
    for uid, lines in ODD_OBJECTS.items():
        try:
            raw.save_event(_odd_calendar(uid, lines))
        except Exception:  # servers refuse different odd objects; the rest must still work
            assert uid != "anchor"
            continue
        stored.append(uid)
    raw.save_event(_series_cancelled_override_only())
    assert "anchor" in stored
    url = f"/api/v1/calendars/{calendar_id}/clear-bookings"
    dry = client.post(url, params={"dryRun": "true"})
    assert dry.status_code == 200, dry.text
    real = client.post(url)
    assert real.status_code == 200, real.text
    assert real.json()["deleted_overlapping_events"] == dry.json()["deleted_overlapping_events"]
    report = real.json()
    deleted = sorted(d["event"]["uid"] for d in report["deleted_overlapping_events"])
    # events without length block nothing and lose nothing; "yes" is not TRUE; the newest
    # (a CREATED in the future counts as new) loses to the anchor
    expected = {"future-created", "no-mailto", "prio-yes", "bad-created"} & set(stored)
    assert set(deleted) == expected, report
    assert report["deleted_cancelled_events"] == []  # a cancelled override alone is left alone
    assert report["cancelled_overlapping_recurring_events"] == []
    left = set(uids_on_server(raw))
    assert left == (set(stored) | {"series"}) - expected
    # free/busy: the anchor; the series except its cancelled occurrence; an all-day event
    # whose DTEND is a DATE-TIME (where the server kept it) from the start of its day
    fb = client.post(
        FREEBUSY, json={"calendars": [calendar_id], "start": "2027-03-01", "end": "2027-03-08"}
    )
    assert fb.status_code == 200, fb.text
    busy = fb.json()["calendars"][0]["busy"]
    assert busy[:3] == [
        {"start": "2027-03-01T08:00:00Z", "end": "2027-03-01T11:00:00Z"},
        {"start": "2027-03-02T08:00:00Z", "end": "2027-03-02T09:00:00Z"},
        {"start": "2027-03-04T08:00:00Z", "end": "2027-03-04T09:00:00Z"},
    ]
    rest = [p["start"] for p in busy[3:]]
    assert rest == (["2027-03-05T00:00:00Z"] if "allday-datetime-end" in stored else [])


# -- free/busy ---------------------------------------------------------------------------
FB = {"calendars": ["default"], "start": "2026-03-01", "end": "2026-03-02"}


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"calendars": []}, "#/calendars"),
        ({"calendars": "default"}, "#/calendars"),
        ({"calendars": ["Default"]}, "#/calendars/0"),
        ({"calendars": ["default", "default"]}, "#/calendars"),
        ({"calendars": [f"c{i}" for i in range(51)]}, "#/calendars"),
        ({"start": 20260301}, "#/start"),
        ({"start": "nope"}, "#/start"),
        ({"start": "2026-03-01T25:00:00"}, "#/start"),
        ({"end": "2026-03-01"}, "#/end"),
        ({"end": "2026-02-01"}, "#/end"),
        ({"start": "2026-03-01T10:00:00", "end": "2026-03-01T12:00:00+05:00"}, "#/end"),
        ({"end": "2030-03-02"}, "#/end"),
        ({"timeZone": "Nowhere/X"}, "#/timeZone"),
        ({"timeZone": ""}, "#/timeZone"),
        ({"timeZone": "+05:00"}, "#/timeZone"),
        ({"timeZone": "../../etc/passwd"}, "#/timeZone"),
        ({"timeZone": "UTC\x00"}, "#/timeZone"),
        ({"extra": 1}, "#/extra"),
    ],
)
def test_free_busy_bad_requests_are_422_with_a_pointer(client, change, pointer):
    problem(client.post(FREEBUSY, json={**FB, **change}), 422, pointer=pointer)


def test_free_busy_unknown_and_foreign_calendars_are_404(client, tokens):
    many = [f"c{i}" for i in range(50)]
    problem(client.post(FREEBUSY, json={**FB, "calendars": many}), 404, "c0")
    problem(client.post(FREEBUSY, json={**FB, "calendars": ["other", "nope"]}), 404, "nope")
    scoped = auth(tokens["scoped"])
    problem(client.post(FREEBUSY, json={**FB, "calendars": ["default"]}, headers=scoped), 404)
    ok = client.post(FREEBUSY, json={**FB, "calendars": ["other"]}, headers=scoped)
    assert ok.status_code == 200, ok.text


def test_free_busy_body_that_is_not_json_is_422(client):
    resp = client.post(FREEBUSY, content="notjson", headers={"Content-Type": "application/json"})
    problem(resp, 422, "JSON")


def test_free_busy_at_the_edges_of_time(client):
    for change in (
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "9999-12-30", "end": "9999-12-31T23:59:59"},
        {"start": "0001-01-01", "end": "0001-01-02", "timeZone": "Pacific/Kiritimati"},
    ):
        resp = client.post(FREEBUSY, json={**FB, **change})
        assert resp.status_code == 200, (change, resp.text)
        assert resp.json()["calendars"] == [{"calendarId": "default", "busy": []}]


def test_free_busy_local_time_past_the_end_of_time_is_422(client):
    body = {
        **FB,
        "start": "9999-12-31T22:00:00",
        "end": "9999-12-31T23:00:00",
        "timeZone": "America/Los_Angeles",
    }
    problem(client.post(FREEBUSY, json=body), 422)


# -- availability ------------------------------------------------------------------------
AV = {
    "groups": [{"calendars": ["default"]}],
    "start": "2026-03-02",
    "end": "2026-03-03",
    "duration": "PT1H",
}


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"duration": "P2D"}, "#/duration"),
        ({"duration": "PT0S"}, "#/duration"),
        ({"duration": "-PT1H"}, "#/duration"),
        ({"duration": "1 hour"}, "#/duration"),
        ({"duration": "P1Y"}, "#/duration"),
        ({"end": "2026-03-02T00:30:00"}, "#/duration"),
        ({"workingHours": {"from": "17:00", "to": "09:00"}}, "#/workingHours/to"),
        ({"workingHours": {"from": "09:00", "to": "09:00"}}, "#/workingHours/to"),
        ({"workingHours": {"from": "24:00", "to": "24:00"}}, "#/workingHours/to"),
        ({"workingHours": {"from": "9:00", "to": "17:00"}}, "#/workingHours/from"),
        ({"workingHours": {"to": "17:00"}}, "#/workingHours/from"),
        ({"workingHours": {"from": "09:00", "to": "17:00", "days": []}}, "#/workingHours/days"),
        (
            {"workingHours": {"from": "09:00", "to": "17:00", "days": ["xx"]}},
            "#/workingHours/days/0",
        ),
        ({"bufferBefore": "-PT5M"}, "#/bufferBefore"),
        ({"bufferAfter": "xx"}, "#/bufferAfter"),
        ({"step": "PT0S"}, "#/step"),
        ({"step": "PT30S"}, "#/step"),
        ({"step": "P2D"}, "#/step"),
        ({"maxSlots": 0}, "#/maxSlots"),
        ({"maxSlots": 10**20}, "#/maxSlots"),
        ({"maxSlots": 1.5}, "#/maxSlots"),
        ({"groups": []}, "#/groups"),
        ({"groups": [{"calendars": ["default"], "required": 2}]}, "#/groups/0/required"),
        ({"groups": [{"calendars": ["default"], "required": 0}]}, "#/groups/0/required"),
        ({"groups": [{"calendars": ["default"], "required": True}]}, "#/groups/0/required"),
        ({"groups": [{"calendars": ["default"], "required": "any"}]}, "#/groups/0/required"),
        ({"groups": [{"calendars": ["default"], "required": 10**30}]}, "#/groups/0/required"),
        ({"groups": [{"calendars": ["default", "default"]}]}, "#/groups/0/calendars"),
        ({"groups": [{"calendars": [f"c{i}"]} for i in range(51)]}, "#/groups"),
        ({"timeZone": "Nowhere/X"}, "#/timeZone"),
    ],
)
def test_availability_bad_requests_are_422_with_a_pointer(client, change, pointer):
    problem(client.post(AVAILABILITY, json={**AV, **change}), 422, pointer=pointer)


def test_availability_odd_but_valid_requests(client, tokens):
    # the same calendar in two groups; working hours shorter than the slot give no slots
    two = client.post(AVAILABILITY, json={**AV, "groups": [{"calendars": ["default"]}] * 2})
    assert two.status_code == 200 and two.json()["slots"][0]["groups"] == [
        {"free": ["default"]},
        {"free": ["default"]},
    ]
    short = client.post(
        AVAILABILITY,
        json={**AV, "duration": "PT2H", "workingHours": {"from": "09:00", "to": "10:00"}},
    )
    assert short.status_code == 200 and short.json()["slots"] == []
    # buffers may reach far past the window
    far = client.post(AVAILABILITY, json={**AV, "bufferAfter": "P1000D", "maxSlots": 1})
    assert far.status_code == 200 and far.json()["truncated"] is True
    # the spring-forward hour does not exist in Berlin: no slot in it, no error
    gap = client.post(
        AVAILABILITY,
        json={
            **AV,
            "start": "2026-03-29",
            "end": "2026-03-30",
            "duration": "PT30M",
            "timeZone": "Europe/Berlin",
            "workingHours": {"from": "02:00", "to": "03:00", "days": ["su"]},
        },
    )
    assert gap.status_code == 200 and gap.json()["slots"] == []
    problem(client.post(AVAILABILITY, json={**AV, "groups": [{"calendars": ["nope"]}]}), 404)
    scoped = client.post(AVAILABILITY, json=AV, headers=auth(tokens["scoped"]))
    problem(scoped, 404, "default")


@pytest.mark.parametrize(
    "change",
    [
        {"duration": "PT999999999999H"},
        {"bufferBefore": "P99999999D"},
        {"start": "9999-12-30", "end": "9999-12-31", "bufferAfter": "P2D"},
        {"start": "0001-01-01", "end": "0001-01-02", "bufferBefore": "PT1H"},
    ],
)
def test_availability_durations_beyond_the_calendar_are_422(client, change):
    problem(client.post(AVAILABILITY, json={**AV, **change}), 422)


# -- the room-booking tool's routes ------------------------------------------------------
DROP_IN_CREATE = ["/api/default/events/", "/api/default/events", "/api/default/event"]


@pytest.mark.parametrize("path", DROP_IN_CREATE)
@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({}, 422, "name"),
        ({"name": "", "start": "2027-01-01T10:00", "end": "2027-01-01T11:00"}, 422, "name"),
        ({"name": 5, "start": "2027-01-01T10:00", "end": "2027-01-01T11:00"}, 422, "name"),
        ({"name": "a", "start": "2027-01-01T11:00", "end": "2027-01-01T10:00"}, 422, "after"),
        (
            {"name": "a", "start": "2027-01-01T10:00", "end": "2027-01-01T11:00", "x": 1},
            422,
            "x",
        ),
        ({"name": "a", "start": "2027-01-04T10:30", "end": "2027-01-04T10:45"}, 409, "Taken"),
    ],
)
def test_drop_in_create_refuses_bad_bookings(client, default_rejecting, path, body, status, word):
    taken = client.post(
        "/api/default/events/",
        json={"name": "Taken", "start": "2027-01-04T10:00", "end": "2027-01-04T11:00"},
    )
    assert taken.status_code == 200, taken.text
    problem(client.post(path, json=body), status, word)
    assert titles(client, "default", "2027-01-01", "2027-01-08") == ["Taken"]


@pytest.mark.parametrize("path", DROP_IN_CREATE)
def test_drop_in_create_with_an_unparsable_time_is_422(client, path):
    resp = client.post(path, json={"name": "a", "start": "garbage", "end": "2027-01-02T10:00"})
    problem(resp, 422, pointer="#/start")


def test_drop_in_routes_respect_tokens_and_ids(client, tokens):
    booking = {"name": "a", "start": "2027-01-01T10:00", "end": "2027-01-01T11:00"}
    read, scoped = auth(tokens["read"]), auth(tokens["scoped"])
    problem(client.post("/api/nope/events/", json=booking), 404, "nope")
    problem(client.post("/api/default/events/", json=booking, headers=read), 403, "write")
    problem(client.post("/api/default/events/", json=booking, headers=scoped), 404, "default")
    made = client.post("/api/default/events/", json=booking)
    assert made.status_code == 200, made.text
    event_id = made.json()["id"]
    problem(client.delete(f"/api/default/events/{event_id}", headers=read), 403, "write")
    problem(client.delete(f"/api/default/events/{event_id}", headers=scoped), 404)
    problem(client.delete("/api/nope/events/abc"), 404, "nope")
    problem(client.delete("/api/default/events/" + "x" * 401), 422, "400")
    problem(client.delete("/api/default/events/missing"), 404)
    problem(client.delete("/api/default/event/a b"), 404)
    assert titles(client, "default", "2027-01-01", "2027-01-02") == ["a"]
    assert client.delete(f"/api/default/event/{event_id}").status_code == 204
    assert titles(client, "default", "2027-01-01", "2027-01-02") == []
