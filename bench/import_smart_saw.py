"""smart-saw import: the bulk path beside a bare SQLite copy and the row-by-row path, same run.

A sensor_data table in the older system's format (SMART-SAW.md) with ``--rows`` rows is generated
inside SQLite, then imported in fresh data directories, each in its own child process so its
peak RSS (ru_maxrss) is its own:

- sql-bare: ATTACH the source, ``INSERT INTO samples SELECT rowid, <the same columns>`` with no
  mapping at all (rowid for ts_ms, no checks, no code lookup, no ledger), a transaction per
  ``--chunk`` rows: the floor of any SQLite copy of this table.
- bulk: ``import_smart_saw`` as ``bandsaw import smart-saw`` runs it (core.migrate.samples_bulk:
  mapping, unit scaling, local time -> UTC, rejects, alarm history, ledger per chunk).
- py-bare: SELECT in rowid order, ``fetchmany``, multi-row INSERTs from Python, no conversion:
  the floor of a Python row loop.
- rows: ``import_smart_saw(bulk=False)``, the row-by-row path (the old one, kept as the reference).

The Python paths take minutes per million rows on a loaded machine: they run on the first
``--old-rows`` rows (a second generated file); all figures are also given per row (us/row).
Targets (issue 18): >= 50,000 samples/s and peak RSS < 200 MB at 10 million rows.

    .venv/bin/python bench/import_smart_saw.py [--rows 10000000] [--old-rows 500000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:
    from core.migrate.samples_stream import SamplesStream
    from core.registers import RegisterMap


def _bound_stream(source: Path) -> tuple[RegisterMap, SamplesStream, sqlite3.Connection]:
    """The default register map, a samples stream bound to the source's columns, the source (read-only).

    Imported here, not at the top: each child process measures its own peak RSS."""
    from core.config import load_settings
    from core.migrate.localtime import LocalTimeConverter
    from core.migrate.samples_stream import SamplesStream
    from core.registers import load_register_map

    settings = load_settings(None)
    register_map = load_register_map(settings.register_map_path)
    stream = SamplesStream(LocalTimeConverter(__import__("zoneinfo").ZoneInfo("UTC")), register_map)
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    stream.bind([row[1] for row in src.execute("PRAGMA table_info(sensor_data)")])
    return register_map, stream, src


def _child_bare(source: Path, data_dir: Path, batch: int) -> dict[str, float]:
    from core.config import Synchronous
    from core.storage.sqlite_open import database_path, open_writer

    register_map, stream, src = _bound_stream(source)
    conn, _ = open_writer("raw", database_path(data_dir, "raw"), Synchronous.NORMAL, sample_columns=register_map.names)
    columns = ", ".join(f'"{c}"' for c in stream.columns[1:])
    cpu_before = time.process_time()
    started = time.perf_counter()
    cursor = src.execute(f"SELECT rowid, {columns} FROM sensor_data ORDER BY rowid")
    rows = 0
    while batch_rows := cursor.fetchmany(batch):
        conn.execute("BEGIN IMMEDIATE")
        stream.write(conn, batch_rows)  # rowid stands in for ts_ms: same shape, no conversion
        conn.execute("COMMIT")
        rows += len(batch_rows)
    elapsed = time.perf_counter() - started
    return {"rows": rows, "seconds": elapsed, "cpu_before": cpu_before}


def _child_sql_bare(source: Path, data_dir: Path, batch: int) -> dict[str, float]:
    from core.config import Synchronous
    from core.migrate.samples_bulk import open_bulk
    from core.storage.sqlite_open import database_path, open_writer

    register_map, stream, src = _bound_stream(source)
    src.close()
    target = database_path(data_dir, "raw")
    writer, _ = open_writer("raw", target, Synchronous.NORMAL, sample_columns=register_map.names)
    writer.close()
    conn = open_bulk(target, source, Synchronous.NORMAL)
    names = ", ".join(f'"{r}"' for r in stream.registers)
    columns = ", ".join(f'"{c}"' for c in stream.columns[1:])
    sql = (f"INSERT INTO main.samples (ts_ms, {names}) SELECT rowid, {columns} FROM src.sensor_data "
           "WHERE rowid BETWEEN ? AND ?")
    cpu_before = time.process_time()
    started = time.perf_counter()
    top = conn.execute("SELECT max(rowid) FROM src.sensor_data").fetchone()[0] or 0
    rows = 0
    for lo in range(1, top + 1, batch):
        conn.execute("BEGIN IMMEDIATE")
        rows += conn.execute(sql, (lo, lo + batch - 1)).rowcount
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return {"rows": rows, "seconds": elapsed, "cpu_before": cpu_before}


def _child_import(source: Path, data_dir: Path, batch: int, *, bulk: bool) -> dict[str, float]:
    from core.config import load_settings
    from core.migrate.importer import import_smart_saw
    from core.registers import load_register_map

    settings = load_settings(None, overrides={"machine": {"time_zone": "Europe/Istanbul"}})
    register_map = load_register_map(settings.register_map_path)
    cpu_before = time.process_time()
    started = time.perf_counter()
    summary = import_smart_saw(source.parent, settings, register_map, data_dir=data_dir, bulk=bulk,
                               batch_rows=10_000, bulk_rows=batch)
    elapsed = time.perf_counter() - started
    samples = summary.streams[0]
    return {"rows": samples.imported, "rejected": samples.rejected, "seconds": elapsed, "cpu_before": cpu_before}


CHILDREN = {
    "sql-bare": _child_sql_bare,
    "bulk": lambda source, data_dir, batch: _child_import(source, data_dir, batch, bulk=True),
    "py-bare": lambda source, data_dir, batch: _child_bare(source, data_dir, 10_000),
    "rows": lambda source, data_dir, batch: _child_import(source, data_dir, batch, bulk=False),
}


def _run_child(kind: str, source: Path, data_dir: Path, batch: int) -> dict[str, float]:
    # nice: the machine is shared; every path runs at the same priority.
    out = subprocess.run(
        ["nice", "-n", "10", sys.executable, __file__, "--child", kind, "--source", str(source),
         "--data-dir", str(data_dir), "--batch-rows", str(batch)],
        check=True, capture_output=True, text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _generate(folder: Path, rows: int) -> Path:
    from core.migrate import smart_saw_source

    total = folder / "total.db"
    existing = 0
    if total.exists():
        existing = sqlite3.connect(total).execute("SELECT count(*) FROM sensor_data").fetchone()[0]
    if existing != rows:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        smart_saw_source.create(folder)
        smart_saw_source.fill_sensor_data(total, rows)
        print(f"generated {rows:,} sensor_data rows in {time.perf_counter() - started:.1f} s "
              f"({total.stat().st_size / 1e6:,.0f} MB)", flush=True)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows for sql-bare and bulk")
    parser.add_argument("--old-rows", type=int, default=500_000, help="rows for py-bare and rows (0: skip)")
    parser.add_argument("--chunk", type=int, default=50_000, help="rows per transaction (sql-bare, bulk)")
    parser.add_argument("--keep", type=Path, default=None, help="generate into / reuse this folder")
    parser.add_argument("--child", choices=tuple(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--batch-rows", type=int, default=50_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args.source, args.data_dir, args.batch_rows)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["max_rss_mb"] = usage.ru_maxrss / 1024
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime - result.pop("cpu_before")
        print(json.dumps(result))
        return 0

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-smart-saw-"))
    big = _generate(work / "source", args.rows)
    small = _generate(work / "source-old", args.old_rows) if args.old_rows else None
    try:
        results: dict[str, dict[str, float]] = {}
        loads: dict[str, str] = {}
        for kind in CHILDREN:
            source = big if kind in ("sql-bare", "bulk") else small
            if source is None:
                continue
            data_dir = work / f"data-{kind}"
            shutil.rmtree(data_dir, ignore_errors=True)
            loads[kind] = " ".join(f"{x:.1f}" for x in os.getloadavg())
            results[kind] = _run_child(kind, source, data_dir, args.chunk)
            shutil.rmtree(data_dir, ignore_errors=True)
            print(f"  {kind} done ({results[kind]['seconds']:.0f} s)", flush=True)
        print(f"{os.cpu_count()} CPUs; load average (1/5/15 min) when each run started is in the last column; "
              "rows/CPU-s = the rate on an otherwise idle core")
        print(f"{'path':<9} {'rows':>11} {'wall s':>8} {'rows/s':>9} {'CPU s':>8} {'rows/CPU-s':>11} "
              f"{'us/row CPU':>10} {'peak RSS MB':>11}  load")
        for kind, r in results.items():
            print(f"{kind:<9} {int(r['rows']):>11,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>9,.0f} "
                  f"{r['cpu_seconds']:>8.1f} {r['rows'] / r['cpu_seconds']:>11,.0f} "
                  f"{r['cpu_seconds'] / r['rows'] * 1e6:>10.2f} {r['max_rss_mb']:>11.0f}  {loads[kind]}")
        per_row = {kind: r["cpu_seconds"] / r["rows"] for kind, r in results.items()}
        line = f"bulk CPU per row = {per_row['bulk'] / per_row['sql-bare']:.2f}x sql-bare's"
        if "rows" in per_row:
            line += f"; row-by-row CPU per row = {per_row['rows'] / per_row['bulk']:.1f}x bulk's"
        print(line)
        print("target: bulk >= 50,000 rows/s and peak RSS < 200 MB at 10M rows")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
