"""python-caldav's own functional tests as a peer suite for ``/dav/`` (issue 16, point 6).

The ``caldav`` library ships its server tests in its source distribution: ``tests/test_caldav.py``
and ``tests/test_async_integration.py`` run against any server named in
``tests/caldav_test_servers.{yaml,json}``, with a compatibility profile saying what that server
supports (``caldav/compatibility_hints.py``). This module

1. fetches that sdist once, for the ``caldav`` version installed here (``pip download``), and
   keeps its ``tests/`` and ``pyproject.toml`` (the suite's pytest settings) in ``.peer-suite/``
   (gitignored); the tests import the installed ``caldav``, the client calgate itself uses. What
   they import beyond calgate's test extra (``PEER_REQUIREMENTS``) is installed there too
   (``pip install --target .peer-suite/caldav-VERSION/site``) and put on the suite's
   ``PYTHONPATH`` only: pytest-asyncio in calgate's own environment would turn its
   missing-setting warning into an error in every calgate test run (``filterwarnings = error``);
2. runs both files against a plain Radicale (``tests.servers.run_radicale``: htpasswd, user
   ``alice``, one calendar, ``auth.delay = 0``) and against a real ``calgate serve`` at ``/dav/``
   (user ``peer``, the admin token as password, one calendar, ``default``), each with the
   ``radicale`` profile and under the same server name, so test ids match;
3. reads each run's per-test outcomes from its ``--junitxml`` file and lists every test that
   passes on plain Radicale but not on ``/dav/``, with the failure's message.

``python -m tests.interop.peer_suite`` runs it by hand (``--help``); the interop test
``test_caldav_peer_suite.py`` asserts on it. ``--unsupported create-calendar`` marks a feature
unsupported in the profile of both runs (a diagnosis of what else differs, while one refusal
fails most tests)."""

from __future__ import annotations

import argparse
import fcntl
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.robustness.process import ADMIN_TOKEN, CalgateProcess
from tests.servers import run_radicale

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".peer-suite"
SUITE_FILES = ("tests/test_caldav.py", "tests/test_async_integration.py")
SERVER_NAME = "peer"  # caldav names its test classes after it: TestForServerpeer, TestAsyncForpeer
PROFILE = "radicale"  # caldav.compatibility_hints.radicale
TEST_TIMEOUT = 180  # seconds for one test (pytest-timeout); a hung request fails that test only
RUN_TIMEOUT = float(os.environ.get("CALGATE_PEER_SUITE_TIMEOUT", "900"))  # one whole run
# imported by the suite and not in calgate's test extra; their own dependencies (pytest) are
# calgate's, hence --no-deps
PEER_REQUIREMENTS = ("pytest-asyncio>=1.0,<2", "proxy.py>=2.4,<3", "tzlocal>=5,<6")


class SuiteUnavailable(RuntimeError):
    """The sdist could not be fetched (no registry) or holds no tests."""


def caldav_version() -> str:
    return importlib.metadata.version("caldav")


def fetch_suite(cache: Path = CACHE, version: str | None = None) -> Path:
    """``cache/caldav-VERSION`` with the sdist's ``tests/`` and ``pyproject.toml``; downloads
    the sdist with pip the first time (the registry's file, no wheel, no dependencies)."""
    version = version or caldav_version()
    dest = cache / f"caldav-{version}"
    if all((dest / name).is_file() for name in SUITE_FILES) and (dest / "site").is_dir():
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / f"caldav-{version}.tar.gz"
    if not sdist.is_file():
        _pip("download", f"caldav=={version}", "--no-binary", ":all:", "--dest", str(cache))
        if not sdist.is_file():
            raise SuiteUnavailable(f"pip download caldav=={version} gave no {sdist.name}")
    prefix = f"caldav-{version}/"
    staging = Path(tempfile.mkdtemp(prefix="extract-", dir=cache))
    try:
        with tarfile.open(sdist) as archive:
            members = [
                m
                for m in archive.getmembers()
                if m.name.startswith(prefix + "tests/") or m.name == prefix + "pyproject.toml"
            ]
            archive.extractall(staging, members=members, filter="data")
        if not all((staging / prefix / name).is_file() for name in SUITE_FILES):
            raise SuiteUnavailable(f"{sdist.name} holds no {' and '.join(SUITE_FILES)}")
        _pip("install", "--target", str(staging / prefix / "site"), *PEER_REQUIREMENTS)
        shutil.rmtree(dest, ignore_errors=True)
        (staging / prefix).rename(dest)  # whole or not at all, for a run that comes later
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def _pip(command: str, *args: str) -> None:
    argv = [sys.executable, "-m", "pip", command, "--no-deps", "--quiet"]
    argv += ["--disable-pip-version-check", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SuiteUnavailable(f"pip {command} {' '.join(args)} failed:\n{done.stderr[-2000:]}")


@dataclass(frozen=True)
class Target:
    label: str
    url: str
    username: str
    password: str = field(repr=False)


@contextmanager
def plain_radicale(folder: Path) -> Iterator[Target]:
    with run_radicale(folder) as server:
        yield Target("plain Radicale", server.url, server.username, server.password)


@contextmanager
def calgate_dav(folder: Path) -> Iterator[Target]:
    process = CalgateProcess(folder / "data")
    try:
        yield Target("/dav/", f"{process.base}/dav/", "peer", ADMIN_TOKEN)
    finally:
        process.stop()


@dataclass(frozen=True)
class Outcome:
    status: str  # passed, failed, error, skipped
    message: str = ""


@dataclass
class Run:
    target: str
    outcomes: dict[str, Outcome]
    seconds: float
    log: Path
    stopped: bool = False  # at --maxfail: the tests after it did not run

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes.values())

    def line(self) -> str:
        statuses = ("passed", "failed", "error", "skipped")
        counts = ", ".join(f"{self.count(s)} {s}" for s in statuses if self.count(s))
        stopped = ", then stopped (--maxfail)" if self.stopped else ""
        return f"{self.target}: {counts}{stopped} in {self.seconds:.0f} s"


def read_junit(path: Path) -> dict[str, Outcome]:
    """Per test id (``test_caldav.TestForServerpeer::testSync``) its outcome; a failure or
    error in any phase wins over a skip or a pass."""
    found: dict[str, Outcome] = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
    for case in ET.parse(path).iter("testcase"):
        test_id = f"{case.get('classname', '').removeprefix('tests.')}::{case.get('name')}"
        outcome = Outcome("passed")
        for child in case:
            status = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(child.tag)
            if status and rank[status] >= rank[outcome.status]:
                outcome = Outcome(status, " ".join((child.get("message") or "").split())[:400])
        previous = found.get(test_id)
        if previous is None or rank[outcome.status] > rank[previous.status]:
            found[test_id] = outcome
    return found


def _suite_config(features: object) -> dict[str, object]:
    """The suite's server list: only ours (its embedded Radicale and Xandikos off); the
    credentials come from the environment, not the file."""
    return {
        "test-servers": {
            "radicale": {"enabled": False},
            "xandikos": {"enabled": False},
            SERVER_NAME: {
                "type": "external",
                "url": "${PEER_SUITE_URL}",
                "username": "${PEER_SUITE_USERNAME}",
                "password": "${PEER_SUITE_PASSWORD}",
                "features": features,
            },
        }
    }


def features_for(unsupported: Sequence[str] = ()) -> object:
    if not unsupported:
        return PROFILE
    return {"base": PROFILE, **{name: {"support": "unsupported"} for name in unsupported}}


def run_suite(
    suite: Path,
    target: Target,
    work: Path,
    unsupported: Sequence[str] = (),
    select: str = "",
    maxfail: int = 0,
) -> Run:
    """Both test files against ``target``, in a copy of the suite under ``work``; with
    ``maxfail``, pytest stops after that many failed or erroring tests."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "suite"
    shutil.copytree(suite, copy, ignore=lambda folder, _: ["site"] if folder == str(suite) else [])
    config = copy / "tests" / "caldav_test_servers.json"
    config.write_text(json.dumps(_suite_config(features_for(unsupported)), indent=2))
    for folder in ("home", "tmp"):
        (work / folder).mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "CALDAV_", "PYTHON_CALDAV_", "CALENDARING_"))
    }
    env.update(
        PEER_SUITE_URL=target.url,
        PEER_SUITE_USERNAME=target.username,
        PEER_SUITE_PASSWORD=target.password,
        PYTHON_CALDAV_TEST_EMBEDDED="0",
        PYTHON_CALDAV_TEST_DOCKER="0",
        HOME=str(work / "home"),  # no user config of the caldav library
        TMPDIR=str(work / "tmp"),  # the suite's per-server session lock lives here
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(suite / "site"), env.get("PYTHONPATH")])),
    )
    junit = work / "junit.xml"
    argv = [sys.executable, "-m", "pytest", *SUITE_FILES, "-p", "no:cacheprovider", "-q", "-rfE"]
    argv += ["-o", "asyncio_default_fixture_loop_scope=function", f"--timeout={TEST_TIMEOUT}"]
    argv += [f"--junitxml={junit}", *(["-k", select] if select else [])]
    argv += [f"--maxfail={maxfail}"] if maxfail else []
    log = work / "pytest.log"
    with _one_run_per_machine(), log.open("wb") as out:
        started = time.monotonic()
        # its own session: proxy.py (TestProxy) takes SIGTERM for itself, so a run past its time
        # is ended with SIGKILL, children included
        proc = subprocess.Popen(
            argv, cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise RuntimeError(
                f"the peer suite on {target.label} did not finish within {RUN_TIMEOUT:.0f} s "
                f"(CALGATE_PEER_SUITE_TIMEOUT); its output: {log}"
            ) from None
        seconds = time.monotonic() - started
    if not junit.is_file():
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the peer suite on {target.label} wrote no results:\n{tail}")
    outcomes = read_junit(junit)
    failures = sum(o.status in ("failed", "error") for o in outcomes.values())
    return Run(target.label, outcomes, seconds, log, stopped=bool(maxfail) and failures >= maxfail)


@contextmanager
def _one_run_per_machine() -> Iterator[None]:
    """The suite's TestProxy starts proxy.py on its fixed port 8899, so two runs at once (two
    checkouts on one machine) would fail each other's proxy tests: the second one waits."""
    lock = Path(tempfile.gettempdir()) / "calgate-caldav-peer-suite.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Comparison:
    version: str
    baseline: Run  # plain Radicale
    door: Run  # calgate's /dav/

    def regressions(self) -> dict[str, Outcome]:
        """Tests that pass on plain Radicale but not on /dav/, with their /dav/ outcome (a
        test missing from a run that did not stop early counts as one)."""
        missing = Outcome("missing")
        return {
            test: self.door.outcomes.get(test, missing)
            for test, outcome in sorted(self.baseline.outcomes.items())
            if outcome.status == "passed"
            and self.door.outcomes.get(test, missing).status != "passed"
            and (test in self.door.outcomes or not self.door.stopped)
        }

    def gains(self) -> list[str]:
        """Tests that pass on /dav/ but not on plain Radicale."""
        return sorted(
            test
            for test, outcome in self.door.outcomes.items()
            if outcome.status == "passed"
            and self.baseline.outcomes.get(test, Outcome("missing")).status != "passed"
        )

    def summary(self) -> str:
        return (
            f"caldav {self.version} peer suite: {self.baseline.line()}; {self.door.line()}; "
            f"{len(self.regressions())} pass on plain Radicale but not on /dav/"
        )

    def report(self) -> str:
        lines = [self.summary()]
        for test, outcome in self.regressions().items():
            lines.append(f"- {test}: {outcome.status}: {outcome.message}")
        if gains := self.gains():
            lines.append("pass on /dav/ only: " + ", ".join(gains))
        return "\n".join(lines)


def compare(
    suite: Path,
    work: Path,
    unsupported: Sequence[str] = (),
    select: str = "",
    tolerated: int | None = None,
) -> Comparison:
    """The suite on plain Radicale, then on calgate's /dav/ (one server at a time). With
    ``tolerated`` (the differences accepted), the /dav/ run stops as soon as it has failed more
    tests than plain Radicale failed plus those: then at least one difference is not accepted,
    and a broken door is reported in minutes instead of an hour of 1 s auth delays."""
    with plain_radicale(work / "radicale-server") as target:
        baseline = run_suite(suite, target, work / "radicale-run", unsupported, select)
    maxfail = 0
    if tolerated is not None:
        maxfail = baseline.count("failed") + baseline.count("error") + tolerated + 1
    with calgate_dav(work / "calgate-server") as target:
        door = run_suite(suite, target, work / "dav-run", unsupported, select, maxfail)
    return Comparison(suite.name.removeprefix("caldav-"), baseline, door)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.interop.peer_suite", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--work", type=Path, help="folder for servers, runs and logs (kept)")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"default {CACHE}")
    parser.add_argument("--unsupported", action="append", default=[], metavar="FEATURE")
    parser.add_argument("-k", dest="select", default="", help="pytest -k for both runs")
    args = parser.parse_args(argv)
    suite = fetch_suite(args.cache)
    work = args.work or Path(tempfile.mkdtemp(prefix="peer-suite-"))
    comparison = compare(suite, work, args.unsupported, args.select)
    print(comparison.report())
    print(f"logs and junit files: {work}")
    return 1 if comparison.regressions() else 0


if __name__ == "__main__":
    sys.exit(main())
