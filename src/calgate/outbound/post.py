"""One webhook POST, to an address that was checked just before: the connection goes to that
address (never a second lookup of the name, which a DNS change could point elsewhere), with the
name kept for ``Host`` and TLS (SNI and certificate). No redirect is followed; at most
``MAX_BODY`` bytes of the answer are read; ``CONNECT_TIMEOUT`` to connect and ``TOTAL_TIMEOUT``
for the whole exchange (a timer shuts the connection down then: a socket timeout bounds each
read, not their sum, and a receiver dripping its answer a byte at a time would otherwise hold
the sender as long as it liked, past the lease of the message it sends)."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from .addresses import Address

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 15.0
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: float | None


class PostFailed(Exception):
    """No HTTP answer: the connection failed, timed out, or TLS did not verify."""


def post(url: str, address: Address, headers: dict[str, str], body: bytes) -> Answer:
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        sock = socket.create_connection((str(address), port), timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise PostFailed(f"could not connect: {exc.__class__.__name__}") from exc
    deadline = Deadline(max(TOTAL_TIMEOUT - (time.monotonic() - started), 0.0), sock)
    try:
        sock.settimeout(TOTAL_TIMEOUT)
        if https:
            sock = ssl.create_default_context().wrap_socket(
                sock, server_hostname=host, do_handshake_on_connect=False
            )
            deadline.watch(sock)  # before the handshake, which the timer bounds too
            sock.do_handshake()
        conn = http.client.HTTPConnection(host, port, timeout=TOTAL_TIMEOUT)
        conn.sock = sock  # the checked address, not a new lookup of ``host``
        conn.request("POST", path, body=body, headers={**headers, "Host": parts.netloc})
        response = conn.getresponse()
        response.read(MAX_BODY)  # drained up to the cap, never more
        if deadline.passed or time.monotonic() - started > TOTAL_TIMEOUT:
            raise PostFailed(f"no whole answer within {TOTAL_TIMEOUT:g} s")
        return Answer(response.status, _seconds(response.getheader("Retry-After")))
    except (OSError, http.client.HTTPException) as exc:
        if deadline.passed:
            raise PostFailed(f"no whole answer within {TOTAL_TIMEOUT:g} s") from exc
        raise PostFailed(f"{exc.__class__.__name__}: {exc}"[:300]) from exc
    finally:
        deadline.cancel()
        sock.close()


class Deadline:
    """Shuts the watched socket down (both ways: any read or write in progress ends) once
    ``seconds`` have passed."""

    def __init__(self, seconds: float, sock: socket.socket) -> None:
        self._cut_done = False
        self._ends = time.monotonic() + seconds
        self._sock = sock
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    @property
    def passed(self) -> bool:
        """Whether the time is up: the timer has cut the socket, or it is late (a socket
        timeout of the same length, or a busy machine, can end a read first)."""
        return self._cut_done or time.monotonic() >= self._ends

    def watch(self, sock: socket.socket) -> None:
        """Watch ``sock`` instead (the TLS socket that took the plain one over)."""
        with self._lock:
            self._sock = sock
            if self._cut_done:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _cut(self) -> None:
        with self._lock:
            self._cut_done = True
            _shut(self._sock)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # closed already, or a plain socket TLS has taken over
        sock.shutdown(socket.SHUT_RDWR)


def _seconds(value: str | None) -> float | None:
    """Retry-After as seconds (the delta form; an HTTP date is taken as absent)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
