"""The daily scheduler: runs at the configured local time (injected clock), catches up a missed
backup, alarms on failure and retries later, archives after the backup, starts and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from backup_helpers import COLUMNS, T0_MS, fill_raw

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.storage.archive import DAY_MS
from core.storage.backup import daily_dir
from core.storage.backup_manifest import list_backups
from core.storage.backup_scheduler import ALARM_ARCHIVE_STOPPED, ALARM_BACKUP_FAILED, BackupScheduler, next_slot
from core.storage.disk import MB
from core.storage.samples_reader import archive_dir
from tests.waiting import wait_until


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def local(*parts: int) -> float:
    """Epoch seconds of a local wall time (year, month, day, hour[, minute[, second]])."""
    year, month, day, hour, minute, second = (*parts, 0, 0)[:6]
    return datetime(year, month, day, hour, minute, second).timestamp()


def with_sqlite(settings: Settings, **changes: object) -> Settings:
    sqlite = settings.database.sqlite.model_copy(update=changes)
    return settings.model_copy(update={"database": settings.database.model_copy(update={"sqlite": sqlite})})


def test_next_slot_is_the_next_local_occurrence() -> None:
    assert next_slot(local(2026, 11, 27, 2, 59), "03:00") == local(2026, 11, 27, 3, 0)
    assert next_slot(local(2026, 11, 27, 3, 0), "03:00") == local(2026, 11, 28, 3, 0)
    assert next_slot(local(2026, 11, 27, 23, 30), "00:15") == local(2026, 11, 28, 0, 15)


async def test_runs_at_the_configured_time_once_a_day(settings: Settings, alarms: AlarmManager) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    clock = Clock(local(2026, 11, 27, 1, 0))
    scheduler = BackupScheduler(with_sqlite(settings, backup_time="03:00", archive_live_days=0), alarms, clock=clock)
    assert await scheduler.tick() is None
    clock.now = local(2026, 11, 27, 2, 59, 59)
    assert await scheduler.tick() is None
    clock.now = local(2026, 11, 27, 3, 0, 5)
    first = await scheduler.tick()
    assert first is not None and first.created_ms == int(clock.now * 1000)
    clock.now = local(2026, 11, 27, 15, 0)
    assert await scheduler.tick() is None
    assert scheduler.next_due_s() == local(2026, 11, 28, 3, 0)
    clock.now = local(2026, 11, 28, 3, 0, 1)
    assert await scheduler.tick() is not None
    assert len(list_backups(daily_dir(settings.data_dir))) == 2


async def test_a_missed_backup_runs_at_start(settings: Settings, alarms: AlarmManager) -> None:
    fill_raw(settings.data_dir, COLUMNS, 10)
    clock = Clock(local(2026, 11, 20, 3, 0, 10))
    old = BackupScheduler(settings, alarms, clock=clock)
    assert await old.backup_now() is not None
    clock.now = local(2026, 11, 23, 9, 0)  # the PC was off for three nights
    scheduler = BackupScheduler(settings, alarms, clock=clock)
    assert scheduler.next_due_s() == local(2026, 11, 21, 3, 0)
    assert await scheduler.tick() is not None


async def test_disabled_never_runs(settings: Settings, alarms: AlarmManager) -> None:
    clock = Clock(local(2026, 11, 27, 1, 0))
    scheduler = BackupScheduler(with_sqlite(settings, backup_enabled=False), alarms, clock=clock)
    clock.now += 3 * 86400
    assert await scheduler.tick() is None


async def test_no_space_raises_the_alarm_retries_later_and_clears(settings: Settings, alarms: AlarmManager) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    floor = settings.database.sqlite.disk_free_floor_mb * MB
    space = {"free": floor + 1024}
    clock = Clock(local(2026, 11, 27, 3, 0, 1))
    scheduler = BackupScheduler(settings, alarms, clock=clock, free=lambda _p: space["free"], retry_s=3600)
    scheduler._baseline_s = local(2026, 11, 26, 12, 0)  # started yesterday: today's slot is due
    assert await scheduler.tick() is None
    alarm = alarms.get(ALARM_BACKUP_FAILED)
    assert alarm is not None and alarm.condition
    assert "not enough disk space" in alarm.text
    assert "not enough disk space" in scheduler.last_error
    assert list(daily_dir(settings.data_dir).iterdir()) == []
    clock.now += 60
    assert await scheduler.tick() is None  # not retried at every check...
    space["free"] = floor + 1000 * MB
    assert await scheduler.tick() is None
    clock.now += 3600
    assert await scheduler.tick() is not None  # ...but an hour later
    assert not alarms.is_active(ALARM_BACKUP_FAILED)
    assert scheduler.last_error == ""


async def test_the_archive_runs_after_the_backup(settings: Settings, alarms: AlarmManager) -> None:
    fill_raw(settings.data_dir, COLUMNS, 10 * 288, step_ms=300_000)
    clock = Clock((T0_MS + 10 * DAY_MS) / 1000)
    scheduler = BackupScheduler(with_sqlite(settings, archive_live_days=3), alarms, clock=clock)
    manifest = await scheduler.backup_now()
    assert manifest.databases["raw"].tables["samples"] == 10 * 288  # backed up before archiving
    assert scheduler.last_archive is not None and scheduler.last_archive.moved == 7 * 288
    assert list(archive_dir(settings.data_dir).glob("raw-*.db"))
    assert not alarms.is_active(ALARM_ARCHIVE_STOPPED)


async def test_start_stop_and_backup_now(settings: Settings, alarms: AlarmManager) -> None:
    fill_raw(settings.data_dir, COLUMNS, 100)
    scheduler = BackupScheduler(settings, alarms, poll_s=0.05)
    await scheduler.start()
    try:
        jobs = [asyncio.create_task(scheduler.backup_now()) for _ in range(2)]
        await wait_until(lambda: scheduler.running or all(j.done() for j in jobs), "job running")
        one, two = await asyncio.gather(*jobs)
        assert one is two  # a second request joins the backup under way
        assert not scheduler.running
    finally:
        await scheduler.stop()
    await scheduler.stop()  # twice is harmless


async def test_stop_waits_for_the_job_under_way(settings: Settings, alarms: AlarmManager) -> None:
    fill_raw(settings.data_dir, COLUMNS, 50_000)
    scheduler = BackupScheduler(settings, alarms)
    await scheduler.start()
    job = asyncio.create_task(scheduler.backup_now())
    await wait_until(lambda: scheduler.running, "job running")
    await scheduler.stop()
    assert job.done()
    try:
        job.result()
    except Exception as exc:  # cancelled between files, or finished: either way nothing half-written
        assert "cancelled" in str(exc)
    assert not list(daily_dir(settings.data_dir).glob(".*.partial"))


@pytest.mark.parametrize("hhmm", ["3:00", "24:00", "03:60", "noon"])
def test_a_bad_backup_time_is_a_config_error(settings: Settings, hhmm: str) -> None:
    from core.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="backup_time"):
        load_settings(settings.config_path, env={}, env_file=Path("/nonexistent"),
                      overrides={"database": {"sqlite": {"backup_time": hhmm}}})
