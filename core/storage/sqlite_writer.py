"""The single writer of one SQLite database: queue, batches, a dedicated thread, retries, alarms.

Producers call a synchronous, non-blocking method from the event loop (``submit``): the item is
appended to an in-memory queue and the call returns. The database's own thread takes the queue
in batches (``batch_rows`` rows, or ``batch_ms`` after the oldest waiting row, whichever comes
first; up to ``max_batch_rows`` at once when it is behind) and writes each batch as ONE
transaction: one commit per batch, never per row. The event loop does no work per batch (no
thread hop, no awaited call: aiosqlite would cost 0.1-0.25 ms per awaited call); the thread
calls back into the loop only when something changes (an error, a recovery, a drained queue).

Nothing recorded is dropped silently:
- a failed commit (disk full, I/O error) is rolled back, its rows are kept and retried with
  capped backoff; alarm ``storage.write_failed`` while it lasts;
- a queue beyond ``backpressure_rows`` sets ``backpressure`` (producers see it) and raises
  ``storage.backpressure``;
- the queue is bounded only by a memory budget (``memory_budget_bytes`` over the estimated size
  of a row, ``row_bytes``). Only beyond that budget are new rows refused (``submit`` returns
  False), counted, and alarm ``storage.rows_dropped`` (critical) raised: at the defaults that is
  hours of raw data, time enough for someone to act on the earlier alarms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from core.analysis.alarms import AlarmManager, Priority
from core.config import SqliteSettings, Synchronous
from core.storage.ledger import LedgerEntry
from core.storage.sqlite_alarms import (
    ALARM_BACKPRESSURE,
    ALARM_DB_REPLACED,
    ALARM_ROWS_DROPPED,
    ALARM_ROWS_REJECTED,
    ALARM_WRITE_FAILED,
    latch,
    one_shot,
    report_condition,
)
from core.storage.sqlite_open import OpenReport, open_writer
from core.values import StorageHealth

log = logging.getLogger("bandsaw.database")

DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024
FAILING_STOP_S = 3.0  # how long a stop keeps retrying a writer whose commits already fail
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

        # Shared with the writer thread: deque append/popleft and int/bool/list assignments are
        # atomic under the GIL; everything else below belongs to one side only.
        self._queue: deque[T] = deque()
        self._inflight: list[T] = []  # the batch being written (writer thread)
        # queue_rows = accepted - finished, exact at any instant (a row moving from the queue to
        # the batch is in neither container for a moment). One writer per counter.
        self._accepted = 0  # rows queued (event loop)
        self._finished = 0  # rows committed or refused as malformed (writer thread)
        self._first_mono = 0.0  # monotonic time the oldest waiting row arrived
        self._signal = threading.Event()  # wakes the writer thread
        self._calls: deque[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = deque()
        self._stopping = False
        self._abandon = False  # stop() ran out of time: give up retrying
        self._stuck = False  # the thread did not end within the grace after giving up
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: asyncio.Future[None] | None = None
        self._waiters: list[asyncio.Future[None]] = []  # drain() callers (event loop)
        self._conn: sqlite3.Connection | None = None  # writer thread only
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file _conn opened

        self.rows_written = 0
        self.batches = 0
        self.failed_commits = 0  # commits that failed and were retried (disk full, I/O error)
        self.rows_dropped = 0  # refused at the memory budget
        self.rows_rejected = 0  # refused by the database as malformed (a bug upstream)
        self._dropping = False
        self.last_commit_ms: int | None = None
        self.backpressure = False
        self.error = ""  # the last write error while it lasts
        self.report: OpenReport | None = None
        self.expected: LedgerEntry | None = None  # the ledger's entry for this file, set before start

    # --- producer side (event loop thread, never blocks) --------------------------------

    @property
    def queue_rows(self) -> int:
        """Rows accepted and not yet committed (including the batch being written)."""
        return self._accepted - self._finished

    @property
    def max_queue_rows(self) -> int:
        """The memory budget expressed in rows."""
        return self._max_queue

    def submit(self, item: T) -> bool:
        """Queue one row; False (and an alarm) only when the memory budget is exhausted."""
        queue = self._queue
        size = self._accepted - self._finished
        if size >= self._max_queue:
            self._drop()
            return False
        self._accepted += 1
        if not queue:
            self._first_mono = time.monotonic()
            queue.append(item)
            self._signal.set()  # the writer starts the batch_ms clock
        else:
            queue.append(item)
            if size + 1 >= self._batch_rows:
                self._signal.set()
        if size >= self._backpressure_rows and not self.backpressure:
            self._set_backpressure(True)
        return True

    async def drain(self, below: int = 0) -> None:
        """Wait (without spinning) until at most ``below`` rows are waiting: for bulk producers."""
        while self.queue_rows > below and self._thread is not None:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            self._signal.set()
            await waiter

    def health(self) -> StorageHealth:
        return StorageHealth(
            ok=not self.error and not self._dropping and self._thread is not None and self._thread.is_alive(),
            queue_rows=self.queue_rows,
            rows_written=self.rows_written,
            last_commit_ms=self.last_commit_ms,
            backpressure=self.backpressure,
            error=self.error,
        )

    # --- lifecycle (event loop) ---------------------------------------------------------

    async def start(self) -> OpenReport:
        """Open the file on the writer thread (check, move aside if corrupt, migrate) and start.

        Returns the open report; a replaced file also raises ``storage.db_replaced.<db>``.
        Raises ``sqlite3.Error``/``OSError`` when the file cannot be opened at all.
        """
        if self._thread is not None:
            raise RuntimeError(f"{self.db} writer already started")
        loop = self._loop = asyncio.get_running_loop()
        opened: asyncio.Future[OpenReport] = loop.create_future()
        self._done = loop.create_future()
        self._stopping = self._abandon = self._stuck = False
        # Daemon: an engine that dies without stop() must not hang the interpreter on exit;
        # SQLite's journal makes an interrupted transaction harmless.
        thread = threading.Thread(target=self._main, args=(opened,), name=f"sqlite-{self.db}", daemon=True)
        self._thread = thread
        thread.start()
        try:
            self.report = await asyncio.shield(opened)
        except BaseException:
            await asyncio.shield(self._done)
            thread.join()
            self._thread = None
            raise
        if self.report.recovered:
            text = (
                f"{self.db}.db was unusable ({self.report.problem}); "
                f"kept as {self.report.moved_to}, new file started"
            )
            latch(self._alarms, f"{ALARM_DB_REPLACED}.{self.db}", text, priority=Priority.HIGH)
        return self.report

    async def stop(self, timeout_s: float = 30.0, *, grace_s: float = 1.0) -> int:
        """Flush everything queued, close the file, end the thread; returns rows NOT written.

        Keeps writing (and retrying failed commits) up to ``timeout_s``; then the thread gives up
        after the commit under way (waited for at most ``grace_s`` more: a commit stuck in the
        kernel must not hold the stop). Rows not written stay available to
        :meth:`take_unwritten` (to be spilled to a journal) and are counted in the return value.
        """
        thread, done = self._thread, self._done
        if thread is None or done is None:
            return 0
        self._stopping = True
        self._signal.set()
        if self.error:  # failing already (disk full, I/O error): a few more tries, then spill
            timeout_s = min(timeout_s, FAILING_STOP_S)
        try:
            await asyncio.wait_for(asyncio.shield(done), max(timeout_s, 0.0))
        except TimeoutError:
            self._abandon = True
            self._signal.set()
            try:  # the commit under way finishes, then the thread ends
                await asyncio.wait_for(asyncio.shield(done), grace_s)
            except TimeoutError:
                log.critical("%s.db: the writer thread is stuck in a commit; leaving it", self.db)
                self._stuck = True
        if not self._stuck:
            thread.join()
        self._thread = None
        self._wake_waiters()
        while self._calls:  # execute() raced with stop: the connection is gone
            _, future = self._calls.popleft()
            _fail(future, RuntimeError(f"{self.db} writer stopped"))
        lost = self.queue_rows
        if lost:
            log.critical("%s.db: %d rows could not be written before shutdown (%s)", self.db, lost, self.error)
        return lost

    def take_unwritten(self) -> list[T]:
        """After :meth:`stop`: the rows that were not written (queue and any batch cut short)."""
        if self._thread is not None:
            raise RuntimeError(f"{self.db} writer still running")
        items = [*self._inflight, *self._queue] if self._stuck else list(self._queue)
        self._queue.clear()
        self._inflight = []
        self._finished = self._accepted
        return items

    def journal_form(self, item: T) -> tuple[str, tuple[Any, ...]]:
        """One queued row as (SQL, parameters), as a spill journal keeps it."""
        raise NotImplementedError

    async def execute(self, fn: Callable[[sqlite3.Connection], R]) -> R:
        """Run ``fn(connection)`` on the writer thread, between batches.

        For statements that are not batched inserts (updates, maintenance). ``fn`` owns its
        transaction: the connection is in autocommit mode, so use BEGIN/COMMIT for several.
        """
        if self._thread is None or self._loop is None:
            raise RuntimeError(f"{self.db} writer not started")
        future: asyncio.Future[R] = self._loop.create_future()
        self._calls.append((fn, future))
        self._signal.set()
        return await future

    # --- subclass hooks (writer thread) -------------------------------------------------

    def _write_batch(self, conn: sqlite3.Connection, items: list[T]) -> None:
        """Write ``items`` inside the open transaction."""
        raise NotImplementedError

    def _opened(self, conn: sqlite3.Connection) -> None:
        """Called once the file is open and migrated."""

    # --- writer thread ------------------------------------------------------------------

    def _main(self, opened: asyncio.Future[OpenReport]) -> None:
        try:
            try:
                conn, report = open_writer(
                    self.db, self.path, self._synchronous, sample_columns=self._sample_columns, clock=self._clock,
                    expected=self.expected,
                )
                self._conn = conn
                self._identity = _file_identity(self.path)
                self._opened(conn)
            except BaseException as exc:
                self._close()
                self._post(_fail, opened, exc)
                return
            self._post(_resolve, opened, report)
            try:
                self._serve()
            except BaseException as exc:  # a bug: say so loudly, the rows stay counted as queued
                log.exception("%s.db writer thread failed", self.db)
                self.error = f"writer thread failed: {type(exc).__name__}: {exc}"
                self._post(self._write_failed, exc, 1)
            finally:
                self._close()
        finally:
            self._post(_resolve, self._done, None)

    def _serve(self) -> None:
        queue = self._queue
        failures = 0
        while True:
            self._run_calls()
            if self._abandon and not self._inflight:
                return  # out of time: what is still queued is the stop's to spill
            if not self._inflight:
                waiting = len(queue)
                if not waiting:
                    if self._stopping:
                        return
                    if self._waiters:  # drain() callers that came after the last commit
                        self._post(self._wake_waiters)
                    self._wait(None)
                    continue
                if waiting < self._batch_rows and not self._stopping and not self._waiters:
                    remaining = self._batch_s - (time.monotonic() - self._first_mono)
                    if remaining > 0:
                        self._wait(remaining)
                        continue
                self._inflight = [queue.popleft() for _ in range(min(len(queue), self._max_batch))]
            started = time.monotonic()
            try:
                rejected = self._commit(self._inflight)
            except (sqlite3.Error, OSError) as exc:
                failures += 1
                self.failed_commits += 1
                self.error = f"{type(exc).__name__}: {exc}"
                self._post(self._write_failed, exc, failures)
                if self._abandon:
                    self._queue.extendleft(reversed(self._inflight))  # counted as lost by stop()
                    self._inflight = []
                    return
                self._backoff(min(self._retry_s[0] * 2 ** (failures - 1), self._retry_s[1]))
                continue
            count = len(self._inflight)
            self._inflight = []
            self._finished += count
            if queue:  # rows that came in during the commit: their batch_ms runs from its start
                self._first_mono = started
            self.rows_written += count - rejected
            self.batches += 1
            self.last_commit_ms = int(self._clock() * 1000)
            if failures:
                failures = 0
                self.error = ""
                self._post(self._write_recovered)
            if rejected:
                self.rows_rejected += rejected
                self._post(self._rejected)
            if self.backpressure or self._dropping or self._waiters:
                self._post(self._after_commit)

    def _wait(self, timeout_s: float | None) -> None:
        self._signal.wait(timeout_s)
        self._signal.clear()

    def _backoff(self, delay_s: float) -> None:
        # Calls (execute) still run while waiting to retry: an operator may free space that way.
        deadline = time.monotonic() + delay_s
        while not self._abandon and (remaining := deadline - time.monotonic()) > 0:
            self._wait(remaining)
            self._run_calls()

    def _run_calls(self) -> None:
        while self._calls:
            fn, future = self._calls.popleft()
            try:
                result = fn(self._require_conn())
            except BaseException as exc:  # handed to the awaiting caller
                self._post(_fail, future, exc)
            else:
                self._post(_resolve, future, result)

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

    def _close(self) -> None:
        self._run_calls()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            self._keep_orphan(conn)
            try:
                conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("%s.db: optimize on close failed: %s", self.db, exc)
            conn.close()

    def _keep_orphan(self, conn: sqlite3.Connection) -> None:
        """The path no longer leads to the file this connection wrote (replaced or deleted while the
        engine ran): copy that file beside it before the last descriptor closes, or every row
        written since dies with it."""
        if self._identity is None or _file_identity(self.path) == self._identity:
            return
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.path.with_name(f"{self.db}.orphaned-{stamp}.db")
        if target.exists():
            target = self.path.with_name(f"{self.db}.orphaned-{stamp}-{os.getpid()}.db")
        try:
            conn.execute("VACUUM INTO ?", (str(target),))
        except sqlite3.Error as exc:
            log.critical("%s.db was replaced or deleted while the engine ran; the rows written to the file "
                         "it had open could not be kept (%s)", self.db, exc)
            return
        log.critical("%s.db was replaced or deleted while the engine ran; the file it had open (with the rows "
                     "written since) is kept as %s", self.db, target)

    def _require_conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise sqlite3.ProgrammingError(f"{self.db}.db is not open")
        return self._conn

    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` in the event loop thread."""
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody left to tell
            self._loop.call_soon_threadsafe(fn, *args)

    # --- event loop side of the writer's news -------------------------------------------

    def _write_failed(self, exc: BaseException, failures: int) -> None:
        if failures == 1:
            log.error("%s.db: write failed, %d rows kept queued, retrying: %s", self.db, self.queue_rows, exc)
        self._report(ALARM_WRITE_FAILED, True, f"{self.db}.db cannot be written ({exc}); rows kept, retrying",
                     Priority.HIGH)

    def _write_recovered(self) -> None:
        log.info("%s.db: writing again, %d rows waiting", self.db, self.queue_rows)
        self._report(ALARM_WRITE_FAILED, False, "", Priority.HIGH)

    def _rejected(self) -> None:
        text = f"{self.db}.db refused {self.rows_rejected} malformed rows (see database.log)"
        one_shot(self._alarms, ALARM_ROWS_REJECTED, text, priority=Priority.HIGH)

    def _after_commit(self) -> None:
        size = self.queue_rows
        if self.backpressure and size <= self._backpressure_rows // 2:
            self._set_backpressure(False)
        if self._dropping and size < self._max_queue // 2:
            self._dropping = False
            self._report(ALARM_ROWS_DROPPED, False, "", Priority.CRITICAL)
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _set_backpressure(self, active: bool) -> None:
        self.backpressure = active
        if active:
            log.warning("%s.db: writer behind, %d rows queued", self.db, self.queue_rows)
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


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _resolve(future: asyncio.Future[Any] | None, result: Any) -> None:
    if future is not None and not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
