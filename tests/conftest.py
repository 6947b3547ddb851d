"""Shared fixtures: a calgate app in-process on a temporary data folder, on SQLite or on the
local PostgreSQL, with real CalDAV servers behind it (embedded Radicale; Xandikos and a
standalone Radicale from tests/servers.py)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from calgate.api.app import create_app
from calgate.db.session import Database
from calgate.settings import Settings
from tests.oracles.summary import (  # noqa: F401  (hooks)
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_terminal_summary,
)
from tests.servers import (  # noqa: F401  (fixtures)
    caldav_server,
    cyrus_server,
    radicale_server,
    require_or_skip,
    sabredav_server,
    xandikos_server,
)

ADMIN_TOKEN = "cg_test-admin-" + "0" * 32
POSTGRES_URL = os.environ.get(
    "CALGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def connect_source(client: TestClient, server, **extra: object) -> str:
    """Connect a test server as a source through the API; the id of its first calendar."""
    body = {
        "url": server.calendar_url,
        "username": server.username,
        "password": server.password,
        "authType": server.auth_type,
        **extra,
    }
    resp = client.post("/api/v1/sources", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["calendars"][0]["id"]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the local PostgreSQL for this test session, dropped afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"calgate_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        require_or_skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An empty metadata database at the newest migration, made once: each test's data folder
    starts with a copy (Alembic takes about 0.15 s per fresh database, a copy 1 ms). The
    migrations themselves are tested in tests/mail/test_migration.py and on PostgreSQL."""
    path = tmp_path_factory.mktemp("template") / "calgate.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


def app_settings(data_dir: Path, migrated_sqlite: Path, **overrides: object) -> Settings:
    """Settings for a test app in ``data_dir``. Every read syncs first (external edits are
    seen at once) and no background thread runs, unless a test asks otherwise."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "admin_token": ADMIN_TOKEN,
        "index_max_age": 0,
        "background_sync": False,
        "clear_interval": 0,
        "webhook_interval": 3600,  # a test calls the webhook steps itself, or asks for less
        "import_interval": 3600,  # likewise the import worker (services.import_run.run_due)
        # a loaded CI machine can keep Xandikos from answering a first read in the 3 s default;
        # a test of the deadline sets its own
        "upstream_read_deadline": 30.0,
    }
    values.update(overrides)
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type,call-arg]
    target = settings.data_dir / "calgate.db"
    if settings.database_url is None and not target.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_sqlite, target)
    return settings


@pytest.fixture
def make_settings(tmp_path: Path, migrated_sqlite: Path):
    def make(**overrides: object) -> Settings:
        return app_settings(tmp_path / "data", migrated_sqlite, **overrides)

    return make


@pytest.fixture
def make_client(make_settings):
    """Start calgate in-process; the TestClient context runs the app's lifespan."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        client = TestClient(create_app(make_settings(**overrides)), raise_server_exceptions=True)
        client.__enter__()
        client.headers.update(auth(ADMIN_TOKEN))
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture(params=["sqlite", "postgres"])
def db_client(request, make_client) -> TestClient:
    """The same app on each metadata database."""
    if request.param == "sqlite":
        return make_client()
    url = request.getfixturevalue("postgres_database")
    _reset_postgres(url)
    return make_client(database_url=url)


@pytest.fixture(
    params=[
        "embedded",
        "xandikos",
        "radicale",
        pytest.param("cyrus", marks=pytest.mark.interop),
        pytest.param("sabredav", marks=pytest.mark.interop),
    ]
)
def calendar_id(request, client: TestClient) -> str:
    """A calendar on each CalDAV server of the contract suite, reached through calgate: the
    embedded store, and Xandikos, a standalone Radicale, Cyrus and SabreDAV (the last two in
    the interop tier) connected as sources."""
    if request.param == "embedded":
        return "default"
    server = request.getfixturevalue(f"{request.param}_server")
    cal_id = connect_source(client, server, name=request.param)
    # Each test gets an empty calendar: clear what earlier tests left on the shared server.
    client.patch(f"/api/v1/calendars/{cal_id}", json={"timeZone": "UTC"})
    _empty_calendar(client, cal_id)
    return cal_id


def _empty_calendar(client: TestClient, cal_id: str) -> None:
    """Delete every event (the change feed without a token lists them all, at any date)."""
    resp = client.get(f"/api/v1/calendars/{cal_id}/changes", params={"limit": 5000})
    assert resp.status_code == 200, resp.text
    for change in resp.json()["changes"]:
        client.delete(f"/api/v1/calendars/{cal_id}/events/{change['id']}")


@pytest.fixture
def mailing(make_client) -> Iterator[tuple[TestClient, Any]]:
    """calgate with a real SMTP server (aiosmtpd, ``tests.mail.smtp_server.SmtpServer``)."""
    from tests.mail.conftest import SENDER  # here: tests.mail.conftest imports this module
    from tests.mail.smtp_server import SmtpServer

    server = SmtpServer("plain")
    server.start()
    try:
        client = make_client(
            smtp_server="127.0.0.1",
            smtp_port=server.port,
            smtp_email=SENDER,
            smtp_ssl=False,
            smtp_starttls=False,
            smtp_timeout=5,
            # the worker's first round finds the outbox empty; later ones would race the
            # tests' own deliver_due calls (a test slower than the 5 s default saw one)
            outbox_interval=3600,
        )
        yield client, server
    finally:
        server.stop()
