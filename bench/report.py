"""Production report: one saw's month from its SQLite files, and a fleet of 20 saws' month from
PostgreSQL, each beside a bare baseline measured in the same run.

Generated data (no samples needed: the report reads the cut and state tables; the month's 26 M
samples are not generated, so the fast path cannot touch them). One saw, 30 days of three shifts:
cuts with sections (a few without), the saw-state table (every change and the 60 s alive rows),
stopping alarms (trips, link losses) and profile flags. The fleet is this saw sent through the real
PostgreSQL mirror as machine 1, then copied server-side to machines 2..20.

Figures: the whole local report (per shift and the total, time lines included) and the .xlsx/.pdf
export, in a fresh process each (wall time, peak RSS); baseline: raw sqlite3 over the same tables
(COUNT/SUM of the cuts, a pass over the state rows) in the same kind of process. Fleet: the report
of 20 saws from PostgreSQL beside raw asyncpg COUNT/SUM per saw on the same tables.
Also the samples fallback (state from raw.db samples at 10 Hz) for one day, beside a bare
SELECT of the same column.

    nice -n 10 .venv/bin/python bench/report.py [--days 30] [--saws 20] [--no-fleet]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.analysis.tables import CUT_COLUMNS, INSERT_CUT
from core.config import PROJECT_ROOT, Settings, load_settings
from core.production.states import INSERT_STATE
from core.storage.schema import migrate

DAY_MS = 86_400_000
ALARM = ("INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, value, user) "
         "VALUES (?, ?, ?, 'x', 'y', ?, ?, NULL, 'system')")
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def bench_settings(data_dir: Path, database: str = "bandsaw") -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=data_dir / "no.env",
                         overrides={"paths": {"data_dir": str(data_dir), "logs_dir": str(data_dir / "logs")},
                                    "machine": {"time_zone": "Europe/Berlin", "id": 1, "name": "saw-01"},
                                    "database": {"postgresql": {"enabled": True, "database": database,
                                                                "host": PG["host"], "user": PG["user"],
                                                                "interval_s": 0.05, "batch_rows": 20_000}}})


def cut_row(start: int, seconds: float, rng: random.Random, band: int, outcome: str) -> tuple[object, ...]:
    end = start + int(seconds * 1000)
    known = rng.random() > 0.02
    height = rng.choice((60.0, 80.0, 100.0, 120.0))
    values = dict.fromkeys(CUT_COLUMNS)
    values.update(ts_ms=end, start_ms=start, end_ms=end, duration_s=seconds, outcome=outcome,
                  material_type=rng.randrange(12), cross_section=1 if known else None,
                  dimension_a=height if known else None, dimension_b=50.0, band_id=band, height_mm=height,
                  depth_mm=height if outcome == "completed" else height / 2,
                  area_cm2=height * 50 / 100 if known else 0.0, energy_method="none", control_mode="manual",
                  guard_events=0, samples=int(seconds * 10), gap_s=0.0)
    return tuple(values[name] for name in CUT_COLUMNS)


def generate(data_dir: Path, start_ms: int, days: int, seed: int = 3) -> dict[str, int]:
    """A month of one saw: ~500 cuts a day, state changes and alive rows, trips, link losses."""
    rng = random.Random(seed)
    folder = data_dir / "databases"
    folder.mkdir(parents=True, exist_ok=True)
    total = sqlite3.connect(folder / "total.db", isolation_level=None)
    log = sqlite3.connect(folder / "log.db", isolation_level=None)
    anomaly = sqlite3.connect(folder / "anomaly.db", isolation_level=None)
    for conn, db in ((total, "total"), (log, "log"), (anomaly, "anomaly")):
        migrate(conn, db)
        conn.execute("BEGIN")
    cuts: list[tuple[object, ...]] = []
    states: list[tuple[object, ...]] = []
    alarms: list[tuple[object, ...]] = []
    flags: list[tuple[object, ...]] = []
    t = start_ms
    end = start_ms + days * DAY_MS
    band = 100
    last_row = t

    def state(ts: int, code: int | None, link: str = "up") -> None:
        nonlocal last_row
        while ts - last_row > 60_000 and states:  # alive rows while nothing changes
            last_row += 60_000
            states.append((last_row, states[-1][1], states[-1][2], "alive"))
        states.append((ts, code, link, "change"))
        last_row = ts

    while t < end:
        state(t, 0)
        t += int(rng.uniform(10, 240) * 1000)
        if rng.random() < 0.004:  # a link loss
            key = "modbus.link_lost"
            alarms.append((t, key, "raise", 1, "PLC link lost"))
            state(t, None, "down")
            t += int(rng.uniform(30, 600) * 1000)
            alarms.append((t, key, "clear", 1, "PLC link lost"))
            continue
        state(t, 1)
        t += 6000
        state(t, 2)
        t += 1000
        state(t, 3)
        seconds = rng.uniform(50, 200)
        if rng.random() < 0.003:  # an overload trip, standing for minutes
            t += int(seconds / 2 * 1000)
            cuts.append(cut_row(t - int(seconds / 2 * 1000), seconds / 2, rng, band, "error"))
            state(t, 5)
            alarms.append((t, "plc.alarm", "raise", 1, "PLC: torque overload: cut stopped"))
            t += int(rng.uniform(120, 1200) * 1000)
            alarms.append((t, "plc.alarm", "clear", 1, "PLC: torque overload: cut stopped"))
            continue
        cuts.append(cut_row(t, seconds, rng, band, "completed"))
        if rng.random() < 0.03:
            flags.append((t + 5000, "band_current", "profile", "onset", "high", 40.0, 3.0, 5.0, t))
        t += int(seconds * 1000)
        state(t, 4)
        t += 14_000
        if rng.random() < 0.002:
            band += 1
    state(t, None, "off")
    total.executemany(INSERT_CUT, cuts)
    total.executemany(INSERT_STATE, states)
    log.executemany(ALARM, alarms)
    anomaly.executemany("INSERT OR IGNORE INTO anomalies (ts_ms, signal, kind, phase, severity, value, threshold, "
                        "score, cut_start_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", flags)
    for conn in (total, log, anomaly):
        conn.execute("COMMIT")
        conn.close()
    return {"cuts": len(cuts), "states": len(states), "alarms": len(alarms), "flags": len(flags)}


# --- measured in a fresh process each (wall time, peak RSS) ----------------------------------

def measure(kind: str, data_dir: Path, start_ms: int, end_ms: int, out: str) -> dict[str, float]:
    import resource

    began = time.perf_counter()
    cpu = time.process_time()
    if kind == "report":
        from core.production.service import report_set

        result = report_set(bench_settings(data_dir), start_ms, end_ms, now_ms=end_ms + 1)
        figures = {"cuts": result.total.cuts, "spans": len(result.total.timeline)}
    elif kind == "export":
        from core.production.export import export_report
        from core.production.values import ReportRequest

        export_report(bench_settings(data_dir), ReportRequest(start_ms, end_ms), Path(out))
        figures = {"bytes": Path(out).stat().st_size}
    elif kind == "baseline":
        conn = sqlite3.connect(data_dir / "databases" / "total.db")
        row = conn.execute("SELECT count(*), sum(duration_s), sum(area_cm2) FROM cuts WHERE end_ms >= ? "
                           "AND end_ms < ?", (start_ms, end_ms)).fetchone()
        spans = sum(1 for _ in conn.execute("SELECT ts_ms, saw_state, link FROM saw_states WHERE ts_ms >= ? "
                                            "AND ts_ms < ? ORDER BY ts_ms", (start_ms, end_ms)))
        alarms = sqlite3.connect(data_dir / "databases" / "log.db").execute(
            "SELECT count(*) FROM alarm_log WHERE ts_ms >= ? AND ts_ms < ?", (start_ms, end_ms)).fetchone()
        figures = {"cuts": row[0], "spans": spans, "alarms": alarms[0]}
    elif kind == "samples":
        from core.production.states import spans_from_samples

        spans = spans_from_samples(data_dir / "databases" / "raw.db", start_ms, end_ms)
        figures = {"spans": len(spans)}
    elif kind == "samples-baseline":
        conn = sqlite3.connect(data_dir / "databases" / "raw.db")
        figures = {"rows": sum(1 for _ in conn.execute("SELECT ts_ms, saw_state FROM samples WHERE ts_ms >= ? "
                                                       "AND ts_ms < ? ORDER BY ts_ms", (start_ms, end_ms)))}
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds = time.perf_counter() - began
    cpu_s = time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu_s": cpu_s, "rss_mb": rss_mb, **figures}


def in_process(kind: str, data_dir: Path, start_ms: int, end_ms: int, out: str = "") -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--measure", kind, str(data_dir), str(start_ms), str(end_ms),
                           out], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_samples(data_dir: Path, start_ms: int, hours: int) -> int:
    """raw.db samples at 10 Hz with a saw_state column (the fallback's input)."""
    conn = sqlite3.connect(data_dir / "databases" / "raw.db", isolation_level=None)
    migrate(conn, "raw")
    conn.execute("ALTER TABLE samples ADD COLUMN saw_state REAL")
    conn.execute("BEGIN")
    rows = hours * 36_000
    cycle = [0] * 600 + [1] * 60 + [2] * 10 + [3] * 1200 + [4] * 140
    conn.executemany("INSERT INTO samples (ts_ms, saw_state) VALUES (?, ?)",
                     ((start_ms + i * 100, float(cycle[i % len(cycle)])) for i in range(rows)))
    conn.execute("COMMIT")
    conn.close()
    return rows


# --- fleet ---------------------------------------------------------------------------------

def _cpu_with_children() -> float:
    """This process's CPU and its finished children's (the fleet report's worker processes)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


async def fleet(data_dir: Path, start_ms: int, end_ms: int, saws: int) -> dict[str, float]:
    import asyncpg

    from core.analysis.alarms import AlarmManager
    from core.production.fleet import fleet_reports
    from core.storage.pg import PostgresMirror

    database = f"bandsaw_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(**PG, database="postgres")
    await admin.execute(f'CREATE DATABASE "{database}"')
    try:
        settings = bench_settings(data_dir, database)
        began = time.perf_counter()
        mirror = PostgresMirror(settings, alarms=AlarmManager())
        await mirror.start()
        conn = await asyncpg.connect(**PG, database=database)
        try:
            local = sqlite3.connect(data_dir / "databases" / "total.db")
            want = local.execute("SELECT count(*) FROM saw_states").fetchone()[0]
            local.close()
            while True:
                have = 0
                if await conn.fetchval("SELECT to_regclass('saw_states')") is not None:
                    have = await conn.fetchval("SELECT count(*) FROM saw_states")
                if have >= want:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2.0)  # the smaller tables' last batches
            await mirror.stop()
            mirrored_s = time.perf_counter() - began
            for table in ("cuts", "saw_states", "alarm_log", "anomalies"):
                columns = [r[0] for r in await conn.fetch(
                    "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT "
                    "attisdropped AND attname <> 'machine_id'", table)]
                names = ", ".join(f'"{c}"' for c in columns)
                await conn.execute(f"INSERT INTO {table} (machine_id, {names}) SELECT m, {names} FROM {table}, "
                                   f"generate_series(2, $1) AS m WHERE machine_id = 1", saws)
            await conn.execute("ANALYZE")
            began, cpu = time.perf_counter(), _cpu_with_children()
            reports = await fleet_reports(settings, start_ms, end_ms, now_ms=end_ms + 1)
            project_s, project_cpu = time.perf_counter() - began, _cpu_with_children() - cpu
            began, cpu = time.perf_counter(), time.process_time()
            await fleet_reports(settings, start_ms, end_ms, now_ms=end_ms + 1, processes=1)
            single_s, single_cpu = time.perf_counter() - began, time.process_time() - cpu
            began, cpu = time.perf_counter(), time.process_time()
            for machine in range(1, saws + 1):
                await conn.fetchrow("SELECT count(*), sum(duration_s), sum(area_cm2) FROM cuts WHERE machine_id = $1 "
                                    "AND end_ms >= $2 AND end_ms < $3", machine, start_ms, end_ms)
                await conn.fetch("SELECT ts_ms, saw_state, link FROM saw_states WHERE machine_id = $1 AND ts_ms >= $2 "
                                 "AND ts_ms < $3 ORDER BY ts_ms", machine, start_ms, end_ms)
            baseline_s, baseline_cpu = time.perf_counter() - began, time.process_time() - cpu
        finally:
            await conn.close()
        return {"saws": len(reports), "cuts_each": reports[0].cuts, "project_s": project_s, "baseline_s": baseline_s,
                "project_cpu": project_cpu, "baseline_cpu": baseline_cpu, "mirror_s": mirrored_s,
                "single_s": single_s, "single_cpu": single_cpu}
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


def line(label: str, m: dict[str, float], note: str = "") -> None:
    rss = f"{m['rss_mb']:12.0f}" if "rss_mb" in m else " " * 12
    print(f"{label:34} {m['seconds']:8.2f} {m['cpu_s']:6.2f} {rss}" + (f"   ({note})" if note else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--saws", type=int, default=20)
    parser.add_argument("--no-fleet", action="store_true")
    parser.add_argument("--measure", nargs=5, metavar=("KIND", "DIR", "FROM", "TO", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kind, folder, start, end, out = args.measure
        print(json.dumps(measure(kind, Path(folder), int(start), int(end), out)))
        return 0
    with tempfile.TemporaryDirectory(prefix="bandsaw-bench-report-") as tmp:
        data_dir = Path(tmp) / "data"
        start = 1_795_000_000_000 - 1_795_000_000_000 % DAY_MS - 3_600_000  # a local midnight (Berlin, winter)
        end = start + args.days * DAY_MS
        began = time.perf_counter()
        sizes = generate(data_dir, start, args.days)
        print(f"generated {args.days} days of one saw in {time.perf_counter() - began:.1f} s: {sizes}")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        base = in_process("baseline", data_dir, start, end)
        report = in_process("report", data_dir, start, end)
        pdf = in_process("export", data_dir, start, end, str(Path(tmp) / "month.pdf"))
        xlsx = in_process("export", data_dir, start, end, str(Path(tmp) / "month.xlsx"))
        print(f"{'one saw, a month':34} {'seconds':>8} {'CPU s':>6} {'peak RSS MB':>12}")
        line("  report (3 shifts + total)", report, f"{report['cuts']:.0f} cuts, {report['spans']:.0f} state spans")
        line("  export .pdf", pdf, f"{pdf['bytes'] / 1e6:.1f} MB")
        line("  export .xlsx", xlsx, f"{xlsx['bytes'] / 1e6:.1f} MB")
        line("  baseline: raw sqlite3 COUNT/SUM", base, f"{base['cuts']:.0f} cuts, {base['spans']:.0f} state rows")
        rows = make_samples(data_dir, start, 24)
        fallback = in_process("samples", data_dir, start, start + DAY_MS)
        bare = in_process("samples-baseline", data_dir, start, start + DAY_MS)
        line("  samples fallback, 1 day", fallback, f"{rows} samples at 10 Hz")
        line("  baseline: SELECT saw_state, 1 day", bare)
        if not args.no_fleet:
            figures = asyncio.run(fleet(data_dir, start, end, args.saws))
            print(f"fleet of {figures['saws']:.0f} saws, a month each ({figures['cuts_each']:.0f} cuts per saw; "
                  f"machine 1 through the real mirror in {figures['mirror_s']:.0f} s, copied to the rest)")
            line("  report from PostgreSQL (processes)", {"seconds": figures["project_s"],
                                                          "cpu_s": figures["project_cpu"]},
                 "CPU: this process and its workers, not the server's")
            line("  the same in one process", {"seconds": figures["single_s"], "cpu_s": figures["single_cpu"]})
            line("  baseline: asyncpg COUNT/SUM+rows", {"seconds": figures["baseline_s"],
                                                        "cpu_s": figures["baseline_cpu"]})
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
