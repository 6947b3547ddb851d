"""Free/busy benchmark: 20 calendars of 2,000 events each (100 weekly series, 1,900 single
events, a few all-day) on the embedded store, free/busy for one month over all 20.

calgate runs for real (uvicorn on loopback, embedded Radicale in a temporary data folder, the
index kept warm: index_max_age 3600 s). Side by side, in one run, medians after a warm-up:

1. calgate ``POST /api/v1/freebusy`` over HTTP (index warm: no sync)
2. the same, every calendar synced first (``Indexer.sync``: one sync-collection REPORT each,
   nothing changed): what a read costs with ``CALGATE_INDEX_MAX_AGE`` 0
3. direct: per calendar a calendar-query with a time range through the ``caldav`` library,
   expanded client side (recurring-ical-events), busy items merged
4. direct: per calendar a CalDAV free-busy-query REPORT (RFC 4791 7.10), if the server answers

Busy periods of 1 and 3 are compared (they must be equal). Writes its section of
bench/REPORT.md (between the bench_freebusy markers; the rest of the file is left alone).

Usage: .venv/bin/python bench/bench_freebusy.py [--calendars 20] [--events 2000]
       [--series 100] [--repeat 7]
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import caldav
import recurring_ical_events
from icalendar import Calendar

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import warm_calgate
from bench_index import fill_store, machine
from index_data import MONTH, Obj, series, single

from calgate.db.models import CalendarRow, SourceRow
from calgate.domain.freebusy import Period, merge_periods

REPORT = Path(__file__).parent / "REPORT.md"
BEGIN = "<!-- bench_freebusy:begin -->"
END = "<!-- bench_freebusy:end -->"


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), result


def calendar_data(c: int, events: int, n_series: int) -> list[Obj]:
    """Each calendar its own events (distinct UIDs and times)."""
    return [series(k + c * n_series) for k in range(n_series)] + [
        single(i + c * events) for i in range(events - n_series)
    ]


def _utc(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def direct_busy(cal: caldav.Calendar) -> list[Period]:
    """What a client without calgate does: a time-range query, then expansion and busy rules."""
    periods: list[Period] = []
    for obj in cal.search(start=MONTH[0], end=MONTH[1], event=True, expand=False):
        parsed = Calendar.from_ical(obj.data)
        for occ in recurring_ical_events.of(parsed).between(MONTH[0], MONTH[1]):
            if str(occ.get("STATUS", "")).upper() == "CANCELLED":
                continue
            if str(occ.get("TRANSP", "")).upper() == "TRANSPARENT":
                continue
            periods.append((_utc(occ["DTSTART"].dt), _utc(occ["DTEND"].dt)))
    return merge_periods(periods, *MONTH)


def calgate_busy(body: dict) -> dict[str, list[Period]]:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return {
        c["calendarId"]: [(parse(p["start"]), parse(p["end"])) for p in c["busy"]]
        for c in body["calendars"]
    }


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    with warm_calgate(tmp / "data") as (runtime, api, dav):
        store = runtime.embedded
        assert store is not None
        ids = [f"fb{c:02d}" for c in range(args.calendars)]
        t0 = time.perf_counter()
        for c, cal_id in enumerate(ids):
            resp = api.post("/api/v1/calendars", json={"id": cal_id, "name": cal_id})
            assert resp.status_code == 201, resp.text
            fill_store(
                store.folder,
                store.calendar_path(cal_id),
                calendar_data(c, args.events, args.series),
            )
        facts["fill_s"] = time.perf_counter() - t0
        with runtime.db.session() as session:
            rows = [(session.get(CalendarRow, i), session.get(SourceRow, "embedded")) for i in ids]
        pairs = [(c, s) for c, s in rows if c is not None and s is not None]
        t0 = time.perf_counter()
        for calendar, source in pairs:
            runtime.indexer.sync(calendar, source)
        facts["first_sync_s"] = time.perf_counter() - t0
        print(f"filled in {facts['fill_s']:.1f} s, indexed in {facts['first_sync_s']:.1f} s")

        body = {"calendars": ids, "start": MONTH[0].isoformat(), "end": MONTH[1].isoformat()}

        def calgate() -> dict:
            resp = api.post("/api/v1/freebusy", json=body)
            assert resp.status_code == 200, resp.text
            return resp.json()

        def calgate_synced() -> dict:
            for calendar, source in pairs:
                runtime.indexer.sync(calendar, source)
            return calgate()

        cals = [
            dav.calendar(url=runtime.embedded_base_url().rstrip("/") + store.calendar_path(i))
            for i in ids
        ]

        def direct() -> dict[str, list[Period]]:
            return {i: direct_busy(cal) for i, cal in zip(ids, cals, strict=True)}

        def direct_fbq() -> int:
            return sum(len(str(cal.freebusy_request(MONTH[0], MONTH[1]).data)) for cal in cals)

        facts["calgate_ms"], answer = median_ms(calgate, args.repeat)
        print(f"calgate warm index: {facts['calgate_ms']:.1f} ms")
        facts["synced_ms"], _ = median_ms(calgate_synced, args.repeat)
        print(f"calgate, every calendar synced first: {facts['synced_ms']:.1f} ms")
        facts["direct_ms"], direct_answer = median_ms(direct, args.repeat)
        print(f"direct calendar-query + client expansion: {facts['direct_ms']:.1f} ms")
        try:
            facts["fbq_ms"], _ = median_ms(direct_fbq, args.repeat)
            print(f"direct free-busy-query: {facts['fbq_ms']:.1f} ms")
        except Exception as exc:  # a server without it: reported, not fatal
            facts["fbq_ms"] = None
            facts["fbq_error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
            print(f"direct free-busy-query failed: {facts['fbq_error']}")
        ours = calgate_busy(answer)
        facts["periods"] = sum(len(v) for v in ours.values())
        facts["equal"] = ours == direct_answer
        diff = [i for i in ids if ours.get(i) != direct_answer.get(i)]
        facts["differ"] = diff
        print(f"{facts['periods']} busy periods; equal to the direct answer: {facts['equal']}")
    return facts


def section(args: argparse.Namespace, facts: dict[str, Any], total_s: float) -> str:
    command = ".venv/bin/python bench/bench_freebusy.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    fbq = f"{facts['fbq_ms']:.1f}" if facts["fbq_ms"] is not None else "n/a"
    ratio = facts["direct_ms"] / facts["calgate_ms"]
    lines = [
        BEGIN,
        f"## Free/busy: {args.calendars} calendars, one month",
        "",
        f"Made by `{command.strip()}` on {datetime.now(UTC):%Y-%m-%d} in {total_s:.0f} s.",
        f"Machine: {machine()}.",
        "",
        f"{args.calendars} calendars on the embedded Radicale, {args.events} events each "
        f"({args.series} weekly series, the rest single events over 18 months, one in 40 "
        f"all-day); filled through Radicale's storage API in {facts['fill_s']:.1f} s, indexed "
        f"in {facts['first_sync_s']:.1f} s. Window {MONTH[0]:%Y-%m-%d} to {MONTH[1]:%Y-%m-%d}; "
        f"{facts['periods']} merged busy periods in all. Medians of {args.repeat} runs after "
        "a warm-up, same process and run.",
        "",
        "| operation | ms |",
        "|---|---:|",
        f"| calgate `POST /api/v1/freebusy` (index warm) | {facts['calgate_ms']:.1f} |",
        f"| calgate, every calendar synced first (nothing changed) | {facts['synced_ms']:.1f} |",
        "| direct: calendar-query with time range per calendar (`caldav`), expanded and "
        f"merged client side | {facts['direct_ms']:.1f} |",
        f"| direct: CalDAV free-busy-query REPORT per calendar | {fbq} |",
        "",
        f"calgate (warm) is {ratio:.0f}x faster than the direct query and expansion. The "
        f"busy periods of the two are {'equal' if facts['equal'] else 'NOT equal'}"
        + (f" (differ: {', '.join(facts['differ'])})" if facts["differ"] else "")
        + ".",
    ]
    per_sync = (facts["synced_ms"] - facts["calgate_ms"]) / args.calendars
    lines += [
        "",
        f"Syncing first costs about {per_sync:.0f} ms per calendar: Radicale's sync-collection "
        "REPORT over the whole collection, even with nothing changed. That is why reads keep "
        "the index for `CALGATE_INDEX_MAX_AGE` (5 s) and the background loop keeps it fresh.",
    ]
    if facts.get("fbq_error"):
        lines.append(f"The free-busy-query REPORT failed: `{facts['fbq_error']}`.")
    lines += [END, ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    current = REPORT.read_text() if REPORT.exists() else ""
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        current = head + text + tail
    else:
        current = current.rstrip("\n") + "\n\n" + text
    REPORT.write_text(current)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calendars", type=int, default=20)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="calgate-bench-fb-") as tmp:
        facts = run(args, Path(tmp))
    text = section(args, facts, time.perf_counter() - started)
    print("\n" + text)
    if not args.no_report:
        write_section(text)
    return 0 if facts["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
