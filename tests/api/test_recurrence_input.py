"""Recurrence input through the HTTP API: RFC 5545 3.3.10 violations are RFC 9457 422s that
point at the part, ``recurrenceDates`` is RDATE both ways (embedded store), and RDATE periods
written by another CalDAV client stay readable and survive edits (on the servers that store
them: Radicale, so the embedded store too, refuses PERIOD values)."""

from __future__ import annotations

from typing import Any

import caldav
import pytest

from calgate.domain.model import EventWrite

EVENTS = "/api/v1/calendars/default/events"
WRITABLE = {f.alias or name for name, f in EventWrite.model_fields.items()}
SERIES = {
    "title": "Standup",
    "start": "2026-03-02T09:00:00",
    "end": "2026-03-02T09:15:00",
    "timeZone": "Europe/Berlin",
    "recurrence": {"frequency": "weekly", "byDay": ["mo"], "count": 3},
    "excludedDates": ["2026-03-09"],
    "recurrenceDates": ["2026-03-04T15:00:00", "2026-03-21"],
}


@pytest.fixture
def raw(client):
    """The embedded calendar, opened directly with the `caldav` library."""
    runtime = client.app.state.runtime
    store = runtime.embedded
    dav = caldav.DAVClient(
        url=runtime.embedded_base_url(),
        username=store.internal_username,
        password=store.internal_password,
    )
    yield dav.calendar(url=runtime.embedded_base_url().rstrip("/") + store.calendar_path("default"))
    dav.close()


@pytest.fixture
def source_raw(calendar_id, request):
    """The calendar of a connected server (``calendar_id``), opened with `caldav`."""
    server = request.getfixturevalue(f"{request.node.callspec.params['calendar_id']}_server")
    dav = caldav.DAVClient(
        url=server.url,
        username=server.username,
        password=server.password,
        auth_type=server.auth_type,
    )
    yield dav.calendar(url=server.calendar_url)
    dav.close()


def problem(resp) -> dict[str, Any]:
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    return resp.json()


def pointers(resp) -> list[str]:
    return [e["pointer"] for e in problem(resp)["errors"]]


def put_body(event: dict[str, Any]) -> dict[str, Any]:
    """What a client sends back: the writable keys of what GET returned (``rrule`` only when
    there is no ``recurrence``: it is the same rule)."""
    body = {k: v for k, v in event.items() if k in WRITABLE and v is not None}
    if "recurrence" in body:
        body.pop("rrule", None)
    return body


def stored(raw, uid: str) -> str:
    data = next(o.data for o in raw.events() if uid in o.data)
    return data.replace("\r\n ", "").replace("\n ", "")


def listing(client, cal: str = "default", **params: str) -> list[dict[str, Any]]:
    url = f"/api/v1/calendars/{cal}/events"
    resp = client.get(url, params={"start": "2026-03-01", "end": "2026-04-01", **params})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


# -- 422s naming the part ---------------------------------------------------------------------


def test_rfc9457_problem_for_a_byday_ordinal_in_a_weekly_rule(client):
    body = {"start": "2026-03-02T09:00:00", "recurrence": {"frequency": "weekly", "byDay": ["2mo"]}}
    found = problem(client.post(EVENTS, json=body))
    message = (
        "BYDAY ordinals like 2MO are only allowed with FREQ=MONTHLY or YEARLY: "
        "send MO for every Monday, or change the frequency"
    )
    assert found == {
        "type": "https://calgate.dev/problems/invalid-request",
        "title": "Invalid request",
        "status": 422,
        "detail": f"#/recurrence/byDay: {message}",
        "instance": EVENTS,
        "errors": [{"detail": message, "pointer": "#/recurrence/byDay"}],
    }


@pytest.mark.parametrize(
    ("recurrence", "pointer", "word"),
    [
        ({"frequency": "daily", "count": 2, "until": "2026-03-05"}, "#/recurrence/until", "until"),
        ({"frequency": "weekly", "byDay": ["-1fr"]}, "#/recurrence/byDay", "BYDAY"),
        (
            {"frequency": "yearly", "byWeekNo": [10], "byDay": ["1mo"]},
            "#/recurrence/byDay",
            "BYWEEKNO",
        ),
        ({"frequency": "weekly", "byMonthDay": [1]}, "#/recurrence/byMonthDay", "BYMONTHDAY"),
        ({"frequency": "monthly", "byYearDay": [60]}, "#/recurrence/byYearDay", "BYYEARDAY"),
        ({"frequency": "monthly", "byWeekNo": [10]}, "#/recurrence/byWeekNo", "BYWEEKNO"),
        ({"frequency": "daily", "bySetPosition": [1]}, "#/recurrence/bySetPosition", "BYSETPOS"),
        ({"frequency": "yearly", "byMonth": [13]}, "#/recurrence/byMonth/0", "12"),
        ({"frequency": "weekly", "byDay": ["xx"]}, "#/recurrence/byDay/0", "weekday"),
        ({"frequency": "daily", "bySecond": [5]}, "#/recurrence/bySecond", ""),
        ({"frequency": "daily", "until": "2026-03-01"}, "#/recurrence/until", "before the start"),
    ],
)
def test_invalid_recurrence_object_is_422_at_the_part(client, recurrence, pointer, word):
    body = {"start": "2026-03-02T09:00:00", "timeZone": "Europe/Berlin", "recurrence": recurrence}
    found = problem(client.post(EVENTS, json=body))
    assert [e["pointer"] for e in found["errors"]] == [pointer]
    assert word in found["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("start", "rule", "word"),
    [
        ("2026-03-02T09:00:00", "FREQ=DAILY;COUNT=2;UNTIL=20260305T000000Z", "COUNT and UNTIL"),
        ("2026-03-02T09:00:00", "FREQ=WEEKLY;BYDAY=2MO", "BYDAY ordinals like 2MO"),
        ("2026-03-02T09:00:00", "FREQ=YEARLY;BYWEEKNO=10;BYDAY=1MO", "BYWEEKNO"),
        ("2026-03-02T09:00:00", "FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY"),
        ("2026-03-02T09:00:00", "FREQ=DAILY;BYYEARDAY=1", "BYYEARDAY"),
        ("2026-03-02T09:00:00", "FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO"),
        ("2026-03-02T09:00:00", "FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS"),
        ("2026-03-02T09:00:00", "FREQ=DAILY;X-COLOUR=RED", "X-COLOUR"),
        ("2026-03-02T09:00:00", "FREQ=YEARLY;BYMONTH=13", "BYMONTH=13"),
        ("2026-03-02T09:00:00", "FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX"),
        ("2026-03-02T09:00:00", "FREQ=DAILY;UNTIL=20260301T000000Z", "before the start"),
        ("2026-03-02T09:00:00", "FREQ=DAILY;UNTIL=20260310T090000", "UNTIL=20260310T080000Z"),
        ("2026-03-02", "FREQ=DAILY;UNTIL=20260310T090000Z", "all-day"),
    ],
)
def test_invalid_raw_rule_is_422_at_rrule_naming_the_part(client, start, rule, word):
    body = {"start": start, "timeZone": "Europe/Berlin", "rrule": rule}
    if len(start) == 10:
        body.pop("timeZone")
    found = problem(client.post(EVENTS, json=body))
    assert [e["pointer"] for e in found["errors"]] == ["#/rrule"]
    assert word in found["errors"][0]["detail"], found


def test_patch_that_breaks_a_rule_is_422_and_changes_nothing(client):
    ev = client.post(EVENTS, json=SERIES).json()
    url = f"{EVENTS}/{ev['id']}"
    resp = client.patch(url, json={"recurrence": {"byDay": ["2mo"]}})
    assert pointers(resp) == ["#/recurrence/byDay"]
    resp = client.patch(url, json={"recurrence": {"count": None, "until": "2026-02-20"}})
    assert pointers(resp) == ["#/recurrence/until"]
    assert client.get(url).json()["sequence"] == 0


def test_bad_recurrence_date_is_422_at_the_element(client):
    body = {"start": "2026-03-02", "recurrenceDates": ["2026-03-04", "next week"]}
    assert pointers(client.post(EVENTS, json=body)) == ["#/recurrenceDates/1"]


# -- recurrenceDates (RDATE) --------------------------------------------------------------------


def test_recurrence_dates_round_trip_and_put_of_get_changes_nothing(client, raw):
    created = client.post(EVENTS, json=SERIES)
    assert created.status_code == 201, created.text
    ev = created.json()
    assert ev["recurrenceDates"] == ["2026-03-04T15:00:00+01:00", "2026-03-21T09:00:00+01:00"]
    assert ev["excludedDates"] == ["2026-03-09T09:00:00+01:00"]
    assert "RDATE;TZID=Europe/Berlin:20260304T150000,20260321T090000" in stored(raw, ev["uid"])
    url = f"{EVENTS}/{ev['id']}"
    got = client.get(url).json()
    assert got["recurrenceDates"] == ev["recurrenceDates"]
    before = stored(raw, ev["uid"])
    resp = client.put(url, json=put_body(got), headers={"If-Match": got["etag"]})
    assert resp.status_code == 200, resp.text
    again = resp.json()
    assert again["sequence"] == 0 and again["updated"] == got["updated"]
    assert again["etag"] == got["etag"]
    assert stored(raw, ev["uid"]) == before
    resp = client.patch(url, json={"recurrenceDates": ["2026-03-05T15:00:00"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["recurrenceDates"] == ["2026-03-05T15:00:00+01:00"]
    assert resp.json()["sequence"] == 1


def test_expanded_listing_has_the_rdate_occurrences(client):
    ev = client.post(EVENTS, json=SERIES).json()
    items = listing(client, expand="true")
    assert [i["start"] for i in items] == [
        "2026-03-02T09:00:00+01:00",
        "2026-03-04T15:00:00+01:00",
        "2026-03-16T09:00:00+01:00",
        "2026-03-21T09:00:00+01:00",
    ]
    assert {i["id"] for i in items} == {ev["id"]}
    assert items[1]["end"] == "2026-03-04T15:15:00+01:00"
    assert all(i["recurrenceDates"] == [] and i["excludedDates"] == [] for i in items)
    plain = listing(client)
    assert [i["recurrenceDates"] for i in plain] == [ev["recurrenceDates"]]


def test_only_rdates_make_a_recurring_event(client):
    body = {"title": "Dates", "start": "2026-03-02", "recurrenceDates": ["2026-03-10"]}
    ev = client.post(EVENTS, json=body).json()
    assert ev["rrule"] is None and ev["recurrenceDates"] == ["2026-03-10"]
    assert [i["start"] for i in listing(client, expand="true")] == ["2026-03-02", "2026-03-10"]


# -- RDATE periods from another client ----------------------------------------------------------

PERIODS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
    "UID:periods-1@example.com\r\nDTSTAMP:20260101T000000Z\r\nSEQUENCE:2\r\n"
    "DTSTART:20260302T080000Z\r\nDTEND:20260302T090000Z\r\nSUMMARY:Workshop\r\n"
    "RRULE:FREQ=WEEKLY;COUNT=2\r\n"
    "RDATE;VALUE=PERIOD:20260310T080000Z/20260310T120000Z,20260312T080000Z/PT2H\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)
PERIOD_VALUES = {"20260310T080000Z/20260310T120000Z", "20260312T080000Z/PT2H"}


def periods(text: str) -> set[str]:
    """The PERIOD values of the RDATEs in stored text (Cyrus splits a list into lines)."""
    out: set[str] = set()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.startswith("RDATE;") and "VALUE=PERIOD" in name:
            out.update(value.split(","))
    return out


PERIOD_SERVERS = pytest.mark.parametrize(
    "calendar_id",
    [
        "xandikos",
        pytest.param("cyrus", marks=pytest.mark.interop),
        pytest.param("sabredav", marks=pytest.mark.interop),
    ],
    indirect=True,
)


def _periods_event(client, calendar_id, raw) -> dict[str, Any]:
    raw.add_event(PERIODS)
    return next(e for e in listing(client, calendar_id) if e["uid"] == "periods-1@example.com")


@PERIOD_SERVERS
def test_rdate_periods_by_another_client_are_readable(client, calendar_id, source_raw):
    ev = _periods_event(client, calendar_id, source_raw)
    assert ev["recurrenceDates"] == ["2026-03-10T08:00:00Z", "2026-03-12T08:00:00Z"]
    items = listing(client, calendar_id, expand="true")
    occurrences = [i for i in items if i["id"] == ev["id"]]
    assert [(i["start"], i["end"]) for i in occurrences] == [
        ("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z"),
        ("2026-03-09T08:00:00Z", "2026-03-09T09:00:00Z"),
        ("2026-03-10T08:00:00Z", "2026-03-10T12:00:00Z"),
        ("2026-03-12T08:00:00Z", "2026-03-12T10:00:00Z"),
    ]


@PERIOD_SERVERS
def test_rdate_periods_survive_a_patch_of_the_title_and_a_put_of_get(
    client, calendar_id, source_raw
):
    ev = _periods_event(client, calendar_id, source_raw)
    url = f"/api/v1/calendars/{calendar_id}/events/{ev['id']}"
    resp = client.patch(url, json={"title": "Renamed"}, headers={"If-Match": ev["etag"]})
    assert resp.status_code == 200, resp.text
    patched = resp.json()
    assert patched["title"] == "Renamed" and patched["sequence"] == ev["sequence"] + 1
    assert patched["recurrenceDates"] == ev["recurrenceDates"]
    text = stored(source_raw, "periods-1@example.com")
    assert periods(text) == PERIOD_VALUES and "SUMMARY:Renamed" in text
    resp = client.put(url, json=put_body(patched), headers={"If-Match": patched["etag"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["sequence"] == patched["sequence"]
    assert stored(source_raw, "periods-1@example.com") == text
