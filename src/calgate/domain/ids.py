"""Event ids: URL-safe names derived from the CalDAV resource name, reversibly.

A resource ``abc-123.ics`` has id ``abc-123``. Names other clients chose that are not URL-safe
(``a@b.ics``, ``x y.ics``, names without ``.ics``) get ``~`` + unpadded base64url of the name,
so every id maps back to exactly one resource without a lookup table.
"""

from __future__ import annotations

import base64
import re

_SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")
_SUFFIX = ".ics"


def is_plain_id(value: str) -> bool:
    """True for ids a client may choose for PUT-create: they map to ``<id>.ics``."""
    return bool(_SAFE.fullmatch(value)) and not value.endswith(".")


def id_from_resource_name(name: str) -> str:
    if name.endswith(_SUFFIX):
        stem = name[: -len(_SUFFIX)]
        if is_plain_id(stem):
            return stem
    return "~" + base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


def id_from_href(href: str) -> str:
    """The event id of a calendar object URL (its last path segment)."""
    return id_from_resource_name(href.rstrip("/").rsplit("/", 1)[-1])


def resource_name_from_id(event_id: str) -> str | None:
    """The resource name for an id, or None when the id cannot be one of ours."""
    if event_id.startswith("~"):
        raw = event_id[1:]
        try:
            name = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        except ValueError:
            return None
        if not name or "/" in name or name in (".", ".."):
            return None
        # One id per resource: refuse a ~form of a name that has a plain id.
        return name if id_from_resource_name(name) == event_id else None
    if is_plain_id(event_id):
        return event_id + _SUFFIX
    return None
