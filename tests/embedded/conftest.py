"""Fixtures: a real EmbeddedStore, its /dav app served by uvicorn the way the API mounts it
(FastAPI + a2wsgi), and its internal loopback server. No fakes of Radicale."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from a2wsgi import WSGIMiddleware
from fastapi import FastAPI

from calgate.domain.access import Grant, Role
from calgate.embedded import EmbeddedStore

WRITE_ALL = "tok-write-all"
READ_ALL = "tok-read-all"
WRITE_DEFAULT = "tok-write-default"
ADMIN_ALL = "tok-admin-all"
ADMIN_DEFAULT = "tok-admin-default"


@pytest.fixture
def tokens() -> dict[str, Grant]:
    """The token check is a dict lookup: delete a key to revoke a token."""
    return {
        WRITE_ALL: Grant("t-write", Role.write),
        READ_ALL: Grant("t-read", Role.read),
        WRITE_DEFAULT: Grant("t-default", Role.write, frozenset({"default"})),
        ADMIN_ALL: Grant("t-admin", Role.admin),
        ADMIN_DEFAULT: Grant("t-admin-default", Role.admin, frozenset({"default", "other"})),
    }


@pytest.fixture
def store(tmp_path: Path, tokens: dict[str, Grant]) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "store", lambda secret: tokens.get(secret))
    s.ensure_calendar("default", name="Default", time_zone="Europe/Oslo")
    s.ensure_calendar("other", name="Other", time_zone=None)
    yield s
    s.stop()


def serve_asgi(app: FastAPI) -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture
def dav_url(store: EmbeddedStore) -> Iterator[str]:
    """``http://127.0.0.1:PORT/dav/``: the public app mounted exactly as the API does."""
    app = FastAPI()
    app.mount("/dav", WSGIMiddleware(store.wsgi_app))  # type: ignore[arg-type]
    base, server, thread = serve_asgi(app)
    yield base + "/dav/"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def internal_url(store: EmbeddedStore) -> str:
    return store.start_internal()
