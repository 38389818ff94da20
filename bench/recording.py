"""raw.db ingest: the Recorder (Snapshots in, committed rows out) beside bare sqlite3 executemany.

Both write the same raw.db schema (one REAL column per register of config/registers.yaml, index
on ts_ms), WAL, the same ``synchronous``, one transaction per batch of the same size, in the
same run. The bare baseline gets its rows pre-built as tuples (no Snapshot handling, no queue, no
thread hop), so the ratio is the full cost of the real path. Target: Recorder >= 0.5x bare.

    .venv/bin/python bench/recording.py [--rows 100000] [--batch-rows 10,1000] [--synchronous NORMAL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.analysis.alarms import AlarmManager
from core.config import PROJECT_ROOT, SqliteSettings, Synchronous
from core.registers import load_register_map
from core.snapshot import Quality, Snapshot
from core.storage.recorder import Recorder
from core.storage.sqlite_open import open_writer

T0 = 1_800_000_000_000


def make_snapshots(count: int, names: Sequence[str]) -> list[Snapshot]:
    # 1000 distinct value sets shared between snapshots keep memory small; ts_ms is unique.
    pool = [{name: (seq * 7 + i) * 0.1 for i, name in enumerate(names)} for seq in range(1000)]
    return [Snapshot(seq=n, ts_ms=T0 + n * 100, monotonic=0.0, values=pool[n % 1000], raw={}, quality=Quality.GOOD)
            for n in range(count)]


def bare(path: Path, names: Sequence[str], snaps: list[Snapshot], batch: int, sync: Synchronous) -> float:
    conn, _ = open_writer("raw", path, sync, sample_columns=names)
    rows = [(s.ts_ms, *map(s.values.get, names)) for s in snaps]
    sql = f"INSERT INTO samples (ts_ms, {', '.join(names)}) VALUES ({', '.join('?' * (len(names) + 1))})"
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows[start : start + batch])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == len(rows)
    conn.close()
    return len(rows) / elapsed


async def recorder(
    path: Path, names: Sequence[str], snaps: list[Snapshot], batch: int, sync: Synchronous, *, max_batch: int | None
) -> tuple[float, float]:
    sqlite = SqliteSettings(batch_rows=batch, batch_ms=1000, synchronous=sync, backpressure_rows=1_000_000)
    rec = Recorder(path, names, alarms=AlarmManager(), sqlite=sqlite, max_batch_rows=max_batch)
    await rec.start()
    limit = 2 * max(batch, max_batch or 0)  # backlog the producer may run ahead by
    started = time.perf_counter()
    for n, snap in enumerate(snaps, 1):
        rec.record(snap)
        if n % batch == 0 and rec.queue_rows > limit:
            await rec.drain(below=limit // 2)  # producer faster than the disk: hold a bounded backlog
    await rec.drain()
    elapsed = time.perf_counter() - started
    mean_batch = rec.rows_written / max(rec.batches, 1)
    await rec.stop()
    return len(snaps) / elapsed, mean_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-rows", default="10,1000", help="comma-separated batch sizes")
    parser.add_argument("--synchronous", default="NORMAL", choices=[s.value for s in Synchronous])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    names = load_register_map(PROJECT_ROOT / "config" / "registers.yaml").names
    sync = Synchronous(args.synchronous)
    snaps = make_snapshots(args.rows, names)
    print(f"raw.db ingest, {args.rows} rows x {len(names)} REAL columns, WAL, synchronous={sync.value}, "
          f"median of {args.repeat}")
    header = ("batch", "recorder mode", "bare rows/s", "recorder rows/s", "ratio", "mean batch")
    print("{:>6} {:<24} {:>12} {:>16} {:>6} {:>11}".format(*header))
    with tempfile.TemporaryDirectory(prefix="bench-recording-") as tmp:
        run = 0
        for batch in (int(b) for b in args.batch_rows.split(",")):
            modes = [("strict (batch = bare)", batch)] + ([("default (coalesces)", None)] if batch < 1000 else [])
            for label, max_batch in modes:
                bare_rates, rec_rates, means = [], [], []
                for _ in range(args.repeat):
                    run += 1
                    bare_rates.append(bare(Path(tmp) / f"bare{run}.db", names, snaps, batch, sync))
                    rate, mean = asyncio.run(
                        recorder(Path(tmp) / f"rec{run}.db", names, snaps, batch, sync, max_batch=max_batch)
                    )
                    rec_rates.append(rate)
                    means.append(mean)
                b, r = statistics.median(bare_rates), statistics.median(rec_rates)
                mean = statistics.median(means)
                print(f"{batch:>6} {label:<24} {b:>12,.0f} {r:>16,.0f} {r / b:>5.2f}x {mean:>11.0f}")


if __name__ == "__main__":
    main()
