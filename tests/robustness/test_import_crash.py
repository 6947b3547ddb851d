"""``kill -9`` of a real ``calgate serve`` in the middle of an import: after the restart on the
same folder the import is taken over (once the killed worker's lease has run out) and finished,
with every event of the file in the calendar exactly once and counted once."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.imports.test_import_api import vcalendar, vevent
from tests.robustness.process import CalgateProcess

IMPORTS = "/api/v1/calendars/default/imports"
N = 1500
ENV = {"CALGATE_IMPORT_LEASE": "3", "CALGATE_IMPORT_INTERVAL": "0.2"}


def _file() -> str:
    parts = []
    for i in range(N):
        day = f"2027{1 + i % 12:02d}{1 + i % 28:02d}T{8 + i % 10:02d}0000Z"
        extra = "RRULE:FREQ=WEEKLY;COUNT=4\r\n" if i % 10 == 0 else ""
        parts.append(vevent(f"crash-{i}", day, f"Event {i}", extra))
    return vcalendar(*parts)


def _poll(api: httpx.Client, location: str, until: Any, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        got = api.get(location)
        assert got.status_code == 200, got.text
        state: dict[str, Any] = got.json()
        if until(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def test_kill_9_mid_import_then_restart_finishes_it_with_each_event_once(tmp_path: Path):
    data = tmp_path / "data"
    first = CalgateProcess(data, env=ENV)
    api = httpx.Client(base_url=first.base, headers=first.headers, timeout=60)
    resp = api.post(IMPORTS, content=_file(), headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 202, resp.text
    location = resp.headers["Location"]
    seen = _poll(api, location, lambda s: s["processed"] >= N // 4, within=90)
    assert 0 < seen["processed"] < N, f"the kill should land inside the import: {seen}"
    first.kill()
    api.close()

    again = CalgateProcess(data, port=first.port, env=ENV)
    try:
        api = httpx.Client(base_url=again.base, headers=again.headers, timeout=60)
        done = _poll(api, location, lambda s: s["status"] in ("done", "failed"), within=150)
        assert done["status"] == "done", done
        counts = (done["total"], done["processed"], done["created"], done["failed"])
        assert counts == (N, N, N, 0), done
        feed = api.get("/api/v1/calendars/default/changes", params={"limit": 5000}).json()
        uids = Counter(c["event"]["uid"] for c in feed["changes"] if c["type"] != "deleted")
        assert uids == Counter(f"crash-{i}" for i in range(N))
        # and on the server itself, not only in the index
        listed = api.get(
            "/api/v1/calendars/default/events",
            params={"start": "2027-01-01T00:00:00Z", "end": "2028-01-01T00:00:00Z", "limit": 2500},
        )
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["items"]) == N
        api.close()
    finally:
        again.stop()
