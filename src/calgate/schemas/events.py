"""The JSON form of events: ``EventWrite`` (POST/PUT bodies), ``EventPublic``, ``EventsPublic``.

camelCase on the wire (aliases), snake_case in Python (``populate_by_name``). Field validators
check each field on its own and the rules between fields, so a validation error's ``loc`` names
the field to fix (``("duration",)`` when both ``end`` and ``duration`` are sent). Rules that need
a time zone (an unknown ``timeZone``, ``end`` not after ``start``) are checked by the writer in
:mod:`calgate.domain.ical_write`, which raises :class:`~calgate.errors.InvalidInput`.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from calgate.domain.addresses import address_problem, line_problem, uri_problem
from calgate.domain.recurrence import (
    MAX_COUNT,
    MAX_INTERVAL,
    check_rrule,
    combination_error,
    normalize_by_day,
)
from calgate.domain.timezones import (
    check_event_year,
    is_aware,
    is_date,
    parse_duration,
    parse_time,
)
from calgate.errors import FieldError, InvalidInput, json_pointer
from calgate.schemas.base import TextChecked

Status = Literal["confirmed", "tentative", "cancelled"]
Transparency = Literal["busy", "free"]
Privacy = Literal["public", "private", "confidential"]
Role = Literal["chair", "required", "optional", "non-participant"]
ParticipationStatus = Literal["needs-action", "accepted", "declined", "tentative", "delegated"]
AlertAction = Literal["display", "email", "audio"]
Frequency = Literal["yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly"]
Weekday = Literal["mo", "tu", "we", "th", "fr", "sa", "su"]


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _time(value: str) -> str:
    try:
        parsed = parse_time(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date (2026-03-29) or date-time (2026-03-29T09:00:00)"
        ) from None
    check_event_year(parsed)
    return value


def _date_time(value: str) -> str:
    _time(value)
    if is_date(parse_time(value)):
        raise ValueError(f"{value!r} must be a date-time, not a date")
    return value


def _nonzero(value: int) -> int:
    if value == 0:
        raise ValueError("0 is not allowed here")
    return value


def _address(value: str) -> str:
    """A calendar user address: ``ann@example.com`` (stored as ``mailto:``; exactly one
    address, see :mod:`calgate.domain.addresses`) or another URI (one line, no characters a
    URI cannot hold). Stored values that fail are not shown (and never mailed)."""
    address = value.strip()
    mailto = address.lower().startswith("mailto:")
    if mailto:
        address = address[len("mailto:") :]
    if not address or any(c.isspace() or ord(c) < 32 for c in address):
        raise ValueError("an email address must not be empty or contain spaces")
    if mailto or ":" not in address:
        if "@" not in address:
            raise ValueError(f"{value!r} is not an email address")
        problem = address_problem(address)
        if problem is not None:
            raise ValueError(problem)
    elif any(c in _NOT_IN_URI or unicodedata.category(c) in ("Cc", "Cf") for c in address):
        raise ValueError(f"{value!r} is neither an email address nor a URI")
    return address


_NOT_IN_URI = frozenset('<>"{}|\\^`')


def _trigger(value: str) -> str:
    try:
        parse_duration(value)
        return value
    except ValueError:
        pass
    try:
        return _date_time(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a duration relative to the start (-PT15M) nor a date-time"
        ) from None


IsoTime = Annotated[str, AfterValidator(_time)]
LowerWeekday = Annotated[Weekday, BeforeValidator(_lower)]
ByDay = Annotated[str, AfterValidator(normalize_by_day)]
MonthDay = Annotated[int, Field(ge=-31, le=31), AfterValidator(_nonzero)]
Month = Annotated[int, Field(ge=1, le=12)]
YearDay = Annotated[int, Field(ge=-366, le=366), AfterValidator(_nonzero)]
WeekNo = Annotated[int, Field(ge=-53, le=53), AfterValidator(_nonzero)]
Hour = Annotated[int, Field(ge=0, le=23)]
Minute = Annotated[int, Field(ge=0, le=59)]


class _Schema(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        extra="forbid",
    )


def _one_line(value: str) -> str:
    """A value iCalendar keeps in a parameter or an id: one line, no control characters."""
    problem = line_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]


def _uri(value: str) -> str:
    problem = uri_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


class Organizer(_Schema):
    email: Annotated[str, AfterValidator(_address)]
    name: OneLine | None = None


class Attendee(_Schema):
    email: Annotated[str, AfterValidator(_address)]
    name: OneLine | None = None
    role: Annotated[Role | None, BeforeValidator(_lower)] = None
    participation_status: Annotated[ParticipationStatus | None, BeforeValidator(_lower)] = None
    rsvp: bool | None = None


class Alert(_Schema):
    """``trigger``: a duration relative to the start (``-PT15M``) or an absolute date-time."""

    trigger: Annotated[str, AfterValidator(_trigger)]
    action: Annotated[AlertAction, BeforeValidator(_lower)] = "display"
    description: str | None = None


class Recurrence(_Schema):
    """An RRULE as an object; ``byDay`` entries like ``mo``, ``2tu``, ``-1fr``.

    The fields are in the order RFC 5545 3.3.10 applies the parts: a validator sees only the
    fields before its own, so each check of a combination sees the parts it depends on, and an
    error about a pair points at its later part (``byDay`` for ordinals with ``byWeekNo``).
    """

    frequency: Annotated[Frequency, BeforeValidator(_lower)]
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


def _rrule_sendable(text: str) -> bool:
    try:
        check_rrule(text)
    except ValueError:
        return False
    return True


def _parsed(info: ValidationInfo, name: str) -> Any:
    raw = info.data.get(name)
    return parse_time(raw) if isinstance(raw, str) else None


class EventWrite(_Schema, TextChecked):
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
    status: Annotated[Status | None, BeforeValidator(_lower)] = None
    transparency: Annotated[Transparency | None, BeforeValidator(_lower)] = None
    privacy: Annotated[Privacy | None, BeforeValidator(_lower)] = None
    priority: Annotated[int, Field(ge=0, le=9)] | None = None
    prioritized: bool | None = Field(
        None,
        description="A booking that wins when clearing overlaps (X-CALGATE-PRIORITIZED); "
        "absent keeps the stored flag.",
    )
    url: Annotated[str, AfterValidator(_uri)] | None = None
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


class EventPublic(_Schema):
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
        data = self.model_dump(by_alias=False, include=set(WRITE_FIELDS), exclude_none=True)
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


class EventsPublic(_Schema):
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


class EventInstancesPublic(_Schema):
    """The occurrences of one series: ``truncated`` when more follow (ask again with
    ``pageToken``)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )

    items: list[EventPublic]
    truncated: bool = False
    next_page_token: str | None = None


def invalid_input_from(exc: ValidationError, *, prefix: tuple[str, ...] = ()) -> InvalidInput:
    """One :class:`FieldError` per pydantic error, its pointer built from ``loc``."""
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        errors.append(FieldError(message, json_pointer(*prefix + tuple(err.get("loc", ())))))
    detail = errors[0].detail if len(errors) == 1 else f"{len(errors)} fields are invalid"
    return InvalidInput(detail, errors)


def event_write_from_json(data: Any) -> EventWrite:
    """Validate a JSON body as :class:`EventWrite`; :class:`InvalidInput` with pointers."""
    if not isinstance(data, dict):
        raise InvalidInput.field("#", "the body must be a JSON object")
    try:
        return EventWrite.model_validate(data)
    except ValidationError as exc:
        raise invalid_input_from(exc) from exc


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
