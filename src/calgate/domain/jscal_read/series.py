"""Whole objects: a series (the master with its ``recurrenceOverrides``: RDATEs, EXDATEs and
override VEVENTs as PatchObjects), an instance without its master, every series of a
VCALENDAR, and a JSCalendar Group.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from icalendar import Calendar, Component

from calgate.domain.ical_parse import (
    events_of,
    first,
    floating_zone,
    master_event,
    props,
    text_of,
    time_of,
    tzid_of,
)
from calgate.domain.ical_read import (
    categories_of,
    read_times,
)
from calgate.domain.jscal_read.event import event_json
from calgate.domain.jscal_read.times import local_time, zone_label
from calgate.domain.jscal_read.values import copy_text, copy_utc, dates_of, method_of, param_of
from calgate.domain.jscal_read.zones import custom_zones
from calgate.domain.jscal_types import JsEvent, JsGroup, JsOverrides, JsPatch
from calgate.domain.timezones import (
    EventZone,
    format_duration,
    instant,
    zone_of,
)

NOT_PATCHED = frozenset(
    {
        "@type",
        "uid",
        "method",
        "privacy",
        "prodId",
        "recurrenceId",
        "recurrenceIdTimeZone",
        "recurrenceRules",
        "excludedRecurrenceRules",
        "recurrenceOverrides",
        "relatedTo",
        "replyTo",
        "sentBy",
        "timeZones",
    }
)


def to_jscalendar(cal: Calendar, *, floating_tz: str) -> JsEvent:
    """The JSCalendar Event of one stored object: its master VEVENT with its overrides.

    An object holding only overrides is shown as its first instance (with ``recurrenceId``).
    """
    ftz = floating_zone(floating_tz)
    master = master_event(cal)
    if master is None:
        return {"@type": "Event"}
    method = method_of(cal)
    if "RECURRENCE-ID" in master:
        return custom_zones(_instance(master, ftz, method), cal)
    uid = text_of(master, "UID")
    overrides = [e for e in events_of(cal) if "RECURRENCE-ID" in e and text_of(e, "UID") == uid]
    return custom_zones(_series(master, overrides, ftz, method), cal)


def override_key(master: Component, override: Component, *, floating_tz: str) -> str | None:
    """The ``recurrenceOverrides`` key the reader gives ``override`` of ``master`` (its
    RECURRENCE-ID as a LocalDateTime in the master's zone), None when it has none."""
    ftz = floating_zone(floating_tz)
    rid = time_of(first(override, "RECURRENCE-ID"))
    if rid is None:
        return None
    return local_time(rid, read_times(master, ftz).zone, ftz)


def to_jscalendar_entries(cal: Calendar, *, floating_tz: str) -> list[JsEvent]:
    """Every series of a VCALENDAR that may hold several UIDs (an import, a subscription):
    one Event per master with its overrides, an Event per override whose master is missing."""
    ftz = floating_zone(floating_tz)
    method = method_of(cal)
    order: list[str | None] = []
    by_uid: dict[str | None, list[Component]] = {}
    out: list[JsEvent] = []
    for event in events_of(cal):
        uid = text_of(event, "UID")
        if uid is None:
            out.append(_one(event, [], ftz, method))
            continue
        if uid not in by_uid:
            order.append(uid)
        by_uid.setdefault(uid, []).append(event)
    for uid in order:
        events = by_uid[uid]
        masters = [e for e in events if "RECURRENCE-ID" not in e]
        instances = [e for e in events if "RECURRENCE-ID" in e]
        if masters:
            out.append(_series(masters[0], instances, ftz, method))
            out.extend(_series(m, [], ftz, method) for m in masters[1:])
        else:
            out.extend(_instance(e, ftz, method) for e in instances)
    return [custom_zones(event, cal) for event in out]


def group(events: list[JsEvent], *, cal: Calendar | None = None) -> JsGroup:
    """A JSCalendar Group of ``events``, with the VCALENDAR's own properties when given."""
    out: JsGroup = {"@type": "Group"}
    if cal is not None:
        copy_text(out, "uid", cal, "UID")
        copy_text(out, "prodId", cal, "PRODID")
        name = first(cal, "NAME")
        if name is not None and str(name):
            out["title"] = str(name)
            language = param_of(name, "LANGUAGE")
            if language:
                out["locale"] = language
        copy_text(out, "description", cal, "DESCRIPTION")
        copy_text(out, "source", cal, "SOURCE")
        copy_text(out, "color", cal, "COLOR")
        copy_utc(out, "created", cal, "CREATED")
        copy_utc(out, "updated", cal, "LAST-MODIFIED")
        keywords = categories_of(cal)
        if keywords:
            out["keywords"] = dict.fromkeys(keywords, True)
    out["entries"] = events
    return out


# --- one VEVENT ------------------------------------------------------------------------------


def _one(event: Component, overrides: list[Component], ftz: tzinfo, method: str | None) -> JsEvent:
    if "RECURRENCE-ID" in event:
        return _instance(event, ftz, method)
    return _series(event, overrides, ftz, method)


def _series(
    master: Component, overrides: list[Component], ftz: tzinfo, method: str | None
) -> JsEvent:
    out = event_json(master, ftz, method)
    zone = read_times(master, ftz).zone
    found = _overrides(master, overrides, out, zone, ftz)
    if found:
        out["recurrenceOverrides"] = found
    return out


def _instance(event: Component, ftz: tzinfo, method: str | None) -> JsEvent:
    """An override whose master is not stored: an Event of its own, naming its recurrence id."""
    out = event_json(event, ftz, method)
    prop = first(event, "RECURRENCE-ID")
    rid = time_of(prop)
    if rid is not None:
        rid_zone = zone_of(rid, tzid_of(prop))
        out["recurrenceId"] = local_time(rid, rid_zone, ftz)
        label = zone_label(rid_zone)
        if label is not None:
            out["recurrenceIdTimeZone"] = label
    return out


def _overrides(
    master: Component,
    overrides: list[Component],
    base: JsEvent,
    zone: EventZone,
    ftz: tzinfo,
) -> JsOverrides:
    found: JsOverrides = {}
    for prop in props(master, "RDATE"):
        for item in dates_of(prop):
            value = getattr(item, "dt", None)
            end: Any = None
            if isinstance(value, tuple) and len(value) == 2:
                value, end = value
            if not isinstance(value, date):
                continue
            patch: JsPatch = {}
            span = end if isinstance(end, timedelta) else None
            if isinstance(end, datetime) and isinstance(value, datetime):
                span = instant(end, ftz) - instant(value, ftz)
            if span is not None and span > timedelta(0):
                duration = format_duration(span)
                if duration != base.get("duration", "PT0S"):
                    patch["duration"] = duration
            found[local_time(value, zone, ftz)] = patch
    for override in overrides:
        rid = time_of(first(override, "RECURRENCE-ID"))
        if rid is None:
            continue
        key = local_time(rid, zone, ftz)
        found[key] = _patch(base, event_json(override, ftz, None), key, "DTSTART" in override)
    # RFC 5545 3.8.5.1: EXDATE removes an instance, also one an RDATE or override adds.
    for prop in props(master, "EXDATE"):
        for item in dates_of(prop):
            value = time_of(item)
            if value is not None:
                found[local_time(value, zone, ftz)] = {"excluded": True}
    return found


def _patch(base: JsEvent, instance: JsEvent, key: str, whole: bool) -> JsPatch:
    """What ``instance`` changes of ``base`` at recurrence id ``key`` (top-level members)."""
    if instance.get("start") == key and instance.get("timeZone") == base.get("timeZone"):
        instance.pop("start")  # an instance starts at its recurrence id unless patched
        instance.pop("timeZone", None)
    base = {k: v for k, v in base.items() if k != "start"}
    patch = {k: v for k, v in instance.items() if k not in NOT_PATCHED and base.get(k) != v}
    if whole:
        for k in base:
            if k not in NOT_PATCHED and k not in instance and k not in ("timeZone",):
                patch[k] = None
    return patch
