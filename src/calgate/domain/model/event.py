"""What an event is: ``EventWrite``, the writable form (the body of POST and PUT, and what the
writers turn into iCalendar), and ``EventPublic``, the read form (every key present).

Field validators check each field on its own and the rules between fields, so a validation
error's ``loc`` names the field to fix (``("duration",)`` when both ``end`` and ``duration``
are sent). Rules that need a time zone (an unknown ``timeZone``, ``end`` not after ``start``)
are checked by the writer in :mod:`calgate.domain.ical_write`, which raises
:class:`~calgate.errors.InvalidInput`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from calgate.domain.model.base import CamelModel, TextChecked, invalid_input_from
from calgate.domain.model.field_hints import model_fields
from calgate.domain.model.fields import (
    IsoTime,
    OneLine,
    Privacy,
    Status,
    Transparency,
    Uri,
    lower_case,
)
from calgate.domain.model.parts import Alert, Attendee, Organizer, Recurrence
from calgate.domain.recurrence import check_rrule
from calgate.domain.timezones import Time, is_aware, is_date, parse_duration, parse_time
from calgate.errors import InvalidInput


def _rrule_sendable(text: str) -> bool:
    try:
        check_rrule(text)
    except ValueError:
        return False
    return True


def _parsed(info: ValidationInfo, name: str) -> Time | None:
    raw = info.data.get(name)
    return parse_time(raw) if isinstance(raw, str) else None


class EventWrite(CamelModel, TextChecked):
    """The body of POST and PUT (PATCH merges into this form).

    ``start`` is a date (all-day) or a date-time; a timed event without ``end`` or ``duration``
    lasts one hour, an all-day event one day (``end`` is exclusive).
    """

    title: str | None = None
    description: str | None = None
    location: str | None = None
    start: IsoTime
    end: IsoTime | None = None
    duration: str | None = None
    time_zone: str | None = None
    all_day: bool | None = None
    floating: bool | None = None
    status: Annotated[Status | None, BeforeValidator(lower_case)] = None
    transparency: Annotated[Transparency | None, BeforeValidator(lower_case)] = None
    privacy: Annotated[Privacy | None, BeforeValidator(lower_case)] = None
    priority: Annotated[int, Field(ge=0, le=9)] | None = None
    prioritized: bool | None = Field(
        None,
        description="A booking that wins when clearing overlaps (X-CALGATE-PRIORITIZED); "
        "absent keeps the stored flag.",
    )
    url: Uri | None = None
    categories: list[OneLine] = []
    organizer: Organizer | None = None
    attendees: list[Attendee] = []
    alerts: list[Alert] = []
    recurrence: Recurrence | None = None
    rrule: str | None = None
    excluded_dates: list[IsoTime] = []
    recurrence_dates: list[IsoTime] = []

    @field_validator("end")
    @classmethod
    def _end_like_start(cls, value: str | None, info: ValidationInfo) -> str | None:
        start = _parsed(info, "start")
        if value is not None and start is not None and is_date(parse_time(value)) != is_date(start):
            kind = "a date" if is_date(start) else "a date-time"
            raise ValueError(f"end must be {kind} like start")
        return value

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        delta = parse_duration(value)
        if info.data.get("end") is not None:
            raise ValueError("send either end or duration, not both")
        if delta < timedelta(0):
            raise ValueError("duration must not be negative")
        start = _parsed(info, "start")
        if start is not None and is_date(start) and (delta % timedelta(days=1) or not delta):
            raise ValueError("an all-day event lasts whole days (P1D, P2D, P1W)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("timeZone must not be empty")
        return value

    @field_validator("all_day")
    @classmethod
    def _all_day_matches_start(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        start = _parsed(info, "start")
        if start is not None and value is True and isinstance(start, datetime):
            raise ValueError("allDay needs a date start like 2026-03-29, not a date-time")
        if start is not None and value is False and is_date(start):
            raise ValueError("a date start like 2026-03-29 is all-day; send a date-time")
        return value

    @field_validator("floating")
    @classmethod
    def _floating(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if value:
            if info.data.get("time_zone") is not None:
                raise ValueError("a floating event has no timeZone")
            start = _parsed(info, "start")
            if start is not None and is_aware(start):
                raise ValueError("a floating event needs a local start without an offset")
        return value

    @field_validator("rrule")
    @classmethod
    def _rrule(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("recurrence") is not None:
            raise ValueError("send either recurrence or rrule, not both")
        return check_rrule(value)

    @field_validator("attendees")
    @classmethod
    def _unique_attendees(cls, value: list[Attendee]) -> list[Attendee]:
        seen: set[str] = set()
        for attendee in value:
            key = attendee.email.lower()
            if key in seen:
                raise ValueError(f"{attendee.email} is listed twice")
            seen.add(key)
        return value


WRITE_FIELDS = frozenset(EventWrite.model_fields)


class EventPublic(CamelModel):
    """An event as the API returns it. Every key is always present (null or [] when absent).

    ``end`` is always given (computed from ``duration`` when the server stored one);
    ``recurrenceId`` is null for a series or a single event and the original start of an
    expanded occurrence; ``modified`` says whether that occurrence has a stored override
    (RECURRENCE-ID); ``rrule`` is the raw rule of every recurring event. ``excludedDates`` and
    ``recurrenceDates`` (EXDATE, RDATE; an RDATE period by its start) are those of the series,
    empty on expanded occurrences.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="ignore",
    )

    id: str
    calendar_id: str
    uid: str | None = None
    etag: str | None = None
    created: str | None = None
    updated: str | None = None
    sequence: int = 0
    recurrence_id: str | None = None
    modified: bool = False
    title: str | None = None
    description: str | None = None
    location: str | None = None
    start: str | None = None
    end: str | None = None
    duration: str | None = None
    time_zone: str | None = None
    all_day: bool = False
    floating: bool = False
    status: Status | None = None
    transparency: Transparency | None = None
    privacy: Privacy | None = None
    priority: int | None = None
    prioritized: bool = False
    url: str | None = None
    categories: list[str] = []
    organizer: Organizer | None = None
    attendees: list[Attendee] = []
    alerts: list[Alert] = []
    recurrence: Recurrence | None = None
    rrule: str | None = None
    excluded_dates: list[str] = []
    recurrence_dates: list[str] = []

    def to_write(self) -> EventWrite:
        """The writable part, ready for PUT: putting it back changes nothing."""
        data: dict[str, Any] = self.model_dump(
            by_alias=False, include=set(WRITE_FIELDS), exclude_none=True
        )
        if self.duration is not None:
            data.pop("end", None)
        elif not self.all_day and self.end is not None and self.end == self.start:
            data.pop("end", None)
            data["duration"] = "PT0S"
        if self.recurrence is not None or (
            self.rrule is not None and not _rrule_sendable(self.rrule)
        ):
            # A stored rule a client could not send is kept by a PUT that leaves it out.
            data.pop("rrule", None)
        if not self.all_day:
            data.pop("all_day", None)
        if not self.floating:
            data.pop("floating", None)
        return EventWrite.model_validate(data)


def event_write_from_json(data: Any) -> EventWrite:
    """A JSON object as :class:`EventWrite`; :class:`InvalidInput` with pointers."""
    if not isinstance(data, dict):
        raise InvalidInput.field("#", "the body must be a JSON object")
    try:
        return EventWrite.model_validate(data)
    except ValidationError as exc:
        raise invalid_input_from(exc, fields=model_fields(EventWrite)) from exc
