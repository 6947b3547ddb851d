"""Fixtures for the notification tests: real SMTP servers (aiosmtpd), the metadata database
on SQLite and PostgreSQL, and settings pointing at a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from calgate.db.session import Database
from tests.conftest import _reset_postgres
from tests.mail.smtp_server import PASSWORD, USER, Certs, SmtpServer, make_certs

SENDER = "calgate@example.org"


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer("plain")
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def outbox_db(request, tmp_path: Path) -> Iterator[Database]:
    """A migrated metadata database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'outbox.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
        _reset_postgres(url)
    db = Database(url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def mail_settings(make_settings):
    """Settings for a server of the tests (plain unless the server is TLS)."""

    def make(server: SmtpServer, **overrides: object):
        values: dict[str, object] = {
            "smtp_server": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_email": SENDER,
            "smtp_sender_name": "Room booking",
            "smtp_ssl": server.mode == "ssl",
            "smtp_starttls": server.mode == "starttls",
            "smtp_timeout": 5,
        }
        if server.certs is not None:
            values["smtp_ca_file"] = server.certs.ca_file
        if server.auth:
            values["smtp_user_name"] = USER
            values["smtp_password"] = PASSWORD
        values.update(overrides)
        return make_settings(**values)

    return make
