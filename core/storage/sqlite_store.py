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
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.registers import RegisterMap
from core.storage.disk import DiskMonitor, FreeBytes, free_bytes
from core.storage.logdb import LogWriter
from core.storage.recorder import Recorder
from core.storage.spill import SPILL_GLOB, StopOutcome, read_spill, replay_into, spill_dirs, write_spill
from core.storage.sqlite_open import OpenReport, database_path, remove_wal_files
from core.storage.sqlite_tables import SqlWriter
from core.storage.sqlite_writer import BatchWriter
from core.storage.watch import REFRESH_PERIOD_S, FileWatch
from core.values import StorageHealth

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
        self._users_db = database_path(data_dir, "users")  # tidied at stop too (core.security writes it)
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
        self._clock = clock
        self._spill_dirs = spill_dirs(data_dir, settings.resolve(sqlite.spill_dir) if sqlite.spill_dir else None)
        self.stop_timeout_s = sqlite.stop_timeout_s
        self.last_stop = StopOutcome()
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
        await self._replay_spills()
        self._watch_task = asyncio.create_task(self._watch_files(), name="bandsaw.storage.watch")
        return reports

    async def _watch_files(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_PERIOD_S)
            try:
                await self.watch.refresh(self._started)
            except Exception:  # the ledger is a check, never a reason to stop recording
                log.exception("database file check failed")

    async def stop(self, timeout_s: float | None = None) -> int:
        """Flush and close everything (log.db last) within ``timeout_s`` (default
        ``stop_timeout_s``); rows not written by then are spilled (see :mod:`core.storage.spill`).

        Returns the rows not written in time; :attr:`last_stop` says how many were spilled, where.
        """
        started = time.monotonic()
        budget = self.stop_timeout_s if timeout_s is None else timeout_s
        deadline = started + max(budget - 1.0, budget * 0.8)  # the last second is the spill's
        task, self._watch_task = self._watch_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.disk.stop()
        started_writers = list(self._started)
        others = [w for w in started_writers if w is not self.log]
        # The others flush side by side; log.db last, so their final alarms are in it.
        unwritten = sum(await asyncio.gather(*(w.stop(deadline - time.monotonic()) for w in others)))
        if self.log in started_writers:
            unwritten += await self.log.stop(max(deadline - time.monotonic(), 0.5))
        spilled, path = self._spill(started_writers) if unwritten else (0, None)
        # Neither step may fail the stop (the data is already safe in the .db files); a failure is logged.
        try:  # counters for the next start's comparison
            await asyncio.wait_for(asyncio.to_thread(self.watch.closed, started_writers), 1.0)
        except Exception as exc:
            log.warning("storage stop: file counters not recorded: %s: %s", type(exc).__name__, exc)
        try:  # tidiness only: fold -wal/-shm into the .db files
            tidy = [*(w.path for w in started_writers), self._users_db]
            await asyncio.wait_for(asyncio.to_thread(remove_wal_files, tidy), 1.0)
        except Exception as exc:
            log.warning("storage stop: -wal/-shm files left: %s: %s", type(exc).__name__, exc)
        self._started.clear()
        self.last_stop = StopOutcome(unwritten, spilled, path, round(time.monotonic() - started, 3))
        if unwritten:
            log.critical("storage stop: %s", self.last_stop.summary())
        return unwritten

    def _spill(self, writers: Sequence[BatchWriter[Any]]) -> tuple[int, Path | None]:
        rows: list[tuple[str, str, Sequence[Any]]] = []
        for writer in writers:
            for item in writer.take_unwritten():
                sql, params = writer.journal_form(item)
                rows.append((writer.db, sql, params))
        if not rows:
            return 0, None
        path = write_spill(rows, self._spill_dirs, self._clock())
        return (len(rows), path) if path is not None else (0, None)

    async def _replay_spills(self) -> None:
        """Rows a previous stop spilled go in before anything new (each file once, then deleted)."""
        by_name = {writer.db: writer for writer in self.writers}
        for directory in self._spill_dirs:
            for path in sorted(directory.glob(SPILL_GLOB)) if directory.is_dir() else []:
                try:
                    by_db = await asyncio.to_thread(read_spill, path)
                    replayed = 0
                    for db, rows in by_db.items():
                        writer = by_name.get(db)
                        if writer is None:
                            log.error("%s: rows for unknown database %s left in the file", path, db)
                            continue
                        replayed += await writer.execute(functools.partial(replay_into, marker=path.name, rows=rows))
                except (OSError, sqlite3.Error, RuntimeError) as exc:
                    log.error("spill journal %s not replayed (kept for the next start): %s", path, exc)
                    continue
                path.unlink(missing_ok=True)
                log.warning("replayed %d rows a previous stop had spilled to %s", replayed, path)
                self.log.event("spill_replayed", f"{replayed} rows replayed from {path}", source="storage",
                               data={"rows": replayed, "file": str(path)})

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
