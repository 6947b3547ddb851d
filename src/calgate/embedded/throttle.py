"""Brute-force protection for ``/dav/`` that never slows a client holding a valid token.

Radicale's own protection sleeps about a second on every 401 and 403, for everybody: a CalDAV
client that is refused one calendar, or that sends its first request without credentials (as
most do, to get the challenge), waits too. calgate turns that off (``auth.delay = 0``) and
counts failed logins per client address instead: a request whose token is valid passes at once,
whatever its address did before; a failed one is Radicale's 401 at once, until the address has
failed ``limit`` times within ``window`` seconds, after which its failures get a 429 with
``Retry-After`` instead. Tokens are 256-bit random secrets, so this guards the
logs and the database more than the secrets; behind a reverse proxy every client shares the
proxy's address (docs/operations.md).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .auth import TokenCheck, basic_password, request_grant

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_MOST_ADDRESSES = 10_000  # addresses remembered at once; the oldest are forgotten first


class FailedLogins:
    """Failed logins per client address within a sliding window."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._seen.get(address)
        if times is None:
            if len(self._seen) >= _MOST_ADDRESSES:
                self._seen.pop(next(iter(self._seen)))
            times = self._seen[address] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it may now."""
        now = self._clock()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.limit:
                return 0.0
            return max(times[0] + self.window - now, 0.0)

    def failed(self, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._recent(address, now).append(now)


def refuse_guessing(
    app: WSGIApplication, check_token: TokenCheck, failures: FailedLogins
) -> WSGIApplication:
    """``app`` behind :class:`FailedLogins` (see the module's docstring)."""

    def throttled(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        secret = basic_password(environ.get("HTTP_AUTHORIZATION", ""))
        if secret is None or request_grant(environ, check_token) is not None:
            # no password (Radicale's challenge, at once), or a valid token: never slowed
            return app(environ, start_response)
        address = environ.get("REMOTE_ADDR", "")
        wait = failures.wait(address)
        if wait > 0.0:
            return _too_many(start_response, wait)
        failures.failed(address)
        return app(environ, start_response)  # Radicale's 401, at once

    return throttled


def _too_many(start_response: StartResponse, wait: float) -> list[bytes]:
    body = (
        f"Too many failed logins from this address; try again in {int(wait) + 1} s "
        "with a valid calgate token as the password.\n"
    ).encode()
    start_response(
        "429 Too Many Requests",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Retry-After", str(int(wait) + 1)),
        ],
    )
    return [body]
