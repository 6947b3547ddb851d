"""calgate import / export against the CONTRACT STAND-IN of tests/cli/standin.py (calgate's own
import and export routes are built in another branch; see that module's docstring). The
stand-in is a real HTTP server on loopback; the client is a real process.

``transfer`` uses the real calgate serve when it has the import route (after the merge), else
the stand-in; the tests that need a server misbehaving on cue (cut, stalled) use the
stand-in always."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from tests.cli.conftest import CALENDAR, client_env, run_cli
from tests.cli.standin import Standin, calendar_text
from tests.robustness.process import ADMIN_TOKEN


@pytest.fixture
def transfer(request, tmp_path) -> Iterator[tuple[dict[str, str], Standin | None]]:
    """(environment, stand-in or None): the real server when it has the import route."""
    real = request.getfixturevalue("server")
    paths = httpx.get(f"{real.base}/api/openapi.json", timeout=30).json()["paths"]
    has = {p.rsplit("/", 1)[-1] for p in paths if p.startswith("/api/v1/calendars/")}
    if {"imports", "export"} <= has:
        yield client_env(tmp_path / "c", CALGATE_URL=real.base, CALGATE_TOKEN=ADMIN_TOKEN), None
        return
    stand, base = request.getfixturevalue("standin")
    yield client_env(tmp_path / "c", CALGATE_URL=base, CALGATE_TOKEN=ADMIN_TOKEN), stand


def test_import_reports_counts_and_a_rerun_creates_nothing(transfer, tmp_path):
    env, _ = transfer
    ics = tmp_path / "five.ics"
    ics.write_text(calendar_text(5, broken=()))
    first = run_cli("import", str(ics), "-c", CALENDAR, env=env)
    assert first.code == 0, first.err
    assert first.out.strip() == "created 5, updated 0, skipped 0, failed 0"
    again = run_cli(
        "import", str(ics), "-c", CALENDAR, "--on-conflict", "update", "--json", env=env
    )
    assert again.code == 0, again.err
    state = json.loads(again.out)
    assert (state["status"], state["created"], state["updated"]) == ("done", 0, 5)


def test_partial_failure_is_exit_3_with_each_uid(transfer, tmp_path):
    env, _ = transfer
    ics = tmp_path / "broken.ics"
    ics.write_text(calendar_text(6, broken=(2, 4)).replace("uid-", "partial-"))
    done = run_cli("import", str(ics), "-c", CALENDAR, "--json", env=env)
    assert done.code == 3, done.err
    state = json.loads(done.out)
    assert state["failed"] == 2 and state["created"] == 4
    failed_lines = [line for line in done.err.splitlines() if line.startswith("failed ")]
    assert [line.split(":")[0] for line in failed_lines] == ["failed partial-2", "failed partial-4"]


def test_import_errors_exit_codes(transfer, tmp_path):
    env, _ = transfer
    ics = tmp_path / "one.ics"
    ics.write_text(calendar_text(1))
    assert run_cli("import", str(ics), "-c", "no-such-calendar", env=env).code == 5
    assert (
        run_cli("import", str(ics), "-c", CALENDAR, env={**env, "CALGATE_TOKEN": "cg_x"}).code == 4
    )
    assert run_cli("import", str(tmp_path / "missing.ics"), "-c", CALENDAR, env=env).code == 2
    assert run_cli("import", str(ics), "-c", CALENDAR, "--on-conflict", "merge", env=env).code == 2


def test_the_same_file_is_the_same_import_after_ctrl_c(standin, tmp_path):
    """Ctrl-C while the import runs: exit 130; the re-run sends the same Idempotency-Key,
    joins the import the server has (no second one) and follows it to the end."""
    stand, base = standin
    env = client_env(tmp_path / "c", CALGATE_URL=base, CALGATE_TOKEN=ADMIN_TOKEN)
    ics = tmp_path / "ten.ics"
    ics.write_text(calendar_text(10))
    stand.hold.set()  # the import stays where it is until released
    proc = subprocess.Popen(
        [sys.executable, "-m", "calgate", "import", str(ics), "-c", CALENDAR],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not stand.imports and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    stand.hold.clear()
    again = run_cli("import", str(ics), "-c", CALENDAR, env=env)
    assert again.code == 0, again.err
    assert again.out.strip() == "created 10, updated 0, skipped 0, failed 0"
    assert len(stand.keys) == 2 and stand.keys[0] == stand.keys[1]
    assert len(stand.imports) == 1
    other = run_cli("import", str(ics), "-c", CALENDAR, "--on-conflict", "update", env=env)
    assert other.code == 0
    assert stand.keys[2] != stand.keys[0]  # another onConflict is another import


def _export_env(standin, tmp_path, body: bytes) -> tuple[Standin, dict[str, str]]:
    stand, base = standin
    stand.export_body = body
    return stand, client_env(tmp_path / "c", CALGATE_URL=base, CALGATE_TOKEN=ADMIN_TOKEN)


def test_export_to_a_file_and_to_stdout(standin, tmp_path):
    body = calendar_text(300).encode()
    stand, env = _export_env(standin, tmp_path, body)
    target = tmp_path / "out.ics"
    done = run_cli("export", "-c", CALENDAR, "-o", str(target), "--start", "2026-12-01", env=env)
    assert done.code == 0, done.err
    assert target.read_bytes() == body
    assert "exported 300 event(s)" in done.err
    assert stand.export_queries[-1] == {"start": ["2026-12-01"]}
    to_stdout = run_cli("export", "-c", CALENDAR, "--quiet", env=env)
    assert to_stdout.code == 0 and to_stdout.out.encode() == body and to_stdout.err == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_export_cut_midway_leaves_no_file(standin, tmp_path):
    body = calendar_text(300).encode()
    stand, env = _export_env(standin, tmp_path, body)
    stand.cut_after = len(body) // 2
    target = tmp_path / "out.ics"
    done = run_cli("export", "-c", CALENDAR, "-o", str(target), env=env)
    assert done.code == 1
    assert "the export stopped after" in done.err
    assert list(tmp_path.glob("*.ics")) == [] and list(tmp_path.glob(".*.part")) == []


def test_export_ctrl_c_midway_keeps_the_old_file(standin, tmp_path):
    body = calendar_text(300).encode()
    stand, env = _export_env(standin, tmp_path, body)
    stand.stall_after = len(body) // 2
    target = tmp_path / "out.ics"
    target.write_bytes(b"the previous export")
    proc = subprocess.Popen(
        [sys.executable, "-m", "calgate", "export", "-c", CALENDAR, "-o", str(target)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".out.ics.*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".out.ics.*.part")), "the export never started writing"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert target.read_bytes() == b"the previous export"
    assert list(tmp_path.glob(".*.part")) == []


def test_export_unknown_calendar_and_bad_token(standin, tmp_path):
    _, env = _export_env(standin, tmp_path, calendar_text(1).encode())
    target = tmp_path / "x.ics"
    assert run_cli("export", "-c", "nope", "-o", str(target), env=env).code == 5
    assert run_cli("export", "-c", CALENDAR, env={**env, "CALGATE_TOKEN": "cg_x"}).code == 4
    assert not target.exists()


def test_a_todo_in_the_file_is_reported_as_skipped_not_failed(transfer, tmp_path):
    env, stand = transfer
    assert stand is None, "calgate's own import route answers here, not the stand-in"
    ics = tmp_path / "todo.ics"
    todo = "BEGIN:VTODO\r\nUID:todo-1\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:t\r\nEND:VTODO\r\n"
    one = calendar_text(1, broken=()).replace("uid-", "with-todo-")
    ics.write_text(one.replace("END:VCALENDAR", todo + "END:VCALENDAR"))
    done = run_cli("import", str(ics), "-c", CALENDAR, env=env)
    assert done.code == 0, done.err
    assert done.out.strip() == "created 1, updated 0, skipped 1, failed 0"
    assert [line.split(":")[0] for line in done.err.splitlines() if "todo-1" in line] == [
        "skipped todo-1"
    ]


def test_a_rerun_of_the_same_file_says_it_joined_the_first_import(transfer, tmp_path):
    env, stand = transfer
    assert stand is None, "calgate's own import route answers here, not the stand-in"
    ics = tmp_path / "twice.ics"
    ics.write_text(calendar_text(3, broken=()).replace("uid-", "twice-"))
    first = run_cli("import", str(ics), "-c", CALENDAR, env=env)
    assert first.code == 0 and "imported before" not in first.err, first.err
    again = run_cli("import", str(ics), "-c", CALENDAR, env=env)
    assert again.code == 0, again.err
    assert "this file was imported before" in again.err
    assert again.out.strip() == "created 3, updated 0, skipped 0, failed 0"
