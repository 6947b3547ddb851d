"""Standard Webhooks 1.0 signing (https://www.standardwebhooks.com/): what a receiver verifies
with any Standard Webhooks library.

A message carries three headers: ``webhook-id`` (one per message, the same on every retry, so a
receiver can drop duplicates), ``webhook-timestamp`` (Unix seconds of this attempt; receivers
refuse ones more than 5 minutes off) and ``webhook-signature``: ``v1,`` + base64 of
HMAC-SHA256 over ``{id}.{timestamp}.{body}``, keyed with the secret's base64-decoded bytes,
one per secret separated by spaces (while a rotated secret is still valid both sign).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32
# The spec's bounds for a key; a secret outside them is not one calgate made.
_KEY_BYTES = range(24, 65)
# Ids go into a header and into the signed content before a '.': no dots, spaces or controls.
_ID = re.compile(r"[A-Za-z0-9_\-]{1,255}")


def new_secret() -> str:
    """A new endpoint secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; ValueError (never naming the secret) if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secret does not start with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("webhook secret is not base64") from None
    if len(key) not in _KEY_BYTES:
        raise ValueError("webhook secret's key is not 24 to 64 bytes")
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` + base64 HMAC-SHA256 of ``{msg_id}.{timestamp}.{body}``; ``timestamp`` in Unix
    seconds, ``body`` the exact bytes sent."""
    if not _ID.fullmatch(msg_id):
        raise ValueError("webhook id must be 1 to 255 of A-Z a-z 0-9 _ -")
    signed = f"{msg_id}.{int(timestamp)}.".encode("ascii") + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt, signed with every secret given."""
    if not secrets:
        raise ValueError("at least one webhook secret is needed to sign")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }


def message_id(change_key: str | int, endpoint_id: str) -> str:
    """The ``webhook-id`` of one change sent to one endpoint: derived, not stored, so every
    retry and replay carries the same id. Each part is length-prefixed so no two pairs meet."""
    parts = (str(change_key), str(endpoint_id))
    material = "".join(f"{len(p)}:{p}" for p in parts).encode("utf-8")
    digest = hashlib.sha256(material).digest()[:16]
    return "msg_" + base64.b32encode(digest).decode("ascii").rstrip("=").lower()
