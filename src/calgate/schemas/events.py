"""The API's listings of events, ``EventsPublic`` and ``EventInstancesPublic``. The event itself
(``EventWrite`` for POST/PUT bodies, ``EventPublic`` as answered) is the domain's:
:mod:`calgate.domain.model`."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from calgate.domain.model import CamelModel, EventPublic


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


__all__ = ["EventInstancesPublic", "EventsPublic"]
