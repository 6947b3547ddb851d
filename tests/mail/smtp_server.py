"""A real SMTP server for the notification tests: aiosmtpd in a thread on 127.0.0.1, with a
handler that records every message it accepts, and test certificates made with
``cryptography`` (a CA and a server certificate for 127.0.0.1 and localhost)."""

from __future__ import annotations

import asyncio
import email
import ssl
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import HOST, free_port

USER = "mailer"
PASSWORD = "smtp-test-password-9731"  # a throwaway test account


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message
    authenticated: bool = False

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Recorder:
    """The handler: records accepted messages. ``drop_at`` simulates a crash: when that many
    messages have arrived, the next MAIL FROM gets its connection cut without an answer."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.drop_at: int | None = None
        self.dropped = threading.Event()
        self.refuse: dict[str, str] = {}  # recipient -> reply to RCPT TO
        self.delay = 0.0  # seconds each DATA takes, so concurrent clients overlap

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            if self.drop_at is not None and len(self.messages) >= self.drop_at:
                self.drop_at = None
                server.transport.abort()
                self.dropped.set()
                return "421 connection lost"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(envelope.original_content or envelope.content),
                    bool(session.authenticated),
                )
            )
        return "250 Message accepted"

    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(m.message_id for m in self.messages)


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """``mode``: ``plain``, ``starttls`` or ``ssl``; ``auth`` demands AUTH (over TLS)."""

    def __init__(self, mode: str, certs: Certs | None = None, auth: bool = False) -> None:
        self.mode = mode
        self.certs = certs
        self.auth = auth
        self.port = free_port()
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        kwargs: dict[str, object] = {}
        if self.mode != "plain":
            assert self.certs is not None
            context = self.certs.server_context()
            if self.mode == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs["tls_context"] = context
                kwargs["require_starttls"] = True
        if self.auth:
            kwargs["authenticator"] = _authenticate
            # aiosmtpd counts only STARTTLS as TLS, and warns when AUTH is required without
            # it; with implicit TLS, AUTH is offered (and checked: ``authenticated``) instead
            kwargs["auth_required"] = self.mode == "starttls"
            kwargs["auth_require_tls"] = self.mode == "starttls"
        controller = Controller(self.recorder, hostname=HOST, port=self.port, **kwargs)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None


@dataclass
class Certs:
    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certs(folder: Path) -> Certs:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "calgate test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = Certs(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca_file.write_bytes(ca.public_bytes(pem))
    paths.cert_file.write_bytes(cert.public_bytes(pem))
    paths.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths
