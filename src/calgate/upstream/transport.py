"""``DavTransport``: the requests that discovery, sync and the capability probe make, as a
Protocol. ``CalDAVConnection`` implements it and calls those modules; they take it as a
parameter and never import the connection back."""

from __future__ import annotations

from typing import Any, Protocol

from calgate.upstream.davxml import DavResource


class DavTransport(Protocol):
    @property
    def url(self) -> str:
        """The address the connection was made for (normalized, no user info)."""
        ...

    def resolve(self, href: str) -> str:
        """``href`` (relative to ``url``, or absolute) in calgate's normalized spelling."""
        ...

    def send(
        self, method: str, url: str, body: str = "", headers: dict[str, str] | None = None
    ) -> Any:
        """One request; any status comes back (but 401, raised as the credentials' error)."""
        ...

    def report(self, url: str, body: str, *, depth: int) -> Any:
        """A REPORT to ``url``; any status comes back, as with ``send``."""
        ...

    def propfind(self, url: str, props: list[str], *, depth: int) -> list[DavResource]:
        """The resources answered; a status outside 2xx raises its domain error."""
        ...
