"""Published feed schemas. The feed's URL holds its secret: it goes out once, in the answer to
the create (``FeedCreated``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime

Detail = Literal["full", "busy"]
DEFAULT_PAST_DAYS = 30
DEFAULT_FUTURE_DAYS = 365
MAX_DAYS = 3660  # ten years and a leap day or two

_DETAIL_HELP = (
    "`full`: the events as stored (alarms and X- properties included); `busy`: only when the "
    "calendar is busy (no title, description, location, people, alarms; UIDs hashed)."
)


class FeedCreate(ApiInput):
    """A new published feed of one calendar."""

    detail: Detail = Field("full", description=_DETAIL_HELP)
    past_days: int = Field(
        DEFAULT_PAST_DAYS,
        ge=0,
        le=MAX_DAYS,
        description="Days before the day of each read whose events the feed holds.",
    )
    future_days: int = Field(
        DEFAULT_FUTURE_DAYS,
        ge=1,
        le=MAX_DAYS,
        description="Days after the day of each read whose events the feed holds.",
    )


class FeedPublic(ApiModel):
    """A published feed as the API lists it (never its URL: that holds the secret)."""

    id: str
    calendar_id: str
    detail: Detail
    past_days: int
    future_days: int
    created_at: UtcDateTime
    created_by_token: str | None = Field(description="The id of the token that made the feed.")
    last_read_at: UtcDateTime | None = Field(
        None, description="When the feed was last read (to the hour), null when never."
    )


class FeedCreated(FeedPublic):
    url: str = Field(
        description="The feed's secret URL (`.../feeds/<token>.ics`): anyone with it reads the "
        "feed, with no other credential. Shown only in this response."
    )


class FeedsPublic(ApiModel):
    items: list[FeedPublic]
