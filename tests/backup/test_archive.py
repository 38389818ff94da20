"""Archive: old samples move to monthly files, nothing lost or doubled, rerun-safe, disk floor,
delete through the running recorder, and the reader spans archive + live."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from backup_helpers import COLUMNS, T0_MS, fill_raw, query

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.snapshot import Quality, Snapshot
from core.storage import archive as archive_module
from core.storage.archive import DAY_MS, archive_raw, writer_delete
from core.storage.disk import MB
from core.storage.generation import LEGACY, Generation, read_generation
from core.storage.lock import DataDirLock, DataDirLocked
from core.storage.recorder import Recorder
from core.storage.samples_reader import archive_dir, count_samples, read_samples, sources
from core.storage.sqlite_open import database_path
from tests.waiting import wait_until

OCT_1_MS = 1_790_812_800_000  # 2026-10-01 00:00 UTC: the month boundary of the archive files
# From 2026-09-21 14:13:20 UTC, 16 days at one row per 10 minutes: into October.
ROWS = 16 * 24 * 6
STEP_MS = 600_000


def all_rows(data_dir: Path) -> list[tuple[Any, ...]]:
    return list(read_samples(data_dir, None, None, COLUMNS))


def raw_rows(data_dir: Path) -> list[tuple[Any, ...]]:
    names = ", ".join(COLUMNS)
    return query(database_path(data_dir, "raw"), f"SELECT ts_ms, {names} FROM samples ORDER BY ts_ms, id")


def test_old_samples_move_to_monthly_files_and_nothing_is_lost(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    everything = raw_rows(data_dir)
    now = T0_MS + ROWS * STEP_MS
    report = archive_raw(data_dir, live_days=3, now_ms=now, chunk_rows=500)

    cutoff = now - 3 * DAY_MS
    old = [row for row in everything if int(row[0]) < cutoff]
    assert report.moved == len(old) > 0
    september = sum(1 for row in old if int(row[0]) < OCT_1_MS)
    assert report.months == {"raw-2026-09.db": september, "raw-2026-10.db": len(old) - september}
    assert {p.name for p in archive_dir(data_dir).iterdir()} == {"raw-2026-09.db", "raw-2026-10.db"}
    assert raw_rows(data_dir) == [row for row in everything if int(row[0]) >= cutoff]
    assert all_rows(data_dir) == everything  # the reader spans archive + live
    for path in archive_dir(data_dir).iterdir():
        assert query(path, "PRAGMA integrity_check") == [("ok",)]
        assert query(path, "PRAGMA journal_mode") == [("delete",)]
    # Archived rows keep their raw.db ids.
    ids = query(archive_dir(data_dir) / "raw-2026-09.db", "SELECT MIN(id), MAX(id) FROM samples")
    assert ids == [(1, september)]
    # A second run has nothing to move.
    assert archive_raw(data_dir, live_days=3, now_ms=now).moved == 0


def test_an_interrupted_run_loses_nothing_and_a_rerun_completes(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    everything = raw_rows(data_dir)
    now = T0_MS + ROWS * STEP_MS
    real_deleter = archive_module._deleter
    calls = {"n": 0}

    def crashing_deleter(ids: list[int], cutoff_ms: int):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("power cut")  # copied to the archive, not deleted from raw
        return real_deleter(ids, cutoff_ms)

    monkeypatch.setattr(archive_module, "_deleter", crashing_deleter)
    with pytest.raises(sqlite3.OperationalError, match="power cut"):
        archive_raw(data_dir, live_days=3, now_ms=now, chunk_rows=300)
    # Rows of the third chunk are in both files now: read once, counted by the archive and raw.
    assert all_rows(data_dir) == everything
    monkeypatch.setattr(archive_module, "_deleter", real_deleter)
    report = archive_raw(data_dir, live_days=3, now_ms=now, chunk_rows=300)
    assert report.moved == sum(1 for row in everything if int(row[0]) < now - 3 * DAY_MS) - 600
    assert all_rows(data_dir) == everything
    archived = sum(query(p, "SELECT COUNT(*) FROM samples")[0][0] for p in archive_dir(data_dir).iterdir())
    assert archived + len(raw_rows(data_dir)) == len(everything)
    assert count_samples(data_dir) == len(everything)


def test_disk_floor_stops_the_archive_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    everything = raw_rows(data_dir)
    floor = 500 * MB
    free = {"bytes": floor + 200 * 1024}  # room for a chunk or two, then not

    def shrinking(_path: Path) -> int:
        free["bytes"] -= 60 * 1024
        return free["bytes"]

    report = archive_raw(data_dir, live_days=3, now_ms=T0_MS + ROWS * STEP_MS, chunk_rows=200, free=shrinking)
    assert report.stopped.startswith("not enough disk space")
    assert 0 < report.moved < len(everything) // 2
    assert all_rows(data_dir) == everything


def test_without_an_engine_the_archive_refuses_a_held_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, 100, step_ms=STEP_MS)
    with DataDirLock(data_dir), pytest.raises(DataDirLocked):
        archive_raw(data_dir, live_days=0 + 1, now_ms=T0_MS + 10 * DAY_MS)
    assert len(raw_rows(data_dir)) == 100


async def test_delete_runs_on_the_recorder_while_it_records(settings: Settings, alarms: AlarmManager) -> None:
    data_dir = settings.data_dir
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    old = raw_rows(data_dir)
    recorder = Recorder(database_path(data_dir, "raw"), COLUMNS, alarms=alarms,
                        sqlite=settings.database.sqlite.model_copy(update={"batch_ms": 5}))
    await recorder.start()
    new_start = T0_MS + ROWS * STEP_MS
    stop = asyncio.Event()

    async def produce() -> int:
        seq = 0
        while not stop.is_set():
            for _ in range(50):
                seq += 1
                recorder.record(Snapshot(seq, new_start + seq, 0.0, dict.fromkeys(COLUMNS, float(seq)), {},
                                         Quality.GOOD))
            await asyncio.sleep(0.001)
        return seq

    producer = asyncio.create_task(produce())
    try:
        loop = asyncio.get_running_loop()
        with DataDirLock(data_dir):  # the engine's lock: only the recorder may delete now
            report = await asyncio.to_thread(
                archive_raw, settings, live_days=3, now_ms=new_start, delete=writer_delete(recorder, loop),
                chunk_rows=400)
        stop.set()
        produced = await producer
        await wait_until(lambda: recorder.queue_rows == 0, "recorder drained")
    finally:
        stop.set()
        await recorder.stop()
    assert report.moved > 0 and not report.stopped
    rows = all_rows(data_dir)
    assert rows[: len(old)] == old
    assert len(rows) == len(old) + produced
    assert recorder.rows_written == produced


def test_reader_range_and_missing_columns(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    now = T0_MS + ROWS * STEP_MS
    archive_raw(data_dir, live_days=3, now_ms=now)
    # The register map grows: raw.db gets a column the archives do not have.
    conn = sqlite3.connect(str(database_path(data_dir, "raw")))
    conn.execute('ALTER TABLE samples ADD COLUMN "new_signal" REAL')
    conn.close()
    start, end = now - 4 * DAY_MS, now - 2 * DAY_MS  # spans the archive/live boundary
    rows = list(read_samples(data_dir, start, end, ["band_torque", "new_signal"]))
    assert len(rows) == 2 * 24 * 6
    assert all(start <= int(row[0]) < end for row in rows)
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert all(row[2] is None for row in rows)
    assert count_samples(data_dir, start, end) == len(rows)
    assert [p.name for p in sources(data_dir, start, end)] == ["raw-2026-10.db", "raw.db"]
    assert [p.name for p in sources(data_dir)] == ["raw-2026-09.db", "raw-2026-10.db", "raw.db"]


def test_rows_the_postgres_mirror_has_not_sent_stay_in_raw(settings: Settings) -> None:
    from core.storage.pg.state import MirrorState

    data_dir = settings.data_dir
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    now = T0_MS + ROWS * STEP_MS
    mirrored = settings.model_copy(update={"database": settings.database.model_copy(update={
        "postgresql": settings.database.postgresql.model_copy(update={"enabled": True})})})
    # Enabled, never connected: nothing may leave raw.db.
    report = archive_raw(mirrored, live_days=3, now_ms=now)
    assert report.moved == 0 and report.max_id == 0
    state = MirrorState(data_dir / "databases" / "pg_mirror.db")
    raw = sqlite3.connect(database_path(data_dir, "raw"))
    generation = (read_generation(raw) or Generation(LEGACY)).id  # cursors are per file generation
    raw.close()
    try:
        state.set_cursor("central-a", "raw.samples", generation, 500, now)
        state.set_cursor("central-b", "raw.samples", generation, 800, now)
        state.set_cursor("abandoned", "raw.samples", generation, 10, now - 40 * DAY_MS)  # unused 40 days: ignored
        state.set_cursor("central-a", "raw.samples", "older-file", 9000, now)  # another file's: says nothing
    finally:
        state.close()
    report = archive_raw(mirrored, live_days=3, now_ms=now)
    assert report.max_id == 500 and report.moved == 500
    assert query(database_path(data_dir, "raw"), "SELECT MIN(id) FROM samples") == [(501,)]
    assert len(all_rows(data_dir)) == ROWS


def test_an_id_taken_in_the_archive_by_another_sample_stops_before_any_delete(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, ROWS, step_ms=STEP_MS)
    before = raw_rows(data_dir)
    archive = archive_dir(data_dir) / "raw-2026-09.db"
    archive.parent.mkdir(parents=True)
    conn = sqlite3.connect(str(archive))
    conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL)")
    conn.execute("INSERT INTO samples (id, ts_ms) VALUES (5, 1)")  # id 5 belongs to another sample
    conn.commit()
    conn.close()
    with pytest.raises(sqlite3.DatabaseError, match="not in the archive after commit"):
        archive_raw(data_dir, live_days=3, now_ms=T0_MS + ROWS * STEP_MS)
    assert raw_rows(data_dir) == before
