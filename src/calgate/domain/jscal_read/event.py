"""One VEVENT as a JSCalendar Event: every member the reader shows, from the parts' readers."""

from __future__ import annotations

from datetime import tzinfo

from icalendar import Component
from icalendar.prop import vBroken

from calgate.domain import jscal_props
from calgate.domain.ical_parse import (
    first,
    props,
)
from calgate.domain.ical_read import (
    STATUS_IN,
    TRANSP_IN,
    categories_of,
    priority_of,
)
from calgate.domain.jscal_read.links import copy_alerts, copy_links, copy_related
from calgate.domain.jscal_read.people import copy_participants
from calgate.domain.jscal_read.places import copy_locations, copy_virtual_locations
from calgate.domain.jscal_read.rules import copy_rules
from calgate.domain.jscal_read.times import copy_times
from calgate.domain.jscal_read.values import (
    copy_enum,
    copy_text,
    copy_utc,
    int_of,
    param_of,
    text_value,
)
from calgate.domain.jscal_types import JsEvent

CLASS = {"PUBLIC": "public", "PRIVATE": "private", "CONFIDENTIAL": "secret"}


def event_json(event: Component, ftz: tzinfo, method: str | None) -> JsEvent:
    out: JsEvent = {"@type": "Event"}
    copy_text(out, "uid", event, "UID")
    summary = first(event, "SUMMARY")
    if summary is not None and not isinstance(summary, vBroken):
        out["title"] = str(summary)
        language = param_of(summary, "LANGUAGE")
        if language:
            out["locale"] = language
    _description(out, event)
    copy_times(out, event, ftz)
    copy_enum(out, "status", event, "STATUS", STATUS_IN)
    copy_enum(out, "freeBusyStatus", event, "TRANSP", TRANSP_IN)
    copy_enum(out, "privacy", event, "CLASS", CLASS)
    priority = priority_of(event)
    if priority is not None and "PRIORITY" in event:
        out["priority"] = priority
    sequence = int_of(first(event, "SEQUENCE"))
    if sequence is not None and sequence >= 0:
        out["sequence"] = sequence
    copy_text(out, "color", event, "COLOR")
    copy_utc(out, "created", event, "CREATED")
    if not copy_utc(out, "updated", event, "LAST-MODIFIED"):
        copy_utc(out, "updated", event, "DTSTAMP")
    if method:
        out["method"] = method
    keywords = categories_of(event)
    if keywords:
        out["keywords"] = dict.fromkeys(keywords, True)
    concepts = [str(c).strip() for c in props(event, "CONCEPT") if str(c).strip()]
    if concepts:
        out["categories"] = dict.fromkeys(concepts, True)
    copy_related(out, event)
    copy_locations(out, event)
    locations = (out.get("locations") or {}).values()
    ends = [loc.get("timeZone") for loc in locations if loc.get("relativeTo") == "end"]
    if out.get("endTimeZone") in ends:  # said once, by RFC 8984's relativeTo-end location
        del out["endTimeZone"]
    copy_virtual_locations(out, event)
    copy_participants(out, event)
    copy_links(out, event)
    copy_alerts(out, event)
    copy_rules(out, event, "RRULE", "recurrenceRules", ftz)
    copy_rules(out, event, "EXRULE", "excludedRecurrenceRules", ftz)
    jscal_props.apply(out, event)
    return out


def _description(out: JsEvent, event: Component) -> None:
    styled = first(event, "STYLED-DESCRIPTION")
    if styled is not None and str(styled):
        out["description"] = text_value(styled)
        out["descriptionContentType"] = param_of(styled, "FMTTYPE") or "text/html"
        return
    copy_text(out, "description", event, "DESCRIPTION")
