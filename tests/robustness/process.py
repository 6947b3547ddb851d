"""A real ``calgate serve`` process for the robustness probes: its own port and data folder,
output to a file (never a pipe that could fill), SIGKILL as well as a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

ADMIN_TOKEN = "cg_robustness-admin-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CalgateProcess:
    """``python -m calgate serve`` on 127.0.0.1; ``env`` adds CALGATE_* settings.
    ``admin_token=None`` lets calgate make its first admin token itself (and print it)."""

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
        ready_within: float = 30.0,
        wait: bool = True,
        admin_token: str | None = ADMIN_TOKEN,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = data_dir.parent / f"calgate-{self.port}.log"
        self._out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "calgate",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
            ],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                **({"CALGATE_ADMIN_TOKEN": admin_token} if admin_token else {}),
                **(env or {}),
            },
        )
        if wait:
            self.wait_ready(ready_within)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, within: float = 30.0) -> float:
        """Seconds until /health answers 200; fails the test with the log when it does not."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"calgate serve did not come up within {within} s:\n{self.output()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when the machine loses power."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        if not self._out.closed:
            self._out.close()
