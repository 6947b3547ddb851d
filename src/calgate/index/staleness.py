"""Which calendars a request read from the index without reaching their server in time.

``Indexer.ensure_fresh`` notes a calendar here when its server did not answer within the read
deadline and the read went on from the index as it stood; the API then says so in the
``CalGate-Stale`` header (``api/stale.py``). The notes live in a context variable set per
request: worker threads run with a copy of the request's context, which shares the one dict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_noted: ContextVar[dict[str, datetime] | None] = ContextVar("calgate_stale", default=None)


@contextmanager
def collecting() -> Iterator[dict[str, datetime]]:
    """Collect the notes made inside the block: calendar id -> time of its last good sync."""
    found: dict[str, datetime] = {}
    token = _noted.set(found)
    try:
        yield found
    finally:
        _noted.reset(token)


def note(calendar_id: str, since: datetime) -> None:
    found = _noted.get()
    if found is not None:
        found[calendar_id] = since


def header_value(found: dict[str, datetime]) -> str:
    """``since=<the oldest last good sync, RFC 3339 UTC>; calendars=<ids, comma-separated>``."""
    oldest = min(found.values()).astimezone(UTC).replace(microsecond=0)
    since = oldest.isoformat().replace("+00:00", "Z")
    return f"since={since}; calendars={','.join(sorted(found))}"
