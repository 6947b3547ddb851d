"""Smoke tests for the interop servers (Cyrus 3.6, SabreDAV 1.8; see tests/servers.py): each
starts privately, answers discovery and event PUT/GET/DELETE through the plain ``caldav`` library,
and leaves no process behind when stopped. Install them with scripts/install-interop-servers.sh."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error

from tests.servers import (
    RunningServer,
    _group_members,
    cyrus_missing,
    require_or_skip,
    run_cyrus,
    run_sabredav,
    sabredav_missing,
)

pytestmark = pytest.mark.interop

Runner = Callable[[Path], AbstractContextManager[RunningServer]]
SERVERS: dict[str, tuple[Runner, Callable[[], str | None]]] = {
    "cyrus": (run_cyrus, cyrus_missing),
    "sabredav": (run_sabredav, sabredav_missing),
}


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie left for an init that does not reap counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


@pytest.fixture(params=sorted(SERVERS))
def runner(request: pytest.FixtureRequest) -> Iterator[Runner]:
    run, missing = SERVERS[str(request.param)]
    if (what := missing()) is not None:
        require_or_skip(
            f"{request.param} is not installed ({what} is missing): "
            "run scripts/install-interop-servers.sh"
        )
    yield run


def _event(uid: str, summary: str) -> str:
    # DTEND: Cyrus refuses a VEVENT without one.
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calgate tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250110T100000Z\r\n"
        f"DTEND:20250110T110000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def test_server_starts_serves_caldav_and_stops_clean(runner: Runner, tmp_path: Path) -> None:
    started = time.monotonic()
    with runner(tmp_path) as server:
        startup = time.monotonic() - started
        assert startup < 20
        assert _alive(server.pid)
        family = set(_group_members(server.pid))  # the server and whatever it forked so far
        assert server.pid in family
        client = DAVClient(
            url=server.url,
            username=server.username,
            password=server.password,
            auth_type=server.auth_type,
            enable_rfc6764=False,
        )
        with client:
            calendars = client.principal().calendars()
            assert server.calendar_url in [str(c.url) for c in calendars]
            calendar = client.calendar(url=server.calendar_url)
            uid = str(uuid.uuid4())
            saved = calendar.add_event(_event(uid, "Smoke"))
            href = str(saved.url)
            assert href.startswith(server.calendar_url)
            fetched = calendar.event_by_url(href)
            fetched.load()
            assert f"UID:{uid}" in fetched.data
            assert "SUMMARY:Smoke" in fetched.data
            fetched.delete()
            with pytest.raises(dav_error.NotFoundError):
                calendar.event_by_url(href).load()
            family |= set(_group_members(server.pid))
    assert not [pid for pid in family if _alive(pid)], "processes left after stop"
    assert _group_members(server.pid) == []
