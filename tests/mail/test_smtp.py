"""Sending through a real SMTP server (aiosmtpd): plain relay, STARTTLS, implicit TLS with a
test CA, AUTH, Bcc, and what each kind of refusal means."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calgate.mail.smtp import Outgoing, SendFailure, SmtpTransport
from tests.mail.conftest import SENDER
from tests.mail.smtp_server import PASSWORD, SmtpServer

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def outgoing(n: int = 1, **changes: object) -> Outgoing:
    values: dict[str, object] = {
        "recipient": "organizer@example.org",
        "subject": "Deleted: Team meeting (Room 1)",
        "body": "Hello Organizer,\n\nyour booking ... äöü\n",
        "message_id": f"<test-{n}.calgate@example.org>",
        "bcc": (),
    }
    values.update(changes)
    return Outgoing(**values)  # type: ignore[arg-type]


@pytest.fixture
def tls_server(request, certs):
    mode, auth = request.param
    server = SmtpServer(mode, certs, auth=auth)
    server.start()
    yield server
    server.stop()


def test_plain_relay_delivers_with_headers(smtp_server, mail_settings):
    settings = mail_settings(smtp_server)
    assert settings.smtp_security == "plain"
    with SmtpTransport(settings) as smtp:
        smtp.send(outgoing(), date=NOW)
    [got] = smtp_server.recorder.messages
    assert got.mail_from == SENDER
    assert got.rcpt_tos == ["organizer@example.org"]
    msg = got.message
    assert msg["From"] == f"Room booking <{SENDER}>"
    assert msg["To"] == "organizer@example.org"
    assert msg["Subject"] == "Deleted: Team meeting (Room 1)"
    assert msg["Message-ID"] == "<test-1.calgate@example.org>"
    assert msg["Date"] == "Mon, 03 Mar 2025 09:00:00 +0000"
    assert msg.get_content_type() == "text/plain"
    assert "äöü" in msg.get_payload(decode=True).decode(msg.get_content_charset())


def test_bcc_is_received_but_not_in_the_headers(smtp_server, mail_settings):
    settings = mail_settings(smtp_server)
    with SmtpTransport(settings) as smtp:
        smtp.send(outgoing(bcc=("audit@example.org", "desk@example.org")), date=NOW)
    [got] = smtp_server.recorder.messages
    assert got.rcpt_tos == ["organizer@example.org", "audit@example.org", "desk@example.org"]
    assert got.message["Bcc"] is None
    assert b"audit@example.org" not in got.message.as_bytes()


@pytest.mark.parametrize(
    "tls_server",
    [("starttls", False), ("ssl", False), ("starttls", True), ("ssl", True)],
    indirect=True,
    ids=["starttls", "ssl", "starttls-auth", "ssl-auth"],
)
def test_tls_delivery_verifies_the_certificate(tls_server, mail_settings):
    settings = mail_settings(tls_server)
    assert settings.smtp_security == tls_server.mode
    with SmtpTransport(settings) as smtp:
        smtp.send(outgoing(), date=NOW)
    [got] = tls_server.recorder.messages
    assert got.message_id == "<test-1.calgate@example.org>"
    assert got.authenticated is tls_server.auth


@pytest.mark.parametrize(
    "tls_server", [("ssl", False), ("starttls", False)], indirect=True, ids=["ssl", "starttls"]
)
def test_an_untrusted_certificate_is_refused(tls_server, mail_settings):
    settings = mail_settings(tls_server, smtp_ca_file=None)
    with pytest.raises(SendFailure) as caught:
        SmtpTransport(settings).open()
    assert caught.value.kind == "connection"
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.detail
    assert tls_server.recorder.messages == []


@pytest.mark.parametrize("tls_server", [("ssl", True)], indirect=True, ids=["ssl-auth"])
def test_wrong_password_is_a_connection_failure_without_the_password(
    tls_server, mail_settings, caplog
):
    settings = mail_settings(tls_server, smtp_password="wrong-" + PASSWORD)
    with pytest.raises(SendFailure) as caught:
        SmtpTransport(settings).open()
    failure = caught.value
    assert failure.kind == "connection"
    assert failure.detail.startswith("SMTP server not usable: SMTPAuthenticationError: 535")
    assert PASSWORD not in failure.detail and PASSWORD not in caplog.text
    assert PASSWORD not in repr(settings) and PASSWORD not in repr(SmtpTransport(settings))


def test_connection_refused_is_a_connection_failure(smtp_server, mail_settings):
    settings = mail_settings(smtp_server)
    smtp_server.stop()
    with pytest.raises(SendFailure) as caught:
        SmtpTransport(settings).open()
    assert caught.value.kind == "connection"
    assert "ConnectionRefusedError" in caught.value.detail


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("550 5.1.1 no such user", "permanent"),
        ("450 4.2.1 mailbox busy", "transient"),
        ("421 4.3.2 shutting down", "connection"),
    ],
)
def test_recipient_refusals(smtp_server, mail_settings, reply, kind):
    smtp_server.recorder.refuse["organizer@example.org"] = reply
    with pytest.raises(SendFailure) as caught, SmtpTransport(mail_settings(smtp_server)) as smtp:
        smtp.send(outgoing(), date=NOW)
    assert caught.value.kind == kind
    assert reply.split()[0] in caught.value.detail


def test_a_refused_recipient_with_accepted_bcc_is_final(smtp_server, mail_settings):
    """The Bcc copy went out, so a retry would send it twice: the mail is refused for good."""
    smtp_server.recorder.refuse["organizer@example.org"] = "550 5.1.1 no such user"
    with pytest.raises(SendFailure) as caught, SmtpTransport(mail_settings(smtp_server)) as smtp:
        smtp.send(outgoing(bcc=("audit@example.org",)), date=NOW)
    assert caught.value.kind == "permanent"
    [got] = smtp_server.recorder.messages
    assert got.rcpt_tos == ["audit@example.org"]


def test_a_refused_bcc_does_not_fail_the_mail(smtp_server, mail_settings, caplog):
    smtp_server.recorder.refuse["audit@example.org"] = "550 5.1.1 no such user"
    with SmtpTransport(mail_settings(smtp_server)) as smtp:
        smtp.send(outgoing(bcc=("audit@example.org",)), date=NOW)
    [got] = smtp_server.recorder.messages
    assert got.rcpt_tos == ["organizer@example.org"]
    assert "Bcc copy of <test-1.calgate@example.org> refused" in caplog.text


def test_a_malformed_mail_is_refused_for_good_and_the_next_one_goes(smtp_server, mail_settings):
    with SmtpTransport(mail_settings(smtp_server)) as smtp:
        with pytest.raises(SendFailure) as caught:
            smtp.send(outgoing(recipient="someone@example.org\nBcc: evil@example.org"), date=NOW)
        assert caught.value.kind == "permanent"
        smtp.send(outgoing(2), date=NOW)
    assert [m.message_id for m in smtp_server.recorder.messages] == ["<test-2.calgate@example.org>"]
