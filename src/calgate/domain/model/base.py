"""The base of the domain's models: camelCase keys, unknown keys refused, text that iCalendar
and the database can hold, and pydantic's errors turned into :class:`InvalidInput`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from calgate.domain.model.field_hints import with_hints
from calgate.errors import FieldError, InvalidInput, json_pointer

_ALLOWED_CONTROLS = frozenset("\t\n\r")


class CamelModel(BaseModel):
    """camelCase on the wire (aliases), snake_case in Python; an unknown key is an error."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="forbid",
    )


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


def invalid_input_from(
    exc: ValidationError, *, prefix: tuple[str, ...] = (), fields: Sequence[str] = ()
) -> InvalidInput:
    """One :class:`FieldError` per pydantic error, its pointer built from ``loc``; an unknown
    top-level field is told the body's field it most likely meant (``fields``)."""
    errors = []
    for err in with_hints(exc.errors(), fields):
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        errors.append(FieldError(message, json_pointer(*prefix + tuple(err.get("loc", ())))))
    detail = errors[0].detail if len(errors) == 1 else f"{len(errors)} fields are invalid"
    return InvalidInput(detail, errors)
