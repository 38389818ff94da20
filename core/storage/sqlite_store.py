"""The five local databases together: what the engine constructs, starts, feeds and stops.

    storage = SqliteStorage(settings, register_map, engine.alarms)
    reports = await storage.start()           # opens/checks/migrates all five; alarms on recovery
    engine.subscribe(storage.recorder.record)  # raw.db: one row per GOOD/STALE snapshot
    storage.log.event("link_lost", "...", source="modbus", data={...})
    storage.total.insert("cuts", {...})        # total/ml/anomaly: batched inserts
    storage.health()                           # -> core.api.StorageHealth for EngineStatus
    await storage.stop()                       # flushes every queue, closes every file

log.db starts first and stops last, so every alarm transition of the others is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from core.analysis.alarms import AlarmManager
from core.api import StorageHealth
from core.config import Settings
from core.registers import RegisterMap
from core.storage.disk import DiskMonitor, FreeBytes, free_bytes
from core.storage.logdb import LogWriter
from core.storage.recorder import Recorder
from core.storage.sqlite_open import OpenReport, database_path
from core.storage.sqlite_tables import SqlWriter
from core.storage.sqlite_writer import BatchWriter
from core.storage.watch import REFRESH_PERIOD_S, FileWatch

log = logging.getLogger("bandsaw.database")


class SqliteStorage:
    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap | Sequence[str],
        alarms: AlarmManager,
        *,
        clock: Callable[[], float] = time.time,
        disk_free: FreeBytes = free_bytes,
        **options: Any,
    ) -> None:
        """``options`` go to every writer (max_batch_rows, memory_budget_bytes, retry_s)."""
        sqlite = settings.database.sqlite
        data_dir = settings.data_dir
        columns = register_map.names if isinstance(register_map, RegisterMap) else list(register_map)
        common: dict[str, Any] = {"alarms": alarms, "sqlite": sqlite, "clock": clock, **options}
        self.log = LogWriter(database_path(data_dir, "log"), **common)
        self.recorder = Recorder(database_path(data_dir, "raw"), columns, **common)
        self.total = SqlWriter("total", database_path(data_dir, "total"), **common)
        self.ml = SqlWriter("ml", database_path(data_dir, "ml"), **common)
        self.anomaly = SqlWriter("anomaly", database_path(data_dir, "anomaly"), **common)
        self.disk = DiskMonitor(data_dir, sqlite.disk_free_floor_mb, alarms, free=disk_free)
        self._started: list[BatchWriter[Any]] = []
        # Files that vanished or were swapped: alarms, the ledger, the restore offer.
        self.watch = FileWatch(data_dir, alarms, clock=clock)
        self._watch_task: asyncio.Task[None] | None = None

    @property
    def writers(self) -> list[BatchWriter[Any]]:
        """In start order: log first."""
        return [self.log, self.recorder, self.total, self.ml, self.anomaly]

    async def start(self) -> list[OpenReport]:
        """Open all five databases. A replaced (corrupt) file is an alarm and a log.db event.

        Raises (after closing what was opened) when a database cannot be opened at all.
        """
        reports: list[OpenReport] = []
        self.watch.prepare(self.writers)
        try:
            for writer in self.writers:
                reports.append(await writer.start())
                self._started.append(writer)
            await self.disk.start()
        except BaseException:
            await self.stop()
            raise
        for report in reports:
            if report.recovered:
                self.log.event(
                    "db_replaced",
                    f"{report.db}.db was unusable and was moved aside; a new file was started",
                    source="storage",
                    data={"db": report.db, "problem": report.problem, "moved_to": str(report.moved_to)},
                )
            if report.columns_added:
                self.log.event(
                    "columns_added", f"raw.db: columns added for {len(report.columns_added)} new registers",
                    source="storage", data={"columns": list(report.columns_added)},
                )
        self.watch.opened(reports, self.log.event)
        self._watch_task = asyncio.create_task(self._watch_files(), name="bandsaw.storage.watch")
        return reports

    async def _watch_files(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_PERIOD_S)
            try:
                await self.watch.refresh(self._started)
            except Exception:  # the ledger is a check, never a reason to stop recording
                log.exception("database file check failed")

    async def stop(self, timeout_s: float = 30.0) -> int:
        """Flush and close everything (log.db last); returns rows that could not be written."""
        task, self._watch_task = self._watch_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.disk.stop()
        lost = 0
        for writer in reversed(self._started):  # log.db, started first, stops last
            lost += await writer.stop(timeout_s)
        with contextlib.suppress(Exception):  # counters for the next start's comparison
            await asyncio.to_thread(self.watch.closed, self._started)
        self._started.clear()
        return lost

    def health(self) -> StorageHealth:
        """raw.db's figures (rows written, last commit) with every writer's queue and trouble."""
        parts = [writer.health() for writer in self.writers]
        raw = parts[1]
        errors = [f"{w.db}: {h.error}" for w, h in zip(self.writers, parts, strict=True) if h.error]
        if self.disk.low:
            errors.append(f"disk low: {(self.disk.free_bytes or 0) // (1024 * 1024)} MB free")
        return StorageHealth(
            ok=all(h.ok for h in parts) and not self.disk.low,
            queue_rows=sum(h.queue_rows for h in parts),
            rows_written=raw.rows_written,
            last_commit_ms=raw.last_commit_ms,
            backpressure=any(h.backpressure for h in parts),
            error="; ".join(errors),
        )
