"""CalDAV source schemas. Credentials go in, never come out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr

from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime
from calgate.schemas.calendars import CalendarPublic

AuthType = Literal["basic", "digest", "bearer"]


class SourceCreate(ApiInput):
    kind: Literal["caldav", "ics"] = Field(
        "caldav",
        description="caldav: a CalDAV server; ics: a read-only subscription to an iCalendar "
        "feed (docs/sources.md).",
    )
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="A server root, a principal, or one calendar's URL (as Confluence gives "
        "it); for kind ics the feed's URL (webcal:// is read as https://).",
    )
    refresh_interval: int | None = Field(
        None,
        ge=900,
        le=86400,
        description="kind ics: seconds between refreshes (15 min to 24 h); default: the "
        "feed's REFRESH-INTERVAL or X-PUBLISHED-TTL when in those bounds, else one hour.",
    )
    name: str | None = Field(None, max_length=200)
    username: str | None = Field(None, max_length=200)
    password: SecretStr | None = None
    token: SecretStr | None = Field(None, description="A bearer token (Confluence PAT).")
    auth_type: AuthType | None = Field(
        None, description="basic | digest | bearer; default bearer with `token`, else basic."
    )

    @property
    def secret(self) -> str | None:
        chosen = self.token if self.token is not None else self.password
        return chosen.get_secret_value() if chosen is not None else None


class SourceUpdate(ApiInput):
    """Replace a source's name or credentials (an expiring password or token), or a feed's
    refresh interval; its calendars and their settings stay. ``url`` is here only to be
    refused with a reason."""

    url: str | None = Field(None, description="Cannot change: add the new address as a source.")
    name: str | None = Field(None, min_length=1, max_length=200)
    username: str | None = Field(None, max_length=200)
    password: SecretStr | None = None
    token: SecretStr | None = Field(None, description="A bearer token (Confluence PAT).")
    auth_type: AuthType | None = Field(
        None,
        description="basic | digest | bearer; default: bearer with `token`, the source's own "
        "basic or digest with `password`, else unchanged.",
    )
    refresh_interval: int | None = Field(
        None,
        ge=900,
        le=86400,
        description="kind ics: seconds between refreshes (15 min to 24 h); null: the feed's "
        "own interval, else one hour.",
    )


class SourcePublic(ApiModel):
    id: str
    kind: Literal["embedded", "caldav", "ics"]
    name: str
    url: str
    username: str | None
    auth_type: AuthType
    created: UtcDateTime
    capabilities: dict[str, Any]
    calendars: list[CalendarPublic]
    # kind ics only (null for the others): how the feed's refreshes go
    refresh_interval: int | None = Field(
        None, description="kind ics: seconds between refreshes, as now in effect."
    )
    last_success_at: UtcDateTime | None = Field(
        None, description="kind ics: when a refresh last worked."
    )
    last_error: str | None = Field(
        None, description="kind ics: why the last refresh failed (null: it worked)."
    )
    last_error_at: UtcDateTime | None = Field(None, description="kind ics: when it failed.")
    next_refresh_at: UtcDateTime | None = Field(
        None, description="kind ics: when the next refresh is due."
    )


class SourcesPublic(ApiModel):
    items: list[SourcePublic]
