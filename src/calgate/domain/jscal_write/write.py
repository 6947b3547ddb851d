""":func:`write_event`: create or replace (PUT) the event a JSCalendar object describes, in
place, bumping SEQUENCE, DTSTAMP and LAST-MODIFIED only when something changed.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import (
    Calendar,
    Component,
    Timezone,
)

from calgate.domain import jscal_props
from calgate.domain.ical_parse import (
    first,
    master_event,
    text_of,
)
from calgate.domain.ical_upkeep import replace_prop, sync_vtimezones, used_tzids, utc_now
from calgate.domain.ical_write import new_object
from calgate.domain.jscal_lenient import as_rfc8984
from calgate.domain.jscal_types import JsEvent
from calgate.domain.jscal_write.checker import sequence_of
from calgate.domain.jscal_write.editor import JsEditor
from calgate.domain.jscal_write.ids import store_ids
from calgate.domain.jscal_write.overrides import missing_rdates, write_overrides
from calgate.domain.jscal_write.simple import StoredView, event_write, remapped, simple_body
from calgate.domain.jscal_write.validate import validate_event
from calgate.domain.jscal_write.zones import Zones, defined_zones, place_vtimezones, stored_zones
from calgate.errors import Conflict, InvalidInput

# -- public functions -------------------------------------------------------------------------


def _sequence(event: Component) -> int:
    try:
        return max(int(first(event, "SEQUENCE") or 0), 0)
    except (TypeError, ValueError):
        return 0


def _organizer_text(event: Component) -> str | None:
    value = first(event, "ORGANIZER")
    return None if value is None else value.to_ical().decode()


def _sequence_after(event: Component, obj: JsEvent, *, new: bool, changed: bool) -> int:
    """SEQUENCE once ``obj`` is written: the client's ``sequence`` where it sent one, but never
    lower than the stored one, and one higher than that when the event changed (RFC 5545
    3.8.7.4: it only ever grows)."""
    stored = _sequence(event)
    floor = stored + 1 if changed and not new else stored
    sent = sequence_of(obj)
    return floor if sent is None else max(sent, floor)


def write_event(
    cal: Calendar | None, obj: JsEvent, *, uid: str, default_tz: str, now: datetime
) -> Calendar:
    """Create (``cal`` None) or replace (PUT) the event ``obj`` describes; see the module
    docstring. A replace edits ``cal`` in place and returns it; SEQUENCE, DTSTAMP and
    LAST-MODIFIED move only when something changed."""
    stored = stored_zones(cal, default_tz) if cal is not None else {}
    defined, placed = defined_zones(cal, obj, stored)
    zones = {**stored, **defined}
    return _write_event(
        cal, obj, uid=uid, default_tz=default_tz, now=now, placed=placed, zones=zones
    )


def _write_event(
    cal: Calendar | None,
    obj: JsEvent,
    *,
    uid: str,
    default_tz: str,
    now: datetime,
    placed: list[Timezone],
    zones: Zones,
) -> Calendar:
    obj = as_rfc8984(obj)
    validate_event(obj, zones)
    stamp = utc_now(now)
    if cal is None:
        cal, event = new_object(uid=uid, now=now)
        used_before: set[str] | None = None
        new = True
    else:
        found = master_event(cal)
        if found is None or "RECURRENCE-ID" in found:
            raise Conflict("The stored calendar object holds no master VEVENT to edit")
        event = found
        uid = text_of(event, "UID") or uid
        used_before = used_tzids(cal)
        new = False
    if obj.get("uid") is not None and obj["uid"] != uid:
        raise InvalidInput.field("#/uid", f"uid must stay {uid!r}; a new uid is a new event")
    view = StoredView(None if new else cal, None if new else event, default_tz)
    as_rdate = view.as_rdate(obj)
    simple = simple_body(obj, None if new else event, series=True, as_rdate=as_rdate, zones=zones)
    dates = {f"excludedDates/{i}": k for i, k in enumerate(simple["excludedDates"])}
    dates |= {f"recurrenceDates/{i}": k for i, k in enumerate(simple["recurrenceDates"])}
    body = event_write(simple)
    organizer_before = _organizer_text(event)
    editor = JsEditor(event, body, obj, default_tz=default_tz, series=True, zones=zones)
    editor.known_zones = dict(zones)
    editor.keep_unshown_rrule = not new and not view.shows_rules
    try:
        editor.apply()
        extra = missing_rdates(cal, obj, default_tz, view) if obj.get("recurrenceOverrides") else []
        if extra and editor.times is not None:
            dates |= {
                f"recurrenceDates/{i}": k for i, k in enumerate(simple["recurrenceDates"] + extra)
            }
            editor.body = body.model_copy(
                update={"recurrence_dates": list(body.recurrence_dates) + extra}
            )
            editor._rdates(editor.times)
    except InvalidInput as exc:
        raise remapped(exc, dates, "#") from None
    store_ids(cal, editor, default_tz)
    kept = jscal_props.write(event, obj)
    touched, removed = write_overrides(
        cal,
        event,
        obj,
        default_tz=default_tz,
        view=view,
        organizer_changed=_organizer_text(event) != organizer_before,
        zones=zones,
    )
    changed = editor.changed or kept or removed or bool(touched)
    sequence = _sequence_after(event, obj, new=new, changed=changed)
    if sequence != _sequence(event):
        replace_prop(event, "SEQUENCE", sequence)
        changed = True
    if changed and not new:
        replace_prop(event, "DTSTAMP", stamp)
        replace_prop(event, "LAST-MODIFIED", stamp)
    elif "DTSTAMP" not in event:
        event.add("DTSTAMP", stamp)
    for override in touched:
        replace_prop(
            override, "SEQUENCE", max(_sequence(override) + (0 if new else 1), _sequence(event))
        )
        replace_prop(override, "DTSTAMP", stamp)
        replace_prop(override, "LAST-MODIFIED", stamp)
    place_vtimezones(cal, placed)
    sync_vtimezones(cal, used_before if changed or placed else None)
    return cal
