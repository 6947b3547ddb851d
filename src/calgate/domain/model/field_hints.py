"""What to tell a client that sent an event field calgate does not take.

Pydantic says "Extra inputs are not permitted"; a client coming from one of the APIs calgate
replaces (shared/reference) sent that API's name for something calgate has under another
name, or a read-only field of that API. The message names calgate's field, or says where the
thing lives in calgate, or (for a misspelling) the closest field of the body.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

_RECURRENCE = (
    "a repeating event takes 'recurrence' "
    '({"frequency": "weekly", "interval": 2, "byDay": ["mo", "we"], "until": "2027-06-30"}) '
    "or 'rrule'"
)

# Top-level body names of the reference APIs (and common elsewhere) -> what to say.
_HINTS: dict[str, str] = {
    # calendar-events-api.txt
    "name": "did you mean 'title'?",
    "details": "did you mean 'description'?",
    "start_at": "did you mean 'start'?",
    "end_at": "did you mean 'end'?",
    "participant_ids": "did you mean 'attendees' (each with an 'email')?",
    "period": _RECURRENCE,
    "frequency": _RECURRENCE,
    "sel_days": _RECURRENCE,
    "series_end_at": f"{_RECURRENCE}, with 'until' for the end of the series",
    "series_id": "an occurrence names its series by the event id in its URL; list them with "
    "GET .../events/{id}/instances",
    "num_in_series": "calgate does not store it; the K-th occurrence is "
    "GET .../events/{id}/instances?n=K",
    "ics_feed_id": "calgate does not store it; an event from a subscribed .ics feed is in that "
    "feed's own read-only calendar (POST /api/v1/sources with kind 'ics')",
    "space_id": "the calendar is the one in the URL (/api/v1/calendars/{calendar}/events)",
    "creator_id": "calgate does not take it; the organizer is 'organizer' ({\"email\": ...})",
    "tags": "did you mean 'categories'?",
    "created_at": "calgate sets 'created' itself",
    "updated_at": "calgate sets 'updated' itself",
    # jira-company-calendar-api.txt and Google Calendar / Microsoft Graph habits
    "summary": "did you mean 'title'?",
    "subject": "did you mean 'title'?",
    "startDate": "did you mean 'start'?",
    "endDate": "did you mean 'end'?",
    "dtstart": "did you mean 'start'?",
    "dtend": "did you mean 'end'?",
    "timezone": "did you mean 'timeZone'?",
    "tz": "did you mean 'timeZone'?",
    "recurrenceRule": "did you mean 'rrule'?",
    "exdate": "did you mean 'excludedDates'?",
    "rdate": "did you mean 'recurrenceDates'?",
    "reminders": "did you mean 'alerts'?",
    "isAllDay": "did you mean 'allDay'?",
}


def _folded(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def unknown_field_hint(name: str, fields: Iterable[str] = ()) -> str:
    """The sentence for an unknown top-level field ``name`` of a body taking ``fields``."""
    head = f"unknown field {name[:200]!r}"
    if name in _HINTS:
        return f"{head}: {_HINTS[name]}"
    folded = {_folded(f): f for f in fields}
    close = difflib.get_close_matches(_folded(name), list(folded), n=1, cutoff=0.75)
    if close:
        return f"{head}: did you mean {folded[close[0]]!r}?"
    return f"{head}: this body does not take it"


def model_fields(model: Any) -> list[str]:
    """The JSON names (aliases) of a pydantic model's fields."""
    return [f.alias or n for n, f in model.model_fields.items()]


def with_hints(
    errors: Iterable[Mapping[str, Any]], fields: Iterable[str] = (), *, depth: int = 1
) -> list[dict[str, Any]]:
    """Pydantic ``errors`` with each top-level ``extra_forbidden`` message replaced by a hint
    (``depth``: the length of a top-level ``loc``, 2 for FastAPI's ``("body", name)``)."""
    known = list(fields)
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "extra_forbidden" and len(loc) == depth:
            err = {**err, "msg": unknown_field_hint(str(loc[-1]), known)}
        out.append(dict(err))
    return out
