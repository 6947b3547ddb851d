"""JSCalendar locations: one plain LOCATION (+ GEO), or RFC 9073 VLOCATIONs for rich ones; the
main location and the zone the event ends in.
"""

from __future__ import annotations

import uuid

from icalendar import (
    Component,
    vUri,
)

from calgate.domain.jscal_read import (
    RELATIVE_TO,
    TIME_ZONE,
    stable_id,
)
from calgate.domain.jscal_types import JsEvent, JsLocation
from calgate.errors import pointer_token

# -- locations: one plain LOCATION (+ GEO), or RFC 9073 VLOCATIONs ------------------------------
_SIMPLE_LOCATION = frozenset({"@type", "name", "coordinates"})
_LOCATION_MEANING = (
    "name",
    "description",
    "locationTypes",
    "coordinates",
    "relativeTo",
    "timeZone",
)


def rich_locations(obj: JsEvent) -> bool:
    """Whether ``obj``'s locations need VLOCATIONs: more than one, or more than a name and
    coordinates (which LOCATION and GEO hold)."""
    locations = obj.get("locations") or {}
    if len(locations) > 1:
        return True
    return any(set(loc) - _SIMPLE_LOCATION for loc in locations.values())


def main_location(obj: JsEvent) -> tuple[str, JsLocation] | None:
    """The location LOCATION names: ``mainLocationId``, else the first named one that is not
    where the event ends."""
    locations = obj.get("locations") or {}
    main = obj.get("mainLocationId")
    if isinstance(main, str) and main in locations:
        return main, locations[main]
    named = [(k, loc) for k, loc in locations.items() if loc.get("name")]
    starts = [(k, loc) for k, loc in named if loc.get("relativeTo") != "end"]
    found = starts or named
    return found[0] if found else None


def end_zone(obj: JsEvent) -> tuple[str, str] | None:
    """(zone, pointer) of the event's end when it differs from the start's: JSCalendar 2.0's
    ``endTimeZone``, or RFC 8984's Location with ``relativeTo: end`` (section 6.6)."""
    if obj.get("endTimeZone"):
        return obj["endTimeZone"], "#/endTimeZone"
    for key, loc in (obj.get("locations") or {}).items():
        if loc.get("relativeTo") == "end" and loc.get("timeZone"):
            return loc["timeZone"], f"#/locations/{pointer_token(key)}/timeZone"
    return None


def location_meaning(loc: JsLocation) -> JsLocation:
    return {k: loc[k] for k in _LOCATION_MEANING if loc.get(k)}


def fill_vlocation(comp: Component, loc: JsLocation) -> None:
    for name in ("NAME", "DESCRIPTION", "LOCATION-TYPE", "COORDINATES", RELATIVE_TO, TIME_ZONE):
        comp.pop(name, None)
    if loc.get("name"):
        comp.add("NAME", loc["name"])
    if loc.get("description"):
        comp.add("DESCRIPTION", loc["description"])
    if loc.get("locationTypes"):
        comp.add("LOCATION-TYPE", ",".join(loc["locationTypes"]))
    if loc.get("coordinates"):
        comp.add("COORDINATES", vUri(loc["coordinates"]))
    if loc.get("relativeTo"):
        comp.add(RELATIVE_TO, loc["relativeTo"])
    if loc.get("timeZone"):
        comp.add(TIME_ZONE, loc["timeZone"])


def new_vlocation(lid: str, loc: JsLocation) -> Component:
    comp = Component.from_ical("BEGIN:VLOCATION\r\nEND:VLOCATION\r\n")
    comp.add("UID", str(uuid.uuid4()))
    fill_vlocation(comp, loc)
    key = loc.get("name") or loc.get("coordinates")
    if not key or stable_id(key) != lid:
        comp.add("JSID", lid)
    return comp
