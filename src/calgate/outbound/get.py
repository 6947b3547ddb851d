"""One GET of a user-given URL (an iCalendar feed calgate subscribes to), with the webhook
POST's protections: every address is checked before it is connected to (``safe_addresses``),
redirects are followed by hand (at most ``MAX_REDIRECTS``, each new address checked again),
at most ``MAX_BODY`` bytes are read, and ``TOTAL_TIMEOUT`` bounds the whole exchange, redirects
included (a timer shuts the socket down: a socket timeout bounds each read, not their sum).
Conditional headers (If-None-Match, If-Modified-Since) pass through; a 304 is an answer."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from calgate.errors import InvalidInput, UnsafeDestination

from .addresses import Address, safe_addresses
from .post import CONNECT_TIMEOUT, Deadline

MAX_BODY = 10 * 1024 * 1024
TOTAL_TIMEOUT = 15.0
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 (not modified: ``body`` is empty)
    body: bytes
    etag: str | None
    last_modified: str | None
    url: str  # after redirects


class FetchFailed(Exception):
    """No usable answer; the message is a sentence a person reads on the source."""


def get(
    url: str,
    headers: dict[str, str],
    *,
    allow_http: bool,
    allow_private: bool,
    max_body: int = MAX_BODY,
    total_timeout: float | None = None,
) -> Fetched:
    """The answer (200 or 304) after redirects; ``FetchFailed`` for anything else."""
    total_timeout = TOTAL_TIMEOUT if total_timeout is None else total_timeout
    started = time.monotonic()
    for _ in range(MAX_REDIRECTS + 1):
        try:
            addresses = safe_addresses(
                url, allow_http=allow_http, allow_private=allow_private, must_resolve=True
            )
        except UnsafeDestination as exc:
            raise FetchFailed(
                f"{_host(url)} is not an address calgate fetches from (SSRF protection: "
                f"{exc.reason})."
            ) from exc
        except InvalidInput as exc:
            raise FetchFailed(f"{_host(url)}: {exc.detail}") from exc
        left = total_timeout - (time.monotonic() - started)
        if left <= 0:
            break
        response = _exchange(url, addresses[0], headers, left, max_body)
        if response.status in _REDIRECTS and response.location:
            url = urljoin(url, response.location)
            continue
        if response.status == 304:
            return Fetched(304, b"", response.etag, response.last_modified, url)
        if response.status != 200:
            raise FetchFailed(f"The feed's server answered HTTP {response.status}.")
        return Fetched(200, response.body, response.etag, response.last_modified, url)
    else:
        raise FetchFailed(f"The feed redirected more than {MAX_REDIRECTS} times.")
    raise FetchFailed(f"The feed's server gave no whole answer within {total_timeout:g} s.")


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    location: str | None


def _exchange(
    url: str, address: Address, headers: dict[str, str], seconds: float, max_body: int
) -> _Response:
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    too_slow = f"The feed's server gave no whole answer within the time allowed ({seconds:g} s)."
    try:
        sock = socket.create_connection((str(address), port), timeout=min(CONNECT_TIMEOUT, seconds))
    except OSError as exc:
        raise FetchFailed(f"Could not connect to {host} ({exc.__class__.__name__}).") from exc
    deadline = Deadline(seconds, sock)
    try:
        sock.settimeout(seconds)
        if https:
            sock = ssl.create_default_context().wrap_socket(
                sock, server_hostname=host, do_handshake_on_connect=False
            )
            deadline.watch(sock)
            sock.do_handshake()
        conn = http.client.HTTPConnection(host, port, timeout=seconds)
        conn.sock = sock  # the checked address, not a new lookup of ``host``
        sent = {"Accept-Encoding": "identity", **headers, "Host": parts.netloc}
        conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        body = response.read(max_body + 1) if response.status == 200 else b""
        if deadline.passed:
            raise FetchFailed(too_slow)
        if len(body) > max_body:
            raise FetchFailed(f"The feed is larger than {max_body // (1024 * 1024)} MB.")
        return _Response(
            response.status,
            body,
            response.getheader("ETag"),
            response.getheader("Last-Modified"),
            response.getheader("Location"),
        )
    except (OSError, http.client.HTTPException) as exc:
        if deadline.passed:
            raise FetchFailed(too_slow) from exc
        raise FetchFailed(f"The feed could not be read ({exc.__class__.__name__}).") from exc
    finally:
        deadline.cancel()
        sock.close()


def _host(url: str) -> str:
    return urlsplit(url).hostname or "the feed's host"
