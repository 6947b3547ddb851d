"""Free/busy and availability: request and response models (camelCase on the wire)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from calgate.domain.model import Weekday
from calgate.schemas.base import ApiInput, ApiModel
from calgate.schemas.calendars import SLUG_PATTERN

CalendarRef = Annotated[str, Field(pattern=SLUG_PATTERN, description="A calendar id.")]
# The most calendars one request may name (all groups together, for availability).
MAX_CALENDARS = 50
_WEEKDAYS: tuple[Weekday, ...] = ("mo", "tu", "we", "th", "fr", "sa", "su")
_CLOCK = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _no_repeats(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value!r} is listed twice")
        seen.add(value)
    return values


class _Window(ApiInput):
    start: str = Field(
        description="ISO date (midnight in timeZone) or date-time (local: in timeZone)."
    )
    end: str = Field(description="Exclusive; after start, at most CALGATE_MAX_WINDOW_DAYS later.")
    time_zone: str | None = Field(
        None,
        description="IANA zone for local start/end and working hours, and the offset answers "
        "are written with. Default: UTC (answers in `Z` form).",
    )


class FreeBusyQuery(_Window):
    calendars: list[CalendarRef] = Field(min_length=1, max_length=MAX_CALENDARS)

    _unique = field_validator("calendars")(_no_repeats)


class WorkingHoursIn(ApiInput):
    days: list[Annotated[Weekday, BeforeValidator(_lower)]] = Field(
        default_factory=lambda: list(_WEEKDAYS[:5]),
        min_length=1,
        description="mo..su; default: Monday to Friday.",
    )
    from_: str = Field(alias="from", pattern=_CLOCK, description="Local start, HH:MM.")
    to: str = Field(pattern=_CLOCK, description="Local end, HH:MM (24:00: midnight).")

    @field_validator("to")
    @classmethod
    def _after_from(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("from_")
        if start is not None and value <= start:
            raise ValueError("to must be after from (working hours within one day)")
        return value

    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(_WEEKDAYS.index(d) for d in self.days)


class ParticipantGroup(ApiInput):
    calendars: list[CalendarRef] = Field(min_length=1, max_length=MAX_CALENDARS)
    required: Literal["all"] | int = Field(
        "all",
        description='"all", or how many of the calendars must be free (1: any one).',
        json_schema_extra={"anyOf": [{"const": "all"}, {"type": "integer", "minimum": 1}]},
    )

    _unique = field_validator("calendars")(_no_repeats)

    @field_validator("required", mode="plain")
    @classmethod
    def _required(cls, value: object) -> Literal["all"] | int:
        # one clear message instead of one per member of the union
        if value == "all":
            return "all"
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        raise ValueError('required must be "all" or a whole number from 1')


class AvailabilityQuery(_Window):
    groups: list[ParticipantGroup] = Field(min_length=1, max_length=MAX_CALENDARS)
    duration: str = Field(description="ISO 8601 duration of a slot, e.g. PT45M.")
    buffer_before: str | None = Field(None, description="Free time needed before a slot.")
    buffer_after: str | None = Field(None, description="Free time needed after a slot.")
    working_hours: WorkingHoursIn | None = Field(
        None, description="Daily hours in timeZone; default: the whole window."
    )
    step: str = Field("PT15M", description="Slot granularity; starts align to it in timeZone.")
    max_slots: int = Field(100, ge=1, le=1000)


class BusyPeriod(ApiModel):
    start: str
    end: str


class CalendarBusy(ApiModel):
    calendar_id: str
    busy: list[BusyPeriod]


class FreeBusyPublic(ApiModel):
    start: str
    end: str
    time_zone: str | None = None
    calendars: list[CalendarBusy]


class GroupFree(ApiModel):
    free: list[str] = Field(description="The group's calendars that are free for this slot.")


class SlotPublic(ApiModel):
    start: str
    end: str
    groups: list[GroupFree] = Field(description="One entry per request group, in order.")


class AvailabilityPublic(ApiModel):
    start: str
    end: str
    time_zone: str | None = None
    duration: str
    slots: list[SlotPublic]
    truncated: bool = Field(description="True when more slots follow maxSlots.")
