"""API token schemas. The secret appears once, in ``TokenCreated.token``."""

from __future__ import annotations

from pydantic import Field

from calgate.domain.access import Role
from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime


class TokenCreate(ApiInput):
    calendars: list[str] | None = Field(None, description="Calendar ids; omitted: all calendars.")
    role: Role = Role.read
    name: str | None = Field(None, max_length=200)


class TokenPublic(ApiModel):
    id: str
    name: str | None
    role: Role
    calendars: list[str] | None
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    created: UtcDateTime
    revoked: UtcDateTime | None = None


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret. Shown only in this response.")


class TokensPublic(ApiModel):
    items: list[TokenPublic]
