"""The single writer of one SQLite database: queue, batches, a dedicated thread, retries, alarms.

Producers call a synchronous, non-blocking method from the event loop (``submit``): the item is
appended to an in-memory queue and the call returns. A batching task in the event loop takes the
queue in batches (``batch_rows`` rows or ``batch_ms`` after the oldest waiting row, whichever
comes first; more at once when the writer is behind) and runs each batch as ONE transaction on
the database's own thread: one thread hop and one commit per batch, never per row. (aiosqlite
would cost 0.1-0.25 ms per awaited call; a dedicated single-thread executor costs one hop.)

Nothing recorded is dropped silently:
- a failed commit (disk full, I/O error) is rolled back, its rows stay at the head of the queue
  and are retried with capped backoff; alarm ``storage.write_failed`` while it lasts;
- a queue beyond ``backpressure_rows`` sets ``backpressure`` (producers see it) and raises
  ``storage.backpressure``;
- the queue is bounded only by a memory budget (``memory_budget_bytes`` over an estimated size
  per row, see ``row_bytes``). Only beyond that budget are new rows refused (``submit`` returns
  False), counted, and alarm ``storage.rows_dropped`` (critical) raised: at the defaults that is
  hours of raw data, time enough for someone to act on the earlier alarms.

All alarm updates run in the event loop thread (AlarmManager is not thread-safe).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Generic, TypeVar

from core.analysis.alarms import AlarmManager, Priority
from core.api import StorageHealth
from core.config import SqliteSettings, Synchronous
from core.storage.sqlite_open import OpenReport, open_writer

log = logging.getLogger("bandsaw.database")

ALARM_WRITE_FAILED = "storage.write_failed"
ALARM_BACKPRESSURE = "storage.backpressure"
ALARM_ROWS_DROPPED = "storage.rows_dropped"
ALARM_ROWS_REJECTED = "storage.rows_rejected"
ALARM_DB_REPLACED = "storage.db_replaced"  # + ".<db>", one per database

DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024
COALESCE_ROWS = 1000  # largest batch when catching up, unless batch_rows is larger
# Errors that a retry cannot fix: the row itself is wrong (type, size, constraint).
_MALFORMED = (sqlite3.InterfaceError, sqlite3.IntegrityError, sqlite3.ProgrammingError,
              sqlite3.DataError, TypeError, ValueError, OverflowError)

T = TypeVar("T")
R = TypeVar("R")


class BatchWriter(Generic[T]):
    """Base class: subclasses define how a batch of items is written (``_write_batch``)."""

    def __init__(
        self,
        db: str,
        path: Path,
        *,
        alarms: AlarmManager,
        sqlite: SqliteSettings,
        max_batch_rows: int | None = None,
        memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
        row_bytes: int = 1024,
        retry_s: tuple[float, float] = (0.5, 10.0),
        sample_columns: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.path = path
        self._alarms = alarms
        self._synchronous: Synchronous = sqlite.synchronous
        self._batch_rows = sqlite.batch_rows
        self._batch_s = sqlite.batch_ms / 1000.0
        self._backpressure_rows = sqlite.backpressure_rows
        self._max_batch = max(self._batch_rows, max_batch_rows or COALESCE_ROWS)
        self._max_queue = max(self._backpressure_rows + 1, memory_budget_bytes // max(row_bytes, 1))
        self._retry_s = retry_s
        self._sample_columns = tuple(sample_columns)
        self._clock = clock

        self._queue: deque[T] = deque()
        self._first_mono = 0.0  # monotonic time the oldest unbatched row arrived
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None  # used on the executor thread only

        self.rows_written = 0
        self.batches = 0
        self.rows_dropped = 0  # refused at the memory budget
        self.rows_rejected = 0  # refused by the database as malformed (a bug upstream)
        self._dropping = False
        self.last_commit_ms: int | None = None
        self.backpressure = False
        self.error = ""  # the last write error while it lasts
        self.report: OpenReport | None = None

    # --- producer side (event loop thread, never blocks) --------------------------------

    @property
    def queue_rows(self) -> int:
        return len(self._queue)

    @property
    def max_queue_rows(self) -> int:
        """The memory budget expressed in rows."""
        return self._max_queue

    def submit(self, item: T) -> bool:
        """Queue one row; False (and an alarm) only when the memory budget is exhausted."""
        queue = self._queue
        if len(queue) >= self._max_queue:
            self._drop()
            return False
        if not queue:
            self._first_mono = time.monotonic()
        queue.append(item)
        size = len(queue)
        if size >= self._batch_rows:
            self._wake.set()
            if size > self._backpressure_rows and not self.backpressure:
                self._set_backpressure(True)
        return True

    def health(self) -> StorageHealth:
        return StorageHealth(
            ok=not self.error and not self._dropping and self._task is not None,
            queue_rows=len(self._queue),
            rows_written=self.rows_written,
            last_commit_ms=self.last_commit_ms,
            backpressure=self.backpressure,
            error=self.error,
        )

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> OpenReport:
        """Open the file on the writer thread (check, move aside if corrupt, migrate) and start.

        Returns the open report; a replaced file also raises ``storage.db_replaced.<db>``.
        Raises ``sqlite3.Error``/``OSError`` when the file cannot be opened at all.
        """
        if self._task is not None:
            raise RuntimeError(f"{self.db} writer already started")
        loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{self.db}")
        try:
            self.report = await loop.run_in_executor(self._executor, self._open)
        except BaseException:
            self._executor.shutdown(wait=True)
            self._executor = None
            raise
        if self.report.recovered:
            key = f"{ALARM_DB_REPLACED}.{self.db}"
            text = (
                f"{self.db}.db was unusable ({self.report.problem}); "
                f"kept as {self.report.moved_to}, new file started"
            )
            # One-shot condition: raised then cleared, it stays listed until acknowledged.
            self._alarms.update(key, True, text, priority=Priority.HIGH, source="storage")
            self._alarms.update(key, False, text, priority=Priority.HIGH, source="storage")
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"sqlite-writer-{self.db}")
        return self.report

    async def stop(self, timeout_s: float = 30.0) -> int:
        """Flush everything queued, close the file, end the thread; returns rows NOT written.

        Keeps retrying failed commits up to ``timeout_s``; rows still queued then are counted as
        lost in the log (critical) and in the return value.
        """
        lost = 0
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout_s)
            except TimeoutError:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            lost = len(self._queue)
            if lost:
                log.critical("%s.db: %d rows could not be written before shutdown (%s)", self.db, lost, self.error)
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.get_running_loop().run_in_executor(executor, self._close)
            executor.shutdown(wait=True)
        return lost

    async def execute(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run ``fn(connection)`` on the writer thread, between batches.

        For statements that are not batched inserts (updates, maintenance). ``fn`` owns its
        transaction: the connection is in autocommit mode, so use BEGIN/COMMIT for several.
        """
        if self._executor is None:
            raise RuntimeError(f"{self.db} writer not started")
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn)

    # --- subclass hooks -----------------------------------------------------------------

    def _write_batch(self, conn: sqlite3.Connection, items: list[T]) -> None:
        """Write ``items`` inside the open transaction (writer thread)."""
        raise NotImplementedError

    def _opened(self, conn: sqlite3.Connection) -> None:
        """Called on the writer thread once the file is open and migrated."""

    # --- writer thread ------------------------------------------------------------------

    def _open(self) -> OpenReport:
        conn, report = open_writer(
            self.db, self.path, self._synchronous, sample_columns=self._sample_columns, clock=self._clock
        )
        self._conn = conn
        self._opened(conn)
        return report

    def _commit(self, items: list[T]) -> int:
        """Write ``items`` in one transaction; returns how many were rejected as malformed."""
        conn = self._require_conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._write_batch(conn, items)
            conn.execute("COMMIT")
            return 0
        except _MALFORMED:
            conn.execute("ROLLBACK")
            return self._commit_each(conn, items)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _commit_each(self, conn: sqlite3.Connection, items: list[T]) -> int:
        # A malformed row (a bug upstream) must not block the queue forever: write the batch
        # row by row, each in a savepoint, and leave out only the rows the database refuses.
        rejected = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                conn.execute("SAVEPOINT one_row")
                try:
                    self._write_batch(conn, [item])
                except _MALFORMED as exc:
                    conn.execute("ROLLBACK TO one_row")
                    rejected += 1
                    log.error("%s.db: row refused and left out: %s: %r", self.db, exc, item)
                conn.execute("RELEASE one_row")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return rejected

    def _call(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        return fn(self._require_conn())

    def _close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("%s.db: optimize on close failed: %s", self.db, exc)
            conn.close()

    def _require_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError(f"{self.db}.db is not open")
        return self._conn

    # --- batching task (event loop) -----------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        failures = 0
        while True:
            if not queue:
                if self._stopping:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if len(queue) < self._batch_rows and not self._stopping:
                remaining = self._batch_s - (time.monotonic() - self._first_mono)
                if remaining > 0:
                    self._wake.clear()
                    try:
                        async with asyncio.timeout(remaining):
                            await self._wake.wait()
                    except TimeoutError:
                        pass
                    continue
            count = min(len(queue), self._max_batch)
            batch = list(islice(queue, count))
            started = time.monotonic()
            try:
                rejected = await loop.run_in_executor(self._executor, self._commit, batch)
            except (sqlite3.Error, OSError) as exc:
                failures += 1
                self._write_failed(exc, failures)
                await asyncio.sleep(min(self._retry_s[0] * 2 ** (failures - 1), self._retry_s[1]))
                continue
            for _ in range(count):
                queue.popleft()
            # Rows left arrived during the commit: their batch_ms runs from its start at the latest.
            self._first_mono = started
            self.rows_written += count - rejected
            if rejected:
                self.rows_rejected += rejected
                text = f"{self.db}.db refused {self.rows_rejected} malformed rows (see database.log)"
                # One-shot: raised and cleared, listed until acknowledged.
                self._alarms.update(ALARM_ROWS_REJECTED, True, text, priority=Priority.HIGH, source="storage")
                self._alarms.update(ALARM_ROWS_REJECTED, False, text, priority=Priority.HIGH, source="storage")
            self.batches += 1
            self.last_commit_ms = int(self._clock() * 1000)
            if failures:
                failures = 0
                self._write_recovered()
            if self.backpressure and len(queue) <= self._backpressure_rows // 2:
                self._set_backpressure(False)
            if self._dropping and len(queue) < self._max_queue // 2:
                self._dropping = False
                self._report(ALARM_ROWS_DROPPED, False, "", Priority.CRITICAL)

    # --- alarms (event loop) ------------------------------------------------------------

    def _write_failed(self, exc: BaseException, failures: int) -> None:
        self.error = f"{type(exc).__name__}: {exc}"
        if failures == 1:
            log.error("%s.db: write failed, %d rows kept queued, retrying: %s", self.db, len(self._queue), exc)
        self._report(ALARM_WRITE_FAILED, True, f"{self.db}.db cannot be written ({exc}); rows kept, retrying",
                     Priority.HIGH)

    def _write_recovered(self) -> None:
        log.info("%s.db: writing again, %d rows waiting", self.db, len(self._queue))
        self.error = ""
        self._report(ALARM_WRITE_FAILED, False, "", Priority.HIGH)

    def _set_backpressure(self, active: bool) -> None:
        self.backpressure = active
        if active:
            log.warning("%s.db: writer behind, %d rows queued", self.db, len(self._queue))
        text = f"{self.db}.db writer behind: more than {self._backpressure_rows} rows waiting"
        self._report(ALARM_BACKPRESSURE, active, text, Priority.MEDIUM)

    def _drop(self) -> None:
        self.rows_dropped += 1
        if not self._dropping:
            self._dropping = True
            log.critical("%s.db: queue at its memory budget (%d rows): rows are being dropped",
                         self.db, self._max_queue)
        self._report(ALARM_ROWS_DROPPED, True, f"{self.db}.db queue full ({self._max_queue} rows): data is being lost",
                     Priority.CRITICAL)

    def _report(self, key: str, active: bool, text: str, priority: Priority) -> None:
        report_condition(self._alarms, key, self.db, active, text, priority=priority)


# Several databases share one alarm key (e.g. storage.write_failed): it is active while any of
# them reports the condition, and its text names each of them.
_conditions: weakref.WeakKeyDictionary[AlarmManager, dict[str, dict[str, str]]] = weakref.WeakKeyDictionary()


def report_condition(
    alarms: AlarmManager, key: str, part: str, active: bool, text: str, *, priority: Priority
) -> None:
    parts = _conditions.setdefault(alarms, {}).setdefault(key, {})
    if active:
        if parts.get(part) == text:
            return
        parts[part] = text
    elif parts.pop(part, None) is None:
        return
    if parts:
        alarms.update(key, True, "; ".join(parts[name] for name in sorted(parts)), priority=priority, source="storage")
    else:
        current = alarms.get(key)
        alarms.update(key, False, current.text if current else key, priority=priority, source="storage")
