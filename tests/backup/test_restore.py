"""Restore: round trip, current files kept aside, refused while an engine holds the data dir or
when the backup is damaged (current files untouched then)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from backup_helpers import COLUMNS, fill_raw, query

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.storage.backup import run_backup
from core.storage.backup_manifest import BackupInvalid
from core.storage.lock import DataDirLock, DataDirLocked, locked_by
from core.storage.restore import restore_backup
from core.storage.schema import DATABASES
from core.storage.sqlite_open import database_path
from core.storage.sqlite_store import SqliteStorage


def snapshot_of(data_dir: Path) -> dict[str, list[tuple[object, ...]]]:
    return {
        "samples": query(database_path(data_dir, "raw"), "SELECT * FROM samples ORDER BY id"),
        "events": query(database_path(data_dir, "log"), "SELECT * FROM events ORDER BY id"),
    }


def add_event(data_dir: Path, message: str) -> None:
    conn = sqlite3.connect(str(database_path(data_dir, "log")), isolation_level=None)
    conn.execute("INSERT INTO events (ts_ms, kind, source, message) VALUES (1, 'test', 'test', ?)", (message,))
    conn.close()


def test_restore_round_trip_keeps_the_current_files_aside(settings: Settings) -> None:
    data_dir = settings.data_dir
    fill_raw(data_dir, COLUMNS, 1000)
    add_event(data_dir, "before the backup")
    before = snapshot_of(data_dir)
    manifest = run_backup(settings)
    assert manifest.path is not None
    fill_raw(data_dir, COLUMNS, 500, first=1000)  # life goes on after the backup...
    add_event(data_dir, "after the backup")
    after = snapshot_of(data_dir)

    report = restore_backup(manifest.path, data_dir, clock=lambda: 1_800_000_000.0)

    assert snapshot_of(data_dir)["samples"] == before["samples"]
    assert snapshot_of(data_dir)["events"] == after["events"]  # log.db (the audit trail) is never rolled back
    assert sorted(report.restored) == sorted(set(DATABASES) - {"log"})
    assert set(report.kept_aside) == set(DATABASES) - {"log"}
    assert report.kept_live == ["log"]  # (this data dir has no users.db)
    aside = report.kept_aside["raw"]
    assert aside.name == "raw.before-restore-20270115T080000Z.db"
    assert query(aside, "SELECT * FROM samples ORDER BY id") == after["samples"]  # nothing thrown away
    assert not list((data_dir / "databases").glob(".restore-*"))
    for db in DATABASES:
        assert query(database_path(data_dir, db), "PRAGMA integrity_check") == [("ok",)]


async def test_restored_databases_open_in_the_engine_storage(settings: Settings, register_map: object) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    manifest = run_backup(settings)
    assert manifest.path is not None
    restore_backup(manifest.path, settings.data_dir)
    storage = SqliteStorage(settings, list(COLUMNS), AlarmManager())
    reports = await storage.start()
    try:
        assert not any(report.recovered for report in reports)
        assert storage.recorder.report is not None
    finally:
        await storage.stop()
    assert query(database_path(settings.data_dir, "raw"), "SELECT COUNT(*) FROM samples") == [(100,)]


def test_restore_is_refused_while_an_engine_holds_the_data_dir(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    manifest = run_backup(settings)
    assert manifest.path is not None
    fill_raw(settings.data_dir, COLUMNS, 5, first=100)
    current = snapshot_of(settings.data_dir)
    with DataDirLock(settings.data_dir):  # what Engine.start takes
        assert locked_by(settings.data_dir) is not None
        with pytest.raises(DataDirLocked, match="stop it first"):
            restore_backup(manifest.path, settings.data_dir)
    assert snapshot_of(settings.data_dir) == current
    assert locked_by(settings.data_dir) is None
    restore_backup(manifest.path, settings.data_dir)


def test_a_damaged_backup_is_refused_and_nothing_is_touched(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    manifest = run_backup(settings)
    assert manifest.path is not None
    gz = manifest.path / "log.db.gz"
    blob = bytearray(gz.read_bytes())
    blob[-20] ^= 0x01
    gz.write_bytes(bytes(blob))
    fill_raw(settings.data_dir, COLUMNS, 5, first=100)
    current = snapshot_of(settings.data_dir)
    files = sorted(p.name for p in (settings.data_dir / "databases").iterdir())
    with pytest.raises(BackupInvalid, match=r"log: log\.db\.gz does not match its sha256"):
        restore_backup(manifest.path, settings.data_dir)
    assert snapshot_of(settings.data_dir) == current
    assert sorted(p.name for p in (settings.data_dir / "databases").iterdir()) == files


def test_a_database_missing_from_the_backup_is_moved_aside(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 10)
    database_path(settings.data_dir, "anomaly").unlink()
    manifest = run_backup(settings)
    assert manifest.path is not None and manifest.missing == ["anomaly"]
    fill_raw(settings.data_dir, COLUMNS, 1, first=10)  # recreates nothing; anomaly.db comes back:
    conn = sqlite3.connect(str(database_path(settings.data_dir, "anomaly")))
    conn.execute("CREATE TABLE x (a)")
    conn.close()
    report = restore_backup(manifest.path, settings.data_dir)
    assert "anomaly" not in report.restored
    assert "anomaly" in report.kept_aside
    assert not database_path(settings.data_dir, "anomaly").exists()


def test_after_restoring_an_old_backup_new_samples_never_reuse_archived_ids(tmp_path: Path) -> None:
    from backup_helpers import T0_MS

    from core.storage.archive import DAY_MS, archive_raw
    from core.storage.samples_reader import read_samples

    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, 100, step_ms=DAY_MS // 10)  # ten days, ids 1..100
    old = run_backup(data_dir)
    assert old.path is not None
    fill_raw(data_dir, COLUMNS, 100, first=100, step_ms=DAY_MS // 10)  # ten more days, ids 101..200
    archive_raw(data_dir, live_days=3, now_ms=T0_MS + 20 * DAY_MS)  # ids up to ~170 archived
    restore_backup(old.path, data_dir)  # raw.db back at ids 1..100
    fill_raw(data_dir, COLUMNS, 50, start_ms=T0_MS + 30 * DAY_MS, step_ms=DAY_MS // 10)  # recording goes on
    new_ids = query(database_path(data_dir, "raw"), "SELECT MIN(id) FROM samples WHERE ts_ms >= ?",
                    (T0_MS + 30 * DAY_MS,))
    assert new_ids == [(201,)]  # past every id the archive and the previous raw.db used
    report = archive_raw(data_dir, live_days=3, now_ms=T0_MS + 40 * DAY_MS)
    assert not report.stopped
    # Every sample is readable exactly once: the backup's 100, the archived 101..170, the 50 new ones
    # (171..200 were only in raw.db after the backup: they are in the file kept aside).
    times = [row[0] for row in read_samples(data_dir, None, None, [])]
    assert len(times) == len(set(times)) == 100 + 70 + 50
