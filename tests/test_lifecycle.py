"""The composition root and the background jobs: which threads a start runs, that a stop ends
them all, and that a job outlives a round that fails."""

from __future__ import annotations

import logging
import threading
import time

from calgate.jobs.loop import Loop
from calgate.lifecycle import Lifecycle

JOB_THREADS = {"calgate-sync", "calgate-clear", "calgate-mail", "calgate-heartbeat"}


def job_threads() -> set[str]:
    return {t.name for t in threading.enumerate()} & JOB_THREADS


def test_serve_starts_the_jobs_its_settings_ask_for_and_stop_ends_them(make_settings):
    lifecycle = Lifecycle(make_settings(background_sync=True, clear_interval=60, embedded=False))
    report = lifecycle.start()
    try:
        assert report.admin_token is None  # CALGATE_ADMIN_TOKEN is set in tests
        assert job_threads() == {"calgate-sync", "calgate-clear", "calgate-heartbeat"}
        assert lifecycle.start().admin_token is None  # a second start does nothing
    finally:
        lifecycle.stop()
    assert job_threads() == set()


def test_admin_commands_start_the_database_only(make_settings):
    before = {t.name for t in threading.enumerate()}
    lifecycle = Lifecycle(make_settings(background_sync=True, clear_interval=60))
    lifecycle.start(serve=False)
    try:
        started = {t.name for t in threading.enumerate()} - before
        assert not [name for name in started if name.startswith("calgate-")]  # nor /dav/
    finally:
        lifecycle.stop()


def test_a_loop_outlives_a_failing_round(caplog):
    rounds: list[int] = []

    def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("the first round fails")

    loop = Loop("test-loop", work, interval=0.01, failure="test round failed", at_once=True)
    with caplog.at_level(logging.ERROR, logger="calgate.jobs.loop"):
        loop.start()
        deadline = time.monotonic() + 5
        while len(rounds) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        loop.stop()
    assert len(rounds) >= 3
    assert [r.getMessage() for r in caplog.records] == ["test round failed"]
    assert not loop.running
    assert "test-loop" not in {t.name for t in threading.enumerate()}
