"""Editing and deleting one occurrence of a series (pure, no I/O).

An edited occurrence is an override: a VEVENT with the series' UID and a RECURRENCE-ID, in the
same calendar object. A new override starts as a copy of the master at that occurrence (every
property, parameter and VALARM, without RRULE/RDATE/EXDATE), so it differs from the series in
exactly the fields the edit changed, and clients that show an override as stored (most do)
see the title, attendees and alarms they expect. Its RECURRENCE-ID never changes: moving the
occurrence in time changes DTSTART only, so it stays the same instance.

Deleting an occurrence adds an EXDATE to the master (in the form of its DTSTART) and removes
the override, if any; when nothing is left of the series, the caller deletes the object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import Calendar, Component, vDDDLists

from calgate.domain.ical_edit import OccurrenceEditor
from calgate.domain.ical_parse import first
from calgate.domain.ical_patch import merged_body
from calgate.domain.ical_read import exdates_of, read_event, read_times
from calgate.domain.ical_upkeep import replace_prop, sync_vtimezones, used_tzids, utc_now
from calgate.domain.json_forms import writable_of
from calgate.domain.model import EventWrite, event_write_from_json
from calgate.domain.recurrence import time_key
from calgate.domain.series import Series, copy_event
from calgate.domain.timezones import Time, instant, is_date
from calgate.domain.write_times import bad, time_prop

# Fields an occurrence cannot have: they belong to the series.
SERIES_FIELDS = ("recurrence", "rrule", "excludedDates", "recurrenceDates")
_SERIES_ATTRS = ("recurrence", "rrule", "excluded_dates", "recurrence_dates")


def refuse_series_fields(data: dict[str, Any]) -> None:
    for name in SERIES_FIELDS:
        if data.get(name) not in (None, [], ""):
            raise bad(
                f"#/{name}",
                f"an occurrence has no {name} of its own; change the series "
                "(range=all) or split it (range=thisAndFollowing)",
            )


def _sequence(event: Component) -> int:
    try:
        return max(int(first(event, "SEQUENCE") or 0), 0)
    except (TypeError, ValueError):
        return 0


def bump(event: Component, now: datetime, *, at_least: int = 0) -> None:
    """SEQUENCE + 1 (and at least ``at_least``), DTSTAMP and LAST-MODIFIED ``now``."""
    stamp = utc_now(now)
    replace_prop(event, "SEQUENCE", max(_sequence(event) + 1, at_least))
    replace_prop(event, "DTSTAMP", stamp)
    replace_prop(event, "LAST-MODIFIED", stamp)


def rid_prop(series: Series, rid: Time) -> Any:
    prop = time_prop(rid, series.zone)
    if is_date(rid):
        prop.params["VALUE"] = "DATE"
    return prop


def new_override(series: Series, rid: Time) -> Component:
    """The master, as it is at occurrence ``rid`` (see the module docstring)."""
    event = copy_event(series.master)
    for name in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"):
        event.pop(name, None)
    times = read_times(series.master, series.ftz)
    event.pop("DTSTART", None)
    event.add("DTSTART", rid_prop(series, rid))
    event.add("RECURRENCE-ID", rid_prop(series, rid))
    if times.dtend is not None and "DTEND" in event:
        event.pop("DTEND")
        event.add("DTEND", rid_prop(series, shifted(rid, series.start, times.dtend, series)))
    return event


def shifted(rid: Time, start: Time, end: Time, series: Series) -> Time:
    """``end`` moved the way ``start`` moves to ``rid`` (same length; exact time for
    date-times in a zone, so a DST change between them keeps the elapsed length)."""
    if not isinstance(rid, datetime) or not isinstance(end, datetime):
        if isinstance(rid, datetime) or isinstance(start, datetime) or isinstance(end, datetime):
            return rid
        return rid + (end - start)
    assert isinstance(start, datetime)
    if rid.tzinfo is None or end.tzinfo is None or start.tzinfo is None:
        return rid + (end.replace(tzinfo=None) - start.replace(tzinfo=None))
    length = instant(end, series.ftz) - instant(start, series.ftz)
    return (instant(rid, series.ftz) + length).astimezone(rid.tzinfo)


def _place(cal: Calendar, series: Series, override: Component) -> None:
    """Add ``override`` right after the series' last VEVENT (the usual order)."""
    subs = cal.subcomponents
    ours = [series.master, *series.overrides.values()]
    # by identity: `in` would compare components by content
    last = max(i for i, c in enumerate(subs) if any(c is o for o in ours))
    subs.insert(last + 1, override)


def edit_occurrence(
    cal: Calendar,
    rid_text: str,
    *,
    body: EventWrite | None = None,
    patch: dict[str, Any] | None = None,
    default_tz: str,
    now: datetime,
) -> tuple[Calendar, Time, bool]:
    """PUT (``body``) or PATCH (``patch``, RFC 7396 on the occurrence's writable form) of one
    occurrence, in place. Returns (cal, its recurrence id, whether anything changed)."""
    series = Series.of(cal, default_tz)
    rid = series.resolve(rid_text)
    existing = series.override(rid)
    override = existing if existing is not None else new_override(series, rid)
    if patch is not None:
        if not isinstance(patch, dict):
            raise bad("#", "a PATCH body must be a JSON object")
        refuse_series_fields(patch)
        base = writable_of(read_event(override, series.ftz))
        body = event_write_from_json(merged_body(base, patch))
    assert body is not None
    refuse_series_fields(
        {
            name: getattr(body, attr, None)
            for name, attr in zip(SERIES_FIELDS, _SERIES_ATTRS, strict=True)
        }
    )
    used_before = used_tzids(cal)
    changed = OccurrenceEditor(override, body, default_tz=default_tz).apply()
    if not changed:
        return cal, rid, False
    bump(override, now, at_least=_sequence(series.master) + 1)
    if existing is None:
        _place(cal, series, override)
    sync_vtimezones(cal, used_before)
    return cal, rid, True


def add_exdate(series: Series, rid: Time) -> bool:
    """Exclude ``rid`` on the master, in the form of its DTSTART. False when already there."""
    master = series.master
    if any(time_key(x, series.zone) == time_key(rid, series.zone) for x in exdates_of(master)):
        return False
    value = vDDDLists([rid])
    if isinstance(rid, datetime) and series.zone.tzid and series.zone.label != "UTC":
        value.params["TZID"] = series.zone.tzid
    elif is_date(rid):
        value.params["VALUE"] = "DATE"
    master.add("EXDATE", value)
    return True


def remove_override(cal: Calendar, series: Series, rid: Time) -> bool:
    override = series.override(rid)
    if override is None:
        return False
    cal.subcomponents = [c for c in cal.subcomponents if c is not override]
    del series.overrides[series.key(rid)]
    return True


def has_occurrences(cal: Calendar, default_tz: str) -> bool:
    series = Series.of(cal, default_tz)
    if series.overrides:
        return True
    return next(iter(series.generated()), None) is not None


def delete_occurrence(
    cal: Calendar, rid_text: str, *, default_tz: str, now: datetime
) -> tuple[Calendar | None, Time]:
    """Exclude one occurrence (and drop its override). Returns (cal, rid), or (None, rid)
    when no occurrence is left, so the whole object should go."""
    series = Series.of(cal, default_tz)
    rid = series.resolve(rid_text)
    removed = remove_override(cal, series, rid)
    on_rule = series.generated_at(rid) is not None
    if on_rule:
        add_exdate(series, rid)
    if removed or on_rule:
        bump(series.master, now)
    if not has_occurrences(cal, default_tz):
        return None, rid
    sync_vtimezones(cal, None)
    return cal, rid


__all__ = [
    "SERIES_FIELDS",
    "add_exdate",
    "bump",
    "delete_occurrence",
    "edit_occurrence",
    "has_occurrences",
    "new_override",
    "refuse_series_fields",
    "remove_override",
    "rid_prop",
    "shifted",
]
