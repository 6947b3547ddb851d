"""Import and export progress on stderr: plain lines without a terminal (nothing a log file
would show as garbage), a drawn bar when stderr is a terminal (a real pty), nothing with
--quiet; stdout carries only the data."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.cli.conftest import CALENDAR, client_env, run_cli
from tests.cli.standin import calendar_text
from tests.robustness.process import ADMIN_TOKEN


def _setup(standin, tmp_path, n: int = 10):
    stand, base = standin
    stand.step = 2
    ics = tmp_path / "p.ics"
    ics.write_text(calendar_text(n))
    env = client_env(tmp_path / "c", CALGATE_URL=base, CALGATE_TOKEN=ADMIN_TOKEN)
    return stand, env, ics


def test_plain_lines_without_a_terminal(standin, tmp_path):
    _, env, ics = _setup(standin, tmp_path)
    done = run_cli("import", str(ics), "-c", CALENDAR, env=env)
    assert done.code == 0, done.err
    assert "\x1b" not in done.err and "\r" not in done.err
    lines = done.err.splitlines()
    assert lines[0] == f"import {CALENDAR}: 0/10 events"
    assert lines[-1] == f"import {CALENDAR}: 10/10 events"
    assert done.out.strip() == "created 10, updated 0, skipped 0, failed 0"


def test_quiet_prints_no_progress(standin, tmp_path):
    _, env, ics = _setup(standin, tmp_path, 3)
    done = run_cli("import", str(ics), "-c", CALENDAR, "--quiet", "--json", env=env)
    assert done.code == 0 and done.err == ""


def test_export_plain_lines_count_bytes(standin, tmp_path):
    stand, env, _ = _setup(standin, tmp_path)
    stand.export_body = calendar_text(50).encode()
    done = run_cli("export", "-c", CALENDAR, "-o", str(tmp_path / "e.ics"), env=env)
    assert done.code == 0, done.err
    assert "\x1b" not in done.err
    assert done.err.splitlines()[0].startswith(f"export {CALENDAR}: ")
    assert done.err.splitlines()[-1] == f"exported 50 event(s) to {tmp_path / 'e.ics'}"


def test_a_bar_when_stderr_is_a_terminal(standin, tmp_path):
    _, env, ics = _setup(standin, tmp_path)
    env = {**env, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "calgate", "import", str(ics), "-c", CALENDAR],
        env=env,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read()
    assert proc.wait(timeout=60) == 0
    os.close(master)
    text = seen.decode(errors="replace")
    assert "\x1b[" in text  # drawn, not printed line by line
    assert "━" in text and "10/10" in text
    assert out.decode().strip() == "created 10, updated 0, skipped 0, failed 0"
