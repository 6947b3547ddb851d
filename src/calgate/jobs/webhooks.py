"""``calgate-webhooks``: every ``webhook_interval`` seconds, turns new changes into webhook
messages (``services.webhook_dispatch``) and sends the due ones
(``services.webhook_delivery``)."""

from __future__ import annotations

import logging

from calgate.jobs.loop import Loop, LoopJob
from calgate.runtime import Runtime
from calgate.services import webhook_delivery, webhook_dispatch

log = logging.getLogger(__name__)


class WebhookWorker(LoopJob):
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._loop = Loop(
            "calgate-webhooks",
            self._round,
            interval=runtime.settings.webhook_interval,
            failure="webhook round failed",
            at_once=True,
            logger=log,
        )

    def _round(self) -> None:
        webhook_dispatch.dispatch(self._runtime)
        report = webhook_delivery.deliver_due(self._runtime)
        if report.delivered or report.failed:
            log.info("webhooks: %d delivered, %d given up", report.delivered, report.failed)
