"""Webhook delivery with several real ``calgate serve`` processes on one PostgreSQL database
(a fresh schema per test) and one data folder, to a real receiver on loopback (issue 17,
Tests): 1,000 changes made through both processes are each delivered once; a process killed
with SIGKILL while it sends, or after a change was committed but before it became a message,
leaves the message to the next process, which sends it with the same ``webhook-id``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.conftest import _reset_postgres
from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(400)]

EVENTS = "/api/v1/calendars/default/events"
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHANGES = 1000
LEASE = 3  # seconds (CALGATE_WEBHOOK_LEASE): a killed process's message waits this long


@pytest.fixture
def database(postgres_database: str) -> str:
    _reset_postgres(postgres_database)
    return postgres_database


@pytest.fixture
def started() -> Iterator[list[CalgateProcess]]:
    """The processes a test starts: each stopped (or found killed) at the end."""
    processes: list[CalgateProcess] = []
    yield processes
    for process in processes:
        process.stop()


def worker_env(database: str, **env: str) -> dict[str, str]:
    return {
        "CALGATE_DATABASE_URL": database,
        "CALGATE_ADMIN_TOKEN": ADMIN_TOKEN,
        "CALGATE_WEBHOOK_ALLOW_HTTP": "true",
        "CALGATE_WEBHOOK_ALLOW_PRIVATE": "true",
        "CALGATE_WEBHOOK_INTERVAL": "0.2",
        "CALGATE_WEBHOOK_LEASE": str(LEASE),
        **env,
    }


def serve(started: list[CalgateProcess], data: Path, database: str, **env: str) -> CalgateProcess:
    process = CalgateProcess(data, env=worker_env(database, **env))
    started.append(process)
    return process


def subscribe(base: str, receiver: Receiver) -> dict[str, Any]:
    body = {"url": receiver.url, "events": ["event.created", "event.updated", "event.deleted"]}
    made = httpx.post(f"{base}/api/v1/webhooks", json=body, headers=HEADERS)
    assert made.status_code == 201, made.text
    return made.json()


def create(base: str, n: int, title: str = "change") -> str:
    month, day, hour = 1 + n // 672 % 12, 1 + n % 28, n // 28 % 24
    body = {
        "title": f"{title} {n}",
        "start": f"2027-{month:02d}-{day:02d}T{hour:02d}:00:00Z",
        "end": f"2027-{month:02d}-{day:02d}T{hour:02d}:30:00Z",
    }
    made = httpx.post(f"{base}{EVENTS}", json=body, headers=HEADERS, timeout=120)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def started_delivering(base: str, receiver: Receiver) -> list[str]:
    """Probe changes until one reaches the receiver: the workers have seen the endpoint (its
    position on the calendar's feed is set), so every later change is one it must get. (A
    worker starts a new endpoint at the feed's position when it first sees it: changes made
    before that are not sent.) The probes' ids."""
    assert httpx.get(f"{base}{EVENTS}", headers=HEADERS).status_code == 200  # the feed exists
    probes: list[str] = []
    for n in range(100):
        probes.append(create(base, 9000 + n, "probe"))
        if receiver.got:
            return probes
        receiver.wait_for(1, within=0.3)
    raise AssertionError("no probe change was delivered")


def test_two_processes_deliver_a_thousand_changes_each_once(tmp_path, database, started):
    """1,000 creates, half through each process, while both run the webhook worker: the
    receiver gets exactly one ``event.created`` per created event (a change here is one create
    of a distinct event, so the feed's collapsing of repeated changes to one event does not
    apply), every one verifies with ``standardwebhooks``, and no ``webhook-id`` comes twice."""
    receiver = Receiver()
    try:
        first = serve(started, tmp_path / "data", database)
        second = serve(started, tmp_path / "data", database)
        endpoint = subscribe(first.base, receiver)
        probes = started_delivering(second.base, receiver)
        bases = [first.base, second.base]
        with ThreadPoolExecutor(max_workers=8) as pool:
            made = list(pool.map(lambda n: create(bases[n % 2], n), range(CHANGES)))
        # every probe is delivered too (they were made after the endpoint): waiting for only
        # CHANGES + 1 let the check run while the last change was still on its way
        receiver.wait_for(CHANGES + len(probes), within=120)
        time.sleep(1.0)  # a message sent twice would come in now
        messages = receiver.verified(endpoint["secret"])
    finally:
        receiver.close()
    assert receiver.repeated_ids() == {}
    updated = [m["data"] for m in messages if m["type"] != "event.created"]
    created = {m["data"]["eventId"]: m["data"] for m in messages if m["type"] == "event.created"}
    assert not updated, (
        len(updated),
        [
            (u["origin"], u["etag"], created[u["eventId"]]["origin"], created[u["eventId"]]["etag"])
            for u in updated[:5]
            if u["eventId"] in created
        ],
    )
    delivered = [m["data"]["eventId"] for m in messages]
    assert sorted(set(delivered) - set(probes)) == sorted(made)
    assert len(receiver.got) == len(receiver.answered)  # nothing was sent twice, even unanswered
    for process in (first, second):
        assert "webhook round failed" not in process.output(), process.output()[-3000:]


def test_a_process_killed_while_sending_leaves_the_message_to_the_next(tmp_path, database, started):
    """The receiver never answers the first request, so the process that sent it is still
    waiting when it gets SIGKILL. A new process on the same database sends the message once
    the killed one's lease has run out, with the same ``webhook-id``."""
    receiver = Receiver(hold_first=True)
    try:
        process = serve(started, tmp_path / "data", database)
        endpoint = subscribe(process.base, receiver)
        started_delivering(process.base, receiver)
        assert receiver.held.wait(30), "nothing was sent"
        held = receiver.got[0]
        process.kill()
        restarted = serve(started, tmp_path / "data", database)
        deadline = time.monotonic() + 30
        while held.webhook_id not in {g.webhook_id for g in receiver.answered}:
            assert time.monotonic() < deadline, "the held message was not sent again"
            time.sleep(0.05)
        receiver.verified(endpoint["secret"])
    finally:
        receiver.close()
    assert receiver.repeated_ids() == {}
    (again,) = [g for g in receiver.answered if g.webhook_id == held.webhook_id]
    assert again.body == held.body
    assert again.at - held.at >= LEASE * 0.9  # taken over when the lease ran out
    assert restarted.proc.poll() is None


def test_a_slow_receiver_does_not_let_a_claimed_batch_go_to_the_other_process(
    tmp_path, database, started
):
    """Each answer takes a second and the lease is 3 s: a batch of six messages takes longer
    than the lease, which the sending process renews as it goes, so the other process never
    takes (and sends again) a message the first one still holds."""
    receiver = Receiver(delay=1.0)
    try:
        first = serve(started, tmp_path / "data", database)
        second = serve(started, tmp_path / "data", database)
        endpoint = subscribe(first.base, receiver)
        probes = started_delivering(first.base, receiver)
        receiver.wait_for(len(probes), within=20)
        before = len(receiver.answered)
        made = [create(second.base, n) for n in range(6)]
        receiver.wait_for(before + 6, within=60)
        messages = receiver.verified(endpoint["secret"])
    finally:
        receiver.close()
    assert receiver.repeated_ids() == {}
    assert len(receiver.got) == len(receiver.answered)
    assert sorted(m["data"]["eventId"] for m in messages[before:]) == sorted(made)


def test_a_change_committed_before_a_kill_is_delivered_after_the_restart(
    tmp_path, database, started
):
    """A process that makes changes and is killed before its worker turns them into messages
    (its worker runs once an hour here): the next process finds the changes in the feed past
    the endpoint's position and delivers each once."""
    receiver = Receiver()
    data = tmp_path / "data"
    try:
        process = serve(started, data, database)
        endpoint = subscribe(process.base, receiver)
        probes = started_delivering(process.base, receiver)
        receiver.wait_for(len(probes), within=10)  # a probe made as the first arrived
        process.stop()
        before = len(receiver.got)
        idle = serve(started, data, database, CALGATE_WEBHOOK_INTERVAL="3600")
        made = [create(idle.base, n) for n in range(5)]  # committed, never dispatched
        idle.kill()
        assert len(receiver.got) == before
        serve(started, data, database)
        receiver.wait_for(before + 5, within=30)
        messages = receiver.verified(endpoint["secret"])
    finally:
        receiver.close()
    assert receiver.repeated_ids() == {}
    assert [m["data"]["eventId"] for m in messages[before:]] == made
    assert {m["type"] for m in messages} == {"event.created"}


def test_an_api_only_process_leaves_delivery_to_a_worker_process(tmp_path, database, started):
    """``CALGATE_BACKGROUND_JOBS=false``: the API process serves but sends nothing; a
    ``calgate worker`` process (no HTTP) on the same database and folder delivers the change."""
    receiver = Receiver()
    data = tmp_path / "data"
    worker: subprocess.Popen[bytes] | None = None
    log = (tmp_path / "worker.log").open("wb")
    try:
        api = serve(started, data, database, CALGATE_BACKGROUND_JOBS="false")
        endpoint = subscribe(api.base, receiver)
        assert httpx.get(f"{api.base}{EVENTS}", headers=HEADERS).status_code == 200
        time.sleep(1.0)  # five worker intervals: an API process running the jobs would act
        assert receiver.got == []
        worker = subprocess.Popen(
            [sys.executable, "-m", "calgate", "worker", "--data-dir", str(data)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **worker_env(database)},
        )
        probes = started_delivering(api.base, receiver)
        receiver.wait_for(len(probes), within=10)
        messages = receiver.verified(endpoint["secret"])
    finally:
        receiver.close()
        if worker is not None:
            worker.terminate()
            assert worker.wait(timeout=30) == 0  # a clean stop on SIGTERM
            log.close()
    assert messages and {m["data"]["eventId"] for m in messages} <= set(probes)


def test_messages_carry_what_the_feed_says(tmp_path, database, started):
    """Changes to one event through both processes: created, then updated, then deleted, in
    that order and each verified (the feed keeps an event's latest state, so the test waits
    for each message before the next change)."""
    receiver = Receiver()
    try:
        first = serve(started, tmp_path / "data", database)
        second = serve(started, tmp_path / "data", database)
        endpoint = subscribe(first.base, receiver)
        probes = started_delivering(first.base, receiver)
        receiver.wait_for(len(probes), within=10)  # a probe made as the first arrived
        before = len(receiver.answered)
        event_id = create(second.base, 1)
        receiver.wait_for(before + 1, within=30)
        patched = httpx.patch(
            f"{first.base}{EVENTS}/{event_id}", json={"title": "renamed"}, headers=HEADERS
        )
        assert patched.status_code == 200, patched.text
        receiver.wait_for(before + 2, within=30)
        deleted = httpx.delete(f"{second.base}{EVENTS}/{event_id}", headers=HEADERS)
        assert deleted.status_code == 204, deleted.text
        receiver.wait_for(before + 3, within=30)
        messages = receiver.verified(endpoint["secret"])
    finally:
        receiver.close()
    kinds = [(m["type"], m["data"]["eventId"]) for m in messages[before:]]
    assert kinds == [
        ("event.created", event_id),
        ("event.updated", event_id),
        ("event.deleted", event_id),
    ]
    assert json.loads(receiver.answered[-1].body)["data"]["origin"] == "api"
    assert receiver.repeated_ids() == {}
