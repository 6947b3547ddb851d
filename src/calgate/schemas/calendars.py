"""Calendar schemas."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class CalendarPublic(ApiModel):
    id: str
    name: str
    time_zone: str
    source: str
    caldav_url: str = Field(description="Where a CalDAV client reaches this calendar.")
    capabilities: dict[str, Any] = Field(
        default_factory=dict,
        description="What the calendar's server supports and what calgate emulates (probed "
        "when the source was connected).",
    )
    created: UtcDateTime
    updated: UtcDateTime


class CalendarsPublic(ApiModel):
    items: list[CalendarPublic]


class CalendarCreate(ApiInput):
    id: str | None = Field(
        None, pattern=SLUG_PATTERN, description="Optional slug; derived from name."
    )
    name: str = Field(min_length=1, max_length=200)
    time_zone: str | None = Field(None, description="IANA zone; default: the server setting.")
    source: str | None = Field(None, description="Source id; default: the embedded store.")


class CalendarUpdate(ApiInput):
    name: str | None = Field(None, min_length=1, max_length=200)
    time_zone: str | None = None
