"""The bulk import (SQLite INSERT … SELECT) gives exactly what the row-by-row path gives.

One source in the older system's format, with both DST changes of Europe/Berlin, every kind of
bad timestamp and bad number, codes as names, numbers, text and blobs, and alarm changes next to
rejected rows, is imported through both paths into separate data directories; every samples
row (ids included), every alarm_log row, every reject line and the summaries are compared.
"""

from __future__ import annotations

import csv
import random
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import PROJECT_ROOT, Settings, load_settings
from core.migrate import smart_saw_source as source
from core.migrate.importer import import_smart_saw
from core.migrate.summary import ImportSummary
from core.registers import RegisterMap
from tests.migrate.migrate_helpers import map_with_units

BAD_TIMES: list[Any] = [
    "yesterday", "", None, 20250509, 1.5, b"2025-05-09T14:00:00", "2025-13-01T00:00:00", "2025-02-30T10:00:00",
    "2025-05-09 14:03:21", "2025-05-09T14:03:21.5", "2025-05-09T14:03:21.512", "2025-05-09T14:03:21+03:00",
    "2025-05-09T14:03:21.512000Z", " 2025-05-09T14:03:21", "2025-05-09T14:03:60", "2025-05-09T14:60:00",
    "2025-05-09T24:00:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59.999999", "2025-05-09T14", "2025-05-09",
    "２０２５-05-09T14:03:21",
]
BAD_NUMBERS: list[Any] = ["abc", "12.5", " 3 ", float("inf"), float("-inf"), b"\x00\x01", "", "1,5"]
CODE_VALUES: list[Any] = [None, "St37", " c45 ", "3", "2,5", 4, 2.5, "", "nan", "inf", b"\xff", "round bar", "Diş"]


def _texts(start: datetime, step: timedelta, count: int, micro: bool) -> list[str]:
    spec = "microseconds" if micro else "seconds"
    return [(start + step * i).isoformat(timespec=spec) for i in range(count)]


def build(folder: Path, seed: int) -> Path:
    """A sensor_data table of ~2,400 rows around both DST changes of 2024 (Berlin) and odd rows."""
    rng = random.Random(seed)
    times: list[Any] = []
    # spring: 01:00 .. 04:00 local, the 02:xx hour does not exist (rows there are rejects)
    times += _texts(datetime(2024, 3, 31, 0, 50), timedelta(seconds=7, microseconds=123_456), 1700, micro=True)
    # autumn: 01:30 .. 02:59:59 written twice (clocks went back), then on to 03:30
    times += _texts(datetime(2024, 10, 27, 1, 30), timedelta(seconds=9), 600, micro=False)
    times += _texts(datetime(2024, 10, 27, 2, 0), timedelta(seconds=9, microseconds=500_000), 560, micro=True)
    times += _texts(datetime(2025, 5, 9, 14, 0), timedelta(milliseconds=100), 400, micro=True)
    # Lord Howe Island's half-hour changes: 01:30-02:00 repeated on 2024-04-07, 02:00-02:30 skipped on 2024-10-06
    times += _texts(datetime(2024, 4, 7, 1, 0), timedelta(seconds=11), 330, micro=False)
    times += _texts(datetime(2024, 4, 7, 1, 30), timedelta(seconds=11), 330, micro=False)
    times += _texts(datetime(2024, 10, 6, 1, 50), timedelta(seconds=13, microseconds=1), 250, micro=True)
    rows = []
    status: float = 0  # 2.0 too: a float status the import must take
    for text in times:
        row: dict[str, Any] = {
            "timestamp": text, "kesim_id": 1, "serit_motor_akim_a": round(rng.uniform(5, 30), 3),
            "serit_motor_tork_percentage": rng.choice([40, 41.5, None]), "inme_motor_akim_a": 2.5,
            "serit_kesme_hizi": rng.uniform(60, 80), "serit_inme_hizi": rng.uniform(20, 40),
            "kesme_hizi_hedef": 70, "inme_hizi_hedef": 30.0, "kafa_yuksekligi_mm": rng.uniform(0, 300),
            "serit_sapmasi": rng.uniform(-0.5, 0.5), "ortam_sicakligi_c": 21.5, "testere_durumu": rng.choice([1, 3]),
            "makine_id": 4, "serit_id": 7, "malzeme_cinsi": rng.choice(["St37", "C45", "3", None]),
            "malzeme_sertlik": "180", "kesit_yapisi": rng.choice(["1", "2", "tube"]), "malzeme_a_mm": 200,
            "kesilen_parca_adeti": 12, "guc_kwh": rng.uniform(0, 1000), "ivme_olcer_x": rng.uniform(0, 2),
        }
        if rng.random() < 0.03:
            status = rng.choice([0, 0, 1, 2, 7, 2.0])
        row["alarm_status"] = status if rng.random() > 0.05 else None
        row["alarm_bilgisi"] = rng.choice([None, "Diş kırıldı", "12"]) if status else None
        kind = rng.random()
        if kind < 0.03:
            row["timestamp"] = rng.choice(BAD_TIMES)
        elif kind < 0.06:
            row[rng.choice(["serit_motor_akim_a", "serit_kesme_hizi", "alarm_status", "makine_id"])] = \
                rng.choice(BAD_NUMBERS)
        elif kind < 0.09:
            row[rng.choice(["malzeme_cinsi", "kesit_yapisi", "serit_tip", "alarm_bilgisi"])] = rng.choice(CODE_VALUES)
        rows.append(row)
    paths = source.create(folder)
    source.insert(paths["total"], "sensor_data", rows)
    return paths["total"]


def settings_for(root: Path, zone: str = "Europe/Berlin") -> Settings:
    return load_settings(
        PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=root / "no.env",
        overrides={"paths": {"data_dir": str(root / "data"), "logs_dir": str(root / "logs")},
                   "machine": {"time_zone": zone}},
    )


def dump(data_dir: Path, db: str, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data_dir / "databases" / f"{db}.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def reject_lines(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def summary_of(summary: ImportSummary) -> list[tuple[Any, ...]]:
    return [(r.name, r.read, r.imported, r.rejected, r.first_ms, r.last_ms, r.notes) for r in summary.streams]


def converted_map(tmp_path: Path) -> RegisterMap:
    units = {"descent_speed_actual": "mm/s", "ambient_temp": "K", "cutting_speed_actual": "ft/min"}
    return map_with_units(tmp_path, units)


@pytest.mark.parametrize(("seed", "converted", "machine_id", "chunk", "zone"), [
    (1, False, None, 50_000, "Europe/Berlin"), (2, True, 9, 97, "Europe/Berlin"), (3, False, None, 1, "Europe/Berlin"),
    (6, False, None, 500, "Australia/Lord_Howe"),
])
def test_bulk_equals_row_by_row(tmp_path: Path, register_map: RegisterMap, seed: int, converted: bool,
                                machine_id: int | None, chunk: int, zone: str) -> None:
    total = build(tmp_path / "smart-saw", seed)
    before = total.read_bytes()
    registers = converted_map(tmp_path) if converted else register_map
    results = {}
    for bulk in (False, True):
        root = tmp_path / ("bulk" if bulk else "rows")
        settings = settings_for(root, zone)
        summary = import_smart_saw(tmp_path / "smart-saw", settings, registers, machine_id=machine_id,
                                   reject_path=root / "rejects.csv", bulk=bulk, bulk_rows=chunk)
        results[bulk] = (settings.data_dir, summary)
    assert total.read_bytes() == before  # ATTACHed read-only: the source is untouched

    (rows_dir, rows_summary), (bulk_dir, bulk_summary) = results[False], results[True]
    columns = [row[1] for row in dump(rows_dir, "raw", "PRAGMA table_info(samples)")]
    select = f"SELECT {', '.join(columns)} FROM samples ORDER BY id"
    expected = dump(rows_dir, "raw", select)
    got = dump(bulk_dir, "raw", select)
    assert len(expected) > 2000
    assert got == expected  # every value of every row, ids included
    assert dump(bulk_dir, "raw", "SELECT ts_ms FROM samples GROUP BY ts_ms HAVING count(*) > 1") == []
    alarms = "SELECT id, ts_ms, alarm_key, action, state, previous_state, priority, text, value, user FROM alarm_log"
    assert dump(bulk_dir, "log", alarms) == dump(rows_dir, "log", alarms)
    assert len(dump(rows_dir, "log", alarms)) > 5
    expected_rejects = reject_lines(rows_dir.parent / "rejects.csv")
    assert reject_lines(bulk_dir.parent / "rejects.csv") == expected_rejects
    reasons = " ".join(line["reason"] for line in expected_rejects)
    assert f"does not exist in {zone}" in reasons and "where a number belongs" in reasons
    assert summary_of(bulk_summary) == summary_of(rows_summary)
    notes = " ".join(rows_summary.streams[0].notes)
    assert "rows in a repeated DST hour" in notes and "code values were names" in notes

    # a dry run counts the same on both paths and writes nothing
    dry = {}
    for bulk in (False, True):
        root = tmp_path / f"dry-{bulk}"
        dry[bulk] = import_smart_saw(tmp_path / "smart-saw", settings_for(root, zone), registers, machine_id=machine_id,
                                     reject_path=root / "rejects.csv", bulk=bulk, bulk_rows=chunk, dry_run=True)
        assert not (root / "data" / "databases" / "raw.db").exists()
    # A dry run keeps nothing but the row before: a repeat of an older row of the same import
    # (this source has them) is left to the import itself; both paths count the same.
    assert summary_of(dry[True]) == summary_of(dry[False])
    assert dry[True].streams[0].read == rows_summary.streams[0].read
    for bulk in (False, True):  # no reject file: counted, the first few held to print
        assert not (tmp_path / f"dry-{bulk}").exists()
        assert dry[bulk].reject_file is None and dry[bulk].rejected <= len(expected_rejects)
        assert [(rowid, reason) for _s, rowid, reason, _r in dry[bulk].first_rejects] == [
            (rowid, reason) for _s, rowid, reason, _r in dry[True].first_rejects]

    # idempotent on either path: a second bulk run adds nothing
    again = import_smart_saw(tmp_path / "smart-saw", settings_for(tmp_path / "bulk", zone), registers,
                             machine_id=machine_id, reject_path=tmp_path / "again.csv", bulk_rows=chunk)
    assert again.imported == 0 and again.rejected == 0
    assert dump(bulk_dir, "raw", "SELECT count(*) FROM samples") == [(len(expected),)]


def test_bulk_resumes_after_cancel_like_row_by_row(tmp_path: Path, register_map: RegisterMap) -> None:
    from core.migrate.summary import CancelToken, Progress

    build(tmp_path / "smart-saw", 4)
    reference = settings_for(tmp_path / "rows")
    import_smart_saw(tmp_path / "smart-saw", reference, register_map, reject_path=tmp_path / "r.csv", bulk=False)
    settings = settings_for(tmp_path / "bulk")
    token = CancelToken()
    seen: list[Progress] = []

    def cancel_in_the_autumn(progress: Progress) -> None:
        seen.append(progress)
        if progress.done >= 2350:  # in the second pass of Berlin's repeated hour (rows 2301-2860)
            token.cancel()

    first = import_smart_saw(tmp_path / "smart-saw", settings, register_map, progress=cancel_in_the_autumn,
                             cancel=token, bulk_rows=300)
    assert first.cancelled and 0 < first.imported < 3000
    assert seen[-1].rows_per_s > 0 and seen[-1].total > seen[-1].done and seen[-1].eta_s is not None
    rest = import_smart_saw(tmp_path / "smart-saw", settings, register_map, bulk_rows=300)
    assert not rest.cancelled
    select = "SELECT * FROM samples ORDER BY id"
    assert dump(settings.data_dir, "raw", select) == dump(reference.data_dir, "raw", select)
    alarms = "SELECT ts_ms, alarm_key, action, text, value FROM alarm_log ORDER BY id"
    assert dump(settings.data_dir, "log", alarms) == dump(reference.data_dir, "log", alarms)

