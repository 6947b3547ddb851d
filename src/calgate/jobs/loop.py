"""The shape every background job shares: a named daemon thread that runs one round every
``interval`` seconds until it is stopped, and outlives any one round that fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Loop:
    """Runs ``work`` every ``interval`` seconds in the thread ``name``; the first round after
    one interval, or at once with ``at_once``. A round that raises is logged as
    ``failure`` (with the traceback) and the next one runs as planned."""

    def __init__(
        self,
        name: str,
        work: Callable[[], None],
        *,
        interval: float,
        failure: str,
        at_once: bool = False,
        stop_wait: float = 10.0,
        logger: logging.Logger = log,
    ) -> None:
        self.name = name
        self._work = work
        self._interval = interval
        self._failure = failure
        self._at_once = at_once
        self._stop_wait = stop_wait  # how long stop() waits for a round in progress
        self._log = logger
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Loop({self.name!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def stopping(self) -> bool:
        """True once stop() was called: a long round checks it between its steps."""
        return self._stop.is_set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._stop_wait)
            self._thread = None

    def _run(self) -> None:
        if self._at_once and not self._stop.is_set():
            self._round()
        while not self._stop.wait(self._interval):
            self._round()

    def _round(self) -> None:
        try:
            self._work()
        except Exception:  # the loop must outlive any one bad round (database down...)
            self._log.exception(self._failure)


class LoopJob:
    """A job whose whole life is its :class:`Loop` (``self._loop``, made in ``__init__``):
    started and stopped with it."""

    _loop: Loop

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()
