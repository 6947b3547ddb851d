"""Stable, URL-safe ids for sources and calendars."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def slugify(text: str, *, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48].strip("-")
    return slug or fallback


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    if not taken(base):
        return base
    n = 2
    while taken(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
