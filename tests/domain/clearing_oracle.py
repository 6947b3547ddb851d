"""An obviously correct clearing, for comparison: every booking against every other (O(n²)).

Written from the product rules, not from ``calgate.domain.clearing``: a plain ordering by a
comparison function, a list of kept bookings scanned in full, and the ignored pairs found by
testing every pair of prioritized bookings.
"""

from __future__ import annotations

from functools import cmp_to_key

from calgate.domain.clearing import Booking, ClearingEntry, ClearingPlan


def _sign(a: object, b: object) -> int:
    return (a > b) - (a < b)  # type: ignore[operator]


def _older_first(a: Booking, b: Booking) -> int:
    """Negative when ``a`` counts as older: created earlier (none = newest), uid, key."""
    if (a.created is None) != (b.created is None):
        return 1 if a.created is None else -1
    if a.created is not None and b.created is not None and a.created != b.created:
        return _sign(a.created, b.created)
    return _sign(a.uid, b.uid) or _sign(a.key, b.key)


def _turn(a: Booking, b: Booking) -> int:
    if a.prioritized != b.prioritized:
        return -1 if a.prioritized else 1
    return _older_first(a, b)


def _clash(a: Booking, b: Booking) -> bool:
    if a.event_id == b.event_id:
        return False
    if a.end <= a.start or b.end <= b.start:
        return False
    return a.start < b.end and b.start < a.end


def reference_plan(bookings: list[Booking]) -> ClearingPlan:
    order = sorted(bookings, key=cmp_to_key(_turn))
    gone = [ClearingEntry(b) for b in order if b.cancelled and not b.is_series]
    live = [b for b in order if not b.cancelled]

    kept: list[Booking] = []
    lost: dict[str, list[Booking]] = {}
    for b in live:
        beaten_by = [k for k in kept if _clash(b, k)]
        if beaten_by and not b.prioritized:
            lost[b.key] = beaten_by
        else:
            kept.append(b)

    deleted: list[ClearingEntry] = []
    excluded: list[ClearingEntry] = []
    ignored: list[ClearingEntry] = []
    for b in live:
        if b.prioritized:
            partners = [p for p in live if p.prioritized and p is not b and _clash(b, p)]
            if partners:
                ignored.append(ClearingEntry(b, tuple(partners)))
        elif b.key in lost:
            winners = lost[b.key]
            demoted = any(w.prioritized and _older_first(b, w) < 0 for w in winners)
            entry = ClearingEntry(b, tuple(winners), is_deprioritized=demoted)
            (excluded if b.is_series else deleted).append(entry)
    return ClearingPlan(
        deleted_cancelled_events=tuple(gone),
        deleted_overlapping_events=tuple(deleted),
        cancelled_overlapping_recurring_events=tuple(excluded),
        ignored_overlapping_events=tuple(ignored),
    )
