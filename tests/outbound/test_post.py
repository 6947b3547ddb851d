"""outbound.post against real misbehaving receivers on loopback: the whole exchange is bounded
by TOTAL_TIMEOUT, however slowly the receiver drips its answer (a socket timeout bounds each
read, not their sum; Python bounds a TLS handshake as a whole, kept here as the handshake now
runs under the same timer). TOTAL_TIMEOUT is shortened to 1 s so the test does not wait 15 s."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from ipaddress import ip_address

import pytest

from calgate.outbound import post as outbound_post
from calgate.outbound.post import PostFailed, post

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nX-Slow: " + b"y" * 200 + b"\r\n\r\n"


class Dripper:
    """Accepts connections on 127.0.0.1, reads the request, sends ``at_once``, then ``drip`` one
    byte every 0.1 s (for at most 20 s)."""

    def __init__(self, at_once: bytes, drip: bytes) -> None:
        self.at_once, self.drip = at_once, drip
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with self.listener:
            self.listener.settimeout(0.2)
            while not self.stop.is_set():
                try:
                    conn, _ = self.listener.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            deadline = time.monotonic() + 20
            try:
                conn.sendall(self.at_once)
                for i in range(len(self.drip)):
                    if self.stop.is_set() or time.monotonic() > deadline:
                        return
                    conn.sendall(self.drip[i : i + 1])
                    time.sleep(0.1)
            except OSError:
                return  # the client gave up


# a TLS handshake record (type 22) announcing 16 KB, whose bytes then come one by one
TLS_RECORD = b"\x16\x03\x03\x40\x00" + b"\x00" * 16384
DRIPS = {
    "headers": ("http", b"", HEAD),  # the status line and headers a byte at a time
    "body": ("http", HEAD, b"z" * 100000),  # they at once, then the body a byte at a time
    "tls handshake": ("https", b"", TLS_RECORD),
}


@pytest.fixture(params=list(DRIPS))
def dripper(request) -> Iterator[tuple[str, Dripper]]:
    scheme, at_once, drip = DRIPS[request.param]
    d = Dripper(at_once, drip)
    yield f"{scheme}://127.0.0.1:{d.port}/hooks", d
    d.stop.set()


def test_a_dripping_answer_is_cut_at_the_total_timeout(dripper, monkeypatch):
    monkeypatch.setattr(outbound_post, "TOTAL_TIMEOUT", 1.0)
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(post(dripper[0], ip_address("127.0.0.1"), {}, b"{}"))
        except PostFailed as exc:
            outcome.append(exc)

    started = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(timeout=8)
    assert not sender.is_alive(), "post was still reading 8 s into a 1 s limit"
    assert len(outcome) == 1 and isinstance(outcome[0], PostFailed)
    assert time.monotonic() - started < 8
