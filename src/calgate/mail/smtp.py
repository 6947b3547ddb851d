"""Sending one mail over SMTP with the standard library, and what a failure means.

Three kinds of failure, because they call for different handling by the outbox:

- ``connection``: the server as a whole is not usable (refused connection, timeout, TLS or
  AUTH failure, a dropped connection, ``421``). Every mail of the batch waits and is retried.
- ``transient``: a ``4xx`` reply about this mail; it is retried later, the batch goes on.
- ``permanent``: a ``5xx`` reply about this mail (the recipient or the message refused). It
  is recorded and not retried: the same mail would be refused again. The sender address
  refused (``MAIL FROM``) is the configuration's fault, not the mail's, so it is transient
  unless the reply is ``552`` (message too large).

Error texts keep the server's reply code and words (shortened), never settings or secrets.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from types import TracebackType
from typing import Literal

from calgate.domain.addresses import address_problem
from calgate.settings import Settings

log = logging.getLogger(__name__)

FailureKind = Literal["connection", "transient", "permanent"]
MAX_ERROR_LENGTH = 300


class SendFailure(Exception):
    def __init__(self, detail: str, kind: FailureKind) -> None:
        super().__init__(detail)
        self.detail = detail[:MAX_ERROR_LENGTH]
        self.kind: FailureKind = kind


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One mail as the outbox hands it over; ``bcc`` addresses get it without a header."""

    recipient: str
    subject: str
    body: str
    message_id: str
    bcc: tuple[str, ...] = ()


def build_message(mail: Outgoing, settings: Settings, *, date: datetime) -> EmailMessage:
    msg = EmailMessage()
    sender = settings.smtp_email or ""
    msg["From"] = (
        formataddr((settings.smtp_sender_name, sender)) if settings.smtp_sender_name else sender
    )
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    msg.set_content(mail.body)
    return msg


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verification always on; ``smtp_ca_file`` adds trust anchors, it never removes checks."""
    context = ssl.create_default_context()
    if settings.smtp_ca_file is not None:
        context.load_verify_locations(cafile=str(settings.smtp_ca_file))
    return context


class SmtpTransport:
    """One SMTP connection for a batch of mails: ``with SmtpTransport(settings) as smtp:``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        s = self._settings
        return f"SmtpTransport({s.smtp_server}:{s.effective_smtp_port}, {s.smtp_security})"

    def __enter__(self) -> SmtpTransport:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        s = self._settings
        host, port, timeout = s.smtp_server or "", s.effective_smtp_port, s.smtp_timeout
        try:
            if s.smtp_security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=tls_context(s)
                )
            else:
                client = smtplib.SMTP(host, port, timeout=timeout)
            self._client = client
            if s.smtp_security == "starttls":
                client.starttls(context=tls_context(s))
            if s.smtp_user_name:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                client.login(s.smtp_user_name, password)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise _connection_failure(exc) from exc

    def send(self, mail: Outgoing, *, date: datetime) -> None:
        if self._client is None:
            raise SendFailure("not connected", "connection")
        recipients = [mail.recipient, *mail.bcc]
        for address in recipients:
            # checked again here: a stored address (another client's, an older calgate's)
            # must never reach RCPT TO or To as more than the one recipient it claims to be
            problem = address_problem(address)
            if problem is not None:
                raise SendFailure(f"not sent to {address!r}: {problem}", "permanent")
        try:
            message = build_message(mail, self._settings, date=date)
            refused = self._client.send_message(message, to_addrs=recipients)
        except (ValueError, smtplib.SMTPNotSupportedError) as exc:
            # this mail cannot be written or sent as it is (a newline in an address, a non-ASCII
            # address the server cannot take): it would fail the same way every time
            raise SendFailure(f"malformed mail: {type(exc).__name__}: {exc}", "permanent") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            kind: FailureKind = "permanent" if all(c >= 500 for c in codes) else "transient"
            if 421 in codes:
                kind = "connection"
            raise SendFailure(f"recipients refused: {_reply_of(exc.recipients)}", kind) from exc
        except smtplib.SMTPSenderRefused as exc:
            kind = "permanent" if exc.smtp_code == 552 else _kind_of(exc.smtp_code, "transient")
            raise SendFailure(
                f"sender refused: {_reply(exc.smtp_code, exc.smtp_error)}", kind
            ) from exc
        except smtplib.SMTPResponseException as exc:
            kind = _kind_of(exc.smtp_code, "permanent")
            raise SendFailure(
                f"message refused: {_reply(exc.smtp_code, exc.smtp_error)}", kind
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise _connection_failure(exc) from exc
        if mail.recipient in refused:
            # copies went to the Bcc addresses already: a retry would send them twice
            code, _ = refused[mail.recipient]
            raise SendFailure(
                f"recipient refused: {_reply_of(refused)}", _kind_of(code, "permanent")
            )
        if refused:
            log.warning("Bcc copy of %s refused: %s", mail.message_id, _reply_of(refused))

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _kind_of(code: int, five_hundred: FailureKind) -> FailureKind:
    if code == 421:  # the server is closing the connection
        return "connection"
    return five_hundred if code >= 500 else "transient"


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _reply_of(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(_reply(code, text) for code, text in refused.values())


def _connection_failure(exc: BaseException) -> SendFailure:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = _reply(exc.smtp_code, exc.smtp_error)
    else:
        detail = str(exc) or type(exc).__name__
    return SendFailure(f"SMTP server not usable: {type(exc).__name__}: {detail}", "connection")
