"""Where control records its decisions and mode changes (ml.db tables ``decisions``, ``mode_changes``).

Controllers only call :class:`ControlJournal` methods, which never block: rows are queued and
written in batches. In the engine, :class:`StorageJournal` puts them on the shared ml.db writer
(``SqliteStorage.ml``); :class:`SqliteJournal` is a small batched writer of its own for tools
that run without the engine's storage. Both use the schema of core/storage/schema.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from core.storage.schema import migrate

log = logging.getLogger("bandsaw.control")

@dataclass(frozen=True, slots=True)
class DecisionRow:
    ts_ms: int
    mode: str
    action: str  # wait, hold, accumulate, write, guard, fault, restore, refused
    reason: str = ""
    seq: int | None = None
    coefficient: float | None = None
    features: Mapping[str, float] = field(default_factory=dict)
    descent_before: float | None = None
    descent_after: float | None = None
    cutting_before: float | None = None
    cutting_after: float | None = None
    torque: float | None = None
    model: str = ""

    def as_db(self) -> dict[str, Any]:
        """The row for ml.db ``decisions`` (core/storage/schema.py)."""
        applied = self.descent_after is not None or self.cutting_after is not None
        return {
            "ts_ms": self.ts_ms,
            "model": self.model,
            "cutting_speed": self.cutting_after if self.cutting_after is not None else self.cutting_before,
            "descent_speed": self.descent_after if self.descent_after is not None else self.descent_before,
            "applied": int(applied),
            "reason": self.reason,
            "seq": self.seq,
            "mode": self.mode,
            "action": self.action,
            "coefficient": self.coefficient,
            "features": json.dumps(dict(self.features), separators=(",", ":")) if self.features else None,
            "descent_before": self.descent_before,
            "cutting_before": self.cutting_before,
            "torque": self.torque,
        }


@dataclass(frozen=True, slots=True)
class ModeChangeRow:
    ts_ms: int
    old_mode: str  # "" at the engine's start (ModeManager.record_start)
    new_mode: str
    user: str
    reason: str = ""

    def as_db(self) -> dict[str, Any]:
        """The row for ml.db ``mode_changes`` (no previous mode, NULL: the engine's start)."""
        return {"ts_ms": self.ts_ms, "mode": self.new_mode, "previous_mode": self.old_mode or None,
                "user": self.user, "reason": self.reason}


class ControlJournal(Protocol):
    def decision(self, row: DecisionRow) -> None: ...

    def mode_change(self, row: ModeChangeRow) -> None: ...


class MemoryJournal:
    """Keeps rows in lists: for tests, evaluation runs and a disabled ml.db."""

    def __init__(self, keep_decisions: bool = True) -> None:
        self.decisions: list[DecisionRow] = []
        self.mode_changes: list[ModeChangeRow] = []
        self._keep = keep_decisions

    def decision(self, row: DecisionRow) -> None:
        if self._keep:
            self.decisions.append(row)

    def mode_change(self, row: ModeChangeRow) -> None:
        self.mode_changes.append(row)


class RowInserter(Protocol):
    """core.storage.sqlite_tables.SqlWriter (``SqliteStorage.ml``)."""

    def insert(self, table: str, row: Mapping[str, Any]) -> bool: ...


class StorageJournal:
    """The journal on the engine's ml.db writer: ``StorageJournal(storage.ml)``."""

    def __init__(self, writer: RowInserter) -> None:
        self._writer = writer

    def decision(self, row: DecisionRow) -> None:
        self._writer.insert("decisions", row.as_db())

    def mode_change(self, row: ModeChangeRow) -> None:
        self._writer.insert("mode_changes", row.as_db())


class SqliteJournal:
    """Batched writer to ml.db: flushes every ``batch_rows`` rows or ``batch_ms``, one transaction each.

    ``start()`` opens the database and the flush task; ``stop()`` flushes what is queued and
    closes. Writes run in the default executor so the event loop never waits on the disk.
    """

    def __init__(
        self,
        path: Path,
        *,
        batch_rows: int = 10,
        batch_ms: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._batch_rows = batch_rows
        self._batch_s = batch_ms / 1000
        self._clock = clock
        self._queue: list[tuple[str, dict[str, Any]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None
        self.rows_written = 0
        self.error = ""

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = await asyncio.to_thread(self._open)
        self._task = asyncio.create_task(self._run(), name="control-journal")

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn, "ml")
        conn.isolation_level = "DEFERRED"  # back to implicit transactions for the batches
        return conn

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
        if self._conn is not None:
            await asyncio.to_thread(self._conn.close)
            self._conn = None

    def decision(self, row: DecisionRow) -> None:
        self._put("decisions", row.as_db())

    def mode_change(self, row: ModeChangeRow) -> None:
        self._put("mode_changes", row.as_db())

    def _put(self, table: str, row: dict[str, Any]) -> None:
        self._queue.append((table, row))
        if len(self._queue) >= self._batch_rows:
            self._wake.set()

    async def flush(self) -> None:
        if not self._queue or self._conn is None:
            return
        batch, self._queue = self._queue, []
        try:
            await asyncio.to_thread(self._write, batch)
            self.rows_written += len(batch)
            self.error = ""
        except sqlite3.Error as exc:
            # Keep the rows for the next attempt; a full disk must not lose decisions silently.
            self._queue = batch + self._queue
            self.error = str(exc)
            log.error("ml.db write failed (%d rows kept): %s", len(batch), exc)

    def _write(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        assert self._conn is not None
        with self._conn:
            for table, row in batch:
                columns = ", ".join(row)
                marks = ", ".join(f":{name}" for name in row)
                self._conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._batch_s)
            self._wake.clear()
            await self.flush()
