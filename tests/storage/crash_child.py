"""Run by test_crash.py: records at full rate into all five databases until it is SIGKILLed.

Usage: python crash_child.py DATA_DIR BATCH_ROWS. Whenever it sees raw.db batches committed it
prints ``commit <rows committed> <rows handed over>`` (flushed). The producer never lets more
than one batch wait uncommitted, so a kill may lose at most the batch in flight.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from core.analysis.alarms import AlarmManager
from core.config import PROJECT_ROOT, load_settings
from core.registers import load_register_map
from core.snapshot import Quality, Snapshot
from core.storage.sqlite_store import SqliteStorage

T0 = 1_800_000_000_000


def values_of(seq: int, names: list[str]) -> dict[str, float | None]:
    return {name: seq * 0.5 + i for i, name in enumerate(names)}


async def main(data_dir: Path, batch_rows: int) -> None:
    settings = load_settings(
        PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=data_dir / "no.env",
        overrides={"paths": {"data_dir": str(data_dir)},
                   "database": {"sqlite": {"batch_rows": batch_rows, "batch_ms": 1000}}},
    )
    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")
    names = register_map.names
    storage = SqliteStorage(settings, register_map, AlarmManager(), max_batch_rows=batch_rows)
    await storage.start()
    recorder = storage.recorder
    handed = committed = 0
    while True:
        while recorder.queue_rows >= batch_rows:  # at most one batch waiting: let the writer commit
            await asyncio.sleep(0)
            if recorder.rows_written != committed:
                committed = recorder.rows_written
                print("commit", committed, handed, flush=True)
        snap = Snapshot(seq=handed, ts_ms=T0 + handed, monotonic=0.0, values=values_of(handed, names), raw={},
                        quality=Quality.GOOD)
        recorder.record(snap)
        handed += 1
        if handed % 10 == 0:  # the other four databases are being written when the kill comes too
            storage.log.event("tick", "rows handed over", source="crash_child", data={"handed": handed})
            storage.total.insert("band_counters", {"ts_ms": T0 + handed, "band_id": 1.0, "cuts": handed})
            storage.ml.insert("decisions", {"ts_ms": T0 + handed, "model": "m", "applied": 1})
            storage.anomaly.insert("anomalies", {"ts_ms": T0 + handed, "signal": "band_torque", "kind": "zscore",
                                                 "severity": "low", "value": float(handed)})


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
