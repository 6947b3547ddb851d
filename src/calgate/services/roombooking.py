"""The room-booking tool's clearing report, as its README shows it (the drop-in
``DELETE /api/clear-bookings``): one object for every calendar cleared, its four lists and
``test_mode``. Each entry is ``{"event", "overlaps_with", "calendar"}``; an event is ``uid``,
``name``, ``start``, ``end``, ``created`` and ``organizer`` (the address, or null), its times
in the calendar's zone with their offset (``2025-07-14T00:00:00+02:00``). ``overlaps_with`` is
the one booking that decided the entry (the first kept booking it lost to; for an ignored
prioritized booking, the first other prioritized one it overlaps; null for a deleted cancelled
event). calgate's own report (:func:`calgate.services.clearing.report`) keeps every overlap.

Only when something went wrong are there more keys: ``skipped`` (bookings the plan changes
that changed on the server meanwhile and were left alone; they are not in the lists) and
``errors`` (calendars whose server failed)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from calgate.domain.clearing import Booking, ClearingEntry
from calgate.services.clearing import LISTS, Failure, Outcome


def _time(value: datetime | None, zone: tzinfo) -> str | None:
    return None if value is None else value.astimezone(zone).isoformat(timespec="seconds")


def _event(b: Booking, zone: tzinfo) -> dict[str, Any]:
    return {
        "uid": b.uid,
        "name": b.name,
        "start": _time(b.start, zone),
        "end": _time(b.end, zone),
        "created": _time(b.created, zone),
        "organizer": b.organizer,
    }


def _entry(entry: ClearingEntry, calendar_id: str, zone: tzinfo) -> dict[str, Any]:
    decided_by = entry.overlaps_with[0] if entry.overlaps_with else None
    return {
        "event": _event(entry.booking, zone),
        "overlaps_with": None if decided_by is None else _event(decided_by, zone),
        "calendar": calendar_id,
    }


def report(outcomes: list[Outcome], failures: list[Failure], *, dry_run: bool) -> dict[str, Any]:
    """One report for the calendars cleared, in calendar order (each calendar's entries in
    the order its pass decided them)."""
    out: dict[str, Any] = {name: [] for name in LISTS}
    skipped: list[dict[str, Any]] = []
    for outcome in outcomes:
        cal_id, zone = outcome.calendar.id, outcome.zone
        left_alone = {s.booking.key for s in outcome.skipped}
        for name in LISTS:
            out[name] += [
                _entry(e, cal_id, zone)
                for e in getattr(outcome.plan, name)
                if e.booking.key not in left_alone
            ]
        skipped += [
            {"event": _event(s.booking, zone), "calendar": cal_id, "reason": s.reason}
            for s in outcome.skipped
        ]
    out["test_mode"] = dry_run
    if skipped:
        out["skipped"] = skipped
    if failures:
        out["errors"] = [f.as_dict() for f in failures]
    return out


__all__ = ["report"]
