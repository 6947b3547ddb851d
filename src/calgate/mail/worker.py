"""The delivery thread: runs :func:`calgate.mail.outbox.deliver_due` every
``outbox_interval`` seconds (the first round at once: mails queued while calgate was down
go out on start), and purges mails sent more than ``outbox_keep_days`` ago once an hour."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from calgate.mail import outbox
from calgate.mail.outbox import Sessions
from calgate.settings import Settings

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0


class OutboxWorker:
    def __init__(self, settings: Settings, sessions: Sessions) -> None:
        self._settings = settings
        self._sessions = sessions
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_purge = float("-inf")

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="calgate-mail", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception:  # the loop must outlive any one bad round (database down...)
                log.exception("mail delivery round failed")
            self._stop.wait(self._settings.outbox_interval)

    def _round(self) -> None:
        report = outbox.deliver_due(self._settings, self._sessions)
        if report.sent or report.failed:
            log.info("mail: %d sent, %d refused for good", report.sent, report.failed)
        if time.monotonic() - self._last_purge >= PURGE_EVERY:
            self._last_purge = time.monotonic()
            keep = timedelta(days=self._settings.outbox_keep_days)
            with self._sessions() as session:
                outbox.purge_sent(session, older_than=datetime.now(UTC) - keep)
