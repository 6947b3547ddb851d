"""The CLI client under test as a real process (``python -m calgate ...``) against a real
``calgate serve`` process (tests/robustness/process.py), or, for import and export, against
the contract stand-in of tests/cli/standin.py while calgate lacks those routes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.cli.standin import Standin
from tests.robustness.process import ADMIN_TOKEN, CalgateProcess

CALENDAR = "room"


@dataclass
class Run:
    code: int
    out: str
    err: str


def client_env(config_home: Path, **extra: str) -> dict[str, str]:
    """The environment of a client process: no CALGATE_* from outside, a config folder of the
    test's own (never the user's ~/.config)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALGATE_")}
    env["XDG_CONFIG_HOME"] = str(config_home)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), env.get("PYTHONPATH", "")]
    )
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str], stdin: bytes | None = None, timeout: float = 60
) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "calgate", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalgateProcess]:
    """One real calgate serve for a test module, with the calendar ``room``."""
    proc = CalgateProcess(tmp_path_factory.mktemp("cli-server") / "data")
    try:
        answer = httpx.post(
            f"{proc.base}/api/v1/calendars",
            json={"id": CALENDAR, "name": "Room"},
            headers=proc.headers,
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def env(server: CalgateProcess, tmp_path: Path) -> dict[str, str]:
    """CALGATE_URL and CALGATE_TOKEN for the real server."""
    return client_env(tmp_path / "config", CALGATE_URL=server.base, CALGATE_TOKEN=ADMIN_TOKEN)


@pytest.fixture
def standin() -> Iterator[tuple[Standin, str]]:
    stand = Standin(token=ADMIN_TOKEN)
    http, base = stand.start()
    try:
        yield stand, base
    finally:
        stand.release.set()
        http.shutdown()
        http.server_close()
