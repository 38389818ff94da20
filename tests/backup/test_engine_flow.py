"""End to end on the simulator with the real engine: the data-dir lock held while running,
the scheduler's backup + archive while the recorder writes, then the HMI's restore (engine
stopped, restored, started again)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from backup_helpers import COLUMNS, fill_raw, query, unpack
from PySide6.QtWidgets import QApplication

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.sim.server import SimulatorServer
from core.storage.archive import DAY_MS
from core.storage.backup_scheduler import ALARM_BACKUP_FAILED, BackupScheduler
from core.storage.disk import ALARM_DISK_LOW, MB, DiskMonitor
from core.storage.lock import locked_by
from core.storage.samples_reader import archive_dir, read_samples
from core.storage.sqlite_open import database_path
from hmi.pages.data import DataPage
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def fill_old(data_dir: Path, names: list[str], count: int, start_ms: int) -> None:
    """Old samples from before the engine ran (one a minute), in a raw.db the engine then opens."""
    fill_raw(data_dir, names, count, start_ms=start_ms, step_ms=60_000)


async def test_scheduler_and_hmi_restore_with_a_running_engine(settings: Settings, register_map: RegisterMap,
                                                               qapp: QApplication, tmp_path: Path) -> None:
    sim = SimulatorServer(register_map, seed=7, speedup=10.0)
    await sim.start()
    live = settings.model_copy(update={
        "modbus": settings.modbus.model_copy(update={"port": sim.port, "read_rate_hz": 50.0, "timeout_s": 0.5}),
        "database": settings.database.model_copy(update={"sqlite": settings.database.sqlite.model_copy(
            update={"batch_ms": 50, "archive_live_days": 3})}),
        "ml": settings.ml.model_copy(update={"model_path": None}),
    })
    names = list(register_map.names)
    old_start = int(time.time() * 1000) - 10 * DAY_MS
    fill_old(live.data_dir, names, 600, old_start)
    engine = Engine(live, register_map)  # holds the data-dir lock and runs the scheduler
    page = DataPage(None, engine)
    page.set_user(login_as(engine.access, "ada", Role.ADMIN))  # restoring is an admin's
    await engine.start()
    try:
        assert locked_by(live.data_dir) is not None
        await wait_until(lambda: engine.storage.recorder.rows_written >= 30, "engine recording")
        scheduler = engine.backup_scheduler
        assert scheduler is not None
        manifest = await scheduler.backup_now()  # backup, then the archive
        report = scheduler.last_archive
        assert report is not None and report.moved == 600 and not report.stopped
        backed_up = manifest.databases["raw"].tables["samples"]
        assert backed_up >= 600 + 30
        assert manifest.path is not None
        copy = unpack(manifest.path / "raw.db.gz", tmp_path / "raw-copy.db")
        assert query(copy, "PRAGMA integrity_check") == [("ok",)]
        assert query(copy, "SELECT COUNT(*) FROM samples") == [(backed_up,)]
        await wait_until(lambda: engine.storage.recorder.rows_written >= backed_up - 600 + 30, "more rows")

        assert await page.restore(manifest.path) is True, page.message_label.text()
        assert engine.running and locked_by(live.data_dir) is not None
        await wait_until(lambda: engine.storage.recorder.rows_written >= 5, "recording again after the restore")
    finally:
        await engine.stop()
        await sim.stop()
        page.deleteLater()
    raw = database_path(live.data_dir, "raw")
    # The restored raw.db starts with the backup's rows (the old ones included), then new ones.
    first = query(raw, f"SELECT * FROM samples ORDER BY id LIMIT {backed_up}")
    assert first == query(copy, "SELECT * FROM samples ORDER BY id")
    # The old rows are in raw.db (restored) and in the archive (moved after the backup): read once.
    rows = list(read_samples(live.data_dir, None, old_start + 600 * 60_000, ["band_torque"]))
    assert len(rows) == 600
    assert list(archive_dir(live.data_dir).glob("raw-*.db"))
    events = query(database_path(live.data_dir, "log"), "SELECT message FROM events WHERE kind = 'backup_restored'")
    assert len(events) == 1 and "restored backup" in events[0][0]


async def test_no_space_raises_disk_low_and_backup_failed(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    alarms = AlarmManager()
    floor = settings.database.sqlite.disk_free_floor_mb
    space = {"free": floor * MB + 5 * MB}  # above the floor: no disk alarm yet
    monitor = DiskMonitor(settings.data_dir, floor, alarms, free=lambda _p: space["free"])
    monitor.check()
    assert not alarms.is_active(ALARM_DISK_LOW)
    scheduler = BackupScheduler(settings, alarms, free=lambda _p: space["free"], disk=monitor)
    space["free"] = floor * MB + 1024  # another program fills the disk
    with pytest.raises(OSError, match="not enough disk space"):
        await scheduler.backup_now()
    assert alarms.is_active(ALARM_BACKUP_FAILED)
    assert alarms.is_active(ALARM_DISK_LOW) is False  # still above the floor: only the backup stopped
    space["free"] = floor * MB - 1024
    with pytest.raises(OSError):
        await scheduler.backup_now()
    assert alarms.is_active(ALARM_DISK_LOW)
