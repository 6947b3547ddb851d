""":class:`JsEditor`: the simple-form event editor with JSCalendar's people, links, locations
and alerts (what the simple form does not model).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from icalendar import (
    Alarm,
    Component,
    vGeo,
    vText,
)
from icalendar.parser import Parameters

from calgate.domain.ical_edit import new_alarm
from calgate.domain.ical_parse import (
    first,
    props,
    text_of,
    tzid_of,
)
from calgate.domain.ical_read import (
    ReadAlert,
    Times,
    alarms_of,
    alert_of,
)
from calgate.domain.jscal_read import (
    geo_uri,
    vlocation_id,
    vlocation_ids,
    vlocation_of,
)
from calgate.domain.jscal_types import JsEvent, JsLocation
from calgate.domain.jscal_write.links import LinksEditor
from calgate.domain.jscal_write.locations import (
    end_zone,
    fill_vlocation,
    location_meaning,
    main_location,
    new_vlocation,
    rich_locations,
)
from calgate.domain.jscal_write.params import param_text, put_text_param
from calgate.domain.jscal_write.people import PeopleEditor
from calgate.domain.jscal_write.terms import ALERT_ACTIONS
from calgate.domain.jscal_write.zones import Zones, zone_named
from calgate.domain.model import EventWrite
from calgate.domain.timezones import (
    instant,
)
from calgate.domain.write_times import DesiredTimes, alert_key, time_prop
from calgate.errors import InvalidInput, UnknownTimeZone, pointer_token

_GEO = re.compile(r"geo:([+-]?\d+(?:\.\d+)?),([+-]?\d+(?:\.\d+)?)(?:,[^;]*)?(?:;.*)?", re.I)


def _geo_of(coordinates: Any) -> tuple[float, float] | None:
    """(latitude, longitude) of a ``geo:`` URI (RFC 5870), None when it is none."""
    match = _GEO.fullmatch(coordinates.strip()) if isinstance(coordinates, str) else None
    return (float(match[1]), float(match[2])) if match else None


class JsEditor(PeopleEditor, LinksEditor):
    """The simple-form editor, with JSCalendar's people, links and alarms."""

    def __init__(
        self,
        event: Component,
        body: EventWrite,
        obj: JsEvent,
        *,
        default_tz: str,
        series: bool,
        zones: Zones,
    ) -> None:
        super().__init__(event, body, default_tz=default_tz)
        self.obj = obj
        self.zones = zones  # the zones an end zone may name besides IANA's
        self.series = series
        self.times: DesiredTimes | None = None
        # client id -> the component / property written for it, for the JSID pass
        self.alarm_ids: dict[str, Component] = {}
        # an RRULE the reader could not show (so the client could not send it back) stays
        self.keep_unshown_rrule = False

    def _rrule(self, times: DesiredTimes) -> None:
        self.times = times
        if not self.series:
            return
        if self.keep_unshown_rrule and self.body.rrule is None and "RRULE" in self.event:
            return
        super()._rrule(times)

    def _exdates(self, times: DesiredTimes) -> None:
        if self.series:
            super()._exdates(times)

    def _rdates(self, times: DesiredTimes) -> None:
        if self.series:
            super()._rdates(times)

    def _text(self, name: str, value: str | None) -> None:
        if name == "URL":  # links are written by _links
            return
        stored = props(self.event, name)
        if value is None and stored and all(not str(v).strip() for v in stored):
            return  # an empty SUMMARY / DESCRIPTION / LOCATION shows nothing: it stays
        if name == "SUMMARY" and value is not None:
            self._summary(value)
            return
        super()._text(name, value)

    def _summary(self, title: str) -> None:
        """SUMMARY with ``locale`` as its LANGUAGE: a new title is a new SUMMARY; a new locale
        alone keeps the stored SUMMARY's other parameters."""
        current = first(self.event, "SUMMARY")
        locale = self.obj.get("locale") or None
        if text_of(self.event, "SUMMARY") != title or current is None:
            value = vText(title)
            if locale:
                value.params["LANGUAGE"] = locale
            self._set("SUMMARY", [value])
            return
        if param_text(current, "LANGUAGE") == locale:
            return
        value = vText(str(current))
        value.params = Parameters(dict(current.params))
        put_text_param(value.params, "LANGUAGE", locale, current)
        self._set("SUMMARY", [value])

    def apply(self) -> bool:
        super().apply()
        self._links()
        self._geo()
        self._vlocations()
        self._end_zone()
        self._conferences()
        return self.changed

    def _vlocations(self) -> None:
        """VLOCATIONs for rich locations; stored ones still shown are edited in place, others
        dropped (a location the client removed), new ones added."""
        locations = self.obj.get("locations") or {}
        shown = vlocation_ids(self.event)
        rich = rich_locations(self.obj)
        wanted = {k: v for k, v in locations.items() if rich or k in shown}
        kept: list[Any] = []
        done: set[str] = set()
        for comp in self.event.subcomponents:
            if getattr(comp, "name", None) != "VLOCATION":
                kept.append(comp)
                continue
            lid = vlocation_id(comp)
            if lid is None or lid not in wanted or lid in done:
                self.changed = True
                continue
            done.add(lid)
            if location_meaning(vlocation_of(comp)) != location_meaning(wanted[lid]):
                fill_vlocation(comp, wanted[lid])
                self.changed = True
            kept.append(comp)
        for lid, loc in wanted.items():
            if lid not in done:
                kept.append(new_vlocation(lid, loc))
                self.changed = True
        self.event.subcomponents = kept
        if rich:
            self._derived_location()

    def _derived_location(self) -> None:
        """LOCATION;DERIVED=TRUE marks the ``mainLocationId`` (as calcard reads it)."""
        value = first(self.event, "LOCATION")
        if value is None or not self.obj.get("mainLocationId"):
            return
        if (param_text(value, "DERIVED") or "").upper() == "TRUE":
            return
        copy = vText(str(value))
        copy.params = Parameters(dict(value.params))
        copy.params["DERIVED"] = "TRUE"
        self._set("LOCATION", [copy])

    def _end_zone(self) -> None:
        """DTEND in the zone the event ends in, when that differs from the start's."""
        found = end_zone(self.obj)
        times = self.times
        if times is None or not isinstance(times.start, datetime):
            return
        if found is None:  # GET shows a stored end zone, so its absence means the start's
            stored_end = first(self.event, "DTEND")
            if stored_end is not None and tzid_of(stored_end) not in (None, times.zone.tzid):
                self._set("DTEND", [time_prop(times.end, times.zone)])
            return
        name, pointer = found
        try:
            zone = zone_named(name, self.zones)
        except UnknownTimeZone:
            raise InvalidInput.field(pointer, f"unknown time zone {name!r}") from None
        if zone.tz is None or times.zone.tz is None or zone.label == times.zone.label:
            return  # floating events have no end zone; the start's zone needs no DTEND of its own
        stored = first(self.event, "DTEND")
        if stored is not None and tzid_of(stored) == zone.tzid:
            return  # _times kept an end at the same instant: it is in this zone already
        end = instant(times.end, times.zone.tz).astimezone(zone.tz).replace(tzinfo=zone.tz)
        self._remove("DURATION")
        self._set("DTEND", [time_prop(end, zone)])

    # places
    def geo_location(self) -> tuple[str, JsLocation] | None:
        """(id, Location) whose ``coordinates`` are GEO (see the module docstring)."""
        locations = self.obj.get("locations") or {}
        if rich_locations(self.obj):  # GEO for the main location; the rest in VLOCATIONs
            main = main_location(self.obj)
            return main if main is not None and main[1].get("coordinates") else None
        named = [(k, loc) for k, loc in locations.items() if loc.get("name")]
        if named and named[0][1].get("coordinates"):
            return named[0]
        skip = vlocation_ids(self.event)
        only = [
            (k, loc)
            for k, loc in locations.items()
            if loc.get("coordinates") and not loc.get("name") and k not in skip
        ]
        return only[0] if len(only) == 1 else None

    def _geo(self) -> None:
        found = self.geo_location()
        wanted = None
        if found is not None:
            wanted = _geo_of(found[1]["coordinates"])
            if wanted is None:
                raise InvalidInput.field(
                    f"#/locations/{pointer_token(found[0])}/coordinates",
                    "coordinates must be a geo: URI like geo:40.7829,-73.9654",
                )
        stored = props(self.event, "GEO")
        readable = [v for v in stored if geo_uri(v) is not None]
        if wanted is None:
            if readable:  # a GEO the reader cannot read stays
                self._set("GEO", [v for v in stored if geo_uri(v) is None])
            return
        if len(stored) == 1 and readable and _geo_of(geo_uri(readable[0])) == wanted:
            return
        value = vGeo(wanted)
        if readable:
            value.params = Parameters(dict(readable[0].params))
        self._set("GEO", [value] + [v for v in stored if geo_uri(v) is None])

    # alarms: only what JSCalendar can show is replaced, other VALARMs (AUDIO, unknown) stay
    def _alerts(self, times: DesiredTimes) -> None:
        wanted = list(self.body.alerts)
        ids = list((self.obj.get("alerts") or {}).keys())
        read_times = self.read.times
        used: set[int] = set()
        new: list[Component] = []

        def modelled(alarm: Component) -> bool:
            shown = alert_of(alarm, read_times)
            return shown is not None and shown.action in ALERT_ACTIONS

        def shown_key(alarm: Component) -> tuple[Any, ...] | None:
            shown = shown_alert(alarm, read_times)
            return shown.key if shown is not None else None

        for alert_id, alert in zip(ids, wanted, strict=True):
            key = alert_key(alert, times, self.default_tz)
            match = next(
                (
                    alarm
                    for alarm in alarms_of(self.event)
                    if id(alarm) not in used and shown_key(alarm) == key
                ),
                None,
            )
            if match is None:
                match = new_alarm(alert, key, self.body.title)
                new.append(match)
                self.changed = True
            used.add(id(match))
            self.alarm_ids[alert_id] = match
        kept = [
            c
            for c in self.event.subcomponents
            if getattr(c, "name", None) != "VALARM" or id(c) in used or not modelled(c)
        ]
        if len(kept) != len(self.event.subcomponents):
            self.changed = True
        self.event.subcomponents = kept + new


def shown_alert(alarm: Component, times: Times) -> ReadAlert | None:
    """:func:`alert_of` of ``alarm`` as the JSCalendar reader shows it: a VALARM without ACTION
    or with one JSCalendar does not show (AUDIO, unknown) is an alert without ``action``, a
    display alert, so a PUT of it finds the stored VALARM (which stays as it is)."""
    found = alert_of(alarm, times)
    action = (text_of(alarm, "ACTION") or "").strip().lower()
    if action in ALERT_ACTIONS:
        return found
    probe = Alarm()
    for name, value in alarm.items():
        probe[name] = value
    probe["ACTION"] = vText("DISPLAY")
    return alert_of(probe, times)
