"""Real CalDAV servers for tests: Radicale and Xandikos as subprocesses on 127.0.0.1.

Each server gets an ephemeral port and a temporary storage folder, is polled until it answers
(bounded), and is stopped by its own process id at teardown. Fixtures (import these names into a
conftest.py): ``radicale_server``, ``xandikos_server`` (session scope) and ``caldav_server``
(parametrized over both, ids ``radicale`` and ``xandikos``).

How they authenticate:

- Radicale: htpasswd with ``plain`` encryption, user ``alice`` / ``password``. It answers 401 with
  ``WWW-Authenticate: Basic`` to a missing or wrong password (``auth.delay`` is set to 0 so a wrong
  password does not cost a second).
- Xandikos: no authentication at all. Without ``--htpasswd`` (which it only allows together with
  ``--autocert`` TLS) it ignores any ``Authorization`` header and serves everything as the one
  ``--current-user-principal``; so it accepts every password (``checks_password`` is False).
"""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

__all__ = [
    "RunningServer",
    "caldav_server",
    "free_port",
    "radicale_server",
    "require_or_skip",
    "run_radicale",
    "run_xandikos",
    "xandikos_server",
]

HOST = "127.0.0.1"
USERNAME = "alice"
PASSWORD = "password"  # a throwaway test account
READY_TIMEOUT = 20.0


@dataclass(frozen=True)
class RunningServer:
    name: str
    url: str  # server root, e.g. http://127.0.0.1:PORT/
    principal_url: str
    home_url: str  # calendar home (where MKCALENDAR goes)
    calendar_url: str  # one calendar that holds events
    username: str = USERNAME
    password: str = field(default=PASSWORD, repr=False)
    checks_password: bool = True
    pid: int = 0


def require_or_skip(reason: str) -> None:
    """Skip the test; on CI (env ``CI=true``), where nothing may be missing, fail it instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _request(
    port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _stderr_tail(log: Path, limit: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-limit:]
    except OSError:
        return "(no output captured)"


def _wait_ready(proc: subprocess.Popen[bytes], name: str, port: int, log: Path) -> None:
    """Poll until the server answers HTTP on ``port``; raise with its output when it does not."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} exited with code {proc.returncode} before it was ready:\n"
                f"{_stderr_tail(log)}"
            )
        try:
            _request(port, "OPTIONS", "/")
            return
        except OSError:
            time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(
        f"{name} did not answer on {HOST}:{port} within {READY_TIMEOUT:.0f} s:\n{_stderr_tail(log)}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def _process(name: str, argv: list[str], port: int, folder: Path) -> Iterator[int]:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    try:
        _wait_ready(proc, name, port, log)
        yield proc.pid
    finally:
        _stop(proc)


MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>Work</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""


@contextmanager
def run_radicale(folder: Path) -> Iterator[RunningServer]:
    """Radicale with htpasswd (plain) auth and one calendar, ``/alice/work/`` (MKCALENDAR)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    htpasswd = folder / "htpasswd"
    htpasswd.write_text(f"{USERNAME}:{PASSWORD}\n")
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = {HOST}:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {htpasswd}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[web]\ntype = none\n"
        "[logging]\nlevel = warning\n"
    )
    argv = [sys.executable, "-m", "radicale", "--config", str(config)]
    with _process("radicale", argv, port, folder) as pid:
        status, body = _request(
            port,
            "MKCALENDAR",
            "/alice/work/",
            MKCALENDAR_BODY,
            {"Content-Type": "application/xml", **_basic(USERNAME, PASSWORD)},
        )
        if status != 201:
            raise RuntimeError(f"Radicale refused MKCALENDAR: {status} {body[:500]!r}")
        root = f"http://{HOST}:{port}/"
        yield RunningServer(
            name="radicale",
            url=root,
            principal_url=root + "alice/",
            home_url=root + "alice/",
            calendar_url=root + "alice/work/",
            pid=pid,
        )


def xandikos_command() -> str | None:
    """The ``xandikos`` script next to this Python (the venv's), else on PATH."""
    return shutil.which("xandikos", path=str(Path(sys.executable).parent)) or shutil.which(
        "xandikos"
    )


@contextmanager
def run_xandikos(folder: Path) -> Iterator[RunningServer]:
    """Xandikos with its default calendar, ``/alice/calendars/calendar/``; no authentication."""
    exe = xandikos_command()
    if exe is None:
        raise FileNotFoundError("xandikos")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        exe, "serve", "-d", str(folder / "data"), "--defaults", "-l", HOST, "-p", str(port),
        "--current-user-principal", "/alice/", "--no-detect-systemd",
    ]  # fmt: skip
    with _process("xandikos", argv, port, folder) as pid:
        root = f"http://{HOST}:{port}/"
        yield RunningServer(
            name="xandikos",
            url=root,
            principal_url=root + "alice/",
            home_url=root + "alice/calendars/",
            calendar_url=root + "alice/calendars/calendar/",
            checks_password=False,
            pid=pid,
        )


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    try:
        import radicale  # noqa: F401
    except ImportError:
        require_or_skip("radicale is not installed (pip install radicale)")
    with run_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture(scope="session")
def xandikos_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if xandikos_command() is None:
        require_or_skip("the xandikos command is not installed (pip install xandikos)")
    with run_xandikos(tmp_path_factory.mktemp("xandikos")) as server:
        yield server


@pytest.fixture(params=["radicale", "xandikos"])
def caldav_server(request: pytest.FixtureRequest) -> RunningServer:
    """Each real CalDAV server in turn, for contract tests."""
    server: RunningServer = request.getfixturevalue(f"{request.param}_server")
    return server
