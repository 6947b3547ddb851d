"""Content negotiation for events: calgate's JSON, JSCalendar (RFC 8984) and raw iCalendar.

``Accept`` picks the answer's form (RFC 9110 section 12.5.1: media ranges with q-values; the
most specific range decides a type's quality; a tie goes to calgate's JSON), ``Content-Type``
the form of a request body. Anything else is a 406 or a 415 that lists what calgate serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request

from calgate.errors import InvalidInput, NotAcceptable, UnsupportedMediaType

Form = Literal["json", "jscalendar", "ical"]
MEDIA: dict[Form, str] = {
    "json": "application/json",
    "jscalendar": "application/jscalendar+json",
    "ical": "text/calendar",
}
_ORDER: tuple[Form, ...] = ("json", "jscalendar", "ical")


def _ranges(header: str) -> list[tuple[str, float]]:
    out = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        out.append((media, quality))
    return out


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The quality of ``media`` under the most specific matching range (0 when none)."""
    kind = media.split("/")[0]
    best: tuple[int, float] | None = None
    for rng, quality in ranges:
        if rng == media:
            rank = 3
        elif rng == f"{kind}/*":
            rank = 2
        elif rng == "*/*":
            rank = 1
        else:
            continue
        if best is None or rank > best[0]:
            best = (rank, quality)
    return best[1] if best is not None else 0.0


def chosen(accept: str | None, allowed: tuple[Form, ...] = _ORDER) -> Form:
    """The form to answer in; :class:`NotAcceptable` when ``Accept`` allows none of
    ``allowed``."""
    if accept is None or not accept.strip():
        return allowed[0]
    ranges = _ranges(accept)
    scored = [(_quality(MEDIA[form], ranges), -i, form) for i, form in enumerate(allowed)]
    quality, _, form = max(scored)
    if quality <= 0:
        offered = ", ".join(MEDIA[f] for f in allowed)
        raise NotAcceptable(f"This resource is served as {offered}; Accept was {accept!r}")
    return form


@dataclass(frozen=True)
class Payload:
    """A request body: its form and its content (parsed JSON, or iCalendar text)."""

    form: Form
    data: Any


def body_form(content_type: str | None, allowed: tuple[Form, ...] = _ORDER) -> Form:
    media = (content_type or "application/json").split(";")[0].strip().lower()
    for form in allowed:
        if MEDIA[form] == media:
            return form
    # Other JSON types (application/merge-patch+json, RFC 7396) are calgate's JSON form, as
    # FastAPI's own body parsing took them before negotiation existed.
    if "json" in allowed and media.startswith("application/") and media.endswith("+json"):
        return "json"
    offered = ", ".join(MEDIA[f] for f in allowed)
    raise UnsupportedMediaType(f"Send the body as {offered}, not {media!r}")


# Members only an RFC 8984 Event has: calgate's JSON form has none of them (and refuses them).
_JSCALENDAR_ONLY = frozenset(
    {
        "@type",
        "showWithoutTime",
        "participants",
        "replyTo",
        "organizerCalendarAddress",
        "recurrenceRules",
        "excludedRecurrenceRules",
        "recurrenceOverrides",
        "locations",
        "mainLocationId",
        "virtualLocations",
        "keywords",
        "links",
        "freeBusyStatus",
        "prodId",
        "method",
        "relatedTo",
        "localizations",
        "timeZones",
        "endTimeZone",
        "locale",
        "descriptionContentType",
    }
)
# Members only calgate's JSON form has (EventPublic's read-only ones included).
_JSON_FORM_ONLY = frozenset(
    {
        "id",
        "calendarId",
        "etag",
        "end",
        "allDay",
        "floating",
        "location",
        "transparency",
        "organizer",
        "attendees",
        "categories",
        "recurrence",
        "rrule",
        "excludedDates",
        "recurrenceDates",
        "recurrenceId",
        "modified",
        "prioritized",
    }
)


def is_jscalendar(data: Any) -> bool:
    """Whether a body sent as ``application/json`` is an RFC 8984 Event or PatchObject, as
    EGroupware's clients send them (its REST API takes JSCalendar as ``application/json``): it
    has a member only JSCalendar has, a PatchObject path (``a/b``), or a ``uid`` and nothing
    only calgate's JSON form has. Such a body would be a 422 in calgate's JSON form."""
    if not isinstance(data, dict):
        return False
    keys = set(data)
    if keys & _JSCALENDAR_ONLY or any("/" in k for k in keys):
        return True
    return "uid" in keys and not keys & _JSON_FORM_ONLY


async def read_payload(request: Request) -> Payload:
    """A FastAPI dependency: the body in the form its Content-Type names (an RFC 8984 body
    sent as plain ``application/json`` is read as JSCalendar: :func:`is_jscalendar`)."""
    content_type = request.headers.get("content-type")
    form = body_form(content_type)
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput.field("#", "the body is not UTF-8 text") from None
    if form == "ical":
        return Payload(form, text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput.field("#", f"the body is not JSON: {exc}") from None
    plain_json = (content_type or "application/json").split(";")[0].strip().lower() == MEDIA["json"]
    if form == "json" and plain_json and is_jscalendar(data):
        return Payload("jscalendar", data)
    return Payload(form, data)


def wants_representation(prefer: str | None) -> bool:
    """RFC 7240 ``Prefer: return=representation``."""
    if not prefer:
        return False
    return any(p.strip().lower() == "return=representation" for p in prefer.split(","))


def request_body_doc(schema_ref: str) -> dict[str, Any]:
    """The OpenAPI requestBody of an event write: three media types."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": schema_ref}},
                "application/jscalendar+json": {
                    "schema": {"type": "object", "description": "An RFC 8984 Event."}
                },
                "text/calendar": {
                    "schema": {
                        "type": "string",
                        "description": "One VCALENDAR: one VEVENT and its overrides.",
                    }
                },
            },
        }
    }


__all__ = [
    "MEDIA",
    "Form",
    "Payload",
    "body_form",
    "chosen",
    "is_jscalendar",
    "read_payload",
    "request_body_doc",
    "wants_representation",
]
