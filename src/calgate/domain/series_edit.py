"""Series-wide edits (pure, no I/O): ``range=thisAndFollowing`` splits a series in two,
``range=all`` (a PUT or PATCH of the series) carries its overrides along.

Split at occurrence R: the old series ends before R (UNTIL one second, or one day, before R;
a COUNT becomes the number of rule occurrences before R), and a new series (a new UID, in a
new object) starts at R with the rest: the remaining COUNT or the old UNTIL, the RDATEs and
EXDATEs from R on, and the overrides from R on. The change is then applied to the new series
as a ``range=all`` edit, so its overrides follow it the same way.

``range=all``: occurrences are matched by their number in the series (the n-th occurrence
before the edit is the n-th after it) when the rule stays the same, else by recurrence id.
An override keeps what it changed itself and follows the series in everything else: one that
was not moved moves with the series, one that was moved stays where it was put; a field the
edit changes is changed in every override that had the series' old value. EXDATEs follow
their occurrences the same way. Overrides and EXDATEs whose occurrence no longer exists
(the rule changed) are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Component, vDDDLists
from icalendar.prop import vRecur

from calgate.domain.ical_edit import OccurrenceEditor
from calgate.domain.ical_parse import first, props, text_of, time_of
from calgate.domain.ical_patch import merged_body
from calgate.domain.ical_read import exdates_of, read_event, read_times
from calgate.domain.ical_upkeep import replace_prop, sync_vtimezones, used_tzids, utc_now
from calgate.domain.instance_edit import (
    SERIES_FIELDS,
    bump,
    has_occurrences,
    new_override,
    rid_prop,
    shifted,
)
from calgate.domain.json_forms import writable_of
from calgate.domain.model import event_write_from_json
from calgate.domain.recurrence import split_rrule, until_text
from calgate.domain.series import RidKey, Series, calendar_with, copy_event
from calgate.domain.timezones import Time, instant, is_date
from calgate.errors import InvalidInput

# How far occurrences are numbered to match old and new ones (beyond: matched by id).
_MAX_NUMBERED = 100_000
_TIME_FIELDS = ("start", "end", "duration", "timeZone", "allDay", "floating")


# -- the rule ---------------------------------------------------------------------------------
def _rule_parts(event: Component) -> dict[str, str] | None:
    rule = first(event, "RRULE")
    if rule is None:
        return None
    raw = rule.to_ical()
    return split_rrule(raw.decode() if isinstance(raw, bytes) else str(raw))


def _set_rule(event: Component, parts: dict[str, str]) -> None:
    event.pop("RRULE", None)
    event.add("RRULE", vRecur.from_ical(";".join(f"{k}={v}" for k, v in parts.items())))


def _until_before(rid: Time, series: Series) -> Time:
    """The last moment before occurrence ``rid``, as an UNTIL for this series (RFC 5545
    3.3.10: a date for a date series, UTC for a zoned one, local for a floating one)."""
    if not isinstance(rid, datetime):
        return rid - timedelta(days=1)
    if rid.tzinfo is None:
        return rid - timedelta(seconds=1)
    return instant(rid, series.ftz).astimezone(UTC) - timedelta(seconds=1)


def _rule_count_before(series: Series, rid: Time) -> int:
    """How many occurrences the RRULE alone (DTSTART counted, no EXDATE/RDATE) makes
    before ``rid``: what COUNT counts."""
    bare = copy_event(series.master)
    bare.pop("EXDATE", None)
    bare.pop("RDATE", None)
    mini = Series(series.cal, bare, series.floating_tz, series.ftz, series.zone, series.start)
    moment = instant(rid, series.ftz)
    count = 0
    for found, _ in _with_calendar(mini).generated():
        if instant(found, series.ftz) >= moment:
            break
        count += 1
    return count


def _with_calendar(series: Series) -> Series:
    series.cal = calendar_with(series.cal, [series.master])
    return series


# -- splitting --------------------------------------------------------------------------------
@dataclass
class Split:
    old: Calendar
    new: Calendar | None  # None: the edit applied to the whole series


def _is_first(series: Series, rid: Time) -> bool:
    first_found = next(iter(series.generated()), None)
    moment = instant(rid, series.ftz)
    if first_found is not None and instant(first_found[0], series.ftz) < moment:
        return False
    return all(instant(r, series.ftz) >= moment for r in series.overrides_rids())


def _on_or_after(values: list[Time], rid: Time, series: Series) -> tuple[list[Time], list[Time]]:
    moment = instant(rid, series.ftz)
    before = [v for v in values if instant(v, series.ftz) < moment]
    after = [v for v in values if instant(v, series.ftz) >= moment]
    return before, after


def _rdates_of(event: Component) -> list[Time]:
    out: list[Time] = []
    for prop in props(event, "RDATE"):
        for item in getattr(prop, "dts", []) or []:
            value = time_of(item)
            if value is not None:
                out.append(value)
    return out


def _set_dates(event: Component, name: str, values: list[Time], series: Series) -> None:
    event.pop(name, None)
    if not values:
        return
    prop = vDDDLists(values)
    if isinstance(values[0], datetime) and series.zone.tzid and series.zone.label != "UTC":
        prop.params["TZID"] = series.zone.tzid
    elif is_date(values[0]):
        prop.params["VALUE"] = "DATE"
    event.add(name, prop)


def _end_rule_before(series: Series, rid: Time) -> None:
    """Make the master's rule stop before ``rid`` (COUNT or UNTIL); drop RDATEs and EXDATEs
    from ``rid`` on."""
    master = series.master
    parts = _rule_parts(master)
    if parts is not None:
        if "COUNT" in parts:
            parts["COUNT"] = str(max(_rule_count_before(series, rid), 1))
        else:
            parts["UNTIL"] = until_text(_until_before(rid, series))
        _set_rule(master, parts)
    before, _ = _on_or_after(_rdates_of(master), rid, series)
    if "RDATE" in master:
        _set_dates(master, "RDATE", before, series)
    before, _ = _on_or_after(exdates_of(master), rid, series)
    if "EXDATE" in master:
        _set_dates(master, "EXDATE", before, series)


def _drop_overrides_from(cal: Calendar, series: Series, rid: Time) -> list[Component]:
    moment = instant(rid, series.ftz)
    moved: list[Component] = []
    for key, override in list(series.overrides.items()):
        value = time_of(first(override, "RECURRENCE-ID"))
        if value is not None and instant(value, series.ftz) >= moment:
            moved.append(override)
            del series.overrides[key]
    cal.subcomponents = [c for c in cal.subcomponents if not any(c is m for m in moved)]
    return moved


def split_series(
    cal: Calendar,
    rid_text: str,
    patch: dict[str, Any],
    *,
    default_tz: str,
    now: datetime,
    new_uid: str,
) -> Split:
    if not isinstance(patch, dict):
        raise InvalidInput.field("#", "a PATCH body must be a JSON object")
    series = Series.of(cal, default_tz)
    rid = series.resolve(rid_text)
    if _is_first(series, rid):
        edit_all(cal, patch=patch, default_tz=default_tz, now=now)
        return Split(cal, None)
    stamp = utc_now(now)
    # the new series: the old one from rid on, with a new UID
    new_master = copy_event(series.master)
    for name in ("UID", "DTSTART", "CREATED", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED"):
        new_master.pop(name, None)
    new_master.add("UID", new_uid)
    new_master.add("DTSTART", rid_prop(series, rid))
    times = read_times(series.master, series.ftz)
    if times.dtend is not None and "DTEND" in new_master:
        new_master.pop("DTEND")
        new_master.add("DTEND", rid_prop(series, shifted(rid, series.start, times.dtend, series)))
    parts = _rule_parts(series.master)
    if parts is not None and "COUNT" in parts:
        left = int(parts["COUNT"]) - _rule_count_before(series, rid)
        parts["COUNT"] = str(max(left, 1))
        _set_rule(new_master, parts)
    _, rdates = _on_or_after(_rdates_of(series.master), rid, series)
    _set_dates(new_master, "RDATE", rdates, series)
    _, exdates = _on_or_after(exdates_of(series.master), rid, series)
    _set_dates(new_master, "EXDATE", exdates, series)
    for name, value in (("SEQUENCE", 0), ("CREATED", stamp), ("DTSTAMP", stamp)):
        new_master.add(name, value)
    new_master.add("LAST-MODIFIED", stamp)
    moved = _drop_overrides_from(cal, series, rid)
    for override in moved:
        override.pop("UID")
        override.add("UID", new_uid)
    new_cal = calendar_with(cal, [new_master, *moved])
    # the old series ends before rid
    used_before = used_tzids(cal)
    _end_rule_before(series, rid)
    bump(series.master, now)
    sync_vtimezones(cal, used_before)
    edit_all(new_cal, patch=patch, default_tz=default_tz, now=now, fresh=True)
    return Split(cal, new_cal)


def end_series_before(
    cal: Calendar, rid_text: str, *, default_tz: str, now: datetime
) -> Calendar | None:
    """DELETE with ``range=thisAndFollowing``: the series ends before the occurrence (None:
    it was the first, so the whole event goes)."""
    series = Series.of(cal, default_tz)
    rid = series.resolve(rid_text)
    if _is_first(series, rid):
        return None
    used_before = used_tzids(cal)
    _drop_overrides_from(cal, series, rid)
    _end_rule_before(series, rid)
    bump(series.master, now)
    if not has_occurrences(cal, default_tz):
        return None
    sync_vtimezones(cal, used_before)
    return cal


# -- range=all --------------------------------------------------------------------------------
def edit_all(
    cal: Calendar,
    *,
    patch: dict[str, Any] | None = None,
    body: Any = None,
    default_tz: str,
    now: datetime,
    fresh: bool = False,
) -> Calendar:
    """PATCH (or PUT with ``body``) of the whole series, carrying its overrides along (see
    the module docstring). ``fresh``: the series was just made by a split (SEQUENCE stays 0)."""
    from calgate.domain.ical_patch import patch_event
    from calgate.domain.ical_write import replace_event

    series = Series.of(cal, default_tz)
    before = copy_event(series.master)
    before_exdates = exdates_of(series.master)
    if patch is not None:
        patch_event(cal, patch, default_tz=default_tz, now=now)
    else:
        replace_event(cal, body, default_tz=default_tz, now=now)
    if fresh:
        replace_prop(series.master, "SEQUENCE", 0)
    carry_overrides(cal, before, before_exdates, default_tz=default_tz, now=now)
    return cal


def _numbering(
    series: Series, *, until: datetime | None = None, count: int = _MAX_NUMBERED
) -> list[Time]:
    """The series' occurrences (rule, RDATE; no EXDATE) in order: up to ``until``, at most
    ``count``."""
    bare = copy_event(series.master)
    bare.pop("EXDATE", None)
    mini = _with_calendar(
        Series(series.cal, bare, series.floating_tz, series.ftz, series.zone, series.start)
    )
    out: list[Time] = []
    for found, _ in mini.generated():
        if len(out) >= count or (until is not None and instant(found, series.ftz) > until):
            break
        out.append(found)
    return out


def _same_rule(before: Component, after: Component) -> bool:
    return [str(p.to_ical()) for p in props(before, "RRULE")] == [
        str(p.to_ical()) for p in props(after, "RRULE")
    ] and sorted(map(str, _rdates_of(before))) == sorted(map(str, _rdates_of(after)))


def _mapper(old: Series, new: Series, rids: list[Time]) -> dict[RidKey, Time | None]:
    """Old recurrence id -> new one (None: its occurrence is gone)."""
    mapping: dict[RidKey, Time | None] = {}
    if not rids:
        return mapping
    same_kind = isinstance(old.start, datetime) == isinstance(new.start, datetime)
    if same_kind and _same_rule(old.master, new.master):
        old_seq = _numbering(old, until=max(instant(r, old.ftz) for r in rids))
        new_seq = _numbering(new, count=len(old_seq)) if len(old_seq) < _MAX_NUMBERED else []
        index = {old.key(r): i for i, r in enumerate(old_seq)}
        for rid in rids:
            i = index.get(old.key(rid))
            mapping[old.key(rid)] = new_seq[i] if i is not None and i < len(new_seq) else None
    for rid in rids:
        if mapping.get(old.key(rid)) is None:
            try:
                candidate = new.as_stored(rid)
            except ValueError:
                candidate = None
            ok = candidate is not None and new.generated_at(candidate) is not None
            mapping[old.key(rid)] = candidate if ok else None
    return mapping


def carry_overrides(
    cal: Calendar,
    before: Component,
    before_exdates: list[Time],
    *,
    default_tz: str,
    now: datetime,
) -> None:
    new = Series.of(cal, default_tz)
    old = Series(
        calendar_with(cal, [before]),
        before,
        default_tz,
        new.ftz,
        read_times(before, new.ftz).zone,
        read_times(before, new.ftz).start or new.start,
    )
    overrides = list(new.overrides.values())
    exdates_untouched = sorted(map(str, exdates_of(new.master))) == sorted(map(str, before_exdates))
    rids = [time_of(first(o, "RECURRENCE-ID")) for o in overrides]
    wanted = [r for r in rids if r is not None]
    if exdates_untouched:
        wanted += before_exdates
    if not wanted:
        return
    mapping = _mapper(old, new, wanted)
    if exdates_untouched and before_exdates:
        mapped = [mapping.get(old.key(x)) for x in before_exdates]
        _set_dates(new.master, "EXDATE", [m for m in mapped if m is not None], new)
    old_w = writable_of(read_event(before, new.ftz))
    new_w = writable_of(read_event(new.master, new.ftz))
    changed = [
        k
        for k in set(old_w) | set(new_w)
        if k not in _TIME_FIELDS and k not in SERIES_FIELDS and old_w.get(k) != new_w.get(k)
    ]
    old_length = read_times(before, new.ftz).span
    new_length = read_times(new.master, new.ftz).span
    keep: list[Component] = []
    for override, rid in zip(overrides, rids, strict=True):
        target = mapping.get(old.key(rid)) if rid is not None else None
        if target is None:
            continue
        was = override.to_ical()
        _follow(override, rid, target, old, new, old_w, new_w, changed, old_length, new_length)
        if text_of(override, "UID") != new.uid:
            override.pop("UID")
            override.add("UID", new.uid)
        if override.to_ical() != was:
            bump(override, now)
        keep.append(override)
    cal.subcomponents = [
        c
        for c in cal.subcomponents
        if not any(c is o for o in overrides) or any(c is k for k in keep)
    ]
    sync_vtimezones(cal, None)


def _follow(
    override: Component,
    rid: Time | None,
    target: Time,
    old: Series,
    new: Series,
    old_w: dict[str, Any],
    new_w: dict[str, Any],
    changed: list[str],
    old_length: timedelta | None,
    new_length: timedelta | None,
) -> None:
    """Re-key ``override`` to ``target`` and let it follow the series where it did not
    differ from it."""
    own = writable_of(read_event(override, new.ftz))
    patch: dict[str, Any] = {}
    for key in changed:
        if own.get(key) == old_w.get(key):
            patch[key] = new_w.get(key)
    start = time_of(first(override, "DTSTART"))
    moved_alone = start is None or rid is None or old.key(start) != old.key(rid)
    override.pop("RECURRENCE-ID", None)
    override.add("RECURRENCE-ID", rid_prop(new, target))
    if not moved_alone:
        own_length = read_times(override, new.ftz).span
        template = new_override(new, target)
        override.pop("DTSTART", None)
        override.add("DTSTART", template["DTSTART"])
        if "DTEND" in override:
            length = new_length if own_length == old_length else own_length
            end = template.get("DTEND")
            override.pop("DTEND")
            if end is not None and length == new_length:
                override.add("DTEND", end)
            else:
                start_new = time_of(first(override, "DTSTART"))
                if start_new is not None and length is not None:
                    override.add(
                        "DTEND",
                        rid_prop(new, _plus(start_new, length, new)),
                    )
    if patch:
        base = writable_of(read_event(override, new.ftz))
        body = event_write_from_json(merged_body(base, patch))
        OccurrenceEditor(override, body, default_tz=new.floating_tz).apply()


def _plus(value: Time, length: timedelta, series: Series) -> Time:
    if not isinstance(value, datetime):
        return value + timedelta(days=length.days)
    if value.tzinfo is None:
        return value + length
    return (instant(value, series.ftz) + length).astimezone(value.tzinfo)


__all__ = ["Split", "carry_overrides", "edit_all", "end_series_before", "split_series"]
