"""Calendar schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from calgate.schemas.base import ApiInput, ApiModel, UtcDateTime

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"

Notifications = Literal["template", "always", "off"]


class CalendarPublic(ApiModel):
    id: str
    name: str
    time_zone: str
    source: str
    caldav_url: str = Field(description="Where a CalDAV client reaches this calendar.")
    read_only: bool = Field(
        False,
        description="A subscription to an iCalendar feed (its source is of kind ics): writes "
        "are 409 read-only-calendar.",
    )
    capabilities: dict[str, Any] = Field(
        default_factory=dict,
        description="What the calendar's server supports and what calgate emulates (probed "
        "when the source was connected).",
    )
    overlap: Literal["allow", "reject"] = Field(
        "allow",
        description="`reject`: a create or change that overlaps a busy event is a 409 "
        "(docs/booking.md).",
    )
    auto_clear: bool = Field(
        False, description="Cleared of cancelled and overlapping bookings on a schedule."
    )
    notification_template: str | None = Field(
        None, description="Jinja2 body of the mails clearing sends; null: the default."
    )
    notification_subject: str | None = Field(
        None, description="Jinja2 subject of those mails; null: the default."
    )
    notifications: Notifications = Field(
        "template",
        description="When clearing mails the organizers: `template` only when "
        "notificationTemplate is set (the room-booking tool's rule), `always` (that template, "
        "else calgate's default one), `off` never (docs/notifications.md).",
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
    """Absent fields stay; ``null`` resets the notification texts to the defaults."""

    name: str | None = Field(None, min_length=1, max_length=200)
    time_zone: str | None = None
    overlap: Literal["allow", "reject"] | None = None
    auto_clear: bool | None = None
    notifications: Notifications | None = None
    notification_template: str | None = Field(None, max_length=20000)
    notification_subject: str | None = Field(None, max_length=500)
