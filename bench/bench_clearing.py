"""Clearing benchmark, end to end: `services.clearing.clear_calendar` on 1,000 and 10,000 events.

calgate runs in process (uvicorn on loopback, embedded Radicale in a temporary data folder,
index kept warm: index_max_age 3600 s, no background sync). Three calendars are filled through
Radicale's storage API with bench/index_data.py's calendar (n events, n / 20 of them weekly
series, half in Europe/Oslo, EXDATEs and moved occurrences), each object given what a booking
carries: CREATED (missing on one in ten), an ORGANIZER, one in 33 single events cancelled, one
in 50 objects prioritized. The span stays fixed (single events over 18 months, series starting
within 7 months), so ten times the events is ten times the density and about ten times the
overlaps: the stricter test, and what a room that fills up looks like. Clearing looks at
[2026-06-01, +800 days), the whole calendar.

Side by side, in one run:

1. calgate: `clear_calendar(dry_run=True)` on a synced index (the first sync timed apart), and
   its pieces called one by one: the incremental sync (nothing changed), loading the bookings
   from the index, `domain.clearing.plan`, building the report. Medians, sizes in turn.
2. direct, as a room-booking tool without an index does it: `caldav` `Calendar.search(start,
   end, event=True, expand=True)` (a calendar-query REPORT, expanded client side by
   recurring-ical-events), then every occurrence against every other (O(n^2), float
   timestamps, generous to it) and the same keep/lose rules. Its losers are compared with
   calgate's.
3. one real clearing (not a dry run) of a fresh copy of the 1,000-event calendar: the writes,
   each CalDAV delete and exclusion timed, and a dry run afterwards that must find nothing.

Usage: .venv/bin/python bench/bench_clearing.py [--sizes 1000 10000] [--repeat 5]
       [--pairwise-budget 420] [--pairwise-cap 240] [--report bench/REPORT.md] [--no-report]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import math
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import warm_calgate
from bench_index import fill_store, machine, profile_top
from index_data import Obj, dataset

from calgate.db.models import CalendarRow, OccurrenceRow, SourceRow
from calgate.domain import clearing as domain
from calgate.index.materialize import HORIZON_AFTER
from calgate.services import clearing
from calgate.services.context import CalendarContext

REPORT = Path(__file__).parent / "REPORT.md"
BEGIN = "<!-- bench_clearing:begin -->"
END = "<!-- bench_clearing:end -->"
SECTION = "## Clearing (end to end)"
GOAL_RATIO = 15.0
# index_data's calendar starts here; clearing from this instant takes in all of it
NOW = datetime(2026, 6, 1, tzinfo=UTC)
WINDOW = (NOW, NOW + HORIZON_AFTER)
CREATED_BASE = datetime(2026, 1, 1, tzinfo=UTC)


# -- data --------------------------------------------------------------------------------------
def as_booking(o: Obj, i: int) -> Obj:
    """index_data's object with what a booking carries, in every VEVENT of it (deterministic)."""
    extra = [f"ORGANIZER;CN=Person {i % 200}:mailto:person{i % 200}@example.org"]
    if i % 10 != 3:
        created = CREATED_BASE + timedelta(minutes=(i * 7877) % (90 * 24 * 60))
        extra.append(f"CREATED:{created:%Y%m%dT%H%M%SZ}")
    if not o.recurring and i % 33 == 5:
        extra.append("STATUS:CANCELLED")
    if i % 50 == 7:
        extra.append("X-CALGATE-PRIORITIZED:TRUE")
    stamp = "DTSTAMP:20260101T000000Z"
    assert stamp in o.text
    return dataclasses.replace(o, text=o.text.replace(stamp, "\r\n".join([stamp, *extra])))


def booking_data(n: int) -> list[Obj]:
    return [as_booking(o, i) for i, o in enumerate(dataset(n, n // 20))]


def describe(objs: list[Obj]) -> str:
    n_rec = sum(o.recurring for o in objs)
    return (
        f"{len(objs):,} events: {n_rec} weekly series "
        f"({sum(1 for o in objs if o.recurring and 'COUNT=' not in o.text)} unbounded, "
        f"{sum(o.exceptions for o in objs)} with an EXDATE and a moved occurrence), "
        f"{sum('STATUS:CANCELLED' in o.text for o in objs)} cancelled, "
        f"{sum('PRIORITIZED' in o.text for o in objs)} prioritized, "
        f"{sum('CREATED:' not in o.text for o in objs)} without CREATED"
    )


# -- timing ------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


@dataclass
class Runs:
    ms: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.ms.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.ms[name])


@contextmanager
def gc_time() -> Iterator[list[float]]:
    """Milliseconds of each garbage collection while inside (cProfile charges them to whatever
    function happens to allocate, so they are counted apart)."""
    out: list[float] = []
    began = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            out.append((time.perf_counter() - began[0]) * 1000)

    gc.callbacks.append(callback)
    try:
        yield out
    finally:
        gc.callbacks.remove(callback)


# -- calgate -----------------------------------------------------------------------------------
@dataclass
class Cal:
    n: int
    row: CalendarRow
    source: SourceRow
    url: str
    objs: list[Obj]
    facts: dict[str, Any] = field(default_factory=dict)
    runs: Runs = field(default_factory=Runs)


def piece(cal: Cal, name: str, fn: Callable[[], Any]) -> Any:
    """One step of the pass on a collected heap, its own garbage collections counted apart."""
    gc.collect()
    with gc_time() as collected:
        ms, out = timed(fn)
    cal.runs.add(name, ms)
    cal.runs.add(f"gc_{name}", sum(collected))
    return out


def calgate_round(runtime: Any, cal: Cal) -> tuple[domain.ClearingPlan, clearing._Loaded]:
    """One dry run as a whole, then its pieces one by one (the same steps clear_calendar takes)."""
    gc.collect()
    with gc_time() as collected:
        ms, _ = timed(
            lambda: clearing.clear_calendar(runtime, cal.row, cal.source, dry_run=True, now=NOW)
        )
    cal.runs.add("total", ms)
    cal.runs.add("gc", sum(collected))
    ctx = CalendarContext(runtime, cal.row, cal.source)
    piece(cal, "sync", lambda: runtime.indexer.sync(cal.row, cal.source))
    loaded = piece(cal, "load", lambda: clearing._load(ctx, NOW))
    result = piece(cal, "plan", lambda: domain.plan(loaded.bookings))

    def report() -> dict[str, list[dict[str, Any]]]:
        shown = clearing._Json()
        return {name: [shown.entry(e) for e in getattr(result, name)] for name in clearing.LISTS}

    piece(cal, "report", report)
    return result, loaded


def plan_counts(result: domain.ClearingPlan) -> tuple[int, int, int, int]:
    return (
        len(result.deleted_cancelled_events),
        len(result.deleted_overlapping_events),
        len(result.cancelled_overlapping_recurring_events),
        len(result.ignored_overlapping_events),
    )


def calgate_losers(result: domain.ClearingPlan) -> set[tuple[str, float]]:
    entries = [
        *result.deleted_overlapping_events,
        *result.cancelled_overlapping_recurring_events,
    ]
    return {(e.booking.uid, e.booking.start.timestamp()) for e in entries}


# -- direct ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Item:
    start: float
    end: float
    uid: str
    rank: tuple[bool, float, str, str]  # prioritized first, then older CREATED, UID, start
    prioritized: bool
    cancelled: bool
    is_series: bool


def _ts(value: date | datetime) -> float:
    """Seconds since the epoch; all-day and floating times in UTC (the calendar's zone)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def one_query(dcal: Any) -> str:
    """One calendar-query for the whole window, as a tool would try first: its time, or why
    the server refused it (Radicale answers 400 when the REPORT would serve more than its
    ``max_expand_occurrence`` VEVENTs, 10,000 by default)."""
    quiet = logging.getLogger("radicale")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its refusal is logged with a traceback
    try:
        ms, found = timed(
            lambda: dcal.search(start=WINDOW[0], end=WINDOW[1], event=True, expand=True)
        )
        return f"{ms:.0f} ms, {len(found)} occurrences"
    except Exception as exc:  # the refusal is the finding
        return f"refused: {type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
    finally:
        quiet.setLevel(level)


def fetch_chunked(dcal: Any, days: int) -> list[Any]:
    """The window in pieces of ``days``, each a calendar-query expanded client side (an object
    running over several pieces comes back in each; direct_items drops the repeats)."""
    found: list[Any] = []
    start = WINDOW[0]
    while start < WINDOW[1]:
        end = min(start + timedelta(days=days), WINDOW[1])
        found += dcal.search(start=start, end=end, event=True, expand=True)
        start = end
    return found


def direct_items(found: list[Any]) -> list[Item]:
    """Booking tuples of the occurrences found, each once (by UID and RECURRENCE-ID)."""
    out = []
    seen: set[tuple[str, str | None]] = set()
    for obj in found:
        comp = obj.icalendar_component
        rid = comp.get("RECURRENCE-ID")
        key = (str(comp["UID"]), None if rid is None else rid.to_ical().decode())
        if key in seen:
            continue
        seen.add(key)
        if str(comp.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        start = _ts(comp["DTSTART"].dt)
        if "DTEND" in comp:
            end = _ts(comp["DTEND"].dt)
        elif "DURATION" in comp:
            end = start + comp["DURATION"].dt.total_seconds()
        else:
            end = start
        if end <= WINDOW[0].timestamp():
            continue
        created = comp.get("CREATED")
        prioritized = str(comp.get("X-CALGATE-PRIORITIZED", "")).upper() == "TRUE"
        uid = str(comp["UID"])
        out.append(
            Item(
                start=start,
                end=end,
                uid=uid,
                rank=(
                    not prioritized,
                    _ts(created.dt) if created is not None else math.inf,
                    uid,
                    f"{start:.0f}",
                ),
                prioritized=prioritized,
                cancelled=str(comp.get("STATUS", "")).upper() == "CANCELLED",
                is_series="RECURRENCE-ID" in comp,
            )
        )
    return out


class OutOfTime(Exception):
    def __init__(self, done_pairs: int, elapsed_s: float) -> None:
        super().__init__(f"stopped after {done_pairs} pairs in {elapsed_s:.0f} s")
        self.done_pairs = done_pairs
        self.elapsed_s = elapsed_s


def pairwise(items: list[Item], cap_s: float) -> list[list[int]]:
    """Every booking against every other: the overlaps of each. Cancelled and zero-length
    bookings take no part (as in calgate). Stops (OutOfTime) after ``cap_s`` seconds."""
    n = len(items)
    live = [not it.cancelled and it.end > it.start for it in items]
    starts = [it.start for it in items]
    ends = [it.end for it in items]
    uids = [it.uid for it in items]
    overlaps: list[list[int]] = [[] for _ in range(n)]
    t0 = time.perf_counter()
    done = 0
    for i in range(n):
        if i % 64 == 0 and time.perf_counter() - t0 > cap_s:
            raise OutOfTime(done, time.perf_counter() - t0)
        done += n - i - 1
        if not live[i]:
            continue
        s, e, u = starts[i], ends[i], uids[i]
        for j in range(i + 1, n):
            if starts[j] < e and ends[j] > s and live[j] and uids[j] != u:
                overlaps[i].append(j)
                overlaps[j].append(i)
    return overlaps


def decide(items: list[Item], overlaps: list[list[int]]) -> dict[str, list[Item]]:
    """calgate's rules (docs/booking.md) on the pairwise overlaps: cancelled singles go, of
    overlapping bookings the first in rank stays, two prioritized ones are both kept."""
    out: dict[str, list[Item]] = {name: [] for name in clearing.LISTS}
    kept = [False] * len(items)
    ignored: set[int] = set()
    for i in sorted(range(len(items)), key=lambda k: items[k].rank):
        it = items[i]
        if it.cancelled:
            if not it.is_series:
                out["deleted_cancelled_events"].append(it)
            continue
        blocking = [j for j in overlaps[i] if kept[j]]
        if it.prioritized or not blocking:
            kept[i] = True
            if blocking:  # both prioritized: each is reported
                ignored.update([i, *blocking])
        elif it.is_series:
            out["cancelled_overlapping_recurring_events"].append(it)
        else:
            out["deleted_overlapping_events"].append(it)
    out["ignored_overlapping_events"] = [items[i] for i in sorted(ignored)]
    return out


def direct_losers(decided: dict[str, list[Item]]) -> set[tuple[str, float]]:
    entries = [
        *decided["deleted_overlapping_events"],
        *decided["cancelled_overlapping_recurring_events"],
    ]
    return {(it.uid, it.start) for it in entries}


# -- the real clearing -------------------------------------------------------------------------
@contextmanager
def timed_writes(out: dict[str, list[float]]) -> Iterator[None]:
    """Time each write clearing makes (it calls these two by their module names)."""

    def wrap(kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                out.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)

        return timed_call

    with (
        patch.object(clearing, "delete_event", wrap("delete", clearing.delete_event)),
        patch.object(clearing, "delete_one", wrap("exclude", clearing.delete_one)),
    ):
        yield


# -- the run -----------------------------------------------------------------------------------
def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    facts: dict[str, Any] = {"machine": machine()}
    with warm_calgate(tmp / "data") as (runtime, api, dav):
        store = runtime.embedded
        assert store is not None
        cals: list[Cal] = []
        for name, n in [*((f"clear-{n}", n) for n in args.sizes), ("clear-real", args.real)]:
            resp = api.post("/api/v1/calendars", json={"id": name, "name": name})
            assert resp.status_code == 201, resp.text
            objs = booking_data(n)
            path = store.calendar_path(name)
            fill_ms, _ = timed(partial(fill_store, store.folder, path, objs))
            with runtime.db.session() as session:
                row, source = session.get(CalendarRow, name), session.get(SourceRow, "embedded")
            assert row is not None and source is not None
            url = runtime.embedded_base_url().rstrip("/") + store.calendar_path(name)
            cal = Cal(n, row, source, url, objs)
            sync_ms, sync_report = timed(partial(runtime.indexer.sync, row, source))
            with runtime.db.session() as session:
                occ = session.query(OccurrenceRow).filter_by(calendar_id=name).count()
            cal.facts.update(
                data=describe(objs),
                fill_s=fill_ms / 1000,
                first_sync_s=sync_ms / 1000,
                fetched=sync_report.fetched,
                occurrence_rows=occ,
            )
            print(
                f"{name}: {cal.facts['data']}; filled in {fill_ms / 1000:.1f} s, first sync "
                f"{sync_ms / 1000:.1f} s ({sync_report.fetched} objects, {occ} occurrences)",
                flush=True,
            )
            cals.append(cal)
        sized, real = cals[:-1], cals[-1]

        # -- 1. calgate, dry runs, sizes in turn ------------------------------------------
        print(f"\n1. calgate clear_calendar(dry_run=True), {args.repeat} rounds ...", flush=True)
        for cal in sized:  # warm-up
            result, loaded = calgate_round(runtime, cal)
            cal.runs = Runs()
            cal.facts["bookings"] = len(loaded.bookings)
            cal.facts["counts"] = plan_counts(result)
            cal.facts["losers"] = calgate_losers(result)
        for _ in range(args.repeat):
            for cal in sized:
                calgate_round(runtime, cal)
        for cal in sized:
            med = {k: cal.runs.median(k) for k in cal.runs.ms}
            cal.facts["calgate"] = med
            print(
                f"  n={cal.n:>6} ({cal.facts['bookings']} bookings): total {med['total']:.0f} ms"
                f" (garbage collection {med['gc']:.0f})"
                f" = sync {med['sync']:.0f} + load {med['load']:.0f} + plan {med['plan']:.0f}"
                f" + report {med['report']:.0f} (cancelled/deleted/excluded/ignored "
                f"{cal.facts['counts']})",
                flush=True,
            )
        big = sized[-1]

        def no_gc_pass() -> None:
            gc.disable()
            try:
                clearing.clear_calendar(runtime, big.row, big.source, dry_run=True, now=NOW)
            finally:
                gc.enable()

        gc.collect()
        facts["profile"] = profile_top(no_gc_pass, 12)
        print(facts["profile"], flush=True)

        # -- 2. direct ----------------------------------------------------------------------
        print(
            f"\n2. direct: caldav search(expand=True) in {args.chunk_days}-day windows + "
            "pairwise ...",
            flush=True,
        )
        budget_end = time.perf_counter() + args.pairwise_budget
        for cal in sized:
            dcal = dav.calendar(url=cal.url)
            runs = Runs()
            items: list[Item] = []
            cal.facts["one_query"] = one_query(dcal)
            print(f"  n={cal.n:>6}: one query for the whole window: {cal.facts['one_query']}")
            for _ in range(args.repeat + 1):  # the first is the warm-up
                gc.collect()
                fetch_ms, found = timed(partial(fetch_chunked, dcal, args.chunk_days))
                conv_ms, items = timed(partial(direct_items, found))
                del found
                runs.add("fetch", fetch_ms)
                runs.add("convert", conv_ms)
            for kind in ("fetch", "convert"):
                runs.ms[kind] = runs.ms[kind][1:]
            cal.facts["direct_items"] = len(items)
            pair_runs: list[float] = []
            decided: dict[str, list[Item]] = {}
            while len(pair_runs) < args.repeat:
                left = budget_end - time.perf_counter()
                if pair_runs and left < pair_runs[-1] / 1000:
                    break  # out of budget: fewer runs, said in the report
                try:
                    ms, overlaps = timed(partial(pairwise, items, args.pairwise_cap))
                except OutOfTime as stop:
                    total_pairs = len(items) * (len(items) - 1) // 2
                    cal.facts["pairwise_stopped"] = (stop.done_pairs, total_pairs, stop.elapsed_s)
                    break
                pair_runs.append(ms)
                ms, decided = timed(partial(decide, items, overlaps))
                runs.add("decide", ms)
            if pair_runs:
                runs.ms["pairwise"] = pair_runs
            cal.facts["direct"] = {k: runs.median(k) for k in runs.ms}
            cal.facts["direct_runs"] = {k: len(v) for k, v in runs.ms.items()}
            if decided:
                cal.facts["direct_counts"] = tuple(len(decided[k]) for k in clearing.LISTS)
                cal.facts["agree"] = (
                    direct_losers(decided) == cal.facts["losers"]
                    and cal.facts["direct_counts"] == cal.facts["counts"]
                )
            print(
                f"  n={cal.n:>6} ({len(items)} bookings): "
                + ", ".join(
                    f"{k} {v:.0f} ms ({cal.facts['direct_runs'][k]} runs)"
                    for k, v in cal.facts["direct"].items()
                )
                + (
                    f"; pairwise stopped: {cal.facts['pairwise_stopped']}"
                    if "pairwise_stopped" in cal.facts
                    else ""
                )
                + (f"; same losers as calgate: {cal.facts['agree']}" if decided else ""),
                flush=True,
            )
            del items, decided
            gc.collect()

        # -- 3. one real clearing -------------------------------------------------------------
        print(f"\n3. real clearing of a fresh {real.n}-event calendar ...", flush=True)
        writes: dict[str, list[float]] = {}
        with timed_writes(writes):
            ms, report = timed(
                lambda: clearing.clear_calendar(
                    runtime, real.row, real.source, dry_run=False, now=NOW
                )
            )
        after = clearing.clear_calendar(runtime, real.row, real.source, dry_run=True, now=NOW)
        real.facts.update(
            real_ms=ms,
            real_counts=tuple(len(report[k]) for k in clearing.LISTS),
            skipped=len(report["skipped"]),
            writes={k: (len(v), statistics.median(v), sum(v)) for k, v in writes.items()},
            after_counts=tuple(len(after[k]) for k in clearing.LISTS),
        )
        print(
            f"  {ms / 1000:.1f} s; cancelled/deleted/excluded/ignored {real.facts['real_counts']}"
            f", skipped {real.facts['skipped']}; writes (count, median ms, total ms) "
            f"{real.facts['writes']}; a dry run afterwards finds {real.facts['after_counts']}",
            flush=True,
        )
        facts["sized"] = sized
        facts["real"] = real
    return facts


# -- the report --------------------------------------------------------------------------------
def predicted_ratio(small: int, large: int) -> float:
    return large * math.log(large) / (small * math.log(small))


def section(args: argparse.Namespace, facts: dict[str, Any], total_s: float) -> list[str]:
    small, large = facts["sized"]
    real = facts["real"]
    cs, cl = small.facts["calgate"], large.facts["calgate"]
    b_small, b_large = small.facts["bookings"], large.facts["bookings"]
    pred = predicted_ratio(b_small, b_large)
    ratio = cl["total"] / cs["total"]
    no_sync = (cl["total"] - cl["sync"]) / (cs["total"] - cs["sync"])
    no_gc = (cl["total"] - cl["gc"]) / (cs["total"] - cs["gc"])
    entries = [sum(c.facts["counts"]) for c in (small, large)]
    command = ".venv/bin/python bench/bench_clearing.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    lines = [
        BEGIN,
        SECTION,
        "",
        f"Made by `{command.strip()}` on {datetime.now(UTC):%Y-%m-%d} in {total_s:.0f} s.",
        f"Machine: {facts['machine']}. The machine was shared with other work while this",
        "ran, so single runs vary by 20% or more.",
        "",
        "`services.clearing.clear_calendar(dry_run=True)` on calgate's synced index against a",
        "client without one (`caldav` search with client-side expansion, then every booking",
        "against every other), on the embedded Radicale, in one process and run. The data is",
        "bench/index_data.py's calendar (n / 20 weekly series, half in Europe/Oslo, EXDATEs and",
        "moved occurrences; single events over 18 months, one in 40 all-day) with CREATED (none",
        "on one in ten), an ORGANIZER, one in 33 single events cancelled and one in 50 objects",
        "prioritized. The span is fixed, so 10x the events is 10x the density and the overlaps:",
        "the stricter test (a room filling up); bench_clearing_domain.py keeps the density",
        f"fixed instead. Clearing window {WINDOW[0]:%Y-%m-%d} to {WINDOW[1]:%Y-%m-%d} (the whole",
        "calendar). Series expand, so the number of bookings (single events plus occurrences,",
        "the n of the plan) is about three times the number of events.",
        "",
        "| events | bookings | fill (s) | first sync (s) | cancelled / deleted / excluded "
        "/ ignored |",
        "|---:|---:|---:|---:|---|",
    ]
    for cal in (small, large):
        f = cal.facts
        lines.append(
            f"| {cal.n:,} | {f['bookings']:,} | {f['fill_s']:.1f} | {f['first_sync_s']:.1f} | "
            + " / ".join(str(c) for c in f["counts"])
            + " |"
        )
    lines += [
        "",
        f"calgate, medians of {args.repeat} runs after a warm-up, the sizes in turn (ms):",
        "",
        "| events | `clear_calendar` dry run | of it, garbage collection | sync (nothing "
        "changed) | load from the index | `plan()` | report |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cal in (small, large):
        c = cal.facts["calgate"]
        lines.append(
            f"| {cal.n:,} | {c['total']:.0f} | {c['gc']:.0f} | {c['sync']:.0f} | "
            f"{c['load']:.0f} | "
            f"{c['plan']:.0f} | {c['report']:.0f} |"
        )
    pieces = ", ".join(f"{k} {cl[k] / cs[k]:.1f}" for k in ("sync", "load", "plan", "report"))
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    lines += [
        "",
        f"**Ratio {large.n:,} / {small.n:,} events: {ratio:.1f}** for the whole dry run "
        f"({no_gc:.1f} without its garbage collection, {no_sync:.1f} without the sync); "
        f"n log n predicts {pred:.1f} from the booking "
        f"counts ({b_small:,} and {b_large:,}); the goal (at most {GOAL_RATIO:.0f}) is {verdict}. "
        f"Per piece: {pieces}. The report grows with its entries ({entries[0]:,} and "
        f"{entries[1]:,}: the span is fixed, so the share that loses grows with the density).",
        "",
        f"Garbage collection inside each piece at {large.n:,} (ms, medians; each piece starts on "
        "a collected heap): "
        + ", ".join(f"{k} {cl['gc_' + k]:.0f}" for k in ("sync", "load", "plan", "report"))
        + f"; in the whole dry run {cl['gc']:.0f} of {cl['total']:.0f} ms.",
        "",
        "The direct way: one calendar-query for the whole window is what a tool would send; "
        "Radicale answers "
        + "; ".join(f"{cal.n:,} events: {cal.facts['one_query']}" for cal in (small, large))
        + (
            " (Radicale's `max_expand_occurrence`: a REPORT that would serve more than 10,000 "
            "VEVENTs is a 400)"
            if any(c.facts["one_query"].startswith("refused") for c in (small, large))
            else ""
        )
        + f". So the direct way asks in {args.chunk_days}-day windows (`Calendar.search(start, "
        "end, event=True, expand=True)`, expanded client side by recurring-ical-events; a "
        "series running over several windows is downloaded with each, repeats dropped), then "
        "compares every booking with every other. Milliseconds, medians, the number of runs in "
        "brackets:",
        "",
        "| events | bookings | `search(expand=True)` | to booking tuples | pairwise overlaps "
        "| decide | total |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for cal in (small, large):
        d, r = cal.facts["direct"], cal.facts["direct_runs"]
        pair = f"{d['pairwise']:.0f} ({r['pairwise']})" if "pairwise" in d else "not measured"
        dec = f"{d['decide']:.0f}" if "decide" in d else "-"
        total = (
            f"{d['fetch'] + d['convert'] + d['pairwise'] + d['decide']:.0f}"
            if "pairwise" in d
            else "-"
        )
        lines.append(
            f"| {cal.n:,} | {cal.facts['direct_items']:,} | {d['fetch']:.0f} ({r['fetch']}) | "
            f"{d['convert']:.0f} | {pair} | {dec} | {total} |"
        )
        if "pairwise_stopped" in cal.facts:
            done, all_pairs, secs = cal.facts["pairwise_stopped"]
            notes.append(
                f"At {cal.n:,} events the pairwise loop was stopped after {secs:.0f} s, "
                f"{done:,} of {all_pairs:,} pairs; **extrapolated** (not measured) it would "
                f"take about {secs * all_pairs / max(done, 1):.0f} s."
            )
        if "agree" in cal.facts:
            same = "the same" if cal.facts["agree"] else "NOT the same"
            notes.append(
                f"At {cal.n:,} events the direct way finds {same} losers and counts as calgate "
                f"(counts {' / '.join(str(c) for c in cal.facts['direct_counts'])})."
            )
    lines += ["", *notes]
    speedups = []
    for cal in (small, large):
        d = cal.facts["direct"]
        if "pairwise" in d:
            direct_total = d["fetch"] + d["convert"] + d["pairwise"] + d["decide"]
            speedups.append(
                f"{cal.n:,}: {direct_total / cal.facts['calgate']['total']:.0f}x "
                f"(its fetch alone takes {d['fetch'] / cal.facts['calgate']['total']:.0f}x "
                "calgate's whole pass)"
            )
    if speedups:
        lines += ["", "calgate's dry run is faster than the direct way by " + "; ".join(speedups)]
    w = real.facts["writes"]
    n_writes = sum(v[0] for v in w.values())
    write_ms = sum(v[2] for v in w.values())
    kinds = "; ".join(
        f"{count} {'deletes' if k == 'delete' else 'exclusions (EXDATE: GET and PUT)'}, "
        f"median {med:.0f} ms each"
        for k, (count, med, _) in sorted(w.items())
    )
    lines += [
        "",
        "Garbage collection is still a large cost of the pass: the collections of the oldest "
        "generation that building tens of thousands of bookings and index rows sets off walk "
        "the whole heap, several times per pass; a piece run on its own on a collected heap "
        "sets off few of them. Until the bookings stopped keeping each item's decoded JSON it "
        "was 47% of the pass at 10,000 events (2,056 of 4,405 ms on 2026-11-22, ratio 20.2).",
        "",
        f"One real clearing (not a dry run) of a fresh copy of the {real.n:,}-event calendar: "
        f"{real.facts['real_ms'] / 1000:.1f} s; cancelled / deleted / excluded / ignored "
        + " / ".join(str(c) for c in real.facts["real_counts"])
        + f", {real.facts['skipped']} skipped. {n_writes} CalDAV writes ({kinds}) took "
        f"{write_ms / 1000:.1f} s, {write_ms / max(n_writes, 1):.0f} ms per write, "
        f"{100 * write_ms / real.facts['real_ms']:.0f}% of the pass. A dry run afterwards finds "
        + " / ".join(str(c) for c in real.facts["after_counts"])
        + ".",
        "",
        f"Where the time of a {large.n:,}-event dry run goes besides garbage collection "
        "(cProfile with the collector off, as it charges collections to whatever function "
        "allocates; own time):",
        "",
        "```",
        *facts["profile"].splitlines()[:14],
        "```",
        END,
    ]
    return lines


def write_section(report: Path, lines: list[str]) -> None:
    """Put ``lines`` in place of this benchmark's section (between its markers), or after the
    end; the rest of the file is left as it is."""
    text = report.read_text() if report.exists() else ""
    body = "\n".join(lines) + "\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + body + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + body
    report.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 10000])
    parser.add_argument("--real", type=int, default=1000, help="events of the real clearing")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (median)")
    parser.add_argument(
        "--pairwise-budget",
        type=float,
        default=420,
        help="seconds for all pairwise runs; fewer runs when they do not fit",
    )
    parser.add_argument(
        "--pairwise-cap", type=float, default=240, help="seconds one pairwise run may take"
    )
    parser.add_argument(
        "--chunk-days", type=int, default=100, help="days per calendar-query of the direct way"
    )
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="calgate-bench-clear-") as tmp:
        facts = run(args, Path(tmp))
    lines = section(args, facts, time.perf_counter() - started)
    print("\n" + "\n".join(lines))
    if not args.no_report:
        write_section(args.report, lines)
        print(f"section written to {args.report}")
    small, large = facts["sized"]
    return 0 if large.facts["calgate"]["total"] / small.facts["calgate"]["total"] <= 15 else 1


if __name__ == "__main__":
    raise SystemExit(main())
