"""Locations (LOCATION, GEO, RFC 9073 VLOCATION) and virtual locations (CONFERENCE), with the
ids the reader gives them.
"""

from __future__ import annotations

from typing import Any

from icalendar import Component
from icalendar.prop import vBroken

from calgate.domain.ical_parse import (
    first,
    props,
    text_of,
)
from calgate.domain.jscal_read.values import (
    copy_param,
    copy_text,
    param_of,
    params_of,
    stable_id,
    text_value,
    texts_of,
)
from calgate.domain.jscal_types import JsEvent, JsLocation, JsVirtualLocation


def geo_uri(prop: Any) -> str | None:
    """A GEO property as the ``geo:`` URI the reader shows (None: unreadable)."""
    try:
        return f"geo:{float(prop.latitude)!r},{float(prop.longitude)!r}"
    except Exception:
        return None


# RFC 9073 has no property for a Location's relativeTo and timeZone: calgate's own names.
RELATIVE_TO = "X-JSCAL-RELATIVE-TO"
TIME_ZONE = "X-JSCAL-TIME-ZONE"


def vlocation_of(comp: Component) -> JsLocation:
    """One RFC 9073 VLOCATION as a JSCalendar Location."""
    loc: JsLocation = {"@type": "Location"}
    copy_text(loc, "name", comp, "NAME")
    copy_text(loc, "description", comp, "DESCRIPTION")
    types = [t.strip().lower() for t in texts_of(comp, "LOCATION-TYPE") if t.strip()]
    if types:
        loc["locationTypes"] = dict.fromkeys(types, True)
    coordinates = first(comp, "COORDINATES")
    geo = first(comp, "GEO")
    if coordinates is not None and str(coordinates):
        loc["coordinates"] = text_value(coordinates)
    elif geo is not None and geo_uri(geo):
        loc["coordinates"] = geo_uri(geo)
    relative = (text_of(comp, RELATIVE_TO) or "").strip().lower()
    if relative in ("start", "end"):
        loc["relativeTo"] = relative
    copy_text(loc, "timeZone", comp, TIME_ZONE)
    return loc


def vlocation_id(comp: Component) -> str | None:
    """The id the reader gives a VLOCATION."""
    return _vlocation_id(comp, vlocation_of(comp))


def _vlocation_id(comp: Component, loc: JsLocation) -> str | None:
    key = loc.get("name") or loc.get("coordinates") or text_of(comp, "UID")
    return text_of(comp, "JSID") or (stable_id(key) if key else None)


def vlocation_ids(event: Component) -> frozenset[str]:
    """The ids of the locations the reader makes of ``event``'s VLOCATION components."""
    found: JsEvent = {}
    copy_locations(found, event, vlocations_only=True)
    return frozenset(found.get("locations") or {})


def copy_locations(out: JsEvent, event: Component, *, vlocations_only: bool = False) -> None:
    found: dict[str, JsLocation] = {}
    for comp in event.subcomponents:
        if getattr(comp, "name", None) != "VLOCATION":
            continue
        loc = vlocation_of(comp)
        lid = _vlocation_id(comp, loc)
        if lid is not None and lid not in found:
            found[lid] = loc
    if vlocations_only:
        out["locations"] = found
        return
    main = None
    for prop in props(event, "LOCATION"):
        name = str(prop).strip()
        if not name or isinstance(prop, vBroken):
            continue
        lid = param_of(prop, "JSID") or stable_id(name)
        found.setdefault(lid, {"@type": "Location", "name": name})
        if (param_of(prop, "DERIVED") or "").upper() == "TRUE" and main is None:
            main = lid
    for prop in props(event, "GEO"):
        uri = geo_uri(prop)
        if uri is None:
            continue
        geo_id = param_of(prop, "JSID")
        if geo_id is None and any(v.get("coordinates") == uri for v in found.values()):
            continue  # the coordinates of a VLOCATION, repeated for clients that read GEO
        if geo_id is None:  # no JSID: the place of the one LOCATION, else a place of its own
            plain = [k for k, v in found.items() if "coordinates" not in v]
            geo_id = plain[0] if len(plain) == 1 else stable_id(uri)
        found.setdefault(geo_id, {"@type": "Location"})["coordinates"] = uri
    if found:
        out["locations"] = found
    if main is not None:
        out["mainLocationId"] = main


def copy_virtual_locations(out: JsEvent, event: Component) -> None:
    found: dict[str, JsVirtualLocation] = {}
    for prop in props(event, "CONFERENCE"):
        uri = str(prop).strip()
        if not uri or isinstance(prop, vBroken):
            continue
        loc: JsVirtualLocation = {"@type": "VirtualLocation", "uri": uri}
        copy_param(loc, "name", prop, "LABEL")
        features = [f.lower() for f in params_of(prop, "FEATURE")]
        if features:
            loc["features"] = dict.fromkeys(features, True)
        found.setdefault(param_of(prop, "JSID") or stable_id(uri), loc)
    if found:
        out["virtualLocations"] = found
