"""Index benchmark: calgate's local index against a tool without one, on a 10,000-event calendar.

Starts calgate for real (uvicorn on loopback, embedded Radicale in a temporary data folder, the
index kept warm: index_max_age 3600 s), fills the default calendar through Radicale's own storage
API, builds the index with one full sync, then measures side by side in one run:

1. list one month, expanded: GET ?expand=true through calgate vs `Calendar.search(expand=True)`
   straight to the same Radicale (goal: calgate at least 50x faster; instance counts compared)
2. create one event: POST through calgate vs `Calendar.add_event` (goal: calgate adds <= 25%)
3. refresh after one external change: calgate's incremental sync (`indexer.sync`) vs a full
   re-download (PROPFIND of every href + calendar-multiget in batches) (goal: <= 5%)
4. memory: resident set size of a `calgate serve` process holding an index of 100,000 events in
   ten calendars, after listing requests (goal: under 300 MB)

Usage: .venv/bin/python bench/bench_index.py [--events 10000] [--series 500]
       [--memory-events 100000] [--repeat 7] [--report bench/INDEX_REPORT.md]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import caldav
import httpx2 as httpx
from radicale import config as rconfig
from radicale import item as ritem
from radicale import storage as rstorage
from sqlalchemy import create_engine, insert, select

sys.path.insert(0, str(Path(__file__).parent))
from bench_basic import TOKEN, free_port, start_calgate, wait_health
from index_data import MONTH, Obj, dataset

from calgate.db.models import (
    CalendarRow,
    CalendarSyncRow,
    IndexedEventRow,
    OccurrenceRow,
    SourceRow,
)
from calgate.domain.ids import id_from_resource_name
from calgate.domain.model import EventWrite
from calgate.index import queries
from calgate.index import store as istore
from calgate.lifecycle import Lifecycle
from calgate.runtime import Runtime
from calgate.services import events
from calgate.services.context import CalendarContext
from calgate.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MAX_AGE = 3600.0


# -- small helpers ----------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def median_ms(fn: Callable[[], object], repeat: int, *, warm: bool = True) -> float:
    if warm:
        fn()
    return statistics.median(timed(fn)[0] for _ in range(repeat))


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS / VmHWM of a process in MB, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = 0
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({model}), {mem / 1024:.0f} GB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


def fill_store(folder: Path, calendar_path: str, objs: list[Obj]) -> None:
    """Write every object with Radicale's storage API in one go (the collection is replaced
    atomically, its properties kept; item cache written, fsync off for speed)."""
    conf = rconfig.Configuration(rconfig.DEFAULT_CONFIG_SCHEMA)
    conf.update({"storage": {"filesystem_folder": str(folder)}}, "bench")
    conf.update({"storage": {"_filesystem_fsync": False}}, "bench", privileged=True)
    store = rstorage.load(conf)
    sane = calendar_path.strip("/")
    with store.acquire_lock("w"):
        col = next(iter(store.discover(calendar_path)))
        props = col.get_meta()
        items = [
            ritem.Item(
                collection_path=sane,
                text=o.text,
                uid=o.uid,
                name="VCALENDAR",
                component_name="VEVENT",
            )
            for o in objs
        ]
        store.create_collection(calendar_path, items=items, props=props)


def in_process_month(
    runtime: Runtime, calendar: CalendarRow, source: SourceRow, repeat: int, *, warm: bool = True
) -> float:
    """The month listing as the route runs it, without HTTP: freshness check, query, page."""
    ctx = CalendarContext(runtime, calendar, source)
    query = queries.Query(
        calendar_id=calendar.id,
        start=MONTH[0],
        end=MONTH[1],
        expand=True,
        floating_tz=calendar.time_zone,
        limit=2500,
        max_items=runtime.settings.max_expansion,
    )
    return median_ms(lambda: events.list_indexed(ctx, query, page_token=None), repeat, warm=warm)


def occurrence_delete_plan(db_path: Path, event_ids: list[str]) -> tuple[str, float]:
    """How SQLite runs the per-object occurrence delete of store._drop_occurrences, and what
    one costs (median over ``event_ids``, rolled back)."""
    import sqlite3

    sql = "DELETE FROM occurrences WHERE calendar_id = ? AND event_id = ?"
    c = sqlite3.connect(db_path, timeout=30)
    try:
        rows = c.execute("EXPLAIN QUERY PLAN " + sql, ("default", "x")).fetchall()
        times = []
        for event_id in event_ids:
            t0 = time.perf_counter()
            c.execute(sql, ("default", event_id))
            times.append((time.perf_counter() - t0) * 1000)
        c.rollback()
    finally:
        c.close()
    return "; ".join(r[-1] for r in rows), statistics.median(times)


# -- instance identity (to compare the two month listings) -------------------------------------
def _norm(value: Any, tz: str | None = None) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(tz) if tz else UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if len(text) == 10:
        return text
    return _norm(datetime.fromisoformat(text.replace("Z", "+00:00")), tz)


def calgate_keys(items: list[dict]) -> set[tuple[str, str]]:
    return {(i["id"], _norm(i["start"], i.get("timeZone"))) for i in items}


def caldav_keys(objs: list[Any]) -> set[tuple[str, str]]:
    out = set()
    for o in objs:
        name = str(o.url).rstrip("/").rsplit("/", 1)[-1]
        comp = o.icalendar_component
        out.add((id_from_resource_name(name), _norm(comp["DTSTART"].dt)))
    return out


# -- results ---------------------------------------------------------------------------------
@dataclass
class Goal:
    name: str
    calgate_label: str
    direct_label: str
    calgate: float
    direct: float
    unit: str
    goal: str
    met: bool
    ratio_text: str
    notes: list[str] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)  # (label, value) rows


def print_goal(g: Goal) -> None:
    print(f"\n== {g.name}", flush=True)
    print(f"   calgate ({g.calgate_label}): {g.calgate:.1f} {g.unit}")
    if g.direct_label:
        print(f"   direct  ({g.direct_label}): {g.direct:.1f} {g.unit}")
    print(f"   {g.ratio_text}; goal {g.goal}: {'MET' if g.met else 'NOT MET'}")
    for label, value in g.extra:
        print(f"   {label}: {value}")
    for n in g.notes:
        print(f"   note: {n}")


def profile_top(fn: Callable[[], object], n: int = 16) -> str:
    """cProfile of ``fn`` in this thread, the functions with the most own time."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime")
    stats.print_stats(n)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    head = next((ln.strip() for ln in lines if "function calls" in ln), "")
    return "\n".join([head, *lines[start:]])


# -- the benchmark ---------------------------------------------------------------------------
def run_main(args: argparse.Namespace, tmp: Path) -> tuple[list[Goal], dict[str, Any]]:
    facts: dict[str, Any] = {}
    server, lifecycle, base = start_calgate(tmp / "data", index_max_age=MAX_AGE)
    runtime = lifecycle.runtime
    store = runtime.embedded
    assert store is not None
    cal_path = store.calendar_path("default")
    cal_url = runtime.embedded_base_url().rstrip("/") + cal_path
    dav = caldav.DAVClient(
        url=runtime.embedded_base_url(),
        username=store.internal_username,
        password=store.internal_password,
    )
    cal = dav.calendar(url=cal_url)
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
    goals: list[Goal] = []
    try:
        # -- fill and first sync ----------------------------------------------------------
        objs = dataset(args.events, args.series)
        n_rec = sum(o.recurring for o in objs)
        n_exc = sum(o.exceptions for o in objs)
        n_unb = sum(1 for o in objs if o.recurring and "COUNT=" not in o.text)
        facts["data"] = (
            f"{len(objs)} events in one calendar: {n_rec} weekly series "
            f"({n_unb} unbounded, the rest 20-52 weeks; half in Europe/Oslo with a VTIMEZONE), "
            f"{n_exc} of them with an EXDATE and a moved occurrence (RECURRENCE-ID), "
            f"{len(objs) - n_rec} single events ({sum(1 for o in objs if 'VALUE=DATE' in o.text)}"
            " all-day) over 18 months"
        )
        print(f"filling the calendar: {facts['data']} ...", flush=True)
        fill_ms, _ = timed(lambda: fill_store(store.folder, cal_path, objs))
        facts["fill_s"] = fill_ms / 1000
        print(f"  filled through Radicale's storage API in {fill_ms / 1000:.1f} s", flush=True)

        with runtime.db.session() as session:
            calendar = session.get(CalendarRow, "default")
            source = session.get(SourceRow, "embedded")
        assert calendar is not None and source is not None
        sync_ms, report = timed(lambda: runtime.indexer.sync(calendar, source))
        facts["first_sync_s"] = sync_ms / 1000
        facts["first_sync"] = report
        with runtime.db.session() as session:
            n_occ = session.query(OccurrenceRow).filter_by(calendar_id="default").count()
        facts["occurrence_rows"] = n_occ
        facts["delete_plan"] = occurrence_delete_plan(
            tmp / "data" / "calgate.db", [id_from_resource_name(o.name) for o in objs[-9:]]
        )
        print(
            f"  first full index sync: {sync_ms / 1000:.1f} s ({report.mode}, "
            f"{report.fetched} objects, {n_occ} materialized occurrences)",
            flush=True,
        )

        # -- 1. list one month, expanded --------------------------------------------------
        print("\n1. list one month, expanded ...", flush=True)
        params = {
            "start": MONTH[0].isoformat(),
            "end": MONTH[1].isoformat(),
            "expand": "true",
            "limit": "2500",
        }

        http_ms: list[float] = []
        decode_ms: list[float] = []

        def calgate_month() -> list[dict]:
            """All pages, each body read and decoded, as a client would."""
            items: list[dict] = []
            token = None
            t_http = t_decode = 0.0
            while True:
                p = dict(params, **({"pageToken": token} if token else {}))
                t0 = time.perf_counter()
                r = api.get("/api/v1/calendars/default/events", params=p)
                r.raise_for_status()
                t1 = time.perf_counter()
                body = r.json()
                t_http += t1 - t0
                t_decode += time.perf_counter() - t1
                items += body["items"]
                token = body.get("nextPageToken")
                if not token:
                    http_ms.append(t_http * 1000)
                    decode_ms.append(t_decode * 1000)
                    return items

        def direct_month() -> list[Any]:
            return cal.search(start=MONTH[0], end=MONTH[1], event=True, expand=True)

        first_direct_ms, direct_items = timed(direct_month)
        calgate_items = calgate_month()
        ck, dk = calgate_keys(calgate_items), caldav_keys(direct_items)
        n_calgate, n_direct = len(calgate_items), len(direct_items)
        mb = len(json.dumps(calgate_items)) / 1e6
        # the caldav result objects would otherwise stay alive in the process calgate serves
        # from, and every garbage collection during calgate's requests would walk them
        del calgate_items, direct_items
        gc.collect()
        c_ms = median_ms(calgate_month, args.repeat)
        d_ms = median_ms(direct_month, args.repeat, warm=False)
        ratio = d_ms / c_ms
        g = Goal(
            "1. list one month, expanded (March 2027)",
            "GET /events?expand=true, warm index",
            "caldav Calendar.search(expand=True)",
            c_ms,
            d_ms,
            "ms",
            ">= 50x faster",
            ratio >= 50,
            f"calgate {ratio:.0f}x faster",
        )
        g.extra += [
            ("instances", f"calgate {n_calgate}, direct {n_direct}"),
            (
                "calgate split",
                f"HTTP GET with the body read {statistics.median(http_ms[-args.repeat :]):.1f} ms "
                f"({d_ms / statistics.median(http_ms[-args.repeat :]):.0f}x), client JSON decode "
                f"{statistics.median(decode_ms[-args.repeat :]):.1f} ms; response "
                f"{mb:.1f} MB",
            ),
            (
                "calgate in process (services.events.list_indexed, no HTTP)",
                f"{in_process_month(runtime, calendar, source, args.repeat):.1f} ms",
            ),
            ("direct, first call", f"{first_direct_ms:.0f} ms"),
        ]
        if ck == dk and n_calgate == n_direct:
            g.notes.append("the two listings hold the same instances (event id and start)")
        else:
            only_c, only_d = sorted(ck - dk), sorted(dk - ck)
            g.notes.append(
                f"listings differ: {len(only_c)} instances only in calgate "
                f"(e.g. {only_c[:3]}), {len(only_d)} only in the direct search (e.g. {only_d[:3]})"
            )
        if args.profile:
            facts["profile_month"] = profile_top(
                lambda: in_process_month(runtime, calendar, source, 1, warm=False)
            )
        goals.append(g)
        print_goal(g)

        # -- 2. create one event ----------------------------------------------------------
        print("\n2. create one event ...", flush=True)
        body = {"title": "Bench", "start": "2027-03-10T10:00:00Z", "end": "2027-03-10T11:00:00Z"}
        fmt = "%Y%m%dT%H%M%SZ"

        def direct_ical() -> str:
            st = datetime(2027, 3, 10, 10, tzinfo=UTC)
            return "\r\n".join(
                [
                    "BEGIN:VCALENDAR",
                    "VERSION:2.0",
                    "PRODID:-//calgate bench//EN",
                    "BEGIN:VEVENT",
                    f"UID:{uuid.uuid4()}",
                    "DTSTAMP:20260101T000000Z",
                    f"DTSTART:{st.strftime(fmt)}",
                    f"DTEND:{(st + timedelta(hours=1)).strftime(fmt)}",
                    "SUMMARY:Bench",
                    "END:VEVENT",
                    "END:VCALENDAR",
                    "",
                ]
            )

        def calgate_create() -> None:
            api.post("/api/v1/calendars/default/events", json=body).raise_for_status()

        def direct_create() -> None:
            cal.add_event(direct_ical())

        # alternate the two so both see the same collection size
        calgate_create()
        direct_create()
        cs, ds = [], []
        for _ in range(args.repeat):
            cs.append(timed(calgate_create)[0])
            ds.append(timed(direct_create)[0])
        c_ms, d_ms = statistics.median(cs), statistics.median(ds)
        added = c_ms / d_ms - 1
        g = Goal(
            "2. create one event",
            "POST /events",
            "caldav Calendar.add_event",
            c_ms,
            d_ms,
            "ms",
            "calgate adds <= 25%",
            added <= 0.25,
            f"calgate adds {added * 100:+.0f}% ({c_ms - d_ms:+.1f} ms)",
        )
        if args.profile:
            ctx = CalendarContext(runtime, calendar, source)
            write = EventWrite.model_validate(body)
            facts["profile_create"] = profile_top(lambda: events.create_event(ctx, write))
        goals.append(g)
        print_goal(g)

        # -- 3. refresh after one external change -----------------------------------------
        print("\n3. refresh after one external change ...", flush=True)
        runtime.indexer.sync(calendar, source)  # settle calgate's own writes from step 2
        victim = next(o for o in objs if not o.recurring)
        victim_url = cal_url + victim.name

        def external_change(n: int) -> None:
            text = victim.text.replace("SUMMARY:", f"SUMMARY:changed {n} ", 1)
            r = dav.put(victim_url, text, {"Content-Type": "text/calendar; charset=utf-8"})
            assert r.status in (201, 204), r.status

        incs, reports = [], []
        for n in range(args.repeat + 1):
            external_change(n)
            ms, rep = timed(lambda: runtime.indexer.sync(calendar, source))
            reports.append(rep)
            if n:  # the first one is a warm-up
                incs.append(ms)
        inc_ms = statistics.median(incs)
        conn = runtime.connection(source)
        url = runtime.calendar_url(calendar, source)

        def full_download() -> int:
            hrefs = conn.list_hrefs(url)
            return len(conn.multiget(url, list(hrefs)))

        fulls = []
        for _ in range(args.full_repeat):
            ms, n_full = timed(full_download)
            fulls.append(ms)
        full_ms = statistics.median(fulls)
        share = inc_ms / full_ms
        g = Goal(
            "3. refresh after one external change",
            "incremental indexer.sync",
            "full re-download: PROPFIND hrefs + calendar-multiget x100",
            inc_ms,
            full_ms,
            "ms",
            "incremental <= 5% of full",
            share <= 0.05,
            f"incremental is {share * 100:.1f}% of the full re-download",
        )
        with runtime.db.session() as session:
            token = istore.sync_state(session, calendar_id=calendar.id).sync_token
        report_ms = median_ms(lambda: conn.sync_collection(url, token), args.repeat)
        ctag_ms = median_ms(lambda: conn.ctag(url), args.repeat)
        with runtime.db.session() as session:
            etags_ms = median_ms(
                lambda: istore.known_etags(session, calendar_id=calendar.id), args.repeat
            )
        fetched = {(r.mode, r.fetched, r.deleted, r.full) for r in reports[1:]}
        g.extra += [
            (
                "incremental syncs",
                ", ".join(
                    f"{m} fetched {f} deleted {d} full {fu}" for m, f, d, fu in sorted(fetched)
                ),
            ),
            ("full re-download", f"{n_full} objects, median of {args.full_repeat}"),
            (
                "inside the incremental sync",
                f"Radicale's sync-collection REPORT alone, nothing changed: {report_ms:.0f} ms "
                f"({report_ms / full_ms * 100:.1f}% of the full download); its ctag PROPFIND "
                f"(depth 0): {ctag_ms:.0f} ms; calgate's known_etags read of the whole "
                f"calendar from the index: {etags_ms:.0f} ms",
            ),
            (
                "full re-index for comparison (first sync above)",
                f"{facts['first_sync_s'] * 1000:.0f} ms "
                f"(incremental = {inc_ms / (facts['first_sync_s'] * 1000) * 100:.2f}% of it)",
            ),
        ]
        facts["full_reindex_share"] = inc_ms / (facts["first_sync_s"] * 1000)
        if args.profile:
            external_change(99)
            facts["profile_sync"] = profile_top(lambda: runtime.indexer.sync(calendar, source))
        goals.append(g)
        print_goal(g)
        facts["main_rss"] = proc_status()
    finally:
        api.close()
        dav.close()
        server.should_exit = True
        time.sleep(0.5)
        lifecycle.stop()
    return goals, facts


# -- 4. memory --------------------------------------------------------------------------------
def fill_memory_db(src_db: Path, data_dir: Path, total: int, calendars: int) -> dict[str, Any]:
    """A calgate data folder whose index holds ``total`` events in ``calendars`` calendars,
    copied (with new ids) from the index the main run built: the same rows a sync writes, without
    paying the sync again for each calendar."""
    settings = Settings(_env_file=None, data_dir=data_dir, admin_token=TOKEN)  # type: ignore[call-arg]
    lifecycle = Lifecycle(settings)
    lifecycle.start()
    runtime = lifecycle.runtime
    store = runtime.embedded
    assert store is not None
    ids = [f"mem{c:02d}" for c in range(calendars)]
    now = datetime.now(UTC)
    with runtime.db.session() as session:
        for cid in ids:
            store.ensure_calendar(cid, name=f"Memory {cid}", time_zone="UTC")
            session.add(
                CalendarRow(
                    id=cid,
                    source_id="embedded",
                    href=store.calendar_path(cid),
                    name=f"Memory {cid}",
                    time_zone="UTC",
                    created=now,
                    updated=now,
                )
            )
    lifecycle.stop()

    src = create_engine(f"sqlite:///{src_db}")
    ev_cols = [c for c in IndexedEventRow.__table__.columns if c.name != "id"]
    oc_cols = [c for c in OccurrenceRow.__table__.columns if c.name != "id"]
    with src.connect() as conn:
        events = [
            dict(r._mapping)
            for r in conn.execute(
                select(*ev_cols).where(
                    IndexedEventRow.calendar_id == "default", IndexedEventRow.deleted.is_(False)
                )
            )
        ]
        occs: dict[str, list[dict]] = {}
        for r in conn.execute(select(*oc_cols).where(OccurrenceRow.calendar_id == "default")):
            occs.setdefault(r.event_id, []).append(dict(r._mapping))
    src.dispose()

    dst = create_engine(f"sqlite:///{data_dir / 'calgate.db'}")
    per_cal = total // calendars
    n_ev = n_occ = 0
    with dst.begin() as conn:
        for cid in ids:
            ev_rows, occ_rows = [], []
            for j in range(per_cal):
                e = events[j % len(events)]
                rnd = j // len(events)
                old = e["event_id"]
                new = old if rnd == 0 else f"{old}-{rnd}"

                def fix(
                    text: str | None, old: str = old, new: str = new, cid: str = cid
                ) -> str | None:
                    if text is None:
                        return None
                    return text.replace('"calendarId":"default"', f'"calendarId":"{cid}"').replace(
                        f'"id":"{old}"', f'"id":"{new}"'
                    )

                row = dict(e, calendar_id=cid, event_id=new, seq=j + 1, created_seq=j + 1)
                row["public_json"] = fix(e["public_json"])
                row["href"] = e["href"].replace("/default/", f"/{cid}/").replace(old, new)
                ev_rows.append(row)
                for o in occs.get(old, []):
                    occ_rows.append(
                        dict(o, calendar_id=cid, event_id=new, public_json=fix(o["public_json"]))
                    )
            conn.execute(insert(IndexedEventRow.__table__), ev_rows)
            if occ_rows:
                conn.execute(insert(OccurrenceRow.__table__), occ_rows)
            conn.execute(
                insert(CalendarSyncRow.__table__),
                [
                    {
                        "calendar_id": cid,
                        "epoch": 1,
                        "seq": per_cal,
                        "floor": 0,
                        "touched": [],
                        "last_synced": now,  # fresh: the serving process must not sync
                    }
                ],
            )
            n_ev += len(ev_rows)
            n_occ += len(occ_rows)
    dst.dispose()
    return {"events": n_ev, "occurrences": n_occ, "calendars": ids}


def run_memory(args: argparse.Namespace, tmp: Path) -> Goal:
    print(
        f"\n4. memory: {args.memory_events} indexed events in {args.memory_calendars} calendars"
        " ...",
        flush=True,
    )
    data_dir = tmp / "memdata"
    fill_ms, filled = timed(
        lambda: fill_memory_db(
            tmp / "data" / "calgate.db", data_dir, args.memory_events, args.memory_calendars
        )
    )
    db_mb = (data_dir / "calgate.db").stat().st_size / 1e6
    print(
        f"  index filled in {fill_ms / 1000:.1f} s: {filled['events']} events, "
        f"{filled['occurrences']} occurrence rows, database {db_mb:.0f} MB",
        flush=True,
    )
    port = free_port()
    env = {
        **os.environ,
        "CALGATE_ADMIN_TOKEN": TOKEN,
        "CALGATE_INDEX_MAX_AGE": str(int(MAX_AGE)),
        "CALGATE_LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "calgate",
        "serve",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = open(tmp / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    requests = 0
    try:
        wait_health(base, 120)
        rss_idle = proc_status(proc.pid)["VmRSS"]
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
        months = [datetime(2026, m, 1, tzinfo=UTC) for m in (7, 9, 11)] + [
            datetime(2027, m, 1, tzinfo=UTC) for m in (1, 3, 5)
        ]
        lat: dict[str, list[float]] = {
            "month, expanded": [],
            "half year, not expanded": [],
            "q=": [],
        }
        year_answer: str | None = None
        counts: dict[str, int] = {}
        for cid in filled["calendars"]:
            path = f"/api/v1/calendars/{cid}/events"
            for m in months:
                end = (m + timedelta(days=32)).replace(day=1)
                p = {
                    "start": m.isoformat(),
                    "end": end.isoformat(),
                    "expand": "true",
                    "limit": "2500",
                }
                ms, r = timed(lambda p=p, path=path: api.get(path, params=p))
                r.raise_for_status()
                lat["month, expanded"].append(ms)
                counts["month, expanded"] = len(r.json()["items"])
                requests += 1
            if year_answer is None:
                p = {
                    "start": "2026-09-01T00:00:00Z",
                    "end": "2027-09-01T00:00:00Z",
                    "limit": "2500",
                }
                r = api.get(path, params=p)
                year_answer = f"{r.status_code} {r.json().get('detail', '')}".strip()
                requests += 1
            p = {"start": "2026-09-01T00:00:00Z", "end": "2027-03-01T00:00:00Z", "limit": "2500"}
            ms, r = timed(lambda p=p, path=path: api.get(path, params=p))
            r.raise_for_status()
            lat["half year, not expanded"].append(ms)
            counts["half year, not expanded"] = len(r.json()["items"])
            p = dict(p, q="retro")
            ms, r = timed(lambda p=p, path=path: api.get(path, params=p))
            r.raise_for_status()
            lat["q="].append(ms)
            counts["q="] = len(r.json()["items"])
            requests += 2
        api.close()
        status = proc_status(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    rss = status["VmRSS"]
    g = Goal(
        f"4. memory with {filled['events']} indexed events",
        "RSS of `calgate serve` after listing requests",
        "",
        rss,
        0.0,
        "MB",
        "< 300 MB",
        rss < 300,
        f"RSS {rss:.0f} MB = {rss / 300 * 100:.0f}% of the 300 MB budget",
    )
    g.extra += [
        (
            "index",
            f"{filled['events']} events + {filled['occurrences']} occurrence rows in "
            f"{len(filled['calendars'])} calendars, SQLite file {db_mb:.0f} MB, "
            f"filled in {fill_ms / 1000:.0f} s",
        ),
        ("RSS right after start-up", f"{rss_idle:.0f} MB"),
        ("peak RSS (VmHWM)", f"{status['VmHWM']:.0f} MB"),
        (
            "requests made",
            f"{requests} (per calendar: 6 months expanded, half a year not "
            "expanded (first page of 2500), the same with q=retro)",
        ),
        ("a year (2026-09-01 to 2027-09-01) not expanded, once", str(year_answer)),
    ]
    for name, values in lat.items():
        g.extra.append(
            (
                f"latency, {name}",
                f"median {statistics.median(values):.0f} ms, max "
                f"{max(values):.0f} ms ({counts[name]} items in the last)",
            )
        )
    print_goal(g)
    return g


# -- report -----------------------------------------------------------------------------------
def write_report(
    args: argparse.Namespace, goals: list[Goal], facts: dict[str, Any], total_s: float
) -> str:
    command = ".venv/bin/python bench/bench_index.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    lines = [
        "# Benchmark: calgate's index against a tool without one",
        "",
        f"Made by `{command.strip()}` on {datetime.now(UTC):%Y-%m-%d} in {total_s:.0f} s.",
        "",
        f"Machine: {machine()}.",
        "",
        "calgate runs for real (uvicorn on loopback, embedded Radicale 3.9 in a temporary data",
        "folder, `index_max_age` 3600 s so reads do not sync). The direct column is the `caldav`",
        "library (or calgate's own CalDAV client for the full download) against the same",
        "Radicale (calgate's internal loopback server), in the same process and run.",
        "",
        f"Data: {facts['data']}.",
        f"Filled with Radicale's storage API in {facts['fill_s']:.1f} s; the first full index",
        f"sync ({facts['first_sync'].mode}, {facts['first_sync'].fetched} objects, "
        f"{facts['occurrence_rows']} materialized occurrences) took "
        f"{facts['first_sync_s']:.1f} s.",
        "SQLite runs the per-object occurrence delete of the index (store._drop_occurrences) as",
        f"`{facts['delete_plan'][0]}`: {facts['delete_plan'][1]:.1f} ms per object at "
        f"{facts['occurrence_rows']} occurrence rows.",
        f"Times are medians of {args.repeat} runs after a warm-up ({args.full_repeat} for the",
        "full re-download).",
        "",
        "## Goals",
        "",
        "| goal | calgate | direct | ratio | goal | met |",
        "|---|---:|---:|---|---|---|",
    ]
    for g in goals:
        direct = f"{g.direct:.1f} {g.unit}" if g.direct_label else "-"
        lines.append(
            f"| {g.name} | {g.calgate:.1f} {g.unit} | {direct} | {g.ratio_text} | {g.goal} | "
            f"{'yes' if g.met else '**no**'} |"
        )
    for g in goals:
        lines += [
            "",
            f"## {g.name}",
            "",
            "| | value |",
            "|---|---|",
            f"| calgate: {g.calgate_label} | {g.calgate:.1f} {g.unit} |",
        ]
        if g.direct_label:
            lines.append(f"| direct: {g.direct_label} | {g.direct:.1f} {g.unit} |")
        lines += [
            f"| ratio | {g.ratio_text} |",
            f"| goal | {g.goal}: {'met' if g.met else '**not met**'} |",
        ]
        lines += [f"| {label} | {value} |" for label, value in g.extra]
        lines += [f"| note | {n} |" for n in g.notes]
    profiles = [
        ("month listing: services.events.list_indexed", facts.get("profile_month")),
        ("create: services.events.create_event", facts.get("profile_create")),
        ("incremental sync after one change", facts.get("profile_sync")),
    ]
    if any(p for _, p in profiles):
        lines += ["", "## Profiles (`--profile`: cProfile, most own time first)", ""]
        lines += [
            "calgate's service functions called in the benchmark's thread. Radicale answers",
            "from its server threads, so time spent there shows up as socket reads here.",
        ]
        for name, text in profiles:
            if text:
                lines += ["", f"### {name}", "", "```", text, "```"]
    lines.append("")
    text = "\n".join(lines)
    args.report.write_text(text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events in the calendar")
    parser.add_argument("--series", type=int, default=500, help="weekly series among them")
    parser.add_argument(
        "--memory-events", type=int, default=100_000, help="indexed events for the memory goal"
    )
    parser.add_argument("--memory-calendars", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per operation (median)")
    parser.add_argument(
        "--full-repeat", type=int, default=3, help="timed full re-downloads (median)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="add cProfile summaries to the report"
    )
    parser.add_argument("--report", type=Path, default=Path(__file__).parent / "INDEX_REPORT.md")
    args = parser.parse_args()

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="calgate-bench-index-") as tmp_name:
        tmp = Path(tmp_name)
        goals, facts = run_main(args, tmp)
        if args.memory_events > 0:
            goals.append(run_memory(args, tmp))
    total = time.perf_counter() - t0
    text = write_report(args, goals, facts, total)
    print("\n" + text)
    print(f"report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
