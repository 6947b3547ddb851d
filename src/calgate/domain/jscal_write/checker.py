"""The validation toolkit: :class:`Checker` collects one :class:`FieldError` per problem (with
its JSON pointer), and the scalar checks (LocalDateTime, Duration, ids, one-line strings).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from calgate.domain.addresses import line_problem, uri_problem
from calgate.domain.jscal_types import JsEvent, JsObject
from calgate.domain.jscal_write.terms import MAX_SEQUENCE
from calgate.domain.jscal_write.zones import Zones
from calgate.domain.model import check_text
from calgate.domain.timezones import (
    parse_duration,
)
from calgate.errors import FieldError, pointer_token

_LOCAL_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
UTC_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
# -- validation -------------------------------------------------------------------------------


class Checker:
    """Collects every problem of one object, each with its JSON pointer."""

    def __init__(self, at: str = "#", zones: Zones | None = None) -> None:
        self.at = at
        self.zones: Zones = {} if zones is None else zones  # known besides IANA's
        self.errors: list[FieldError] = []

    def add(self, path: str, detail: str) -> None:
        self.errors.append(FieldError(detail, f"{self.at}{path}"))

    def str_(self, obj: JsObject, name: str, path: str, *, required: bool = False) -> bool:
        """Whether ``obj[name]`` is usable text (absent counts when not ``required``)."""
        if name not in obj or obj[name] is None:
            if required:
                self.add(f"{path}/{name}", f"{name} is required")
            return False
        value = obj[name]
        if not isinstance(value, str):
            self.add(f"{path}/{name}", f"{name} must be a string")
            return False
        try:
            check_text(value)
        except ValueError as exc:
            self.add(f"{path}/{name}", str(exc))
            return False
        return True

    def enum(self, obj: JsObject, name: str, path: str, allowed: Any) -> None:
        value = obj.get(name)
        if value is not None and value not in allowed:
            names = ", ".join(repr(a) for a in allowed)
            self.add(f"{path}/{name}", f"{value!r} is not one of {names}")

    def bool_(self, obj: JsObject, name: str, path: str) -> None:
        if obj.get(name) is not None and not isinstance(obj[name], bool):
            self.add(f"{path}/{name}", f"{name} must be true or false")

    def int_(self, value: Any, path: str, low: int, high: int, *, zero: bool = True) -> None:
        if not is_int(value) or not low <= value <= high or (value == 0 and not zero):
            allowed = f"{low} to {high}" + ("" if zero else ", not 0")
            self.add(path, f"{value!r} must be a whole number from {allowed}")

    def type_(self, obj: JsObject, path: str, expected: str) -> None:
        kind = obj.get("@type")
        if kind is not None and kind != expected:
            self.add(f"{path}/@type", f"@type must be {expected!r}, not {kind!r}")

    def objects(self, obj: JsObject, name: str) -> list[tuple[str, str, JsObject]]:
        """(id, pointer, value) of an ``Id[Object]`` map; bad entries are reported."""
        value = obj.get(name)
        if value is None:
            return []
        if not isinstance(value, dict):
            self.add(f"/{name}", f"{name} must be an object mapping ids to objects")
            return []
        out = []
        for key, item in value.items():
            path = f"/{name}/{pointer_token(key)}"
            if not _ID.fullmatch(key):
                self.add(path, f"{key!r} is not an id (1-255 letters, digits, '-' or '_')")
            elif not isinstance(item, dict):
                self.add(path, "must be an object")
            else:
                out.append((key, path, item))
        return out


def sequence_of(obj: JsEvent) -> int | None:
    """``sequence`` as a number (None: absent or not a sequence number). EGroupware writes it
    as a string of digits (``"sequence": "1"``), which is read as that number."""
    value: Any = obj.get("sequence")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if not is_int(value) or not 0 <= value <= MAX_SEQUENCE:
        return None
    return int(value)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def duration_ok(text: Any, *, signed: bool = False) -> bool:
    if not isinstance(text, str) or not text or (text[0] in "+-" and not signed):
        return False
    try:
        parse_duration(text)
    except ValueError:
        return False
    return not re.search(r"[a-z]", text)


def local_ok(text: Any) -> bool:
    if not isinstance(text, str) or not _LOCAL_DATE_TIME.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


# Where a JSCalendar string is iCalendar TEXT (escaped, may hold line breaks): everything else
# becomes a parameter value (CN, LANGUAGE, LABEL, FMTTYPE...), an id or a URI and is one line.
_TEXT_AT = re.compile(
    r"(?:recurrenceOverrides/[^/]+/)?(?:title|description|locations/[^/]+/(?:name|description)"
    r"|(?:virtualLocations|participants)/[^/]+/description)"
)
_URI_KEYS = frozenset({"href", "uri", "coordinates"})
_ADDRESS_KEYS = frozenset({"email", "calendarAddress", "organizerCalendarAddress"})


def check_lines(check: Checker, value: Any, keys: tuple[str, ...] = ()) -> None:
    """Every key is one line; every string value too unless it is TEXT (``_TEXT_AT``), inside
    ``localizations`` or a vendor property (kept as JSON, escaped); URIs hold no whitespace."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (problem := line_problem(key)) is not None:
                path = "/".join(pointer_token(k) for k in (*keys, key))
                check.add(f"/{path}", f"the key {key!r} {problem}")
            elif isinstance(key, str):
                check_lines(check, item, (*keys, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_lines(check, item, (*keys, str(i)))
    elif isinstance(value, str) and keys:
        if keys[0] == "localizations" or any(":" in k and "/" not in k for k in keys[:1]):
            return
        if _TEXT_AT.fullmatch("/".join(keys)):
            return
        if keys[-1] in _ADDRESS_KEYS or (len(keys) >= 2 and keys[-2] in ("sendTo", "replyTo")):
            return  # check_address
        at = "/" + "/".join(pointer_token(k) for k in keys)
        problem = uri_problem(value) if keys[-1] in _URI_KEYS else line_problem(value)
        if problem is not None:
            check.add(at, f"{keys[-1]}: {problem}")
