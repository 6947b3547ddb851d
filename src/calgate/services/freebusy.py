"""Free/busy and availability over several calendars: the caller's calendars checked, each
index synced when stale (as every read does, so events other clients just wrote count), busy
items read from the index and merged, slots found by ``domain/freebusy.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain import freebusy
from calgate.domain.access import Grant
from calgate.domain.timezones import (
    format_duration,
    format_utc,
    parse_duration,
    parse_time,
    resolve_zone,
)
from calgate.errors import FieldError, InvalidInput
from calgate.index.intervals import busy_periods
from calgate.runtime import Runtime
from calgate.schemas.freebusy import (
    MAX_CALENDARS,
    AvailabilityPublic,
    AvailabilityQuery,
    BusyPeriod,
    CalendarBusy,
    FreeBusyPublic,
    FreeBusyQuery,
    GroupFree,
    SlotPublic,
)
from calgate.services.calendars import get_visible

_MIN_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class Window:
    start: datetime  # UTC
    end: datetime
    zone: ZoneInfo
    zone_name: str | None  # as sent; None: answers in UTC ``Z`` form

    def render(self, value: datetime) -> str:
        if self.zone_name is None:
            return format_utc(value)
        return value.astimezone(self.zone).isoformat()


# -- input -------------------------------------------------------------------------------
def _bound(value: str, pointer: str, zone: ZoneInfo) -> datetime:
    try:
        parsed = parse_time(value)
    except ValueError as exc:
        raise InvalidInput.field(
            pointer, f"must be an ISO 8601 date or date-time, got {value!r}"
        ) from exc
    if not isinstance(parsed, datetime):
        assert isinstance(parsed, date)
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # a local time within hours of year 1 or 9999, west or east of UTC
        raise InvalidInput.field(
            pointer, f"{value!r} in {zone.key} lies outside the years 1 to 9999 in UTC"
        ) from None


def window(start: str, end: str, time_zone: str | None, *, max_days: int) -> Window:
    zone = ZoneInfo("UTC") if time_zone is None else resolve_zone(time_zone, pointer="#/timeZone")
    lo, hi = _bound(start, "#/start", zone), _bound(end, "#/end", zone)
    if hi <= lo:
        raise InvalidInput.field("#/end", "end must be after start")
    if hi - lo > timedelta(days=max_days):
        raise InvalidInput.field(
            "#/end", f"the window is longer than {max_days} days; ask for a shorter one"
        )
    return Window(lo, hi, zone, time_zone)


def _duration(value: str | None, pointer: str, *, positive: bool) -> timedelta:
    if value is None:
        return timedelta(0)
    try:
        delta = parse_duration(value)
    except ValueError as exc:
        raise InvalidInput.field(pointer, str(exc)) from exc
    if delta < timedelta(0) or (positive and not delta):
        raise InvalidInput.field(
            pointer, f"must be {'longer than zero' if positive else 'zero or more'}"
        )
    return delta


def _shifted(value: datetime, delta: timedelta, pointer: str) -> datetime:
    try:
        return value + delta
    except OverflowError:
        raise InvalidInput.field(
            pointer, "the buffer reaches outside the years 1 to 9999; use a shorter one"
        ) from None


def _calendars(
    runtime: Runtime, grant: Grant, ids: Sequence[str]
) -> list[tuple[CalendarRow, SourceRow]]:
    """Each calendar, or NotFound naming the first the token cannot see (or that does not
    exist: the two are not told apart)."""
    with runtime.db.session() as session:
        found = [get_visible(session, grant, cal_id) for cal_id in ids]
    return found


def _busy(
    runtime: Runtime,
    calendars: Sequence[tuple[CalendarRow, SourceRow]],
    start: datetime,
    end: datetime,
) -> dict[str, list[freebusy.Period]]:
    for calendar, source in calendars:
        runtime.indexer.ensure_fresh(calendar, source)
    out: dict[str, list[freebusy.Period]] = {}
    with runtime.db.session() as session:
        for calendar, _ in calendars:
            periods = busy_periods(session, calendar.id, start, end, calendar.time_zone)
            out[calendar.id] = freebusy.merge_periods(periods, start, end)
    return out


# -- free/busy ---------------------------------------------------------------------------
def free_busy(runtime: Runtime, grant: Grant, body: FreeBusyQuery) -> FreeBusyPublic:
    win = window(body.start, body.end, body.time_zone, max_days=runtime.settings.max_window_days)
    calendars = _calendars(runtime, grant, body.calendars)
    busy = _busy(runtime, calendars, win.start, win.end)
    return FreeBusyPublic(
        start=win.render(win.start),
        end=win.render(win.end),
        time_zone=win.zone_name,
        calendars=[
            CalendarBusy(
                calendar_id=cal_id,
                busy=[BusyPeriod(start=win.render(s), end=win.render(e)) for s, e in periods],
            )
            for cal_id, periods in busy.items()
        ],
    )


# -- availability ------------------------------------------------------------------------
def _groups(body: AvailabilityQuery) -> list[freebusy.Group]:
    distinct = {c for g in body.groups for c in g.calendars}
    if len(distinct) > MAX_CALENDARS:
        raise InvalidInput.field(
            "#/groups", f"at most {MAX_CALENDARS} calendars in all groups; got {len(distinct)}"
        )
    out = []
    errors = []
    for i, group in enumerate(body.groups):
        size = len(group.calendars)
        required = size if group.required == "all" else group.required
        if required > size:
            errors.append(
                FieldError(
                    f"required is {required}, but the group has only {size} calendars",
                    f"#/groups/{i}/required",
                )
            )
        out.append(freebusy.Group(tuple(group.calendars), required))
    if errors:
        raise InvalidInput(errors[0].detail, errors)
    return out


def _hours(body: AvailabilityQuery) -> freebusy.WorkingHours | None:
    hours = body.working_hours
    if hours is None:
        return None

    def clock(text: str) -> tuple[int, int]:
        h, m = text.split(":")
        return int(h), int(m)

    fh, fm = clock(hours.from_)
    th, tm = clock(hours.to)
    end = None if (th, tm) == (24, 0) else time(th, tm)
    return freebusy.WorkingHours(hours.weekday_numbers(), time(fh, fm), end)


def availability(runtime: Runtime, grant: Grant, body: AvailabilityQuery) -> AvailabilityPublic:
    win = window(body.start, body.end, body.time_zone, max_days=runtime.settings.max_window_days)
    groups = _groups(body)
    duration = _duration(body.duration, "#/duration", positive=True)
    if duration > win.end - win.start:
        raise InvalidInput.field("#/duration", "the duration is longer than the window")
    before = _duration(body.buffer_before, "#/bufferBefore", positive=False)
    after = _duration(body.buffer_after, "#/bufferAfter", positive=False)
    step = _duration(body.step, "#/step", positive=True)
    if step < _MIN_STEP or step > timedelta(days=1):
        raise InvalidInput.field("#/step", "step must be between PT1M and P1D")
    hours = _hours(body)
    ids = list(dict.fromkeys(c for g in groups for c in g.calendars))
    calendars = _calendars(runtime, grant, ids)
    # buffers may reach past the window: what lies there counts too
    busy = _busy(
        runtime,
        calendars,
        _shifted(win.start, -before, "#/bufferBefore"),
        _shifted(win.end, after, "#/bufferAfter"),
    )
    slots = freebusy.free_slots(
        busy,
        groups,
        start=win.start,
        end=win.end,
        duration=duration,
        zone=win.zone,
        hours=hours,
        before=before,
        after=after,
        step=step,
        max_slots=body.max_slots + 1,
    )
    return AvailabilityPublic(
        start=win.render(win.start),
        end=win.render(win.end),
        time_zone=win.zone_name,
        duration=format_duration(duration),
        slots=[
            SlotPublic(
                start=win.render(slot.start),
                end=win.render(slot.end),
                groups=[GroupFree(free=list(free)) for free in slot.free],
            )
            for slot in slots[: body.max_slots]
        ],
        truncated=len(slots) > body.max_slots,
    )
