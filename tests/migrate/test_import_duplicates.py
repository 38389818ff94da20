"""One sample per time: the older system's repeated timestamps (#18 review, duplicate times).

sensor_data may hold several rows with one timestamp. The PostgreSQL mirror keys samples on
(machine_id, ts_ms) and the engine never records two samples at one ts_ms, so the import keeps
one: an exact repeat is skipped and counted, a repeat with other values is rejected with its
reason, on both paths (bulk and row by row), also against what raw.db already holds.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from core.migrate import smart_saw_source as source
from core.migrate.importer import import_smart_saw
from core.migrate.samples_stream import DUPLICATE_TIME
from core.registers import RegisterMap
from tests.migrate.test_import_bulk import dump, settings_for


def row(ts: str, current: float, **extra: Any) -> dict[str, Any]:
    return {"timestamp": ts, "kesim_id": 1, "serit_motor_akim_a": current, "serit_kesme_hizi": 70.0,
            "serit_inme_hizi": 30.0, "makine_id": 4, "serit_id": 7, "alarm_status": 0, **extra}


def build(folder: Path, rows: list[dict[str, Any]]) -> None:
    paths = source.create(folder)
    source.insert(paths["total"], "sensor_data", rows)


def rejects(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [(int(line["source_rowid"]), line["reason"]) for line in csv.DictReader(handle)]


def notes(summary: Any) -> str:
    return " ".join(summary.streams[0].notes)


SAME_TIME = [
    row("2025-05-09T14:00:00", 10.0),
    row("2025-05-09T14:00:01", 11.0),
    row("2025-05-09T14:00:01", 11.0),  # the same row again: skipped, counted
    row("2025-05-09T14:00:01", 12.5),  # the same time, another current: rejected
    row("2025-05-09T14:00:02", 13.0),
    row("2025-05-09T14:00:01.000000", 11.0),  # the same millisecond written otherwise, later: skipped
    row("2025-05-09T14:00:00", 99.0),  # an earlier time again (clock set back), other values: rejected
    row("2025-05-09T14:00:03", 14.0),
]


@pytest.mark.parametrize("chunk", [1, 3, 50_000])
def test_a_repeated_time_gives_one_sample_on_both_paths(tmp_path: Path, register_map: RegisterMap,
                                                         chunk: int) -> None:
    build(tmp_path / "smart-saw", SAME_TIME)
    got = {}
    for bulk in (False, True):
        root = tmp_path / f"bulk-{bulk}"
        summary = import_smart_saw(tmp_path / "smart-saw", settings_for(root), register_map, bulk=bulk,
                                   bulk_rows=chunk, batch_rows=chunk, reject_path=root / "rejects.csv")
        samples = dump(root / "data", "raw", "SELECT id, ts_ms, band_current FROM samples ORDER BY id")
        got[bulk] = (samples, rejects(root / "rejects.csv"), notes(summary), summary.streams[0].imported,
                     summary.streams[0].rejected)
        assert [current for _id, _ts, current in samples] == [10.0, 11.0, 13.0, 14.0]
        assert len({ts for _id, ts, _c in samples}) == len(samples)  # never two samples at one ts_ms
        assert rejects(root / "rejects.csv") == [(4, DUPLICATE_TIME), (7, DUPLICATE_TIME)]
        assert "2 duplicate rows with the same time skipped" in notes(summary)
        assert summary.streams[0].imported == 4 and summary.streams[0].rejected == 2

        again = import_smart_saw(tmp_path / "smart-saw", settings_for(root), register_map, bulk=bulk,
                                 bulk_rows=chunk, batch_rows=chunk, reject_path=root / "again.csv")
        assert again.imported == 0 and again.rejected == 0 and not (root / "again.csv").exists()
    assert got[True] == got[False]


@pytest.mark.parametrize("bulk", [False, True])
def test_a_time_already_in_raw_db_is_not_recorded_twice(tmp_path: Path, register_map: RegisterMap,
                                                        bulk: bool) -> None:
    first = [row("2025-05-09T14:00:00", 10.0), row("2025-05-09T14:00:01", 11.0)]
    build(tmp_path / "first", first)
    root = tmp_path / "saw"
    settings = settings_for(root)
    import_smart_saw(tmp_path / "first", settings, register_map, bulk=bulk, reject_path=root / "r0.csv")
    # The same times from another copy of the system (another fingerprint: not the ledger's),
    # one equal, one not, and a new one; then the engine's own recording at a time the source has.
    second = [row("2025-05-09T13:59:59", 9.0), row("2025-05-09T14:00:00", 10.0),
              row("2025-05-09T14:00:01", 15.0), row("2025-05-09T14:00:02", 12.0),
              row("2025-05-09T14:00:03", 13.0)]
    build(tmp_path / "second", second)
    recorded = dump(root / "data", "raw", "SELECT max(ts_ms) FROM samples")[0][0] + 2000  # 14:00:03 local
    conn = sqlite3.connect(root / "data" / "databases" / "raw.db")
    with conn:
        conn.execute("INSERT INTO samples (ts_ms, band_current) VALUES (?, 20.0)", (recorded,))
    conn.close()

    dry = import_smart_saw(tmp_path / "second", settings, register_map, bulk=bulk, dry_run=True)
    summary = import_smart_saw(tmp_path / "second", settings, register_map, bulk=bulk,
                               reject_path=root / "r1.csv")
    for result in (dry, summary):
        assert result.streams[0].imported == 2 and result.streams[0].rejected == 2
        assert "1 duplicate rows with the same time skipped" in notes(result)
    assert rejects(root / "r1.csv") == [(3, DUPLICATE_TIME), (5, DUPLICATE_TIME)]
    samples = dump(root / "data", "raw", "SELECT ts_ms, band_current FROM samples ORDER BY ts_ms")
    assert [current for _ts, current in samples] == [9.0, 10.0, 11.0, 12.0, 20.0]
    assert len({ts for ts, _c in samples}) == len(samples)
