"""How calgate reaches the calendars of one kind of source, behind one interface
(``SourceKind``): a CalDAV server it was given the address and credentials of (``CalDAVKind``,
here), its own embedded store (``calgate.embedded.source.EmbeddedKind``), or an iCalendar feed
it mirrors read-only (``IcsKind``, here: the index is the only copy, refreshed by
``calgate.services.subscriptions``).

Everything else treats every source alike: the runtime asks a source's kind for the address and
credentials of its connection and for the address people use; services ask it to create a
calendar, and whether its credentials may change and whether it may be removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from urllib.parse import urljoin

from calgate.errors import InvalidInput, UpstreamError
from calgate.upstream.connection import CalDAVConnection
from calgate.upstream.models import Credentials


class StoredSource(Protocol):
    """What a kind reads of a stored source (``db.models.SourceRow``)."""

    @property
    def id(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def username(self) -> str | None: ...

    @property
    def auth_type(self) -> str: ...

    @property
    def secret_encrypted(self) -> bytes | None: ...


class SourceKind(Protocol):
    @property
    def title(self) -> str:
        """How errors name a source of this kind ("the embedded store")."""
        ...

    @property
    def may_change_credentials(self) -> bool: ...

    @property
    def may_be_removed(self) -> bool: ...

    @property
    def mirrored(self) -> bool:
        """The calendars are copies calgate keeps in its index (an iCalendar feed): no CalDAV
        server to sync with or write to; they are read-only."""
        ...

    def base_url(self, source: StoredSource) -> str:
        """The address calgate's connection to the source starts from."""
        ...

    def credentials(self, source: StoredSource) -> Credentials: ...

    def public_url(self, source: StoredSource, href: str | None = None) -> str:
        """The address a person's CalDAV client uses: of the calendar at ``href`` (as stored
        in ``CalendarRow.href``), or of the source itself when None."""
        ...

    def make_calendar(
        self,
        source: StoredSource,
        connect: Callable[[], CalDAVConnection],
        calendar_id: str,
        *,
        name: str,
        time_zone: str,
    ) -> str:
        """Create the calendar collection; returns the href to store. ``connect`` gives the
        source's (pooled) connection, for kinds that create calendars over CalDAV.
        ``InvalidInput`` (``#/source``) when the source cannot make one."""
        ...

    def describe_calendar(
        self, source: StoredSource, calendar_id: str, *, name: str, time_zone: str
    ) -> None:
        """The calendar's name or zone changed in calgate: show it where the kind keeps its
        own (the embedded store's ``displayname`` and ``calendar-timezone``)."""
        ...

    def change_marker(self, source: StoredSource, href: str) -> str | None:
        """The sync token the calendar at ``href`` would answer now, when the kind can tell
        without a request or a scan; None when it cannot (then the index asks the server)."""
        ...


class CalDAVKind:
    """A CalDAV server: the address and credentials stored with the source."""

    title = "a CalDAV source"
    may_change_credentials = True
    may_be_removed = True
    mirrored = False

    def __init__(self, open_secret: Callable[[bytes], str]) -> None:
        """``open_secret``: decrypts ``secret_encrypted`` (``crypto.SecretBox.open``)."""
        self._open_secret = open_secret

    def base_url(self, source: StoredSource) -> str:
        return source.url

    def credentials(self, source: StoredSource) -> Credentials:
        sealed = source.secret_encrypted
        secret = self._open_secret(sealed) if sealed else None
        return Credentials(source.username, secret, source.auth_type)  # type: ignore[arg-type]

    def public_url(self, source: StoredSource, href: str | None = None) -> str:
        return source.url if href is None else urljoin(source.url, href)

    def make_calendar(
        self,
        source: StoredSource,
        connect: Callable[[], CalDAVConnection],
        calendar_id: str,
        *,
        name: str,
        time_zone: str,
    ) -> str:
        try:
            return connect().make_calendar(
                home_url=None, slug=calendar_id, name=name, time_zone=time_zone
            )
        except UpstreamError as exc:
            raise InvalidInput.field(
                "#/source",
                f"the CalDAV server of source {source.id!r} refused to create a calendar "
                f"({exc.detail})",
            ) from exc

    def describe_calendar(
        self, source: StoredSource, calendar_id: str, *, name: str, time_zone: str
    ) -> None:
        """Nothing: a server's own calendar properties are its owner's (docs/calendars.md)."""

    def change_marker(self, source: StoredSource, href: str) -> str | None:
        return None  # only a request to the server can tell


class IcsKind:
    """An iCalendar feed (``webcal://`` and ``https://`` addresses): one read-only calendar
    whose objects calgate keeps in its index; no credentials, no calendars to create."""

    title = "an iCalendar subscription"
    may_change_credentials = False
    may_be_removed = True
    mirrored = True

    def base_url(self, source: StoredSource) -> str:
        return source.url

    def credentials(self, source: StoredSource) -> Credentials:
        return Credentials(None, None, "basic")

    def public_url(self, source: StoredSource, href: str | None = None) -> str:
        return source.url

    def make_calendar(
        self,
        source: StoredSource,
        connect: Callable[[], CalDAVConnection],
        calendar_id: str,
        *,
        name: str,
        time_zone: str,
    ) -> str:
        raise InvalidInput.field(
            "#/source",
            f"source {source.id!r} is a read-only iCalendar subscription: it holds its feed's "
            "calendar and no other",
        )

    def describe_calendar(
        self, source: StoredSource, calendar_id: str, *, name: str, time_zone: str
    ) -> None:
        """Nothing: the feed is the publisher's."""

    def change_marker(self, source: StoredSource, href: str) -> str | None:
        return None
