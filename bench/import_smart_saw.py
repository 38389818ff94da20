"""smart-saw import: ``import_smart_saw`` on a generated total.db beside a bare copy, same run.

A sensor_data table in the older system's format (SMART-SAW.md) with ``--rows`` rows is generated
inside SQLite, then imported twice in fresh data directories, each in its own child process so
its peak RSS (ru_maxrss) is its own:

- bare: SELECT the mapped columns in rowid order, ``fetchmany(batch)``, one multi-row INSERT per
  chunk into raw.db samples, one transaction per batch. No timestamp conversion, no checks, no
  ledger: the floor any Python import pays for reading and writing the rows.
- real: ``core.migrate.importer.import_smart_saw`` (local time -> UTC, type checks, rejects,
  alarm history, ledger per batch), the path ``bandsaw import smart-saw`` runs.

Targets (issue 18): real >= 50,000 samples/s and peak RSS < 200 MB at 10 million rows.

    .venv/bin/python bench/import_smart_saw.py [--rows 2000000] [--batch-rows 10000] [--keep DIR]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _child_bare(source: Path, data_dir: Path, batch: int) -> dict[str, float]:
    from core.config import Synchronous, load_settings
    from core.migrate.localtime import LocalTimeConverter
    from core.migrate.samples_stream import SamplesStream
    from core.registers import load_register_map
    from core.storage.sqlite_open import database_path, open_writer

    settings = load_settings(None)
    register_map = load_register_map(settings.register_map_path)
    stream = SamplesStream(LocalTimeConverter(__import__("zoneinfo").ZoneInfo("UTC")), register_map)
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    stream.bind([row[1] for row in src.execute("PRAGMA table_info(sensor_data)")])
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


def _child_real(source: Path, data_dir: Path, batch: int) -> dict[str, float]:
    from core.config import load_settings
    from core.migrate.importer import import_smart_saw
    from core.registers import load_register_map

    settings = load_settings(None, overrides={"machine": {"time_zone": "Europe/Istanbul"}})
    register_map = load_register_map(settings.register_map_path)
    cpu_before = time.process_time()
    started = time.perf_counter()
    summary = import_smart_saw(source.parent, settings, register_map, data_dir=data_dir, batch_rows=batch)
    elapsed = time.perf_counter() - started
    samples = summary.streams[0]
    return {"rows": samples.imported, "rejected": samples.rejected, "seconds": elapsed, "cpu_before": cpu_before}


def _run_child(kind: str, source: Path, data_dir: Path, batch: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--source", str(source), "--data-dir", str(data_dir),
         "--batch-rows", str(batch)],
        check=True, capture_output=True, text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--batch-rows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="generate into / reuse this folder")
    parser.add_argument("--child", choices=("bare", "real"), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = (_child_bare if args.child == "bare" else _child_real)(args.source, args.data_dir, args.batch_rows)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["max_rss_mb"] = usage.ru_maxrss / 1024
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime - result.pop("cpu_before")
        print(json.dumps(result))
        return 0

    from core.migrate import smart_saw_source

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-smart-saw-"))
    source_dir = work / "source"
    total = source_dir / "total.db"
    existing = 0
    if total.exists():
        existing = sqlite3.connect(total).execute("SELECT count(*) FROM sensor_data").fetchone()[0]
    if existing != args.rows:
        shutil.rmtree(source_dir, ignore_errors=True)
        started = time.perf_counter()
        smart_saw_source.create(source_dir)
        smart_saw_source.fill_sensor_data(total, args.rows)
        print(f"generated {args.rows:,} sensor_data rows in {time.perf_counter() - started:.1f} s "
              f"({total.stat().st_size / 1e6:,.0f} MB)")
    try:
        results = {}
        for kind in ("bare", "real"):
            data_dir = work / f"data-{kind}"
            shutil.rmtree(data_dir, ignore_errors=True)
            results[kind] = _run_child(kind, total, data_dir, args.batch_rows)
            shutil.rmtree(data_dir, ignore_errors=True)
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
              "(rows/CPU-s = the rate on an otherwise idle core)")
        print(f"{'path':<6} {'rows':>12} {'wall s':>8} {'rows/s':>10} {'CPU s':>8} {'rows/CPU-s':>11} "
              f"{'peak RSS MB':>12}")
        for kind, r in results.items():
            print(f"{kind:<6} {int(r['rows']):>12,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>10,.0f} "
                  f"{r['cpu_seconds']:>8.1f} {r['rows'] / r['cpu_seconds']:>11,.0f} {r['max_rss_mb']:>12.0f}")
        real, bare = results["real"], results["bare"]
        ratio = (real["rows"] / real["seconds"]) / (bare["rows"] / bare["seconds"])
        print(f"real/bare throughput: {ratio:.2f}; target: real >= 50,000 rows/s and < 200 MB at 10M rows")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
