"""Clearing a room calendar: which bookings go, decided in one sorted pass (pure, no I/O).

The caller passes every booking in the window (single events and the occurrences of series,
transparent ones already left out) and applies the returned :class:`ClearingPlan`: delete the
objects of the deleted entries, exclude (EXDATE) the cancelled occurrences. The rules:

1. A cancelled single event is deleted (``deleted_cancelled_events``). A cancelled occurrence of
   a series already leaves the room free and is left alone, unreported. Cancelled bookings take
   no part in the overlap rules.
2. The rest are taken in one order: prioritized first, then older ``created`` first (no
   ``created`` counts as newest), then ``uid``, then ``key``, so the outcome never depends on
   the input order. A booking stays when it overlaps no booking kept before it; otherwise it
   loses to those kept bookings (its ``overlaps_with``): an occurrence of a series is cancelled
   alone (``cancelled_overlapping_recurring_events``), a single event is deleted
   (``deleted_overlapping_events``). A loser blocks nothing, so in a chain A-B-C where B loses
   to A, C stays unless it overlaps A.
3. A prioritized booking always stays. When it overlaps other prioritized bookings, all of them
   stay and each is reported in ``ignored_overlapping_events`` with the prioritized bookings it
   overlaps. A non-prioritized booking never beats a prioritized one (the order puts the
   prioritized first); when it loses to a prioritized booking it would have beaten on age, the
   entry has ``is_deprioritized`` (the notification says so).
4. Occurrences of one event (same ``event_id``) never conflict with each other: a daily
   25-hour series keeps all its occurrences, and each may still lose to other bookings.

Times are half-open: back-to-back bookings do not overlap, and a booking of zero length (or
with its end before its start) occupies no time, overlaps nothing and always stays, as in
``index/intervals.py``. (Listings, by RFC 4791, show a zero-length event inside a window;
a room is not taken by one.)

Complexity: the bookings are sorted into the processing order and their distinct instants
into a line, then each booking in turn asks the kept ones which overlap it. Kept bookings are
a segment tree over the sorted distinct instants: a kept interval is stored on O(log n) nodes,
and the ones containing the booking's start are found on the path from that leaf to the root;
the ones starting inside the booking are found through a count per node of kept starts. A
query costs O((k + 1) log n) for k bookings found, so clearing n bookings is O(n log n) plus
the size of the report; there is no comparison of every booking with every other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Booking:
    """One item taking the room. ``key`` is unique per item (event id plus recurrence id for
    an occurrence); ``start`` and ``end`` are aware; ``is_series`` marks an occurrence of a
    recurring event, ``recurrence_id`` its id."""

    key: str
    event_id: str
    uid: str
    name: str
    start: datetime
    end: datetime
    created: datetime | None = None
    organizer: str | None = None  # the organizer's email
    prioritized: bool = False
    cancelled: bool = False
    recurrence_id: str | None = None
    is_series: bool = False
    organizer_name: str | None = None

    def __post_init__(self) -> None:
        # A naive time cannot be ordered against aware ones; that is the caller's bug.
        for value in (self.start, self.end, self.created):
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"booking {self.key!r}: times must be timezone-aware")


@dataclass(frozen=True, slots=True)
class ClearingEntry:
    """A decision about one booking and the bookings that caused it, in processing order."""

    booking: Booking
    overlaps_with: tuple[Booking, ...] = ()
    # Lost to a prioritized booking it would have beaten on age (created, uid, key).
    is_deprioritized: bool = False


@dataclass(frozen=True, slots=True)
class ClearingPlan:
    """The four lists of the clearing report, each in processing order."""

    deleted_cancelled_events: tuple[ClearingEntry, ...] = ()
    deleted_overlapping_events: tuple[ClearingEntry, ...] = ()
    cancelled_overlapping_recurring_events: tuple[ClearingEntry, ...] = ()
    ignored_overlapping_events: tuple[ClearingEntry, ...] = ()

    @property
    def changes_nothing(self) -> bool:
        return not (
            self.deleted_cancelled_events
            or self.deleted_overlapping_events
            or self.cancelled_overlapping_recurring_events
        )


def _since_epoch(moment: datetime) -> timedelta:
    # Timedeltas compare and hash without asking a zone for its offset: cheap sort keys.
    return moment - _EPOCH


def _age(b: Booking) -> tuple[bool, timedelta, str, str]:
    created = _ZERO if b.created is None else _since_epoch(b.created)
    return (b.created is None, created, b.uid, b.key)


def processing_key(b: Booking) -> tuple[bool, bool, timedelta, str, str]:
    """The order of rule 2: prioritized first, then oldest (no ``created`` last), uid, key."""
    return (not b.prioritized, *_age(b))


class _KeptIntervals:
    """Kept intervals over ``leaves`` fixed instants (ranks 0..leaves-1); finds the ones
    overlapping [rank lo, rank hi)."""

    def __init__(self, leaves: int) -> None:
        size = 1
        while size < leaves:
            size *= 2
        self.size = size
        # covering[node]: intervals stored whole on that node (segment tree, leaves = instants)
        self.covering: list[list[int] | None] = [None] * (2 * size)
        # starts_below[node]: how many kept intervals start at a leaf under that node
        self.starts_below = [0] * (2 * size)
        self.starting_at: dict[int, list[int]] = {}

    def add(self, item: int, lo: int, hi: int) -> None:
        covering = self.covering
        left, right = lo + self.size, hi + self.size
        while left < right:
            if left & 1:
                self._store(covering, left, item)
                left += 1
            if right & 1:
                right -= 1
                self._store(covering, right, item)
            left >>= 1
            right >>= 1
        self.starting_at.setdefault(lo, []).append(item)
        counts, node = self.starts_below, lo + self.size
        while node:
            counts[node] += 1
            node >>= 1

    @staticmethod
    def _store(covering: list[list[int] | None], node: int, item: int) -> None:
        held = covering[node]
        if held is None:
            covering[node] = [item]
        else:
            held.append(item)

    def overlapping(self, lo: int, hi: int) -> list[int]:
        """Kept [a, b) with a <= x[lo] < b, then those with x[lo] < a < x[hi] (disjoint)."""
        found: list[int] = []
        covering, node = self.covering, lo + self.size
        while node:
            held = covering[node]
            if held:
                found += held
            node >>= 1
        leaf = self._first_start_in(lo + 1, hi)
        while leaf is not None:
            found += self.starting_at[leaf]
            leaf = self._first_start_in(leaf + 1, hi)
        return found

    def _first_start_in(self, leaf: int, hi: int) -> int | None:
        """The first leaf in [leaf, hi) where a kept interval starts."""
        if leaf >= hi:
            return None
        counts, node, width = self.starts_below, leaf + self.size, 1
        if not counts[node]:
            # Climb until a right sibling holds a start, then descend to its leftmost one;
            # give up as soon as the sibling begins at or after hi (short bookings climb little).
            while True:
                if node == 1 or (node | 1) * width - self.size >= hi:
                    return None
                if not node & 1 and counts[node + 1]:
                    node += 1
                    break
                node >>= 1
                width <<= 1
            while node < self.size:
                node = 2 * node if counts[2 * node] else 2 * node + 1
        found = node - self.size
        return found if found < hi else None


def _in_processing_order(items: list[Booking]) -> list[Booking]:
    """``sorted(items, key=processing_key)``, as four stable sorts on plain keys, last key
    first: sorting once on the key tuples was twice as slow, the slowest step of clearing."""
    latest = timedelta.max  # after every real creation time
    ages = [latest if b.created is None else _since_epoch(b.created) for b in items]
    order = sorted(range(len(items)), key=[b.key for b in items].__getitem__)
    order.sort(key=[b.uid for b in items].__getitem__)
    order.sort(key=ages.__getitem__)
    order.sort(key=[not b.prioritized for b in items].__getitem__)
    return [items[i] for i in order]


def _validated(bookings: Iterable[Booking]) -> list[Booking]:
    items = list(bookings)
    if len({b.key for b in items}) != len(items):
        raise ValueError("booking keys must be unique")
    return items


def plan(bookings: Iterable[Booking]) -> ClearingPlan:
    """Decide what clearing does to ``bookings`` (the rules in the module docstring)."""
    items = _validated(bookings)
    cancelled = sorted((b for b in items if b.cancelled and not b.is_series), key=processing_key)
    active = _in_processing_order([b for b in items if not b.cancelled])

    spans = [(_since_epoch(b.start), _since_epoch(b.end)) for b in active]
    instants = sorted({t for span in spans if span[1] > span[0] for t in span})
    rank = {t: r for r, t in enumerate(instants)}
    kept = _KeptIntervals(len(instants))
    events = [b.event_id for b in active]
    ignored_with: dict[int, list[Booking]] = {}
    lost: dict[int, list[Booking]] = {}
    for i, (b, (start, end)) in enumerate(zip(active, spans, strict=True)):
        if end <= start:
            continue
        lo, hi = rank[start], rank[end]
        event_id = b.event_id
        hits = [j for j in kept.overlapping(lo, hi) if events[j] != event_id]
        if not hits:
            kept.add(i, lo, hi)
            continue
        hits.sort()
        others = [active[j] for j in hits]
        if b.prioritized:
            # Everything kept so far is prioritized when b is: both stay, both are reported.
            ignored_with[i] = others
            for j in hits:
                ignored_with.setdefault(j, []).append(b)
            kept.add(i, lo, hi)
        else:
            lost[i] = others

    deleted: list[ClearingEntry] = []
    excluded: list[ClearingEntry] = []
    for i in sorted(lost):
        b, winners = active[i], lost[i]
        demoted = any(w.prioritized and _age(b) < _age(w) for w in winners)
        entry = ClearingEntry(b, tuple(winners), is_deprioritized=demoted)
        (excluded if b.is_series else deleted).append(entry)
    return ClearingPlan(
        deleted_cancelled_events=tuple(ClearingEntry(b) for b in cancelled),
        deleted_overlapping_events=tuple(deleted),
        cancelled_overlapping_recurring_events=tuple(excluded),
        ignored_overlapping_events=tuple(
            ClearingEntry(active[i], tuple(ignored_with[i])) for i in sorted(ignored_with)
        ),
    )


__all__ = ["Booking", "ClearingEntry", "ClearingPlan", "plan", "processing_key"]
