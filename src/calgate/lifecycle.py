"""The composition root: builds calgate's parts from settings (:class:`calgate.runtime.Runtime`),
runs start-up, and starts and stops the background jobs (:mod:`calgate.jobs`).

``calgate serve``, ``calgate worker`` (no HTTP) and the app's lifespan start it whole (the
jobs unless ``background_jobs`` is off: an API-only process); the CLI's admin commands start the
database only (``serve=False``): no embedded server, no jobs, and no first-start admin token,
which only ``calgate serve`` may print.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from calgate.jobs.clearing import ClearingSchedule
from calgate.jobs.heartbeat import Heartbeat
from calgate.jobs.ics_refresh import IcsRefresh
from calgate.jobs.imports import ImportWorker
from calgate.jobs.keep_fresh import KeepFresh
from calgate.jobs.outbox import OutboxWorker
from calgate.jobs.webhooks import WebhookWorker
from calgate.runtime import Runtime
from calgate.services import bootstrap, tokens
from calgate.services.tokens import NewToken
from calgate.settings import Settings

log = logging.getLogger(__name__)


def build_runtime(settings: Settings) -> Runtime:
    """The parts, wired: the API and ``/dav/`` check tokens with the tokens service. No I/O."""
    return Runtime(settings, check_secret=tokens.check_secret)


@dataclass(frozen=True)
class StartReport:
    admin_token: NewToken | None  # made on this (first) start: ``calgate serve`` prints it


class Job(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Lifecycle:
    """One calgate process: its parts (``runtime``) and the jobs it runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime = build_runtime(settings)
        self._jobs: list[Job] = []
        self.started = False

    def __repr__(self) -> str:
        return f"Lifecycle({self.runtime!r}, started={self.started})"

    def start(self, *, serve: bool = True) -> StartReport:
        if self.started:
            return StartReport(admin_token=None)
        runtime = self.runtime
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        # one process at a time migrates and makes the first-start rows (several starting at once)
        with runtime.db.startup_lock():
            runtime.db.migrate_unlocked()
            runtime.open_secret_box()
            if not serve:
                self.started = True
                return StartReport(admin_token=None)
            new_admin = self._first_start()
        self._jobs = self._jobs_to_run()
        for job in self._jobs:
            job.start()
        if not self.settings.smtp_enabled:
            log.info("notification mail is off: no SMTP_SERVER set, nothing is queued")
        self.started = True
        return StartReport(admin_token=new_admin)

    def stop(self) -> None:
        for job in self._jobs:
            job.stop()
        self._jobs = []
        self.runtime.close()
        self.started = False

    def _first_start(self) -> NewToken | None:
        """The embedded store and its ``default`` calendar, and the first admin token (or the
        one in CALGATE_ADMIN_TOKEN): made once, checked on every start."""
        runtime = self.runtime
        if runtime.embedded is not None:
            runtime.start_embedded()
        fixed = self.settings.admin_token
        with runtime.db.session() as session:
            if runtime.embedded is not None:
                bootstrap.ensure_embedded_default(session, runtime)
            return tokens.ensure_admin_token(
                session, fixed_secret=fixed.get_secret_value() if fixed else None
            )

    def _jobs_to_run(self) -> list[Job]:
        """In the order they start and stop (the heartbeat first: claims name this process)."""
        runtime, settings = self.runtime, self.settings
        jobs: list[Job] = [Heartbeat(runtime)]
        if not settings.background_jobs:  # an API-only process: workers run the jobs
            return jobs
        if settings.background_sync:
            jobs.append(KeepFresh(runtime))
            jobs.append(IcsRefresh(runtime))
        if settings.clear_interval > 0:
            jobs.append(ClearingSchedule(runtime))
        if settings.smtp_enabled:
            jobs.append(OutboxWorker(settings, runtime.db.session))
        jobs.append(WebhookWorker(runtime))
        jobs.append(ImportWorker(runtime))
        return jobs
