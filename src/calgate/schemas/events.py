"""The JSON form of events in the API: ``EventWrite`` (POST/PUT bodies) and ``EventPublic`` are
the domain's (:mod:`calgate.domain.model`), shown here as the API exposes them; the listings
``EventsPublic`` and ``EventInstancesPublic`` are the API's own."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from calgate.domain.model import (
    WRITE_FIELDS,
    Alert,
    AlertAction,
    Attendee,
    CamelModel,
    EventPublic,
    EventWrite,
    Frequency,
    IsoTime,
    Organizer,
    ParticipationStatus,
    Privacy,
    Recurrence,
    Role,
    Status,
    Transparency,
    Weekday,
    event_write_from_json,
    invalid_input_from,
)


class EventsPublic(CamelModel):
    """A listing: ``expand`` says whether series were expanded into occurrences."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )

    items: list[EventPublic]
    start: str | None = None
    end: str | None = None
    expand: bool = False
    next_page_token: str | None = Field(
        None, description="Send as pageToken, with the same parameters, for the next page."
    )


class EventInstancesPublic(CamelModel):
    """The occurrences of one series: ``truncated`` when more follow (ask again with
    ``pageToken``)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )

    items: list[EventPublic]
    truncated: bool = False
    next_page_token: str | None = None


__all__ = [
    "WRITE_FIELDS",
    "Alert",
    "AlertAction",
    "Attendee",
    "EventInstancesPublic",
    "EventPublic",
    "EventWrite",
    "EventsPublic",
    "Frequency",
    "IsoTime",
    "Organizer",
    "ParticipationStatus",
    "Privacy",
    "Recurrence",
    "Role",
    "Status",
    "Transparency",
    "Weekday",
    "event_write_from_json",
    "invalid_input_from",
]
