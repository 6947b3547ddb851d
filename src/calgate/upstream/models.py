"""Plain values passed across the upstream boundary (no CalDAV library types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AuthType = Literal["basic", "digest", "bearer"]


@dataclass(frozen=True)
class Credentials:
    """How to log in to a CalDAV server. For ``bearer`` the token is ``secret`` (``username``
    may be None). ``repr()`` never shows the secret."""

    username: str | None
    secret: str | None = field(repr=False)
    auth_type: AuthType

    @property
    def anonymous(self) -> bool:
        return self.username is None and self.secret is None


@dataclass(frozen=True)
class DiscoveredCalendar:
    url: str  # absolute, normalized (see ``hrefs.resolve_href``)
    name: str | None
    time_zone: str | None  # TZID of the calendar's time zone, when the server tells
    supports_events: bool


@dataclass(frozen=True)
class RemoteObject:
    href: str  # absolute, normalized
    etag: str | None  # exactly as the server sent it, quotes included
    ical: str  # CRLF line endings


@dataclass(frozen=True)
class SyncDelta:
    """What changed in a calendar since a sync token (RFC 6578): ``changed`` maps the href of
    each new or changed object (absolute, normalized) to its ETag (None when the server did not
    send one); ``deleted`` lists the hrefs of removed objects; ``token`` is the token to send
    next time. After an initial sync (no token) ``changed`` holds every object."""

    changed: dict[str, str | None]
    deleted: list[str]
    token: str
