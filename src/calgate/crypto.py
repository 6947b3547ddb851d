"""Encryption at rest for upstream credentials (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from calgate.settings import Settings


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    def derive(self, purpose: str) -> bytes:
        """A key of its own for ``purpose`` (the UI's session cookies), from the same secret:
        HMAC-SHA256 of the purpose under the key."""
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def open(self, sealed: bytes) -> str:
        try:
            return self._fernet.decrypt(sealed).decode()
        except InvalidToken as exc:
            raise RuntimeError(
                "stored upstream credentials cannot be decrypted: the secret key changed"
            ) from exc


def load_secret_box(settings: Settings) -> SecretBox:
    """The key from settings, else the one generated once into the data folder (mode 0600)."""
    if settings.secret_key is not None:
        return SecretBox(settings.secret_key.get_secret_value().encode())
    path: Path = settings.data_dir / "secret.key"
    if not path.exists():
        # written whole beside it, then linked in: a process starting at the same moment reads
        # either no key or the whole one, and the first link wins (the other's key is dropped)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".secret.key.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(name, path)
        finally:
            os.unlink(name)
    return SecretBox(path.read_bytes().strip())
