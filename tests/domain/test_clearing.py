"""The clearing decision (calgate.domain.clearing): each rule, the tricky shapes, and a
randomized comparison with the pairwise reference in ``clearing_oracle.py``."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calgate.domain.clearing import Booking, ClearingEntry, ClearingPlan, plan

from .clearing_oracle import reference_plan

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def single(key: str, start: float, end: float, *, created: float | None = 0, **kw: Any) -> Booking:
    """A single event from ``start`` to ``end`` hours after T0, created ``created`` days
    before T0 (None: unknown)."""
    made = None if created is None else T0 - timedelta(days=created)
    fields: dict[str, Any] = {"uid": f"uid-{key}", "name": key.upper(), **kw}
    return Booking(key=key, event_id=key, start=at(start), end=at(end), created=made, **fields)


def occurrence(event: str, n: int, start: float, end: float, **kw: Any) -> Booking:
    """The n-th occurrence of series ``event`` (same event id and uid for every occurrence)."""
    b = single(event, start, end, **kw)
    rid = at(start).strftime("%Y%m%dT%H%M%SZ")
    return Booking(**{**_fields(b), "key": f"{event}/{n}", "recurrence_id": rid, "is_series": True})


def _fields(b: Booking) -> dict[str, Any]:
    return {name: getattr(b, name) for name in Booking.__dataclass_fields__}


def keys(entries: tuple[ClearingEntry, ...]) -> list[str]:
    return [e.booking.key for e in entries]


def reasons(entries: tuple[ClearingEntry, ...]) -> dict[str, list[str]]:
    return {e.booking.key: [o.key for o in e.overlaps_with] for e in entries}


# -- rule 1: cancelled bookings -----------------------------------------------------------------
def test_rule1_cancelled_single_is_deleted_and_blocks_nothing() -> None:
    old_cancelled = single("a", 0, 2, created=9, cancelled=True)
    newer = single("b", 1, 3, created=1)
    result = plan([old_cancelled, newer])
    assert keys(result.deleted_cancelled_events) == ["a"]
    assert result.deleted_cancelled_events[0].overlaps_with == ()
    assert result.deleted_overlapping_events == ()


def test_rule1_cancelled_occurrence_is_left_alone_and_unreported() -> None:
    gone = occurrence("s", 1, 0, 2, created=9, cancelled=True)
    other = single("b", 1, 3, created=1)
    result = plan([gone, other])
    assert result == ClearingPlan()
    assert result.changes_nothing


def test_rule1_cancelled_prioritized_single_is_still_deleted() -> None:
    result = plan([single("a", 0, 1, prioritized=True, cancelled=True)])
    assert keys(result.deleted_cancelled_events) == ["a"]


# -- rule 2: the older booking stays --------------------------------------------------------------
def test_rule2_older_booking_stays_newer_single_is_deleted() -> None:
    result = plan([single("new", 1, 3, created=1), single("old", 0, 2, created=5)])
    assert reasons(result.deleted_overlapping_events) == {"new": ["old"]}
    assert not result.deleted_overlapping_events[0].is_deprioritized
    assert not result.changes_nothing


def test_rule2_unknown_created_counts_as_newest() -> None:
    result = plan([single("unknown", 0, 2, created=None), single("recent", 1, 3, created=0)])
    assert reasons(result.deleted_overlapping_events) == {"unknown": ["recent"]}


def test_rule2_same_created_is_decided_by_uid_then_key() -> None:
    by_uid = plan([single("x", 0, 2, uid="b"), single("y", 1, 3, uid="a")])
    assert keys(by_uid.deleted_overlapping_events) == ["x"]
    same_uid = plan([single("y", 0, 2, uid="u"), single("x", 1, 3, uid="u")])
    assert keys(same_uid.deleted_overlapping_events) == ["y"]


def test_rule2_back_to_back_bookings_do_not_overlap() -> None:
    result = plan([single("a", 0, 1), single("b", 1, 2), single("c", 2, 3)])
    assert result == ClearingPlan()


def test_rule2_zero_length_booking_overlaps_nothing() -> None:
    point = single("point", 1, 1, created=None)
    backwards = single("backwards", 2, 1, created=None)
    result = plan([single("long", 0, 4, created=3), point, backwards])
    assert result == ClearingPlan()


def test_rule2_times_compare_as_instants_across_zones() -> None:
    # 09:00 Berlin is 08:00 UTC: the newer booking in UTC overlaps the Berlin one.
    berlin = Booking(
        key="b",
        event_id="b",
        uid="b",
        name="B",
        start=datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN),
        end=datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN),
        created=T0 - timedelta(days=2),
    )
    result = plan([berlin, single("u", 0, 0.5, created=1), single("v", 1, 2, created=1)])
    assert reasons(result.deleted_overlapping_events) == {"u": ["b"]}


def test_rule2_conflicting_occurrence_is_cancelled_alone() -> None:
    weekly = [occurrence("w", n, 24 * 7 * n, 24 * 7 * n + 1, created=1) for n in range(3)]
    meeting = single("m", 24 * 7 + 0.5, 24 * 7 + 2, created=4)
    result = plan([*weekly, meeting])
    assert reasons(result.cancelled_overlapping_recurring_events) == {"w/1": ["m"]}
    assert result.deleted_overlapping_events == ()
    entry = result.cancelled_overlapping_recurring_events[0]
    assert entry.booking.recurrence_id == "20260309T080000Z"


def test_rule2_single_overlapping_two_series_loses_to_both() -> None:
    one = occurrence("s1", 0, 0, 2, created=5)
    two = occurrence("s2", 0, 3, 5, created=5)
    result = plan([single("m", 1, 4, created=1), one, two])
    assert reasons(result.deleted_overlapping_events) == {"m": ["s1/0", "s2/0"]}


def test_rule2_older_single_cancels_an_occurrence_of_each_series_it_overlaps() -> None:
    one = occurrence("s1", 0, 0, 2, created=1)
    two = occurrence("s2", 0, 3, 5, created=1)
    result = plan([single("m", 1, 4, created=5), one, two])
    assert reasons(result.cancelled_overlapping_recurring_events) == {
        "s1/0": ["m"],
        "s2/0": ["m"],
    }


def test_rule2_chain_loser_blocks_nothing() -> None:
    # A-B-C: B loses to A; C overlaps only B, so C stays.
    a, b, c = single("a", 0, 2, created=3), single("b", 1, 4, created=2), single("c", 3, 5)
    result = plan([c, b, a])
    assert reasons(result.deleted_overlapping_events) == {"b": ["a"]}


def test_rule2_loser_lists_only_kept_bookings() -> None:
    a = single("a", 0, 2, created=3)
    b = single("b", 1, 4, created=2)  # loses to a
    c = single("c", 1.5, 5, created=1)  # overlaps a and b; only a is kept
    result = plan([a, b, c])
    assert reasons(result.deleted_overlapping_events) == {"b": ["a"], "c": ["a"]}


# -- rule 3: prioritized bookings ---------------------------------------------------------------
def test_rule3_prioritized_beats_older_booking_which_is_deprioritized() -> None:
    older = single("older", 0, 2, created=5)
    vip = single("vip", 1, 3, created=1, prioritized=True)
    result = plan([older, vip])
    assert reasons(result.deleted_overlapping_events) == {"older": ["vip"]}
    assert result.deleted_overlapping_events[0].is_deprioritized
    assert result.ignored_overlapping_events == ()


def test_rule3_newer_booking_losing_to_prioritized_is_not_deprioritized() -> None:
    vip = single("vip", 0, 2, created=5, prioritized=True)
    result = plan([vip, single("newer", 1, 3, created=1)])
    assert reasons(result.deleted_overlapping_events) == {"newer": ["vip"]}
    assert not result.deleted_overlapping_events[0].is_deprioritized


def test_rule3_deprioritized_occurrence_is_cancelled_and_flagged() -> None:
    occ = occurrence("s", 0, 0, 2, created=5)
    result = plan([occ, single("vip", 1, 3, created=1, prioritized=True)])
    (entry,) = result.cancelled_overlapping_recurring_events
    assert entry.booking.key == "s/0"
    assert entry.is_deprioritized


def test_rule3_loser_to_prioritized_and_older_lists_both() -> None:
    vip = single("vip", 0, 2, created=0, prioritized=True)
    old = single("old", 2.5, 4, created=9)
    mid = single("mid", 1, 3, created=3)  # older than vip, newer than old
    result = plan([mid, old, vip])
    assert reasons(result.deleted_overlapping_events) == {"mid": ["vip", "old"]}
    assert result.deleted_overlapping_events[0].is_deprioritized


def test_rule3_two_prioritized_both_stay_and_are_ignored() -> None:
    p1 = single("p1", 0, 2, created=5, prioritized=True)
    p2 = single("p2", 1, 3, created=1, prioritized=True)
    result = plan([p2, p1])
    assert reasons(result.ignored_overlapping_events) == {"p1": ["p2"], "p2": ["p1"]}
    assert result.changes_nothing


def test_rule3_prioritized_chain_reports_each_partner() -> None:
    p1 = single("p1", 0, 2, created=3, prioritized=True)
    p2 = single("p2", 1, 4, created=2, prioritized=True)
    p3 = single("p3", 3, 5, created=1, prioritized=True)
    plain = single("plain", 1.5, 3.5, created=9)
    result = plan([p3, plain, p2, p1])
    assert reasons(result.ignored_overlapping_events) == {
        "p1": ["p2"],
        "p2": ["p1", "p3"],
        "p3": ["p2"],
    }
    assert reasons(result.deleted_overlapping_events) == {"plain": ["p1", "p2", "p3"]}


# -- rule 4: a series never conflicts with itself ---------------------------------------------
def test_rule4_series_overlapping_itself_keeps_every_occurrence() -> None:
    daily = [occurrence("d", n, 24 * n, 24 * n + 25) for n in range(4)]
    assert plan(daily) == ClearingPlan()


def test_rule4_single_overlapping_two_occurrences_of_one_series_lists_both() -> None:
    daily = [occurrence("d", n, 24 * n, 24 * n + 25, created=5) for n in range(3)]
    result = plan([*daily, single("m", 24.5, 26, created=1)])
    assert reasons(result.deleted_overlapping_events) == {"m": ["d/0", "d/1"]}


def test_rule4_self_overlapping_series_still_loses_to_others() -> None:
    daily = [occurrence("d", n, 24 * n, 24 * n + 25, created=1) for n in range(3)]
    result = plan([*daily, single("m", 24.5, 26, created=5)])
    assert reasons(result.cancelled_overlapping_recurring_events) == {
        "d/0": ["m"],
        "d/1": ["m"],
    }


# -- the input ------------------------------------------------------------------------------------
def test_input_order_does_not_change_the_plan() -> None:
    rng = random.Random(7)
    items = random_case(rng, 40)
    expected = plan(items)
    for _ in range(20):
        rng.shuffle(items)
        assert plan(items) == expected


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Booking(
            key="k",
            event_id="k",
            uid="k",
            name="K",
            start=datetime(2026, 1, 1, 8),
            end=datetime(2026, 1, 1, 9),
        )


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        plan([single("a", 0, 1), single("a", 2, 3)])


def test_empty_input_gives_an_empty_plan() -> None:
    assert plan([]) == ClearingPlan()


# -- randomized comparison with the pairwise reference ------------------------------------------
def random_case(rng: random.Random, size: int) -> list[Booking]:
    """Bookings on an hour grid (ties, back-to-back, zero-length), singles and short series
    (some overlapping themselves), with shared created times and uids, some prioritized or
    cancelled."""
    out: list[Booking] = []
    event = 0
    while len(out) < size:
        event += 1
        eid = f"e{event}"
        created = rng.choice([None, 0, 1, 1, 2, 3])
        common: dict[str, Any] = {
            "uid": rng.choice(["u1", "u2", "u3", f"u-{eid}"]),
            "created": created,
            "prioritized": rng.random() < 0.2,
        }
        start = rng.randint(0, 30)
        length = rng.choice([0, 1, 1, 2, 3, 5])
        if rng.random() < 0.35:
            period = rng.choice([1, 2, 4, 24])
            for n in range(min(rng.randint(2, 4), size - len(out))):
                s = start + n * period
                extra = {
                    "cancelled": rng.random() < 0.1,
                    # an override may carry its own flag
                    "prioritized": common["prioritized"] ^ (rng.random() < 0.05),
                }
                out.append(occurrence(eid, n, s, s + length, **{**common, **extra}))
        else:
            out.append(single(eid, start, start + length, cancelled=rng.random() < 0.1, **common))
    if rng.random() < 0.2:
        out = [_in_berlin(b) for b in out]
    return out


def _in_berlin(b: Booking) -> Booking:
    return Booking(
        **{**_fields(b), "start": b.start.astimezone(BERLIN), "end": b.end.astimezone(BERLIN)}
    )


def test_randomized_plans_match_the_pairwise_reference() -> None:
    rng = random.Random(20260601)
    for case in range(2000):
        items = random_case(rng, rng.randint(1, 40))
        rng.shuffle(items)
        assert plan(items) == reference_plan(items), f"case {case}"


def test_the_reference_itself_finds_every_kind_of_decision() -> None:
    # Guards the randomized test: the cases must exercise every list and the flag.
    rng = random.Random(20260601)
    seen: set[str] = set()
    for _ in range(300):
        result = reference_plan(random_case(rng, rng.randint(1, 40)))
        for name in ClearingPlan.__dataclass_fields__:
            if getattr(result, name):
                seen.add(name)
        if any(e.is_deprioritized for e in result.deleted_overlapping_events):
            seen.add("deprioritized")
    assert seen == {*ClearingPlan.__dataclass_fields__, "deprioritized"}
