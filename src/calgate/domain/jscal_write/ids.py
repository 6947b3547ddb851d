"""Client ids that read back: a ``JSID`` parameter (ATTENDEE, ORGANIZER, LOCATION, GEO,
CONFERENCE, URL, ATTACH) or property (VALARM) where the reader would derive another id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import (
    Calendar,
    Component,
    vText,
)
from icalendar.parser import Parameters

from calgate.domain.ical_parse import (
    first,
    props,
    text_of,
)
from calgate.domain.jscal_read import (
    geo_uri,
    participant_address,
    stable_id,
    to_jscalendar,
)
from calgate.domain.jscal_types import JsAlert, JsEvent, JsObject
from calgate.domain.jscal_write.editor import JsEditor, shown_alert
from calgate.domain.jscal_write.locations import main_location, rich_locations
from calgate.domain.jscal_write.people import address_key, address_uri
from calgate.domain.series import calendar_with
from calgate.domain.timezones import (
    parse_duration,
    parse_time,
)

# -- ids --------------------------------------------------------------------------------------


def _reader_ids(cal: Calendar, event: Component, default_tz: str) -> JsEvent | None:
    """What the JSCalendar reader shows for ``event`` (for the ids it derives)."""
    shown = to_jscalendar(calendar_with(cal, [event]), floating_tz=default_tz)
    return shown if isinstance(shown, dict) else None


def _set_jsid(value: Any, wanted: str | None) -> Any:
    """``value`` (a property) with JSID ``wanted`` (None: without); the same object when it
    already is."""
    params = getattr(value, "params", None)
    if params is None or params.get("JSID") == wanted:
        return value
    if wanted is None and "JSID" not in params:
        return value
    if wanted is None:
        params.pop("JSID")
    else:
        params["JSID"] = wanted
    return value


def store_ids(cal: Calendar, editor: JsEditor, default_tz: str) -> None:
    """Make every client id read back: a JSID where the reader would derive another id."""
    obj, event = editor.obj, editor.event
    shown = _reader_ids(cal, event, default_tz)
    has_reader = shown is not None
    before: dict[str, dict[str, JsObject]] = {
        kind: (shown or {}).get(kind) or {}
        for kind in ("participants", "alerts", "links", "locations", "virtualLocations")
    }

    def derived(kind: str, match: Any) -> str | None:
        for key, item in before[kind].items():
            if isinstance(item, dict) and match(item):
                return key
        return None

    # participants: ATTENDEE and ORGANIZER by address (each side indexed once: an event has
    # up to max_attendees of them)
    shown_ids: dict[str, str] = {}
    for key, item in before["participants"].items():
        if isinstance(item, dict):
            shown_ids.setdefault(address_key(participant_address(item) or ""), key)
    by_address: dict[str, list[Any]] = {}
    for name in ("ATTENDEE", "ORGANIZER"):
        for value in props(event, name):
            by_address.setdefault(address_key(value), []).append(value)
    for pid, person in (obj.get("participants") or {}).items():
        address = address_key(address_uri(person))
        for value in by_address.get(address, ()):
            _jsid_prop(editor, value, pid, shown_ids.get(address), has_reader)
    # alarms: a JSID property
    for alert_id, alarm in editor.alarm_ids.items():
        stored = text_of(alarm, "JSID")
        if stored == alert_id:
            continue
        got = _alert_id_shown(before["alerts"], alarm, editor) if has_reader else None
        if got == alert_id and stored is None:
            continue
        alarm.pop("JSID", None)
        alarm.add("JSID", alert_id)
        editor.changed = True
    # the location LOCATION names (the reader derives the id from the name without a JSID)
    main = main_location(obj)
    value = first(event, "LOCATION")
    if main is not None and main[1].get("name") and value is not None:
        got = stable_id(str(value).strip()) if rich_locations(obj) else None
        if got is None:
            got = derived("locations", lambda item: True)
        _jsid_text(editor, "LOCATION", value, main[0], got, has_reader or got is not None)
    # the GEO: its location's id, as read once LOCATION holds its JSID
    geo = editor.geo_location()
    values = props(event, "GEO")
    if geo is not None and len(values) >= 1 and geo_uri(values[0]) is not None:
        after = _reader_ids(cal, event, default_tz) if has_reader else None
        uri = geo_uri(values[0])
        got = next(
            (
                k
                for k, item in ((after or {}).get("locations") or {}).items()
                if isinstance(item, dict) and item.get("coordinates") == uri
            ),
            None,
        )
        _jsid_prop(editor, values[0], geo[0], got, after is not None)
    # virtual locations: CONFERENCE by URI
    for virtual_id, virtual in (obj.get("virtualLocations") or {}).items():
        uri = virtual["uri"].strip()
        got = derived("virtualLocations", lambda item, u=uri: item.get("uri") == u)
        for value in props(event, "CONFERENCE"):
            if str(value).strip() == uri:
                _jsid_prop(editor, value, virtual_id, got, has_reader)
    # links: URL and ATTACH by href
    for link_id, link in (obj.get("links") or {}).items():
        got = derived("links", lambda item, h=link["href"]: item.get("href") == h)
        for name in ("URL", "ATTACH", "LINK", "IMAGE"):
            for value in props(event, name):
                if str(value).strip() == link["href"]:
                    _jsid_prop(editor, value, link_id, got, has_reader)


def _alert_id_shown(shown: dict[str, JsAlert], alarm: Component, editor: JsEditor) -> str | None:
    """The id the reader gives ``alarm``: its trigger and action matched (before any JSID)."""
    found = shown_alert(alarm, editor.read.times)
    if found is None:
        return None
    for key, item in shown.items():
        trigger = item.get("trigger") if isinstance(item, dict) else None
        if not isinstance(trigger, dict):
            continue
        try:
            if trigger.get("@type") == "OffsetTrigger":
                same = found.key[0] == "rel" and parse_duration(trigger["offset"]) == found.key[1]
            else:
                when = parse_time(trigger["when"])
                same = (
                    found.key[0] == "abs"
                    and isinstance(when, datetime)
                    and (when.replace(tzinfo=None) == found.key[1])
                )
        except (KeyError, ValueError, TypeError):
            continue
        if same and (item.get("action") or "display") == found.action:
            return key
    return None


def _jsid_prop(editor: JsEditor, value: Any, wanted: str, got: str | None, reader: bool) -> None:
    stored = value.params.get("JSID") if getattr(value, "params", None) is not None else None
    if stored == wanted or (stored is None and reader and got == wanted):
        return
    _set_jsid(value, wanted)
    editor.changed = True


def _jsid_text(
    editor: JsEditor, name: str, value: Any, wanted: str, got: str | None, reader: bool
) -> None:
    stored = value.params.get("JSID") if getattr(value, "params", None) is not None else None
    if stored == wanted or (stored is None and reader and got == wanted):
        return
    copy = vText(str(value))
    copy.params = Parameters(dict(value.params))
    copy.params["JSID"] = wanted
    editor.event.pop(name)
    editor.event.add(name, copy)
    editor.changed = True
