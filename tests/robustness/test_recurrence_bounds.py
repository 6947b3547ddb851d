"""Recurrence bounds (issue 14, points 2 and 3): huge COUNT/INTERVAL and out-of-range rule
parts are 422s naming the field in every representation (calgate JSON, JSCalendar, raw
iCalendar), a rule that never occurs is refused from its parts alone, and such a rule stored on a
server by another client never hangs a sync, a listing, a get or an instance listing."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import caldav
import pytest

from tests.api.test_recurrence_input import pointers, problem

EVENTS = "/api/v1/calendars/default/events"
JSCAL = "application/jscalendar+json"
# Generous: a hang is 30 s or more; answers come in well under a second.
PROMPT = 8.0


def within(seconds: float, call: Any) -> Any:
    """``call()`` in a daemon thread; fails the test when it has not answered in ``seconds``
    (the in-process client has no timeout of its own)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # pragma: no cover - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"no answer within {seconds} s"
    if "error" in box:
        raise box["error"]
    box["seconds"] = time.monotonic() - started
    return box["value"]


def ics(rule: str, *, uid: str | None = None, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//probe//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid or uuid.uuid4()}\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:20260302T090000Z\r\nSUMMARY:odd\r\n"
        + ("DTEND:20260302T100000Z\r\n" if "DURATION" not in extra else "")
        + (f"RRULE:{rule}\r\n" if rule else "")
        + extra
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def post_raw(client, text: str):
    return client.post(EVENTS, content=text, headers={"Content-Type": "text/calendar"})


def post_json(client, **fields: Any):
    body = {"title": "x", "start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z"}
    return client.post(EVENTS, json={**body, **fields})


def post_jscal(client, rule: dict[str, Any] | None = None, **fields: Any):
    body: dict[str, Any] = {
        "@type": "Event",
        "title": "x",
        "start": "2026-03-02T09:00:00",
        "timeZone": "Europe/Berlin",
        "duration": "PT1H",
        **fields,
    }
    if rule is not None:
        body["recurrenceRules"] = [{"@type": "RecurrenceRule", **rule}]
    return client.post(EVENTS, json=body, headers={"Content-Type": JSCAL})


# -- point 2: huge numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "pointer"),
    [
        ({"frequency": "daily", "count": 10**30}, "#/recurrence/count"),
        ({"frequency": "daily", "count": 999_999_999_999}, "#/recurrence/count"),
        ({"frequency": "daily", "count": 10_001}, "#/recurrence/count"),
        ({"frequency": "daily", "interval": 10**12}, "#/recurrence/interval"),
        ({"frequency": "daily", "interval": 2_147_483_648}, "#/recurrence/interval"),
    ],
)
def test_huge_count_and_interval_in_the_json_form_are_422(client, recurrence, pointer):
    assert pointers(post_json(client, recurrence=recurrence)) == [pointer]


@pytest.mark.parametrize(
    ("rule", "word"),
    [
        ("FREQ=DAILY;COUNT=999999999999", "COUNT=999999999999"),
        ("FREQ=DAILY;INTERVAL=2147483648", "INTERVAL=2147483648"),
        ("FREQ=DAILY;UNTIL=99991231T235959Z", "UNTIL"),
    ],
)
def test_huge_numbers_in_an_rrule_string_are_422_at_rrule(client, rule, word):
    resp = post_json(client, rrule=rule)
    assert pointers(resp) == ["#/rrule"]
    assert word in problem(resp)["detail"]


@pytest.mark.parametrize(
    ("rule", "pointer"),
    [
        ({"frequency": "daily", "count": 10**30}, "#/recurrenceRules/0/count"),
        ({"frequency": "daily", "count": 10_001}, "#/recurrenceRules/0/count"),
        ({"frequency": "daily", "interval": 10**12}, "#/recurrenceRules/0/interval"),
        ({"frequency": "daily", "interval": 10_001}, "#/recurrenceRules/0/interval"),
    ],
)
def test_huge_numbers_in_jscalendar_rules_are_422(client, rule, pointer):
    assert pointers(post_jscal(client, rule)) == [pointer]


@pytest.mark.parametrize(
    ("rule", "extra", "word"),
    [
        ("FREQ=DAILY;COUNT=999999999999", "", "COUNT=999999999999"),
        ("FREQ=DAILY;INTERVAL=2147483648", "", "INTERVAL=2147483648"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=9999", "", "BYSETPOS"),
        ("FREQ=MONTHLY;BYMONTHDAY=99", "", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYYEARDAY=400", "", "BYYEARDAY"),
        ("FREQ=DAILY;UNTIL=00000101T000000Z", "", "UNTIL"),
        ("FREQ=DAILY;UNTIL=99991231T235959Z", "", "UNTIL"),
        ("", "DURATION:PT99999999999H\r\n", "DURATION"),
        ("", "DURATION:P9999999D\r\n", "DURATION"),
    ],
)
def test_huge_or_out_of_range_parts_in_raw_icalendar_are_422(client, rule, extra, word):
    found = problem(post_raw(client, ics(rule, extra=extra)))
    assert word in found["detail"]


def test_the_bounds_themselves_are_accepted(client):
    resp = post_json(client, recurrence={"frequency": "daily", "count": 10_000})
    assert resp.status_code == 201, resp.text
    resp = post_json(client, recurrence={"frequency": "daily", "interval": 10_000})
    assert resp.status_code == 201, resp.text


# -- point 3: rules that never occur --------------------------------------------------------------

NEVER = [
    "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=-30",
    "FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=31",
    "FREQ=YEARLY;BYYEARDAY=1;BYMONTH=6",
    "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=7",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
    "FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3",
]


@pytest.mark.parametrize("rule", NEVER)
def test_a_rule_that_never_occurs_is_422_as_an_rrule_string(client, rule):
    resp = within(PROMPT, lambda: post_json(client, rrule=rule))
    assert pointers(resp) == ["#/rrule"]
    assert "never occurs" in problem(resp)["detail"]


def test_a_rule_that_never_occurs_is_422_in_every_representation(client):
    resp = within(
        PROMPT,
        lambda: post_json(
            client, recurrence={"frequency": "minutely", "byMonth": [2], "byMonthDay": [30]}
        ),
    )
    assert pointers(resp) == ["#/recurrence"]
    assert "never occurs" in problem(resp)["detail"]
    rule = {"frequency": "monthly", "byMonth": ["4", "6"], "byMonthDay": [31]}
    resp = within(PROMPT, lambda: post_jscal(client, rule))
    assert "never occurs" in problem(resp)["detail"]
    for text in ("FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30"):
        resp = within(PROMPT, lambda text=text: post_raw(client, ics(text)))
        assert resp.status_code == 422, resp.text


def test_rules_that_do_occur_are_kept(client):
    for rule in (
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=12",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5",
        "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=1",
    ):
        resp = post_json(client, rrule=rule)
        assert resp.status_code == 201, (rule, resp.text)


# -- stored on a server by another client ----------------------------------------------------------

STORED = [
    # never: calgate cannot refuse these on a server it does not own
    "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=YEARLY;BYYEARDAY=1;BYMONTH=6",
    # almost never: a leap day that is a Monday (2044, 2072...)
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
    # every visited day is a Monday, like the start: never a Tuesday
    "FREQ=DAILY;INTERVAL=7;BYDAY=TU",
]


@pytest.fixture
def xandikos_calendar(client, request):
    """A Xandikos calendar connected as a source, and `caldav` on it (another client)."""
    from tests.conftest import connect_source

    server = request.getfixturevalue("xandikos_server")
    dav = caldav.DAVClient(
        url=server.url,
        username=server.username,
        password=server.password,
        auth_type=server.auth_type,
    )
    other = dav.calendar(url=server.calendar_url)
    for obj in other.events():
        obj.delete()
    cal_id = connect_source(client, server, name="xandikos")
    yield cal_id, other
    for obj in other.events():  # the shared server's own queries walk such rules too
        obj.delete()
    dav.close()


def test_rules_stored_by_another_client_never_hang_calgate(client, xandikos_calendar):
    cal_id, other = xandikos_calendar
    for i, rule in enumerate(STORED):
        other.add_event(ics(rule, uid=f"odd-{i}@example.com"))
    base = f"/api/v1/calendars/{cal_id}/events"
    window = {"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"}
    resp = within(PROMPT * 2, lambda: client.get(base, params=window))  # the first sync
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert {i["uid"] for i in items} == {f"odd-{i}@example.com" for i in range(len(STORED))}
    resp = within(PROMPT, lambda: client.get(base, params={**window, "expand": "true"}))
    assert resp.status_code == 200, resp.text
    starts = sorted((i["uid"], i["start"]) for i in resp.json()["items"])
    # each series holds its start; the rules add nothing in 2026
    assert starts == sorted((f"odd-{i}@example.com", "2026-03-02T09:00:00Z") for i in range(5))
    far = {"start": "2044-01-01T00:00:00Z", "end": "2045-01-01T00:00:00Z", "expand": "true"}
    resp = within(PROMPT, lambda: client.get(base, params=far))
    assert resp.status_code == 200, resp.text
    leap_mondays = [i["start"] for i in resp.json()["items"] if i["uid"] == "odd-3@example.com"]
    assert leap_mondays == ["2044-02-29T09:00:00Z"]
    for item in items:
        url = f"{base}/{item['id']}"
        assert within(PROMPT, lambda url=url: client.get(url)).status_code == 200
        resp = within(PROMPT, lambda url=url: client.get(f"{url}/instances"))
        assert resp.status_code == 200, resp.text
        assert resp.json()["items"][0]["start"] == "2026-03-02T09:00:00Z"
        resp = within(PROMPT, lambda url=url: client.get(f"{url}/instances", params={"n": 2}))
        assert resp.status_code in (200, 404, 422), resp.text
        rid = f"{url}/instances/2030-02-28T09:00:00Z"
        assert within(PROMPT, lambda rid=rid: client.get(rid)).status_code in (404, 422)
    body = {"calendars": [cal_id], "start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    resp = within(PROMPT, lambda: client.post("/api/v1/freebusy", json=body))
    assert resp.status_code == 200, resp.text


def test_a_rarely_matching_secondly_rule_lists_promptly(client, xandikos_calendar):
    """A SECONDLY rule whose time parts match once a day, stored by another client."""
    cal_id, other = xandikos_calendar
    other.add_event(ics("FREQ=SECONDLY;BYHOUR=3;BYMINUTE=0;BYSECOND=0", uid="sec@example.com"))
    base = f"/api/v1/calendars/{cal_id}/events"
    window = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z", "expand": "true"}
    resp = within(PROMPT * 2, lambda: client.get(base, params=window))
    assert resp.status_code == 200, resp.text
    starts = [i["start"] for i in resp.json()["items"]]
    assert starts[:2] == ["2026-03-02T09:00:00Z", "2026-03-03T03:00:00Z"]
    assert len(starts) == 1 + 29
