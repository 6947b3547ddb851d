"""iCalendar parameters as the JSCalendar reader reads them, and setting them only when their
meaning changes.
"""

from __future__ import annotations

from typing import Any

from icalendar.parser import Parameters


def param_text(value: Any, name: str) -> str | None:
    """A parameter as the reader reads it (stripped, a list joined; None: absent or empty)."""
    found = (getattr(value, "params", None) or {}).get(name)
    if isinstance(found, list):
        found = ",".join(str(f) for f in found)
    text = str(found).strip() if found is not None else ""
    return text or None


def put_text_param(params: Parameters, name: str, wanted: str | None, current: Any) -> None:
    """Set or remove a text parameter when its meaning (as the reader reads it) changes."""
    if param_text(current, name) == (wanted or None):
        return
    if wanted:
        params[name] = wanted
    else:
        params.pop(name, None)


def set_param(params: Parameters, name: str, wanted: str, default: str, known: Any) -> None:
    """Set a parameter whose absence means ``default``: an absent parameter stays absent when
    ``wanted`` is the default, and so does a value calgate cannot show."""
    current = params.get(name)
    text = str(current).upper() if current is not None else None
    if wanted == default and (text is None or text not in known):
        return
    if text != wanted:
        params[name] = wanted
