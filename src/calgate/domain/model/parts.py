"""The parts of an event that are objects of their own: the organizer, attendees, alerts and
the recurrence rule (RRULE as an object)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from calgate.domain.model.base import CamelModel
from calgate.domain.model.fields import (
    Address,
    AlertAction,
    ByDay,
    Frequency,
    Hour,
    IsoTime,
    LowerWeekday,
    Minute,
    Month,
    MonthDay,
    OneLine,
    ParticipationStatus,
    Role,
    Trigger,
    WeekNo,
    YearDay,
    lower_case,
)
from calgate.domain.recurrence import MAX_COUNT, MAX_INTERVAL, combination_error


class Organizer(CamelModel):
    email: Address
    name: OneLine | None = None


class Attendee(CamelModel):
    email: Address
    name: OneLine | None = None
    role: Annotated[Role | None, BeforeValidator(lower_case)] = None
    participation_status: Annotated[ParticipationStatus | None, BeforeValidator(lower_case)] = None
    rsvp: bool | None = None


class Alert(CamelModel):
    """``trigger``: a duration relative to the start (``-PT15M``) or an absolute date-time."""

    trigger: Trigger
    action: Annotated[AlertAction, BeforeValidator(lower_case)] = "display"
    description: str | None = None


class Recurrence(CamelModel):
    """An RRULE as an object; ``byDay`` entries like ``mo``, ``2tu``, ``-1fr``.

    The fields are in the order RFC 5545 3.3.10 applies the parts: a validator sees only the
    fields before its own, so each check of a combination sees the parts it depends on, and an
    error about a pair points at its later part (``byDay`` for ordinals with ``byWeekNo``).
    """

    frequency: Annotated[Frequency, BeforeValidator(lower_case)]
    interval: Annotated[int, Field(ge=1, le=MAX_INTERVAL)] | None = None
    by_month: list[Month] = []
    by_week_no: list[WeekNo] = []
    by_year_day: list[YearDay] = []
    by_month_day: list[MonthDay] = []
    by_day: list[ByDay] = []
    by_hour: list[Hour] = []
    by_minute: list[Minute] = []
    by_set_position: list[YearDay] = []
    week_start: LowerWeekday | None = None
    count: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    until: IsoTime | None = None

    @field_validator("by_week_no", "by_year_day", "by_month_day", "by_day", "by_set_position")
    @classmethod
    def _part_allowed(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        frequency = info.data.get("frequency")
        if not value or frequency is None:
            return value
        others = {part for name, part in _RULE_PART_OF.items() if info.data.get(name)}
        part = _RULE_PART_OF[str(info.field_name)]
        problem = combination_error(part, [str(v).upper() for v in value], frequency, others)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("until")
    @classmethod
    def _until_without_count(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("count") is not None:
            raise ValueError("count and until cannot be used together: send one of them")
        return value


# Field name -> RRULE part, for the combination rules shared with raw rules.
_RULE_PART_OF = {
    "by_month": "BYMONTH",
    "by_week_no": "BYWEEKNO",
    "by_year_day": "BYYEARDAY",
    "by_month_day": "BYMONTHDAY",
    "by_day": "BYDAY",
    "by_hour": "BYHOUR",
    "by_minute": "BYMINUTE",
    "by_set_position": "BYSETPOS",
}
