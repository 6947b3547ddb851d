"""The field types of an event, each checked on its own: the closed vocabularies (``Status``,
``Role``, ``Frequency``...), ISO 8601 times, calendar user addresses, alert triggers, URIs and
the numbered parts of a recurrence rule. A value that fails raises ``ValueError``, which
pydantic reports at the field's ``loc``."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from calgate.domain.addresses import address_problem, line_problem, uri_problem
from calgate.domain.recurrence import normalize_by_day
from calgate.domain.timezones import check_event_year, is_date, parse_duration, parse_time

Status = Literal["confirmed", "tentative", "cancelled"]
Transparency = Literal["busy", "free"]
Privacy = Literal["public", "private", "confidential"]
Role = Literal["chair", "required", "optional", "non-participant"]
ParticipationStatus = Literal["needs-action", "accepted", "declined", "tentative", "delegated"]
AlertAction = Literal["display", "email", "audio"]
Frequency = Literal["yearly", "monthly", "weekly", "daily", "hourly", "minutely", "secondly"]
Weekday = Literal["mo", "tu", "we", "th", "fr", "sa", "su"]


def lower_case(value: Any) -> Any:
    """Keywords are matched without case: ``"CONFIRMED"`` is ``"confirmed"``."""
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


def _one_line(value: str) -> str:
    """A value iCalendar keeps in a parameter or an id: one line, no control characters."""
    problem = line_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _uri(value: str) -> str:
    problem = uri_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


IsoTime = Annotated[str, AfterValidator(_time)]
Address = Annotated[str, AfterValidator(_address)]
Trigger = Annotated[str, AfterValidator(_trigger)]
OneLine = Annotated[str, AfterValidator(_one_line)]
Uri = Annotated[str, AfterValidator(_uri)]
LowerWeekday = Annotated[Weekday, BeforeValidator(lower_case)]
ByDay = Annotated[str, AfterValidator(normalize_by_day)]
MonthDay = Annotated[int, Field(ge=-31, le=31), AfterValidator(_nonzero)]
Month = Annotated[int, Field(ge=1, le=12)]
YearDay = Annotated[int, Field(ge=-366, le=366), AfterValidator(_nonzero)]
WeekNo = Annotated[int, Field(ge=-53, le=53), AfterValidator(_nonzero)]
Hour = Annotated[int, Field(ge=0, le=23)]
Minute = Annotated[int, Field(ge=0, le=59)]
