"""A clean stop leaves plain .db files: no -wal or -shm beside them (plant IT copies the data
directory and expects the .db files to be whole), and not one row less."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from storage_helpers import COLUMNS, good

from core.analysis.alarms import AlarmManager
from core.cli import engine_factory
from core.config import Settings
from core.registers import RegisterMap
from core.storage.sqlite_open import database_path, open_reader, remove_wal_files
from core.storage.sqlite_store import SqliteStorage
from tests.waiting import wait_until


def _side_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(("-wal", "-shm")))


def _count(path: Path) -> int:
    check = open_reader(path)
    try:
        return int(check.execute("SELECT count(*) FROM samples").fetchone()[0])
    finally:
        check.close()


async def test_clean_stop_leaves_no_wal_or_shm_and_keeps_every_row(settings: Settings) -> None:
    storage = SqliteStorage(settings, COLUMNS, AlarmManager())
    await storage.start()
    for seq in range(1, 41):
        storage.recorder.record(good(seq))
    await wait_until(lambda: storage.recorder.queue_rows == 0, "rows written")
    raw = database_path(settings.data_dir, "raw")
    assert "raw.db-wal" in _side_files(raw.parent)  # WAL mode while running
    assert await storage.stop() == 0
    assert _side_files(raw.parent) == []
    assert _count(raw) == 40


def test_a_read_only_reader_closing_last_leaves_the_wal_and_the_tidy_up_folds_it_in(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, v REAL)")
    writer.executemany("INSERT INTO samples (v) VALUES (?)", [(float(i),) for i in range(100)])
    writer.commit()
    reader = open_reader(path)
    reader.execute("SELECT count(*) FROM samples").fetchone()
    writer.close()
    reader.close()  # read-only and last: SQLite may not delete the side files
    remove_wal_files([path, tmp_path / "absent.db"])  # a missing file is no error and is not created
    assert _side_files(tmp_path) == []
    assert not (tmp_path / "absent.db").exists()
    assert _count(path) == 100


async def test_a_failing_tidy_up_at_stop_is_logged_not_swallowed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    storage = SqliteStorage(settings, COLUMNS, AlarmManager())
    await storage.start()
    storage.recorder.record(good(1))
    await wait_until(lambda: storage.recorder.queue_rows == 0, "rows written")

    def broken(*_args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(storage.watch, "closed", broken)
    monkeypatch.setattr("core.storage.sqlite_store.remove_wal_files", broken)
    with caplog.at_level(logging.WARNING, logger="bandsaw"):
        assert await storage.stop() == 0  # the stop itself goes through
    said = [r.getMessage() for r in caplog.records]
    assert any("file counters not recorded: OSError: disk gone" in m for m in said), said
    assert any("-wal/-shm files left: OSError: disk gone" in m for m in said), said


@pytest.mark.timeout(120)
async def test_a_clean_engine_stop_leaves_plain_db_files_log_db_too(settings: Settings,
                                                                     register_map: RegisterMap) -> None:
    """The whole engine (the simulator, every database): after its stop no -wal/-shm is left, log.db
    included (the audit trail's seal reads it after the storage closed it)."""
    engine = engine_factory(settings, register_map, True)
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None, "first polls", within_s=30.0)
    finally:
        await engine.stop()
    databases = database_path(settings.data_dir, "log").parent
    assert (databases / "log.db").exists()
    assert _side_files(databases) == []
