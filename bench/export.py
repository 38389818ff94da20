"""Export rows/s: core.storage.export (CSV and xlsx, streaming from raw.db) beside pandas writing
the same frame directly (``df.to_csv``, ``df.to_excel``), in the same run.

The data is an hour (by default) of every register of config/registers.yaml at 10 Hz in raw.db.
The project's figure includes reading raw.db page by page, the local-time column and the file;
pandas gets the frame already in memory (its read is timed separately), so its write figure is
the bare cost of producing the same file. Best of ``--repeat`` runs.

    .venv/bin/python bench/export.py [--rows 36000] [--repeat 3] [--no-excel-baseline]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from core.config import PROJECT_ROOT, Synchronous
from core.registers import load_register_map
from core.storage.export import export_data, local_zone
from core.storage.sqlite_open import database_path, open_writer

T0 = 1_790_000_000_000


def make_raw(data_dir: Path, names: list[str], rows: int) -> None:
    conn, _ = open_writer("raw", database_path(data_dir, "raw"), Synchronous.OFF, sample_columns=names)
    rng = random.Random(1)
    sql = f"INSERT INTO samples (ts_ms, {', '.join(names)}) VALUES ({', '.join('?' * (len(names) + 1))})"
    conn.execute("BEGIN")
    for start in range(0, rows, 10_000):
        # float32 register values, as the PLC delivers them (7 significant digits)
        conn.executemany(sql, [(T0 + i * 100, *(float(f"{rng.uniform(0, 500):.7g}") for _ in names))
                               for i in range(start, min(rows, start + 10_000))])
    conn.execute("COMMIT")
    conn.close()


def best(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=36_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-excel-baseline", action="store_true", help="skip df.to_excel (slow)")
    args = parser.parse_args()
    names = list(load_register_map(PROJECT_ROOT / "config" / "registers.yaml").names)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        make_raw(data_dir, names, args.rows)
        out = Path(tmp) / "out"
        print(f"export of {args.rows} rows x {len(names)} signals (+ time, ts_ms), best of {args.repeat}")

        results: list[tuple[str, float]] = []
        for fmt in ("csv", "xlsx"):
            seconds = best(args.repeat, lambda f=fmt: export_data(data_dir, out.with_suffix(f".{f}")))
            results.append((f"bandsaw export {fmt}", seconds))

        # pandas: the same rows and the same local-time column, frame built in memory first.
        tz, tz_name = local_zone()

        def read_frame() -> pd.DataFrame:
            conn = sqlite3.connect(str(database_path(data_dir, "raw")))
            try:
                frame = pd.read_sql_query(f"SELECT ts_ms, {', '.join(names)} FROM samples ORDER BY ts_ms, id", conn)
            finally:
                conn.close()
            times = [datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="milliseconds") for ms in frame["ts_ms"]]
            frame.insert(0, f"time ({tz_name})", times)
            return frame

        read_s = best(args.repeat, read_frame)
        frame = read_frame()
        results.append(("pandas read_sql + time column (not a file)", read_s))
        results.append(("pandas df.to_csv", best(args.repeat, lambda: frame.to_csv(out.with_suffix(".pd.csv"),
                                                                                   index=False))))
        if not args.no_excel_baseline:
            results.append(("pandas df.to_excel (openpyxl)", best(1, lambda: frame.to_excel(
                out.with_suffix(".pd.xlsx"), index=False))))

        width = max(len(name) for name, _ in results)
        for name, seconds in results:
            print(f"  {name:<{width}}  {seconds:7.2f} s  {args.rows / seconds:>9,.0f} rows/s")
        csv_mb = peak_mb(lambda: export_data(data_dir, out.with_suffix(".csv")))
        xlsx_mb = peak_mb(lambda: export_data(data_dir, out.with_suffix(".xlsx")))
        frame_mb = peak_mb(read_frame)
        print(f"  peak Python memory: bandsaw csv {csv_mb:.1f} MB, xlsx {xlsx_mb:.1f} MB; "
              f"pandas frame alone {frame_mb:.1f} MB")


if __name__ == "__main__":
    main()
