"""A crash must not strand an Idempotency-Key, and a restart after ``kill -9`` must serve again
within seconds (issue 14, points 11 and 12).

The in-process probes leave a claim as a killed process leaves it (a row naming a process that
is gone and the event id it chose) on SQLite and PostgreSQL; the last probe kills a real
``calgate serve`` with SIGKILL during a burst of creates and restarts it on the same folder.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select

from calgate.db.models import CalendarRow, ProcessRow, SourceRow, TokenRow
from calgate.domain.model import EventWrite
from calgate.lifecycle import build_runtime
from calgate.runtime import Runtime
from calgate.services import idempotency, processes
from tests.robustness.process import CalgateProcess

EVENTS = "/api/v1/calendars/default/events"
ICAL = "text/calendar"
WINDOW = {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z", "limit": "500"}


def event(n: int) -> dict[str, Any]:
    day = 1 + n % 28
    return {
        "title": f"crash {n}",
        "start": f"2027-03-{day:02d}T09:00:00Z",
        "end": f"2027-03-{day:02d}T10:00:00Z",
    }


def ics(uid: str, title: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//crash probe//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:{title}\r\n"
        "DTSTART:20270310T120000Z\r\nDTEND:20270310T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def titles(client: Any) -> Counter[str]:
    resp = client.get(EVENTS, params=WINDOW)
    assert resp.status_code == 200, resp.text
    assert resp.json()["nextPageToken"] is None
    return Counter(item["title"] for item in resp.json()["items"])


# -- claims left by a process that is gone (in process, both databases) --------------------
def _admin_token_id(runtime: Runtime) -> str:
    with runtime.db.session() as session:
        found = session.scalar(select(TokenRow.id).where(TokenRow.from_env.is_(True)))
    assert found is not None
    return found


def strand(
    client: Any, key: str, what: Any, event_id: str, *, owner: Runtime | None = None
) -> Runtime:
    """The claim a process leaves when it dies between claiming ``key`` and answering: made by
    ``owner`` (default: a process that never registered, so it is gone)."""
    runtime: Runtime = client.app.state.runtime
    owner = owner or build_runtime(runtime.settings)
    claimed = idempotency.claim(
        owner,
        token_id=_admin_token_id(runtime),
        key=key,
        calendar_id="default",
        digest=idempotency.body_hash("default", what),
        event_id=event_id,
    )
    assert claimed == idempotency.Claimed(event_id)
    return owner


@pytest.fixture(autouse=True)
def _bounded_claim_wait(monkeypatch):
    """A retry waits for a claim at most this long here (a stranded claim fails in seconds)."""
    monkeypatch.setattr(idempotency, "_WAIT_SECONDS", 3.0)


def json_form(body: dict[str, Any]) -> Any:
    return EventWrite.model_validate(body).model_dump(mode="json", exclude_unset=True)


def test_claim_of_a_killed_process_whose_event_was_written_is_replayed(db_client):
    """The process wrote the event and died before answering: the retry gets the 201 for that
    event (same id, marked as a replay), and no second event is made."""
    body = event(1)
    strand(db_client, "written", json_form(body), "crash-written-1")
    put = db_client.put(f"{EVENTS}/crash-written-1", json=body, headers={"If-None-Match": "*"})
    assert put.status_code == 201, put.text

    retry = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "written"})
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == "crash-written-1"
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["location"].endswith("/events/crash-written-1")
    again = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "written"})
    assert again.status_code == 201
    assert again.json() == retry.json()
    assert titles(db_client) == {"crash 1": 1}


def test_event_written_by_a_killed_process_lists_at_once_after_the_replay(make_client):
    """The killed process wrote to the store but not to the index: the replay enters it, so
    a listing right after it (index kept fresh, no sync) shows the event."""
    client = make_client(index_max_age=3600)
    assert titles(client) == {}  # the index is synced now, and fresh for an hour
    body = event(5)
    strand(client, "unindexed", json_form(body), "crash-unindexed-5")
    runtime: Runtime = client.app.state.runtime
    with runtime.db.session() as session:  # the store written as a process that died would
        calendar = session.get(CalendarRow, "default")
        source = session.get(SourceRow, "embedded")
    assert calendar is not None and source is not None
    url = runtime.calendar_url(calendar, source) + "crash-unindexed-5.ics"
    runtime.connection(source).write(url, ics("crash-unindexed-5", "crash 5"), if_none_match=True)
    assert titles(client) == {}  # not in the index yet
    retry = client.post(EVENTS, json=body, headers={"Idempotency-Key": "unindexed"})
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == "crash-unindexed-5"
    assert titles(client) == {"crash 5": 1}


def test_claim_of_a_killed_process_whose_event_was_not_written_is_made_by_the_retry(db_client):
    body = event(2)
    strand(db_client, "unwritten", json_form(body), "crash-unwritten-2")
    retry = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "unwritten"})
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == "crash-unwritten-2"  # the id the first request chose
    assert "idempotent-replayed" not in retry.headers
    again = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "unwritten"})
    assert again.json() == retry.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert titles(db_client) == {"crash 2": 1}


@pytest.mark.parametrize("written", [True, False], ids=["written", "unwritten"])
def test_raw_create_claimed_by_a_killed_process_is_resolved(client, written):
    """A raw create names its event by its UID: the retry of a written one is a replay, not
    the 409 "an event with UID ... exists"."""
    text = ics("crash-raw-uid", "crash raw")
    strand(client, "raw", ["ical", "ical", False, text], "crash-raw-uid")
    if written:
        put = client.put(
            f"{EVENTS}/crash-raw-uid",
            content=text,
            headers={"Content-Type": ICAL, "If-None-Match": "*"},
        )
        assert put.status_code in (201, 204), put.text
    retry = client.post(
        EVENTS, content=text, headers={"Content-Type": ICAL, "Idempotency-Key": "raw"}
    )
    assert retry.status_code == 201, retry.text
    assert retry.headers["location"].endswith("/events/crash-raw-uid")
    assert titles(client) == {"crash raw": 1}


def test_jscalendar_create_without_uid_claimed_by_a_killed_process_is_made_once(client):
    body = {"@type": "Event", "title": "crash js", "start": "2027-03-05T09:00:00"}
    strand(client, "js", ["jscalendar", "jscalendar", False, body], "crash-js-7")
    headers = {"Content-Type": "application/jscalendar+json", "Idempotency-Key": "js"}
    retry = client.post(EVENTS, json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers["location"].endswith("/events/crash-js-7")
    got = client.get(f"{EVENTS}/crash-js-7", headers={"Accept": "application/jscalendar+json"})
    assert got.json()["uid"] == "crash-js-7"
    assert titles(client) == {"crash js": 1}


def test_claim_of_a_live_process_still_waits_until_its_heartbeat_stops(db_client):
    """Another process working on the key (registered, heartbeat fresh): the retry waits and
    answers 409 "still being processed"; once its heartbeat is older than the lease, the
    claim is resolved."""
    runtime: Runtime = db_client.app.state.runtime
    other = build_runtime(runtime.settings)
    processes.register(other)
    body = event(3)
    strand(db_client, "live", json_form(body), "crash-live-3", owner=other)
    waiting = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "live"})
    assert waiting.status_code == 409, waiting.text
    assert "still being processed" in waiting.json()["detail"]

    with runtime.db.session() as session:
        row = session.get(ProcessRow, other.boot_id)
        assert row is not None
        row.seen = datetime.now(UTC) - processes.LEASE - timedelta(seconds=1)
    retry = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "live"})
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == "crash-live-3"
    other.db.dispose()


def test_claim_of_a_dead_pid_on_this_machine_is_resolved_without_waiting_out_the_lease(client):
    """A process on this machine whose pid is gone (kill -9) is gone at once, though its last
    heartbeat is fresh: the restarted service does not make retries wait for the lease."""
    runtime: Runtime = client.app.state.runtime
    dead = build_runtime(runtime.settings)
    processes.register(dead)
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **_out())
    with runtime.db.session() as session:
        row = session.get(ProcessRow, dead.boot_id)
        assert row is not None
        row.pid = int(child.stdout)
    body = event(4)
    strand(client, "dead-pid", json_form(body), "crash-pid-4", owner=dead)
    started = time.monotonic()
    retry = client.post(EVENTS, json=body, headers={"Idempotency-Key": "dead-pid"})
    assert retry.status_code == 201, retry.text
    assert time.monotonic() - started < processes.LEASE.total_seconds() / 2
    dead.db.dispose()


def _out() -> dict[str, Any]:
    return {"capture_output": True, "text": True, "check": True, "timeout": 30}


# -- a real process killed during a burst ---------------------------------------------------
def _send(api: httpx.Client, n: int) -> httpx.Response:
    key = {"Idempotency-Key": f"burst-{n}"}
    if n % 3 == 1:
        text = ics(f"crash-raw-{n}", f"crash {n}")
        return api.post(EVENTS, content=text, headers={**key, "Content-Type": ICAL})
    if n % 3 == 2:
        body = {"@type": "Event", "title": f"crash {n}", "start": "2027-03-20T09:00:00"}
        headers = {**key, "Content-Type": "application/jscalendar+json"}
        return api.post(EVENTS, json=body, headers=headers)
    return api.post(EVENTS, json=event(n), headers=key)


def test_a_create_that_failed_after_its_write_is_not_made_again_by_the_retry(
    db_client, monkeypatch
):
    """The server stored the event but calgate's request failed after it (a timeout while
    the server was answering, a failure entering it in the index): the client got a 504, so
    it retries with the same key. The retry finds the event the claim names and answers with
    it; before, the failure freed the key and the retry made a second event under a new id
    (the kill -9 burst test's rare 'made twice')."""
    from calgate.errors import UpstreamTimeout
    from calgate.services import writing

    stored = writing._recorded

    def timed_out(*args: Any, **kwargs: Any) -> Any:
        stored(*args, **kwargs)
        raise UpstreamTimeout("the CalDAV server did not answer in time")

    body = event(7)
    monkeypatch.setattr(writing, "_recorded", timed_out)
    first = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "late"})
    assert first.status_code == 504, first.text
    monkeypatch.setattr(writing, "_recorded", stored)
    retry = db_client.post(EVENTS, json=body, headers={"Idempotency-Key": "late"})
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"  # made by the first request
    assert titles(db_client) == {"crash 7": 1}


def test_a_create_refused_before_any_write_frees_its_key(db_client):
    """A 4xx (here the booking policy's 409) means nothing was written: the key is free again,
    so the same key with a corrected body makes the event."""
    assert (
        db_client.patch("/api/v1/calendars/default", json={"overlap": "reject"}).status_code == 200
    )
    taken = db_client.post(EVENTS, json=event(8))
    assert taken.status_code == 201, taken.text
    clash = db_client.post(EVENTS, json=event(8), headers={"Idempotency-Key": "refused"})
    assert clash.status_code == 409, clash.text
    moved = {**event(8), "start": "2027-03-09T11:00:00Z", "end": "2027-03-09T12:00:00Z"}
    again = db_client.post(EVENTS, json=moved, headers={"Idempotency-Key": "refused"})
    assert again.status_code == 201, again.text
    assert titles(db_client) == {"crash 8": 2}


def test_kill_9_during_a_burst_of_creates_strands_nothing(tmp_path: Path):
    """SIGKILL while creates with Idempotency-Keys are in flight (JSON, raw, JSCalendar), then a
    restart on the same folder: within 10 s of the restart a read and a new create answer
    (while the burst's clients retry), every retry is a 201 (none waits out a stranded claim),
    the ids answered before the kill come back the same, and every event is in the calendar
    exactly once."""
    burst, workers = 48, 8
    data = tmp_path / "data"
    first = CalgateProcess(data)
    api = httpx.Client(base_url=first.base, headers=first.headers, timeout=30)
    answered: dict[int, str] = {}
    lock = threading.Lock()

    def worker(mine: range) -> None:
        for n in mine:
            try:
                resp = _send(api, n)
            except httpx.HTTPError:
                return  # killed
            if resp.status_code == 201:
                with lock:
                    answered[n] = resp.headers["location"]

    threads = [
        threading.Thread(target=worker, args=(range(i, burst, workers),)) for i in range(workers)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(answered) < burst // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.kill()
    for t in threads:
        t.join(timeout=30)
    api.close()
    assert 0 < len(answered) < burst, "the kill should land inside the burst"

    again = CalgateProcess(data, port=first.port, wait=False)
    restarted = time.monotonic()
    try:
        again.wait_ready(within=30)
        api = httpx.Client(base_url=again.base, headers=again.headers, timeout=35)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = [pool.submit(_send, api, n) for n in range(burst)]
            # while the burst's clients retry, others read and write
            read = api.get(EVENTS, params=WINDOW)
            fresh = api.post(EVENTS, json=event(99), headers={"Idempotency-Key": "after"})
            served = time.monotonic() - restarted
            retries = [f.result() for f in pending]
        took = time.monotonic() - restarted
        assert read.status_code == 200, read.text
        assert fresh.status_code == 201, fresh.text
        assert served < 10, f"a read and a write answered {served:.1f} s after the restart"
        failed = {
            n: (r.status_code, r.text[:200]) for n, r in enumerate(retries) if r.status_code != 201
        }
        assert not failed, f"retries after the restart that did not complete: {failed}"
        changed = {n for n, loc in answered.items() if retries[n].headers["location"] != loc}
        assert not changed, f"acknowledged creates answered with another event: {changed}"
        counts = titles(api)
        assert {t: c for t, c in counts.items() if c != 1} == {}, "events made twice"
        assert {f"crash {n}" for n in range(burst)} <= set(counts), "acknowledged events lost"
        assert took < 20, f"the burst's retries completed {took:.1f} s after the restart"
        api.close()
    finally:
        again.stop()
