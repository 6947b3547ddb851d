"""``calgate-mail``: runs :func:`calgate.mail.outbox.deliver_due` every ``outbox_interval``
seconds (the first round at once: mails queued while calgate was down go out on start), and
purges mails sent more than ``outbox_keep_days`` ago once an hour. Started only when SMTP is
configured."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from calgate.jobs.loop import Loop, LoopJob
from calgate.mail import outbox
from calgate.mail.outbox import Sessions
from calgate.settings import Settings

log = logging.getLogger(__name__)

PURGE_EVERY = 3600.0


class OutboxWorker(LoopJob):
    def __init__(self, settings: Settings, sessions: Sessions) -> None:
        self._settings = settings
        self._sessions = sessions
        self._last_purge = float("-inf")
        self._loop = Loop(
            "calgate-mail",
            self._round,
            interval=settings.outbox_interval,
            failure="mail delivery round failed",
            at_once=True,
            logger=log,
        )

    def _round(self) -> None:
        report = outbox.deliver_due(self._settings, self._sessions)
        if report.sent or report.failed:
            log.info("mail: %d sent, %d refused for good", report.sent, report.failed)
        if time.monotonic() - self._last_purge >= PURGE_EVERY:
            self._last_purge = time.monotonic()
            keep = timedelta(days=self._settings.outbox_keep_days)
            with self._sessions() as session:
                outbox.purge_sent(session, older_than=datetime.now(UTC) - keep)
