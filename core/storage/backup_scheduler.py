"""The daily maintenance task: backup at ``backup_time``, then retention, then the raw archive.

Owned by the engine::

    scheduler = BackupScheduler(settings, engine.alarms, raw_writer=engine.storage.recorder,
                                disk=engine.storage.disk)
    await scheduler.start()          # after storage.start()
    manifest = await scheduler.backup_now()   # HMI button / any time
    await scheduler.stop()           # before storage.stop(): waits for a job under way

The work runs in a worker thread (``asyncio.to_thread``): the event loop never waits on it.
A backup missed while the PC was off runs at the first check after start (the slot after the
newest backup has passed). Alarms (raised and cleared on the event loop):
``storage.backup_failed`` while the last backup failed (e.g. not enough disk space above
``disk_free_floor_mb``), ``storage.archive_stopped`` while the last archive run could not move
every old sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.storage.archive import ArchiveReport, archive_raw, writer_delete
from core.storage.backup import BackupError, daily_dir, run_backup
from core.storage.backup_manifest import Manifest, list_backups
from core.storage.disk import DiskMonitor, FreeBytes, free_bytes
from core.storage.space import NoSpace
from core.storage.sqlite_writer import BatchWriter

log = logging.getLogger("bandsaw.database")

ALARM_BACKUP_FAILED = "storage.backup_failed"
ALARM_ARCHIVE_STOPPED = "storage.archive_stopped"
POLL_S = 30.0
RETRY_S = 3600.0  # a failed daily backup is tried again this much later, not every poll


def next_slot(after_s: float, hhmm: str) -> float:
    """The first local time ``hhmm`` strictly after ``after_s`` (epoch seconds)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    moment = datetime.fromtimestamp(after_s)
    slot = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if slot.timestamp() <= after_s:
        slot = (slot + timedelta(days=1)).replace(hour=hour, minute=minute)
    return slot.timestamp()


class BackupScheduler:
    def __init__(
        self,
        settings: Settings,
        alarms: AlarmManager,
        *,
        clock: Callable[[], float] = time.time,
        free: FreeBytes = free_bytes,
        raw_writer: BatchWriter[Any] | None = None,
        disk: DiskMonitor | None = None,
        poll_s: float = POLL_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self.settings = settings
        self._alarms = alarms
        self._clock = clock
        self._free = free
        self._raw_writer = raw_writer
        self._disk = disk  # measured again when a job stops for space: storage.disk_low at once
        self._poll_s = poll_s
        self._retry_s = retry_s
        self._failed_s: float | None = None  # when the last scheduled job failed (retry later)
        self._task: asyncio.Task[None] | None = None
        self._job: asyncio.Task[Manifest] | None = None
        self._cancel = threading.Event()
        self._baseline_s = clock()
        self.last_manifest: Manifest | None = None
        self.last_archive: ArchiveReport | None = None
        self.last_error = ""
        # The newest backup on disk (created_ms), from one scan of daily/: the engine's status is read
        # after every poll and parsing every manifest.json each time was file I/O at 10 Hz on the loop.
        # Scanned at start (off the loop) and again after each backup (its pruning included); a
        # restore restarts the engine, hence the scheduler.
        self._newest_ms: int | None = None
        self._scanned = False

    # --- schedule ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """A backup (or the archive after it) is under way."""
        return self._job is not None and not self._job.done()

    def last_backup_s(self) -> float | None:
        if self.last_manifest is not None:
            return self.last_manifest.created_ms / 1000
        if not self._scanned:  # not started (a tool, a test): read here, once
            self.rescan()
        return self._newest_ms / 1000 if self._newest_ms is not None else None

    def rescan(self) -> None:
        """Read daily/ again for the newest backup (blocking: call it in a worker thread on a loop)."""
        newest = next((info for info in list_backups(daily_dir(self.settings.data_dir)) if info.manifest), None)
        self._newest_ms = newest.manifest.created_ms if newest is not None and newest.manifest else None
        self._scanned = True

    def next_due_s(self) -> float:
        """When the next scheduled backup is due (epoch seconds; may be in the past: run now)."""
        last = self.last_backup_s()
        due = next_slot(last if last is not None else self._baseline_s, self.settings.database.sqlite.backup_time)
        if self._failed_s is not None:
            due = max(due, self._failed_s + self._retry_s)
        return due

    async def tick(self) -> Manifest | None:
        """Run the daily job if it is due (and enabled); the loop calls this every ``poll_s``."""
        if not self.settings.database.sqlite.backup_enabled or self.running:
            return None
        if self._clock() < self.next_due_s():
            return None
        with contextlib.suppress(BackupError, NoSpace):  # reported by alarm and last_error
            return await self.backup_now()
        return None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if not self._scanned:
            await asyncio.to_thread(self.rescan)
        if self._task is None:
            self._cancel.clear()
            self._task = asyncio.create_task(self._run(), name="bandsaw.storage.backup-scheduler")

    async def stop(self) -> None:
        """Stop scheduling; a job under way is asked to cancel and awaited (it stops between files)."""
        self._cancel.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        job = self._job
        if job is not None:
            await asyncio.gather(job, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the schedule must survive anything a job throws
                log.exception("backup scheduler: job failed")
            wait = min(self._poll_s, max(1.0, self.next_due_s() - self._clock()))
            await asyncio.sleep(wait)

    # --- the job -----------------------------------------------------------------------

    async def backup_now(self) -> Manifest:
        """Backup (+ retention + archive) now, in a worker thread. Raises BackupBusy when one runs,
        NoSpace/BackupError when it fails (the alarm is raised too)."""
        if self.running:
            assert self._job is not None
            return await asyncio.shield(self._job)
        self._cancel.clear()
        self._job = asyncio.get_running_loop().create_task(self._daily(), name="bandsaw.storage.backup")
        return await asyncio.shield(self._job)

    async def _daily(self) -> Manifest:
        try:
            manifest = await asyncio.to_thread(
                run_backup, self.settings, free=self._free, clock=self._clock, cancel=self._cancel.is_set)
        except (BackupError, NoSpace) as exc:
            self.last_error = str(exc)
            if self._cancel.is_set():  # stopped on shutdown: nothing for anyone to act on
                log.info("backup cancelled: %s", exc)
                raise
            self._failed_s = self._clock()
            log.error("backup failed: %s", exc)
            if isinstance(exc, NoSpace) and self._disk is not None:
                self._disk.check()
            self._alarms.update(ALARM_BACKUP_FAILED, True, f"Backup failed: {exc}", priority=Priority.HIGH,
                                source="storage")
            raise
        self.last_manifest = manifest
        self.last_error = ""
        self._failed_s = None
        await asyncio.to_thread(self.rescan)  # what the retention pruned is gone from the list too
        self._alarms.update(ALARM_BACKUP_FAILED, False, "Backup failed", priority=Priority.HIGH, source="storage")
        await self._archive()
        return manifest

    async def _archive(self) -> None:
        if self.settings.database.sqlite.archive_live_days <= 0 or self._cancel.is_set():
            return
        writer = self._raw_writer
        delete = writer_delete(writer, asyncio.get_running_loop()) if writer is not None else None
        try:
            report = await asyncio.to_thread(
                archive_raw, self.settings, now_ms=int(self._clock() * 1000), delete=delete, free=self._free,
                cancel=self._cancel.is_set)
        except Exception as exc:  # any failure is an alarm; raw.db stays consistent
            log.error("archive failed: %s", exc)
            report = ArchiveReport(cutoff_ms=0, stopped=f"{type(exc).__name__}: {exc}")
        self.last_archive = report
        if report.stopped.startswith("not enough disk space") and self._disk is not None:
            self._disk.check()
        stopped = bool(report.stopped) and report.stopped != "cancelled"
        self._alarms.update(ALARM_ARCHIVE_STOPPED, stopped, f"Raw data archive stopped: {report.stopped}"
                            if stopped else "Raw data archive stopped", priority=Priority.MEDIUM, source="storage")
