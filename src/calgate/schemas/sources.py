"""CalDAV source schemas. Credentials go in, never come out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr

from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime
from calgate.schemas.calendars import CalendarPublic

AuthType = Literal["basic", "digest", "bearer"]


class SourceCreate(ApiInput):
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="A server root, a principal, or one calendar's URL (as Confluence gives it).",
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
    """Replace a source's name or credentials (an expiring password or token); its calendars
    and their settings stay. ``url`` is here only to be refused with a reason."""

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


class SourcePublic(ApiModel):
    id: str
    kind: Literal["embedded", "caldav"]
    name: str
    url: str
    username: str | None
    auth_type: AuthType
    created: UtcDateTime
    capabilities: dict[str, Any]
    calendars: list[CalendarPublic]


class SourcesPublic(ApiModel):
    items: list[SourcePublic]
