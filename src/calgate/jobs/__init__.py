"""Background jobs: each one a daemon thread with ``start()`` and ``stop()``, started and
stopped by :mod:`calgate.lifecycle` (``calgate serve`` only; CLI admin commands run none).

- ``keep_fresh``: ``calgate-sync``, syncs the calendars read in the last ten minutes;
- ``clearing``: ``calgate-clear``, the ``autoClear`` clearing schedule;
- ``outbox``: ``calgate-mail``, delivers queued notification mail (when SMTP is configured);
- ``heartbeat``: ``calgate-heartbeat``, this process's row in the process table.

Jobs to come get a module here too, built on :class:`calgate.jobs.loop.Loop`: webhook delivery
(``webhooks``, beside ``outbox``: a durable queue drained with retries) and feed polling
(``feeds``, beside ``keep_fresh``: a subscribed calendar fetched on its interval).
"""
