"""The UI's session cookie: which token a browser signed in with, signed by calgate.

The cookie holds the token's id, the start of its secret's hash (so a cookie outlives neither
the token nor a new token under the same id), a CSRF nonce and when it was issued, signed with
HMAC-SHA256 under a key derived from calgate's secret key. It never holds the token's secret.
Each request reads the token again: a revoked token ends its sessions at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass

COOKIE = "calgate_ui"
MAX_AGE = 12 * 3600  # seconds a sign-in lasts
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
CHECK_CHARS = 16  # of the secret's SHA-256, in the cookie


@dataclass(frozen=True)
class UiSession:
    token_id: str
    check: str  # the start of the token's secret hash
    csrf: str
    issued: int  # Unix seconds


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def start(token_id: str, secret_hash: str, *, now: float | None = None) -> UiSession:
    issued = int(time.time() if now is None else now)
    return UiSession(token_id, secret_hash[:CHECK_CHARS], secrets.token_urlsafe(24), issued)


def encode(key: bytes, session: UiSession) -> str:
    payload = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def decode(key: bytes, value: str, *, now: float | None = None) -> UiSession | None:
    """The session a cookie value holds; None when it is malformed, forged or too old."""
    payload, _, mac = value.partition(".")
    try:
        expected = hmac.new(key, payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        found = UiSession(**json.loads(_unb64(payload)))
    except (ValueError, TypeError, UnicodeError):
        return None
    if not all(isinstance(v, str) for v in (found.token_id, found.check, found.csrf)):
        return None
    age = (time.time() if now is None else now) - found.issued
    return found if isinstance(found.issued, int) and 0 <= age <= MAX_AGE else None


def csrf_matches(session: UiSession, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())
