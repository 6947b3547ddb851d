"""Links (LINK, ATTACH, IMAGE), relations (RELATED-TO) and alerts (VALARM)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icalendar import Component
from icalendar.prop import vBroken

from calgate.domain import jscal_props
from calgate.domain.ical_parse import (
    dt_of,
    first,
    props,
    text_of,
)
from calgate.domain.ical_read import (
    alarms_of,
)
from calgate.domain.jscal_read.values import (
    copy_param,
    copy_utc,
    int_of,
    param_of,
    params_of,
    stable_id,
)
from calgate.domain.jscal_types import JsAlert, JsEvent, JsLink, JsObject, JsRelation, JsTrigger
from calgate.domain.timezones import (
    format_duration,
    format_utc,
)

ACTION = {"DISPLAY": "display", "EMAIL": "email"}


def copy_links(out: JsEvent, event: Component) -> None:
    found: dict[str, JsLink] = {}
    for name in ("LINK", "ATTACH", "IMAGE"):
        for prop in props(event, name):
            if isinstance(prop, vBroken):
                continue
            content_type = param_of(prop, "FMTTYPE")
            if (param_of(prop, "VALUE") or "").upper() == "BINARY":
                data = prop.to_ical()
                data = data.decode("ascii", "replace") if isinstance(data, bytes) else str(data)
                href = f"data:{content_type or ''};base64,{data}"
            else:
                href = str(prop).strip()
            if not href:
                continue
            link: JsLink = {"@type": "Link", "href": href}
            if content_type:
                link["contentType"] = content_type
            copy_param(link, "title", prop, "LABEL")
            size = int_of(param_of(prop, "SIZE"))
            if size is not None:
                link["size"] = size
            display = [d.lower() for d in params_of(prop, "DISPLAY")]
            if name == "IMAGE" and display:
                link["display"] = dict.fromkeys(display, True)
            if name == "LINK":
                copy_param(link, "rel", prop, "LINKREL")
            found.setdefault(param_of(prop, "JSID") or stable_id(href), link)
    if found:
        out["links"] = found


def copy_related(out: JsObject, event: Component) -> None:
    found: dict[str, JsRelation] = {}
    for prop in props(event, "RELATED-TO"):
        uid = str(prop).strip()
        if not uid:
            continue
        relation: JsRelation = found.setdefault(uid, {"@type": "Relation"})
        for reltype in params_of(prop, "RELTYPE"):
            relation.setdefault("relation", {})[reltype.lower()] = True
    if found:
        out["relatedTo"] = found


def copy_alerts(out: JsEvent, event: Component) -> None:
    alarms = alarms_of(event)
    ids = [text_of(a, "JSID") or f"k{n}" for n, a in enumerate(alarms, 1)]
    by_uid = {text_of(a, "UID"): i for a, i in zip(alarms, ids, strict=True) if "UID" in a}
    found: dict[str, JsAlert] = {}
    for alarm, aid in zip(alarms, ids, strict=True):
        alert: JsAlert = {"@type": "Alert"}
        trigger = _trigger(first(alarm, "TRIGGER"))
        if trigger is not None:
            alert["trigger"] = trigger
        action = ACTION.get((text_of(alarm, "ACTION") or "").strip().upper())
        if action:
            alert["action"] = action
        copy_utc(alert, "acknowledged", alarm, "ACKNOWLEDGED")
        copy_related(alert, alarm)
        if "relatedTo" in alert:  # a snoozed alarm names its parent by UID; JSCalendar by id
            alert["relatedTo"] = {by_uid.get(k, k): v for k, v in alert["relatedTo"].items()}
        jscal_props.apply(alert, alarm)
        found.setdefault(aid, alert)
    if found:
        out["alerts"] = found


def _trigger(prop: Any) -> JsTrigger | None:
    value = dt_of(prop)
    if isinstance(value, timedelta):
        trigger = {"@type": "OffsetTrigger", "offset": format_duration(value)}
        related = param_of(prop, "RELATED")
        if related and related.upper() in ("START", "END"):
            trigger["relativeTo"] = related.lower()
        return trigger
    if isinstance(value, datetime):
        return {"@type": "AbsoluteTrigger", "when": format_utc(value.replace(microsecond=0))}
    return None
