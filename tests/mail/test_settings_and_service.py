"""The SMTP settings (both spellings of each variable), the delivery thread started with the
service, and ``calgate outbox``."""

from __future__ import annotations

import threading
import time

import pytest
from typer.testing import CliRunner

from calgate.cli import app as cli_app
from calgate.domain.mail import SAMPLE_NOTICE, render
from calgate.lifecycle import Lifecycle
from calgate.mail import outbox
from calgate.settings import Settings
from tests.mail.conftest import SENDER

SMTP_VARS = [
    "SMTP_SERVER",
    "SMTP_PORT",
    "SMTP_EMAIL",
    "SMTP_USER_NAME",
    "SMTP_PASSWORD",
    "SMTP_SENDER_NAME",
    "SMTP_BCC",
    "SMTP_STARTTLS",
    "SMTP_SSL",
]


@pytest.fixture
def clean_env(monkeypatch):
    for name in SMTP_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"CALGATE_{name}", raising=False)
    return monkeypatch


def test_room_booking_variable_names_are_read(clean_env):
    env = {
        "SMTP_SERVER": "mail.example.org",
        "SMTP_EMAIL": "rooms@example.org",
        "SMTP_USER_NAME": "rooms",
        "SMTP_PASSWORD": "s3cret-pass",
        "SMTP_SENDER_NAME": "Rooms",
        "SMTP_BCC": "a@example.org, b@example.org",
        "SMTP_STARTTLS": "true",
    }
    for name, value in env.items():
        clean_env.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.smtp_server == "mail.example.org"
    assert settings.smtp_security == "starttls" and settings.effective_smtp_port == 587
    assert settings.smtp_bcc_list == ["a@example.org", "b@example.org"]
    assert settings.smtp_password is not None
    assert "s3cret-pass" not in repr(settings)


def test_calgate_prefix_wins_and_defaults(clean_env):
    clean_env.setenv("SMTP_SERVER", "bare.example.org")
    clean_env.setenv("CALGATE_SMTP_SERVER", "prefixed.example.org")
    clean_env.setenv("CALGATE_SMTP_EMAIL", "rooms@example.org")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.smtp_server == "prefixed.example.org"
    assert (settings.smtp_security, settings.effective_smtp_port) == ("ssl", 465)
    clean_env.setenv("SMTP_SSL", "false")
    plain = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (plain.smtp_security, plain.effective_smtp_port) == ("plain", 25)


def test_a_server_without_a_sender_is_refused_without_showing_the_password(clean_env):
    clean_env.setenv("SMTP_SERVER", "mail.example.org")
    clean_env.setenv("SMTP_PASSWORD", "s3cret-pass")
    with pytest.raises(ValueError, match="SMTP_EMAIL") as caught:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert "s3cret-pass" not in str(caught.value)


def test_admin_emails_are_a_checked_comma_list(clean_env):
    clean_env.setenv("CALGATE_ADMIN_EMAILS", " ops@example.org,, oncall@example.org ")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_email_list == ["ops@example.org", "oncall@example.org"]
    clean_env.setenv("CALGATE_ADMIN_EMAILS", "ops@example.org, Ops <x@example.org>")
    with pytest.raises(ValueError, match="CALGATE_ADMIN_EMAILS"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_no_server_means_notifications_off(make_settings):
    assert not make_settings().smtp_enabled


def _wait_for(condition, seconds: float = 30.0) -> bool:
    """Poll until ``condition`` holds (a deadline for a hang, not a speed check)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_service_delivers_queued_mail_in_the_background(
    request, database, smtp_server, mail_settings
):
    overrides: dict[str, object] = {"outbox_interval": 0.1, "embedded": False}
    if database == "postgres":
        from tests.conftest import _reset_postgres

        url = request.getfixturevalue("postgres_database")
        _reset_postgres(url)
        overrides["database_url"] = url
    lifecycle = Lifecycle(mail_settings(smtp_server, **overrides))
    lifecycle.start()
    runtime = lifecycle.runtime
    try:
        with runtime.db.session() as session:
            outbox.enqueue(session, [render(SAMPLE_NOTICE, None, None)], settings=runtime.settings)
        assert _wait_for(lambda: len(smtp_server.recorder.messages) == 1)
        with runtime.db.session() as session:
            assert _wait_for(lambda: outbox.status(session).sent == 1)
    finally:
        lifecycle.stop()
    [got] = smtp_server.recorder.messages
    assert got.rcpt_tos == ["organizer@example.org"]
    assert got.mail_from == SENDER
    assert not any(t.name == "calgate-mail" for t in threading.enumerate())


def test_cli_outbox_lists_and_delivers(smtp_server, mail_settings, clean_env):
    settings = mail_settings(smtp_server)
    lifecycle = Lifecycle(settings)
    lifecycle.start(serve=False)
    runtime = lifecycle.runtime
    try:
        with runtime.db.session() as session:
            outbox.enqueue(session, [render(SAMPLE_NOTICE, None, None)] * 2, settings=settings)
    finally:
        lifecycle.stop()
    env = {
        "CALGATE_DATA_DIR": str(settings.data_dir),
        "SMTP_SERVER": "127.0.0.1",
        "SMTP_PORT": str(smtp_server.port),
        "SMTP_EMAIL": SENDER,
        "SMTP_SSL": "false",
        "CALGATE_EMBEDDED": "false",
    }
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["outbox"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "pending\t2" in listed.output and "sent\t0" in listed.output
    assert smtp_server.recorder.messages == []

    delivered = runner.invoke(cli_app, ["outbox", "--deliver"], env=env)
    assert delivered.exit_code == 0, delivered.output
    assert "delivered: 2 sent" in delivered.output
    assert "pending\t0" in delivered.output and "sent\t2" in delivered.output
    assert len(smtp_server.recorder.ids()) == 2


def test_cli_outbox_deliver_without_a_server_fails_clearly(make_settings, clean_env):
    settings = make_settings()
    result = CliRunner().invoke(
        cli_app, ["outbox", "--deliver", "--data-dir", str(settings.data_dir)]
    )
    assert result.exit_code == 1
    assert "no SMTP server configured" in result.output
