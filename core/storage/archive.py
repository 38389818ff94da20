"""Move raw samples older than the live window out of raw.db into monthly archive databases.

``<data_dir>/databases/archive/raw-YYYY-MM.db`` (UTC months) has raw.db's ``samples`` schema and
keeps each row's id. The move goes chunk by chunk, in this order, so no row is ever lost:

1. read a chunk of old rows from raw.db (read-only connection);
2. ``INSERT OR IGNORE`` them into their month's archive, committed with synchronous=FULL
   (on disk before anything is deleted);
3. read the ids back from the archive and check every row of the chunk is there;
4. delete exactly those ids from raw.db.

Interrupted anywhere, a rerun copies the same rows again (ignored: the ids are there) and
deletes them: idempotent. A row in both files meanwhile is read once by
:mod:`core.storage.samples_reader`.

raw.db has one writer, the engine's Recorder. While the engine runs, step 4 runs ON the
recorder's writer thread through ``BatchWriter.execute`` (between its insert batches; pass
``delete=writer_delete(engine.storage.recorder, loop)``). Without an engine the delete uses its
own connection after taking the data-directory lock (``core.storage.lock``), which refuses while
an engine holds it. Freed pages in raw.db are reused by new samples: the file stops growing.

With the PostgreSQL mirror enabled, rows it has not sent yet stay in raw.db (its durable cursor
for ``raw.samples`` in databases/pg_mirror.db is the ceiling): the mirror reads raw.db only, so
archiving them would lose them centrally after a long outage.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from core.config import Settings, SqliteSettings
from core.storage.backup import maintenance
from core.storage.disk import FreeBytes, free_bytes
from core.storage.generation import LEGACY, read_generation
from core.storage.lock import DataDirLock
from core.storage.samples_reader import archive_path, month_of
from core.storage.schema import sample_columns, target_version
from core.storage.space import NoSpace, SpaceGuard
from core.storage.sqlite_open import BUSY_TIMEOUT_MS, database_path, open_reader
from core.storage.sqlite_writer import BatchWriter

log = logging.getLogger("bandsaw.database")

CHUNK_ROWS = 20_000
DAY_MS = 86_400_000
MIRROR_SOURCE = "raw.samples"
MIRROR_STALE_MS = 30 * DAY_MS  # a mirror target unused this long no longer holds the archive back
R = TypeVar("R")
# Runs fn(connection of raw.db) where raw.db may be written: on the recorder's thread, or directly.
DeleteRunner = Callable[[Callable[[sqlite3.Connection], int]], int]


@dataclass(slots=True)
class ArchiveReport:
    cutoff_ms: int
    moved: int = 0
    months: dict[str, int] = field(default_factory=dict)  # archive file name -> rows moved this run
    stopped: str = ""  # why it stopped early (no disk space, cancelled); "" when all old rows moved
    seconds: float = 0.0
    max_id: int | None = None  # rows above this id stayed (not yet sent by the PostgreSQL mirror)


def writer_delete(writer: BatchWriter[Any], loop: asyncio.AbstractEventLoop) -> DeleteRunner:
    """A DeleteRunner for a worker thread: ``fn`` runs on the recorder's writer thread."""

    def run(fn: Callable[[sqlite3.Connection], int]) -> int:
        return asyncio.run_coroutine_threadsafe(writer.execute(fn), loop).result()

    return run


def archive_raw(
    source: Settings | Path,
    *,
    live_days: int | None = None,
    now_ms: int | None = None,
    delete: DeleteRunner | None = None,
    free: FreeBytes = free_bytes,
    cancel: Callable[[], bool] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ArchiveReport:
    """Move samples older than ``live_days`` (default ``archive_live_days``) to the archive.

    Synchronous (run it in a thread). Returns a report; ``report.stopped`` says why it stopped
    early (e.g. no disk space above the floor: the caller raises the alarm). Raises
    ``BackupBusy`` when another maintenance job runs, ``DataDirLocked`` without ``delete`` while
    an engine holds the data directory.
    """
    mirrored = False
    if isinstance(source, Settings):
        data_dir, options = source.data_dir, source.database.sqlite
        mirrored = source.database.postgresql.enabled
    else:
        data_dir, options = Path(source), SqliteSettings()
    days = options.archive_live_days if live_days is None else live_days
    now = int(time.time() * 1000) if now_ms is None else now_ms
    report = ArchiveReport(cutoff_ms=now - days * DAY_MS)
    raw = database_path(data_dir, "raw")
    if days <= 0 or not raw.exists():
        return report
    if mirrored:
        report.max_id = mirror_ceiling(data_dir, now_ms=now)
    started = time.monotonic()
    guard = SpaceGuard(data_dir, options.disk_free_floor_mb, free)
    with maintenance(data_dir, "the raw archive"):
        if delete is not None:
            _move(data_dir, raw, report, delete=delete, guard=guard, cancel=cancel, chunk_rows=chunk_rows)
        else:
            with DataDirLock(data_dir), _DirectConnection(raw) as direct:
                _move(data_dir, raw, report, delete=direct.run, guard=guard, cancel=cancel,
                      chunk_rows=chunk_rows)
    report.seconds = round(time.monotonic() - started, 3)
    if report.moved:
        log.info("archive: moved %d samples older than %d days out of raw.db (%s)%s", report.moved, days,
                 ", ".join(f"{k}: {v}" for k, v in report.months.items()),
                 f"; stopped: {report.stopped}" if report.stopped else "")
    return report


class _DirectConnection:
    """raw.db written from this thread when no engine runs (the data-dir lock is held)."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)

    def run(self, fn: Callable[[sqlite3.Connection], int]) -> int:
        return fn(self._conn)

    def __enter__(self) -> _DirectConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._conn.close()


def _move(
    data_dir: Path, raw: Path, report: ArchiveReport, *, delete: DeleteRunner, guard: SpaceGuard,
    cancel: Callable[[], bool] | None, chunk_rows: int,
) -> None:
    reader = open_reader(raw)
    try:
        columns = sample_columns(reader)
        quoted = "".join(f', "{name}"' for name in columns)
        select = f"SELECT id, ts_ms{quoted} FROM samples WHERE id > ? AND id <= ? AND ts_ms < ? ORDER BY id LIMIT ?"
        ceiling = report.max_id if report.max_id is not None else 2**63 - 1
        row_bytes = 24 + 9 * len(columns)
        last_id = -1
        while True:
            if cancel is not None and cancel():
                report.stopped = "cancelled"
                return
            rows = reader.execute(select, (last_id, ceiling, report.cutoff_ms, chunk_rows)).fetchall()
            if not rows:
                return
            try:  # archive file, its index and its journal: about three times the row data
                guard.need(3 * row_bytes * len(rows), f"archiving {len(rows)} samples")
            except NoSpace as exc:
                report.stopped = str(exc)
                log.error("archive stopped: %s", exc)
                return
            by_month: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
            for row in rows:
                by_month[month_of(row[1])].append(row)
            for (year, month), month_rows in by_month.items():
                path = archive_path(data_dir, year, month)
                _append(path, columns, month_rows)
                report.months[path.name] = report.months.get(path.name, 0) + len(month_rows)
            ids = [row[0] for row in rows]
            deleted = delete(_deleter(ids, report.cutoff_ms))
            report.moved += deleted
            last_id = ids[-1]
    finally:
        reader.close()


def mirror_ceiling(data_dir: Path, *, now_ms: int) -> int:
    """The highest raw.samples id every recently used PostgreSQL target has committed (0: none yet)."""
    path = data_dir / "databases" / "pg_mirror.db"
    if not path.exists():
        return 0
    generation = _raw_generation(data_dir)
    conn = open_reader(path)
    try:
        # The cursor of raw.db's present generation: another file's cursor says nothing about this one.
        row = conn.execute(
            "SELECT MIN(last_id) FROM cursors WHERE source = ? AND generation = ? AND updated_ms >= ?",
            (MIRROR_SOURCE, generation, now_ms - MIRROR_STALE_MS),
        ).fetchone()
    except sqlite3.Error as exc:
        log.warning("archive: mirror cursors unreadable (%s): archiving nothing the mirror may need", exc)
        return 0
    finally:
        conn.close()
    return int(row[0]) if row and row[0] is not None else 0


def _raw_generation(data_dir: Path) -> str:
    try:
        conn = open_reader(database_path(data_dir, "raw"))
    except sqlite3.Error:
        return LEGACY
    try:
        found = read_generation(conn)
    finally:
        conn.close()
    return found.id if found is not None else LEGACY


def _append(path: Path, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` into one archive file durably, then check they are all there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        # A closed monthly file: one file on disk (rollback journal), fsynced at each commit.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        _ensure_schema(conn, columns)
        quoted = "".join(f', "{name}"' for name in columns)
        marks = ", ".join("?" * (len(columns) + 2))
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(f"INSERT OR IGNORE INTO samples (id, ts_ms{quoted}) VALUES ({marks})", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        first, last = rows[0][0], rows[-1][0]
        present = set(conn.execute("SELECT id, ts_ms FROM samples WHERE id BETWEEN ? AND ?", (first, last)))
    finally:
        conn.close()
    # (id, ts_ms) must match: an id already taken by another sample would be "ignored" by the insert.
    absent = sum(1 for row in rows if (row[0], row[1]) not in present)
    if absent:  # never delete what is not safely in the archive
        raise sqlite3.DatabaseError(
            f"{path}: {absent} samples not in the archive after commit (id taken by another sample?); "
            "raw.db left as it was")


def _ensure_schema(conn: sqlite3.Connection, columns: Sequence[str]) -> None:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'samples'").fetchone()
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not exists:
            conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL)")
            conn.execute("CREATE INDEX samples_ts_ms ON samples(ts_ms)")
            conn.execute(f"PRAGMA user_version = {target_version('raw'):d}")
        have = set(sample_columns(conn))
        for name in columns:
            if name not in have:
                conn.execute(f'ALTER TABLE samples ADD COLUMN "{name}" REAL')
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _deleter(ids: list[int], cutoff_ms: int) -> Callable[[sqlite3.Connection], int]:
    def run(conn: sqlite3.Connection) -> int:
        # One short transaction on raw.db's writer; ts_ms < cutoff guards against a reused id.
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = conn.total_changes
            conn.executemany("DELETE FROM samples WHERE id = ? AND ts_ms < ?", [(i, cutoff_ms) for i in ids])
            deleted = conn.total_changes - before
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return deleted

    return run
