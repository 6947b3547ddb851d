"""``recurrenceOverrides`` written as override VEVENTs (RFC 8984 4.3.5): each is the master at
that occurrence with the patch applied; and the RDATEs patched dates need.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import (
    Calendar,
    Component,
)

from calgate.domain.ical_parse import (
    first,
)
from calgate.domain.instance_edit import new_override
from calgate.domain.jscal_patch import apply_patch
from calgate.domain.jscal_read import (
    override_key,
    send_to,
)
from calgate.domain.jscal_types import JsEvent, JsPatch
from calgate.domain.jscal_write.checker import Checker
from calgate.domain.jscal_write.editor import JsEditor
from calgate.domain.jscal_write.ids import store_ids
from calgate.domain.jscal_write.simple import (
    StoredView,
    event_write,
    is_rdate,
    remapped,
    simple_body,
)
from calgate.domain.jscal_write.validate import check_event, raise_errors
from calgate.domain.jscal_write.zones import Zones
from calgate.domain.series import Series
from calgate.domain.timezones import (
    Time,
    parse_time,
)
from calgate.errors import FieldError, InvalidInput, pointer_token

# -- overrides --------------------------------------------------------------------------------


def _override_obj(obj: JsEvent, key: str, patch: JsPatch, organizer: Any, zones: Zones) -> JsEvent:
    """The occurrence at ``key`` as a whole Event: the master with ``start`` there, patched.
    Its ``replyTo`` is ``organizer`` (an ORGANIZER value or None): RFC 8984 4.3.5 does not let
    an override patch ``replyTo``, the series' organizer is the occurrence's."""
    base = {
        k: v
        for k, v in obj.items()
        if k
        not in (
            "recurrenceRules",
            "recurrenceOverrides",
            "excludedRecurrenceRules",
            "organizerCalendarAddress",
        )
    }
    base["start"] = key
    base["replyTo"] = send_to(str(organizer).strip()) if organizer is not None else None
    at = f"#/recurrenceOverrides/{pointer_token(key)}"
    patched = apply_patch(base, {k: v for k, v in patch.items() if k != "excluded"}, at=at)
    check = Checker(zones=zones)
    check_event(check, patched, override=True)
    if check.errors:
        raise_errors([_in_patch(e, patch, at) for e in check.errors])
    return patched


def _in_patch(error: FieldError, patch: JsPatch, at: str) -> FieldError:
    """An error of a patched occurrence, pointing at the patch key that caused it."""
    tokens = (error.pointer or "#").removeprefix("#").strip("/").split("/")
    for key in patch:
        key_tokens = [pointer_token(t) for t in key.split("/")]
        if tokens[: len(key_tokens)] == key_tokens:
            rest = "/".join(tokens[len(key_tokens) :])
            return FieldError(
                error.detail, f"{at}/{pointer_token(key)}" + (f"/{rest}" if rest else "")
            )
    return FieldError(error.detail, at)


def _occurrence_rid(series: Series, key: str) -> Time:
    parsed = parse_time(key)
    if isinstance(series.start, datetime):
        return series.as_stored(parsed)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def write_overrides(
    cal: Calendar,
    master: Component,
    obj: JsEvent,
    *,
    default_tz: str,
    view: StoredView,
    organizer_changed: bool,
    zones: Zones,
) -> tuple[list[Component], bool]:
    """Create, edit and remove override VEVENTs. Returns (the new or changed overrides,
    whether any was removed). A stored override is found by the key the reader gave it (its
    RECURRENCE-ID may be stored in another form than the master's DTSTART), and one an EXDATE
    already hid stays while the key stays excluded. ``organizer_changed``: the edit changed
    the master's ORGANIZER, which the overrides then take too."""
    overrides = obj.get("recurrenceOverrides") or {}
    as_rdate = view.as_rdate(obj)
    series = Series.of(cal, default_tz)
    by_key: dict[str, Any] = {}
    for rid_key, event in series.overrides.items():
        shown = override_key(master, event, floating_tz=default_tz)
        if shown is not None:
            by_key.setdefault(shown, rid_key)
    wanted: dict[Any, tuple[str, Time, JsPatch]] = {}
    hidden: set[Any] = set()
    for key, patch in overrides.items():
        if patch.get("excluded") is True:
            if key in view.excluded and key in by_key:
                hidden.add(by_key[key])
            continue
        if is_rdate(key, patch, as_rdate):
            continue
        rid = _occurrence_rid(series, key)
        wanted[by_key.get(key, series.key(rid))] = (key, rid, patch)
    removed = False
    for rid_key, event in list(series.overrides.items()):
        if rid_key not in wanted and rid_key not in hidden:
            cal.subcomponents = [c for c in cal.subcomponents if c is not event]
            del series.overrides[rid_key]
            removed = True
    touched: list[Component] = []
    for rid_key, (key, rid, patch) in wanted.items():
        existing = series.overrides.get(rid_key)
        # a stored override keeps its own ORGANIZER (none, say) while the series' stays
        if existing is not None and not organizer_changed:
            organizer = first(existing, "ORGANIZER")
        else:
            organizer = first(master, "ORGANIZER")
        patched = _override_obj(obj, key, patch, organizer, zones)
        at = f"#/recurrenceOverrides/{pointer_token(key)}"
        event = existing if existing is not None else new_override(series, rid)
        body = event_write(simple_body(patched, event, series=False, zones=zones), at=at)
        editor = JsEditor(event, body, patched, default_tz=default_tz, series=False, zones=zones)
        try:
            changed = editor.apply()
        except InvalidInput as exc:
            raise remapped(exc, {}, at) from None
        store_ids(cal, editor, default_tz)
        if existing is None:
            last = max(
                i for i, c in enumerate(cal.subcomponents) if getattr(c, "name", None) == "VEVENT"
            )
            cal.subcomponents.insert(last + 1, event)
            series.overrides[rid_key] = event
        if existing is None or changed or editor.changed:
            touched.append(event)
    return touched, removed


def missing_rdates(cal: Calendar, obj: JsEvent, default_tz: str, view: StoredView) -> list[str]:
    """Patched dates the rule does not make (they need an RDATE to occur). A stored override
    found by its key keeps what it had: the stored RDATE there, none when there was none (its
    RECURRENCE-ID may have another form than the rule's dates)."""
    as_rdate = view.as_rdate(obj)
    overrides = obj.get("recurrenceOverrides") or {}
    series = Series.of(cal, default_tz)
    stored = {
        override_key(series.master, event, floating_tz=default_tz)
        for event in series.overrides.values()
    }
    out = []
    for key, patch in overrides.items():
        if patch.get("excluded") is True or is_rdate(key, patch, as_rdate):
            continue
        if key in stored:
            if key in view.rdates:
                out.append(key)
            continue
        if series.generated_at(_occurrence_rid(series, key)) is None:
            out.append(key)
    return out
