"""A small batched SQLite writer for total.db and anomaly.db, behind the ``SqlSink`` interface.

The cut tracker and the detectors only call ``submit(sql, params)``: any writer that runs the
statements in order, in batches, on its own connection can replace this one (the storage
package's single writer per database, through a two-line adapter). Statements are idempotent
(INSERT OR IGNORE on natural keys), so replaying a batch after a crash counts nothing twice.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("bandsaw.analysis.store")

Params = Sequence[Any]


class SqlSink(Protocol):
    def submit(self, sql: str, params: Params = ()) -> None:
        """Queue one statement; never blocks the caller on disk."""
        ...


@dataclass(frozen=True, slots=True)
class WriterHealth:
    queued: int
    written: int
    batches: int
    error: str


_STOP = object()


class BatchedSqliteWriter:
    """One connection on one thread; a batch is committed every ``batch_rows`` or ``batch_ms``."""

    def __init__(
        self,
        path: Path,
        prepare: Callable[[sqlite3.Connection], object],
        *,
        batch_rows: int = 50,
        batch_ms: int = 1000,
        name: str = "",
    ) -> None:
        self.path = Path(path)
        self._prepare = prepare
        self._batch_rows = batch_rows
        self._batch_s = batch_ms / 1000.0
        self._name = name or self.path.stem
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._written = 0
        self._batches = 0
        self._error = ""
        self._idle = threading.Condition()
        self._pending = 0

    # --- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        """Create the file and bring its schema up (synchronously, so reads right after see it),
        then start the thread. ``prepare`` is e.g. ``migrator("total")``."""
        if self._thread is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            self._prepare(conn)
        finally:
            conn.close()
        self._thread = threading.Thread(target=self._run, name=f"analysis-writer-{self._name}", daemon=False)
        self._thread.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Commit everything queued, then stop the thread."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout_s)
        if thread.is_alive():
            log.error("%s writer did not stop within %.1f s", self._name, timeout_s)
        self._thread = None

    # --- SqlSink ---------------------------------------------------------------------------

    def submit(self, sql: str, params: Params = ()) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put((sql, tuple(params)))

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything submitted so far is committed (tests, orderly shutdown)."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._pending > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._thread is None:
                    return False
                self._idle.wait(remaining)
        return True

    # --- reads (start-up and the HMI, on their own short-lived connection) ------------------

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return read_rows(self.path, sql, params)

    def health(self) -> WriterHealth:
        return WriterHealth(self._queue.qsize(), self._written, self._batches, self._error)

    # --- the writer thread -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _run(self) -> None:
        conn = self._connect()
        try:
            stopping = False
            while not stopping:
                batch: list[tuple[str, tuple[Any, ...]]] = []
                item = self._queue.get()
                deadline = time.monotonic() + self._batch_s
                while True:
                    if item is _STOP:
                        stopping = True
                        break
                    batch.append(item)  # type: ignore[arg-type]
                    if len(batch) >= self._batch_rows:
                        break
                    try:
                        item = self._queue.get(timeout=max(deadline - time.monotonic(), 0.0))
                    except queue.Empty:
                        break
                if batch:
                    self._commit(conn, batch)
        finally:
            conn.close()
            with self._idle:
                self._idle.notify_all()

    def _commit(self, conn: sqlite3.Connection, batch: list[tuple[str, tuple[Any, ...]]]) -> None:
        try:
            conn.execute("BEGIN")
            for sql, params in batch:
                try:
                    conn.execute(sql, params)
                except sqlite3.IntegrityError as exc:
                    # One bad row must not lose the batch; it is logged with its statement.
                    log.error("%s: row refused (%s): %s", self._name, exc, sql.split("(")[0])
            conn.execute("COMMIT")
            self._written += len(batch)
            self._batches += 1
            self._error = ""
        except sqlite3.Error as exc:
            self._error = str(exc)
            log.error("%s: batch of %d statements lost: %s", self._name, len(batch), exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()


def migrator(db: str) -> Callable[[sqlite3.Connection], object]:
    """The storage schema's migrations for database ``db`` (total, anomaly, ...)."""
    from core.storage.schema import migrate

    return lambda conn: migrate(conn, db)


class SqlWriterSink:
    """Adapts the storage package's writer (``submit((sql, params))``) to ``SqlSink``."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def submit(self, sql: str, params: Params = ()) -> None:
        if not self._writer.submit((sql, tuple(params))):
            log.error("%s refused a row (queue over its memory budget)", getattr(self._writer, "db", "writer"))


def read_rows(path: Path, sql: str, params: Params = ()) -> list[sqlite3.Row]:
    """Run one query on a read-only connection; a missing database reads as empty."""
    if not Path(path).exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
    try:
        conn.row_factory = sqlite3.Row
        return list(conn.execute(sql, tuple(params)))
    finally:
        conn.close()
