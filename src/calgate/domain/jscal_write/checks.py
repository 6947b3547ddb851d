"""The checks of a JSCalendar Event's parts: participants and their addresses, alerts,
recurrence rules, time zone definitions, and recurrence overrides.
"""

from __future__ import annotations

import re
from typing import Any

from calgate.domain.addresses import address_problem, line_problem
from calgate.domain.jscal_read import (
    address_in,
)
from calgate.domain.jscal_types import JsEvent, JsObject
from calgate.domain.jscal_write.checker import UTC_DATE_TIME, Checker, duration_ok, is_int, local_ok
from calgate.domain.jscal_write.rules import RULE_LISTS
from calgate.domain.jscal_write.terms import (
    ALERT_ACTIONS,
    DAYS,
    FREQUENCIES,
    PARTICIPATION,
    ROLES,
    SERIES_ONLY,
    UTC_OFFSET,
)
from calgate.domain.recurrence import (
    MAX_COUNT,
    MAX_INTERVAL,
)
from calgate.domain.timezones import (
    zone_or_none,
)
from calgate.errors import pointer_token

_ADDRESS = re.compile(r"[^\x00-\x1f\x7f]+")
_EMAIL = re.compile(r"[^\x00-\x1f\x7f@]+@[^\x00-\x1f\x7f@]+")


def check_address(check: Checker, obj: JsObject, name: str, path: str) -> bool:
    """A calendar address (a URI) or, for ``email``, an e-mail address: one line without
    control characters. True when ``obj[name]`` is one."""
    if not check.str_(obj, name, path):
        return False
    value = obj[name].strip()
    pattern, what = (_EMAIL, "an e-mail address") if name == "email" else (_ADDRESS, "a URI")
    if not pattern.fullmatch(value) or line_problem(value) is not None:
        check.add(f"{path}/{name}", f"{name} must be {what} on one line")
        return False
    mail = value if name == "email" else _mailto(value)
    problem = None if mail is None else address_problem(mail, spaces=True)
    if problem is not None:
        check.add(f"{path}/{name}", problem)
        return False
    return True


def _mailto(uri: str) -> str | None:
    """The address a ``mailto:`` URI names, else None."""
    if uri[:7].lower() != "mailto:":
        return None
    return uri[7:]


def check_methods(check: Checker, obj: JsObject, name: str, path: str) -> bool:
    """A ``sendTo`` / ``replyTo`` map (RFC 8984 4.4.4): method -> URI text. True when it
    names an address."""
    methods = obj.get(name)
    if methods is None:
        return False
    if not isinstance(methods, dict) or not all(isinstance(v, str) for v in methods.values()):
        check.add(
            f"{path}/{name}", f'{name} must be an object like {{"imip": "mailto:a@example.com"}}'
        )
        return False
    valid = [check_address(check, methods, method, f"{path}/{name}") for method in methods]
    return all(valid) and address_in(methods) is not None


def check_participants(check: Checker, obj: JsEvent) -> None:
    for _, path, person in check.objects(obj, "participants"):
        check.type_(person, path, "Participant")
        check.str_(person, "name", path)
        reported = len(check.errors)
        has_address = check_address(check, person, "email", path)
        has_address |= check_address(check, person, "calendarAddress", path)
        has_address |= check_methods(check, person, "sendTo", path)
        if not has_address and len(check.errors) == reported:
            check.add(
                f"{path}/sendTo",
                'a participant needs an address: sendTo like {"imip": "mailto:a@example.com"}, '
                "or email",
            )
        roles = person.get("roles")
        if roles is not None:
            if not isinstance(roles, dict) or not roles:
                check.add(f"{path}/roles", 'roles must be an object like {"attendee": true}')
            else:
                for role, flag in roles.items():
                    if role not in ROLES and ":" not in role:  # a vendor's role has a colon
                        check.add(f"{path}/roles/{pointer_token(role)}", f"unknown role {role!r}")
                    elif flag is not True:
                        check.add(
                            f"{path}/roles/{pointer_token(role)}", "a role's value must be true"
                        )
        check.enum(person, "participationStatus", path, PARTICIPATION)
        check.bool_(person, "expectReply", path)


def check_alerts(check: Checker, obj: JsEvent) -> None:
    for _, path, alert in check.objects(obj, "alerts"):
        check.type_(alert, path, "Alert")
        check.enum(alert, "action", path, ALERT_ACTIONS)
        trigger = alert.get("trigger")
        if not isinstance(trigger, dict):
            check.add(f"{path}/trigger", "trigger is required: an OffsetTrigger or AbsoluteTrigger")
            continue
        kind = trigger.get("@type")
        if kind == "OffsetTrigger":
            if not duration_ok(trigger.get("offset"), signed=True):
                check.add(f"{path}/trigger/offset", "offset must be a duration like -PT15M")
            check.enum(trigger, "relativeTo", f"{path}/trigger", ("start", "end"))
        elif kind == "AbsoluteTrigger":
            when = trigger.get("when")
            if not isinstance(when, str) or not UTC_DATE_TIME.fullmatch(when):
                check.add(
                    f"{path}/trigger/when", "when must be a UTC time like 2026-01-05T09:45:00Z"
                )
        else:
            check.add(f"{path}/trigger/@type", "@type must be 'OffsetTrigger' or 'AbsoluteTrigger'")


def check_rules(check: Checker, obj: JsEvent, override: bool) -> None:
    rules = obj.get("recurrenceRules")
    if rules is None:
        return
    if not isinstance(rules, list):
        check.add("/recurrenceRules", "recurrenceRules must be a list of RecurrenceRule objects")
        return
    if len(rules) > 1:
        check.add("/recurrenceRules/1", "calgate stores one recurrence rule per event")
    for i, rule in enumerate(rules[:1]):
        _check_rule(check, rule, f"/recurrenceRules/{i}")


def check_time_zones(check: Checker, obj: JsEvent) -> None:
    """RFC 8984 4.7.2: keys start with ``/`` and are no IANA names; each TimeZone has rules
    with a start and the offsets either side of it (``+0100``)."""
    zones = obj.get("timeZones")
    if zones is None:
        return
    if not isinstance(zones, dict):
        check.add("/timeZones", "timeZones must map ids like '/My zone' to TimeZone objects")
        return
    for key, zone in zones.items():
        path = f"/timeZones/{pointer_token(key)}"
        if not key.startswith("/") or zone_or_none(key.strip("/")) is not None:
            check.add(path, f"{key!r}: a custom time zone's id starts with '/' and is no IANA name")
            continue
        if not isinstance(zone, dict):
            check.add(path, "must be a TimeZone object")
            continue
        check.type_(zone, path, "TimeZone")
        check.str_(zone, "tzId", path)
        check.str_(zone, "url", path)
        rules = [(kind, zone.get(kind)) for kind in ("standard", "daylight")]
        if not any(isinstance(r, list) and r for _, r in rules):
            check.add(path, "a TimeZone needs at least one standard or daylight rule")
        for kind, found in rules:
            if found is not None and not isinstance(found, list):
                check.add(f"{path}/{kind}", f"{kind} must be a list of TimeZoneRule objects")
                continue
            for i, rule in enumerate(found or []):
                _check_zone_rule(check, rule, f"{path}/{kind}/{i}")


def _check_zone_rule(check: Checker, rule: Any, path: str) -> None:
    if not isinstance(rule, dict):
        check.add(path, "must be a TimeZoneRule object")
        return
    check.type_(rule, path, "TimeZoneRule")
    if not local_ok(rule.get("start")):
        check.add(f"{path}/start", "start is required: a LocalDateTime like 1970-03-29T02:00:00")
    for name in ("offsetFrom", "offsetTo"):
        if not isinstance(rule.get(name), str) or not UTC_OFFSET.fullmatch(rule[name]):
            check.add(f"{path}/{name}", f"{name} is required: a UTC offset like +0100 or -0530")
    found = rule.get("recurrenceRules")
    if found is not None and not isinstance(found, list):
        check.add(f"{path}/recurrenceRules", "recurrenceRules must be a list")
    for j, item in enumerate(found if isinstance(found, list) else []):
        _check_rule(check, item, f"{path}/recurrenceRules/{j}")
    dates = rule.get("recurrenceOverrides")
    if dates is not None and not isinstance(dates, dict):
        check.add(f"{path}/recurrenceOverrides", "recurrenceOverrides must map LocalDateTimes")
    for moment, patch in (dates if isinstance(dates, dict) else {}).items():
        if not local_ok(moment) or patch != {}:
            at = f"{path}/recurrenceOverrides/{pointer_token(moment)}"
            check.add(at, "a time zone's override is a LocalDateTime with {} (an RDATE)")
    names = rule.get("names")
    if names is not None and (
        not isinstance(names, dict) or any(v is not True for v in names.values())
    ):
        check.add(f"{path}/names", 'names must be like {"CEST": true}')
    comments = rule.get("comments")
    if comments is not None and (
        not isinstance(comments, list) or not all(isinstance(c, str) for c in comments)
    ):
        check.add(f"{path}/comments", "comments must be a list of strings")


def _check_rule(check: Checker, rule: Any, path: str) -> None:
    if not isinstance(rule, dict):
        check.add(path, "must be a RecurrenceRule object")
        return
    check.type_(rule, path, "RecurrenceRule")
    if rule.get("frequency") is None:
        check.add(f"{path}/frequency", "frequency is required")
    check.enum(rule, "frequency", path, FREQUENCIES)
    check.enum(rule, "rscale", path, ("gregorian",))
    check.enum(rule, "skip", path, ("omit",))
    check.enum(rule, "firstDayOfWeek", path, DAYS)
    for name, most in (("interval", MAX_INTERVAL), ("count", MAX_COUNT)):
        if rule.get(name) is not None:
            check.int_(rule[name], f"{path}/{name}", 1, most)
    if rule.get("until") is not None:
        if not local_ok(rule["until"]):
            check.add(f"{path}/until", "until must be a LocalDateTime like 2026-12-31T23:59:59")
        if rule.get("count") is not None:
            check.add(f"{path}/until", "count and until cannot be used together")
    days = rule.get("byDay")
    if days is not None:
        if not isinstance(days, list):
            check.add(f"{path}/byDay", "byDay must be a list of NDay objects")
        else:
            for j, nday in enumerate(days):
                at = f"{path}/byDay/{j}"
                if not isinstance(nday, dict) or nday.get("day") not in DAYS:
                    check.add(at, 'must be an NDay like {"@type": "NDay", "day": "mo"}')
                elif nday.get("nthOfPeriod") is not None:
                    check.int_(nday["nthOfPeriod"], f"{at}/nthOfPeriod", -53, 53, zero=False)
    months = rule.get("byMonth")
    if months is not None:
        if not isinstance(months, list):
            check.add(f"{path}/byMonth", 'byMonth must be a list of strings like ["3"]')
        else:
            for j, month in enumerate(months):
                if not (isinstance(month, str) and month.isdigit() and 1 <= int(month) <= 12):
                    check.add(f"{path}/byMonth/{j}", f"{month!r} is not a month '1' to '12'")
    for name, _ in RULE_LISTS:
        values = rule.get(name)
        if values is not None and (
            not isinstance(values, list) or not all(is_int(v) for v in values)
        ):
            check.add(f"{path}/{name}", f"{name} must be a list of whole numbers")


def check_overrides(check: Checker, obj: JsEvent) -> None:
    overrides = obj.get("recurrenceOverrides")
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        check.add("/recurrenceOverrides", "recurrenceOverrides must map LocalDateTimes to patches")
        return
    for key, patch in overrides.items():
        path = f"/recurrenceOverrides/{pointer_token(key)}"
        if not local_ok(key):
            check.add(path, f"{key!r} is not a LocalDateTime like 2026-01-05T10:00:00")
        if not isinstance(patch, dict):
            check.add(path, "must be a PatchObject (a JSON object)")
            continue
        for name in patch:
            if name.split("/")[0] in SERIES_ONLY:
                check.add(f"{path}/{pointer_token(name)}", f"an occurrence cannot change {name}")
        if "excluded" in patch and not isinstance(patch["excluded"], bool):
            check.add(f"{path}/excluded", "excluded must be true or false")
