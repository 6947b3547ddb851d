"""Rules that never occur, or are out of calgate's bounds, sent by a CalDAV client through
``/dav/``: refused with 403 and RFC 4791's ``valid-calendar-object-resource`` precondition
before Radicale walks them (it walks a rule without an end to its first occurrence when it
saves, which for a rule that never occurs means until the year 9999, holding the store's lock)."""

from __future__ import annotations

import base64
import concurrent.futures
import time
import uuid
from pathlib import Path

import caldav
import pytest
from caldav.lib.error import DAVError

from tests.conftest import ADMIN_TOKEN
from tests.robustness.process import ADMIN_TOKEN as PROCESS_TOKEN
from tests.robustness.process import CalgateProcess

WITHIN = 10.0  # seconds: a hang bound, not a speed goal
DAV = "/dav/calgate/default"


def _basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"someone:{token}".encode()).decode()


def ics(rule: str, uid: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//probe//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260302T090000Z\r\n"
        f"DTEND:20260302T100000Z\r\nSUMMARY:odd\r\nRRULE:{rule}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def put(client, name: str, text: str, token: str | None = ADMIN_TOKEN):
    headers = {"Content-Type": "text/calendar"}
    if token is not None:
        headers["Authorization"] = _basic(token)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        resp = pool.submit(client.put, f"{DAV}/{name}.ics", content=text, headers=headers).result(
            timeout=WITHIN
        )
    assert time.monotonic() - started < WITHIN
    return resp


REFUSED = [
    ("FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30", "never"),
    ("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", "RRULE"),
    ("FREQ=DAILY;BYMONTH=4,6,9,11;BYMONTHDAY=31", "never"),
    ("FREQ=YEARLY;BYYEARDAY=1;BYMONTH=6", "never"),
    ("FREQ=DAILY;COUNT=999999999999", "COUNT"),
    ("FREQ=DAILY;INTERVAL=2147483648", "INTERVAL"),
]


@pytest.mark.parametrize(("rule", "says"), REFUSED)
def test_rfc4791_5_3_2_1_a_rule_out_of_bounds_is_refused_at_dav(client, rule, says):
    name = f"odd-{uuid.uuid4().hex[:8]}"
    resp = put(client, name, ics(rule, name))
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"].startswith("application/xml")
    assert "valid-calendar-object-resource" in resp.text and says in resp.text
    assert (
        client.get(f"{DAV}/{name}.ics", headers={"Authorization": _basic(ADMIN_TOKEN)}).status_code
        == 404
    )
    fine = put(client, f"{name}-fine", ics("FREQ=WEEKLY;COUNT=3", f"{name}-fine"))
    assert fine.status_code == 201, fine.text  # the store was not left stalled


def test_an_unknown_sender_gets_the_401_not_the_rule_check(client):
    resp = put(client, "anon", ics(REFUSED[0][0], "anon"), token=None)
    assert resp.status_code == 401
    resp = put(client, "wrong", ics(REFUSED[0][0], "wrong"), token="cg_not-a-token-0123456789")
    assert resp.status_code == 401


def test_rules_a_client_may_store_pass_unchanged(client):
    for rule in (
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=DAILY;UNTIL=20270101T000000Z",
    ):
        name = f"ok-{uuid.uuid4().hex[:8]}"
        resp = put(client, name, ics(rule, name))
        assert resp.status_code == 201, (rule, resp.text)
    resp = put(client, "unparsable", "BEGIN:VCALENDAR\r\nnot ical")
    assert resp.status_code == 400  # Radicale's own answer to what it cannot read


def test_the_caldav_library_sees_the_refusal(tmp_path: Path):
    served = CalgateProcess(tmp_path / "data")
    try:
        dav = caldav.DAVClient(
            f"{served.base}/dav/", username="me", password=PROCESS_TOKEN, timeout=WITHIN
        )
        calendar = dav.calendar(url=f"{served.base}{DAV}/")
        with pytest.raises(DAVError) as caught:
            calendar.save_event(ics(REFUSED[0][0], "lib-never"))
        assert "Forbidden" in str(caught.value)
        calendar.save_event(ics("FREQ=DAILY;COUNT=2", "lib-fine"))
        assert [e.icalendar_component["UID"] for e in calendar.events()] == ["lib-fine"]
    finally:
        served.stop()
