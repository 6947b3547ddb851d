"""Shared Pydantic pieces of the API's models: camelCase on the wire, unknown fields refused on
input, text that iCalendar and the database can hold (the domain's check, see
:mod:`calgate.domain.model.base`), and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from calgate.domain.model.base import TextChecked


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; calgate stores UTC, so say so on the wire."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ApiInput(ApiModel, TextChecked):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
