"""`calgate serve` as a person runs it: a real process on a real port, first-start admin token,
printed URLs, the API and the embedded CalDAV store at /dav/ on the same port."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import caldav
import httpx2 as httpx
import pytest

from tests.robustness.process import CalgateProcess


def start_serve(data_dir: Path, env: dict[str, str] | None = None) -> CalgateProcess:
    """``calgate serve`` as a person starts it: no admin token unless ``env`` sets one."""
    return CalgateProcess(data_dir, env=env, admin_token=None)


def _read_banner(served: CalgateProcess) -> str:
    """What serve printed before uvicorn took over (read after stopping the process)."""
    served.stop()
    return served.output()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "calgate-data"


def test_first_start_prints_urls_and_admin_token_once(data_dir):
    first = start_serve(data_dir)
    out = _read_banner(first)
    assert (
        f"{first.base}/api/v1/" in out
        and f"{first.base}/api/docs" in out
        and f"{first.base}/dav/" in out
        and f"{first.base}/ui/" in out
    )
    match = re.search(r"Admin token \(shown once, keep it\): (cg_\S+)", out)
    assert match, out
    token = match.group(1)
    second = start_serve(data_dir)
    try:
        resp = httpx.get(
            f"{second.base}/api/v1/calendars", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status_code == 200 and resp.json()["items"][0]["id"] == "default"
    finally:
        out2 = _read_banner(second)
    assert token not in out2 and "Admin token: made on first start" in out2


def test_api_and_dav_on_one_port_with_plain_caldav_client(data_dir):
    token = "cg_fixed-token-for-automation-123456"
    served = start_serve(data_dir, env={"CALGATE_ADMIN_TOKEN": token})
    try:
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{served.base}/api/v1/calendars").status_code == 401
        assert httpx.request("PROPFIND", f"{served.base}/dav/").status_code == 401
        assert httpx.get(f"{served.base}/api/openapi.json").json()["info"]["title"] == "calgate"
        made = httpx.post(
            f"{served.base}/api/v1/calendars/default/events",
            headers=h,
            json={
                "title": "Through the API",
                "start": "2026-07-01T10:00:00Z",
                "end": "2026-07-01T11:00:00Z",
            },
        )
        assert made.status_code == 201, made.text
        # A real CalDAV client at /dav/: any user name, the token as password.
        dav = caldav.DAVClient(url=f"{served.base}/dav/", username="thunderbird", password=token)
        cals = dav.principal().calendars()
        assert [c.get_display_name() for c in cals] == ["Default"]
        uids = [e.icalendar_component["UID"] for e in cals[0].events()]
        assert made.json()["uid"] in uids
        cals[0].add_event(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:from-dav@x\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20260702T100000Z\r\nDTEND:20260702T110000Z\r\n"
            "SUMMARY:Through CalDAV\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
        listed = httpx.get(
            f"{served.base}/api/v1/calendars/default/events",
            headers=h,
            params={"start": "2026-07-01", "end": "2026-07-03"},
        ).json()["items"]
        assert sorted(e["title"] for e in listed) == ["Through CalDAV", "Through the API"]
        dav.close()
    finally:
        served.stop()


def test_cli_token_create_then_use(data_dir):
    token = "cg_fixed-token-for-automation-123456"
    served = start_serve(data_dir, env={"CALGATE_ADMIN_TOKEN": token})
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "calgate",
                "token",
                "create",
                "--role",
                "read",
                "--calendar",
                "default",
                "--data-dir",
                str(data_dir),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        token_id, secret = out.strip().split("\t")
        resp = httpx.get(
            f"{served.base}/api/v1/calendars", headers={"Authorization": f"Bearer {secret}"}
        )
        assert resp.status_code == 200
        listed = subprocess.run(
            [sys.executable, "-m", "calgate", "token", "list", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert token_id in listed and secret not in listed
    finally:
        served.stop()


def test_the_embedded_store_added_as_a_source_is_a_duplicate(data_dir):
    """calgate's own /dav/ calendar added as a CalDAV source would mirror the embedded
    calendar: a 409 naming it (issue 13, point 9), whatever spelling of the address."""
    token = "cg_fixed-token-for-automation-123456"
    served = start_serve(data_dir, env={"CALGATE_ADMIN_TOKEN": token})
    try:
        h = {"Authorization": f"Bearer {token}"}
        for url in (f"{served.base}/dav/calgate/default/", f"{served.base}/dav/calgate/default"):
            body = {"url": url, "username": "me", "password": token}
            resp = httpx.post(f"{served.base}/api/v1/sources", headers=h, json=body)
            assert resp.status_code == 409, resp.text
            assert resp.json()["existing"] == [{"calendar": "default", "source": "embedded"}]
        listed = httpx.get(f"{served.base}/api/v1/sources", headers=h).json()["items"]
        assert [s["id"] for s in listed] == ["embedded"]
    finally:
        served.stop()
