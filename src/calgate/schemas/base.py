"""Shared Pydantic pieces: camelCase on the wire, unknown fields refused on input, text that
iCalendar and the database can hold, and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; calgate stores UTC, so say so on the wire."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


def _is_control(char: str) -> bool:
    return (ord(char) < 32 or ord(char) == 127) and char not in _ALLOWED_CONTROLS


def check_text(value: Any) -> Any:
    """Refuse what no iCalendar TEXT (RFC 5545 3.3.11) or database column can hold: control
    characters other than tab and line breaks, and lone surrogates that are not UTF-8.
    Walks lists, dicts and nested models."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (a lone surrogate was sent)") from None
        bad = next((c for c in value if _is_control(c)), None)
        if bad is not None:
            raise ValueError(f"text must not contain the control character U+{ord(bad):04X}")
    elif isinstance(value, list | tuple):
        for item in value:
            check_text(item)
    elif isinstance(value, dict):
        for item in value.values():
            check_text(item)
    elif isinstance(value, BaseModel):
        for item in value.__dict__.values():
            check_text(item)
    return value


class TextChecked(BaseModel):
    """Input models: every field goes through check_text (output models must not: what a
    server stored is shown as it is)."""

    @field_validator("*", mode="after")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return check_text(value)


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ApiInput(ApiModel, TextChecked):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
