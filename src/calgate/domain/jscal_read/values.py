"""Small readers of iCalendar values as JSCalendar shows them (parameters, texts, UTC times,
enums, date lists, rule tokens, integers), and calcard's stable ids for values without JSID.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from icalendar import Calendar, Component
from icalendar.prop import vBroken, vUnknown

from calgate.domain.ical_parse import (
    first,
    props,
    text_of,
    time_of,
)
from calgate.domain.jscal_types import JsObject
from calgate.domain.timezones import (
    UTC,
    format_utc,
    is_aware,
)

# calcard's namespace for the UUIDv5 ids of participants, locations and links.
JSCAL_NAMESPACE = uuid.UUID("7f1e1965-ae73-4454-b088-232c90730ce2")


def stable_id(value: str) -> str:
    """calcard's id for a value without JSID (UUIDv5, the same at every read)."""
    return str(uuid.uuid5(JSCAL_NAMESPACE, value))


# --- small readers ---------------------------------------------------------------------------


def method_of(cal: Calendar) -> str | None:
    method = (text_of(cal, "METHOD") or "").strip().lower()
    return method or None


def param_of(prop: Any, name: str) -> str | None:
    params = getattr(prop, "params", None) or {}
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


def params_of(prop: Any, name: str, *, upper: bool = True) -> list[str]:
    """The values of a multi-valued parameter (ROLE=CHAIR,REQ-PARTICIPANT)."""
    params = getattr(prop, "params", None) or {}
    value = params.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    out = [str(v).strip() for v in items if str(v).strip()]
    return [v.upper() for v in out] if upper else out


def copy_param(out: JsObject, key: str, prop: Any, name: str) -> None:
    value = param_of(prop, name)
    if value:
        out[key] = value


def text_value(prop: Any) -> str:
    """A TEXT value; icalendar leaves the escapes of a property it does not know."""
    return _unescape(str(prop)) if isinstance(prop, vUnknown) else str(prop)


def copy_text(out: JsObject, key: str, comp: Component, name: str) -> None:
    value = first(comp, name)
    if value is not None and not isinstance(value, vBroken) and str(value) != "":
        out[key] = text_value(value)


def texts_of(comp: Component, name: str) -> list[str]:
    out: list[str] = []
    for prop in props(comp, name):
        items = getattr(prop, "cats", None)
        out.extend(str(i) for i in (items if items is not None else str(prop).split(",")))
    return out


def copy_utc(out: JsObject, key: str, comp: Component, name: str) -> bool:
    value = time_of(first(comp, name))
    if not isinstance(value, datetime):
        return False
    out[key] = format_utc(value if is_aware(value) else value.replace(tzinfo=UTC))
    return True


def copy_enum(out: JsObject, key: str, comp: Component, name: str, table: dict[str, str]) -> None:
    value = text_of(comp, name)
    found = table.get(value.strip().upper()) if value else None
    if found:
        out[key] = found


def dates_of(prop: Any) -> list[Any]:
    """The values of an RDATE / EXDATE; none when it is broken."""
    if isinstance(prop, vBroken):
        return []
    try:
        return list(prop.dts or [])
    except Exception:
        return []


def rule_token(value: Any) -> str:
    """An RRULE part as written (str() of icalendar's enum values is their Python name)."""
    to_ical = getattr(value, "to_ical", None)
    if to_ical is not None:
        raw = to_ical()
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    return str(value)


def int_of(value: Any) -> int | None:
    if value is None or isinstance(value, vBroken):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)
