"""Shared steps of the import tests: post a file, run the worker, count independently."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar

from calgate.services import import_run


def imports_url(cal: str) -> str:
    return f"/api/v1/calendars/{cal}/imports"


def post(client: TestClient, cal: str, text: str | bytes, **params: str) -> Any:
    headers = {"Content-Type": "text/calendar"}
    key = params.pop("key", None)
    if key is not None:
        headers["Idempotency-Key"] = key
    body = text.encode() if isinstance(text, str) else text
    return client.post(imports_url(cal), content=body, params=params, headers=headers)


def run(client: TestClient) -> int:
    """The import worker's step, as the job runs it."""
    return import_run.run_due(client.app.state.runtime)


def imported(client: TestClient, cal: str, text: str | bytes, **params: str) -> dict[str, Any]:
    """Post, run, and the finished import."""
    resp = post(client, cal, text, **params)
    assert resp.status_code == 202, resp.text
    run(client)
    done = client.get(resp.headers["Location"])
    assert done.status_code == 200, done.text
    return dict(done.json())


def expected(text: str | bytes) -> tuple[int, int]:
    """(objects: distinct VEVENT UIDs, a UID-less VEVENT each; other components that are not
    VTIMEZONEs), counted with icalendar alone."""
    cals = Calendar.from_ical(text, multiple=True)
    uids: set[str] = set()
    loose = 0
    others = Counter[str]()
    for cal in cals:
        for comp in cal.subcomponents:
            if comp.name == "VEVENT":
                uid = comp.get("UID")
                if isinstance(uid, list):  # a VEVENT with two UID lines (a broken file): the first
                    uid = uid[0]
                if uid:
                    uids.add(str(uid))
                else:
                    loose += 1
            elif comp.name != "VTIMEZONE":
                others[comp.name] += 1
    return len(uids) + loose, sum(others.values())


def event_uids(client: TestClient, cal: str) -> list[str]:
    """The UIDs of the calendar's events, as its change feed lists them (one per object)."""
    resp = client.get(f"/api/v1/calendars/{cal}/changes", params={"limit": 5000})
    assert resp.status_code == 200, resp.text
    assert not resp.json()["more"]
    return [c["event"]["uid"] for c in resp.json()["changes"] if c["type"] != "deleted"]


def read(path: Path) -> bytes:
    return path.read_bytes()
