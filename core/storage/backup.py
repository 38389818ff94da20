"""Backups of the five databases: SQLite's online backup API, gzip, a manifest, retention.

``run_backup(settings_or_data_dir)`` is synchronous and may take minutes on a big raw.db: call it
from a thread (``await asyncio.to_thread(run_backup, settings)``; the scheduler and the HMI do).
It is consistent while the engine writes: each database is copied with
``sqlite3.Connection.backup`` in ONE step, i.e. inside one read transaction, which in WAL mode
never blocks the writer and sees one committed state (a stepwise copy would restart on every
commit of the writer and could never finish at 10 Hz).

Layout: ``<data_dir>/databases/daily/<UTC stamp>/{raw,total,log,ml,anomaly,users}.db.gz`` and
``manifest.json``. The backup is built in ``.<stamp>.partial`` and renamed when complete, so a
directory without a leading dot is always a whole backup. Archive files (databases/archive) are
not part of the daily backup: they are closed monthly files, copied off the machine by IT.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from core.config import Settings, SqliteSettings
from core.storage.backup_manifest import DbEntry, Manifest, list_backups, write_manifest
from core.storage.disk import FreeBytes, free_bytes
from core.storage.schema import DATABASES
from core.storage.space import NoSpace, SpaceGuard
from core.storage.sqlite_open import BUSY_TIMEOUT_MS, FULL_CHECK_MAX_BYTES, database_path

log = logging.getLogger("bandsaw.database")

COPY_CHUNK = 4 * 1024 * 1024
# The engine's five databases and the users (security's own file): everything a restore needs.
BACKED_UP = (*DATABASES, "users")
Cancel = Callable[[], bool]
Progress = Callable[[str, int, int], None]  # (database, index, count)

__all__ = ["BACKED_UP", "BackupBusy", "BackupError", "NoSpace", "daily_dir", "maintenance", "prune_backups",
           "run_backup"]


class BackupError(Exception):
    """The backup could not be made; nothing partial was left behind."""


class BackupBusy(BackupError):
    """Another backup, archive or restore runs on this data directory right now."""


def daily_dir(data_dir: Path) -> Path:
    return data_dir / "databases" / "daily"


# --- one maintenance job per data directory (backup, archive, restore) ----------------------

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@contextlib.contextmanager
def maintenance(data_dir: Path, what: str) -> Iterator[None]:
    """Hold the data directory's maintenance lock, or raise :class:`BackupBusy` at once."""
    key = data_dir.resolve()
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        raise BackupBusy(f"cannot start {what}: a backup, archive or restore is already running on {data_dir}")
    try:
        yield
    finally:
        lock.release()


# --- the backup ------------------------------------------------------------------------------


def _options(source: Settings | Path) -> tuple[Path, SqliteSettings]:
    if isinstance(source, Settings):
        return source.data_dir, source.database.sqlite
    return Path(source), SqliteSettings()


def run_backup(
    source: Settings | Path,
    *,
    gzip_level: int | None = None,
    free: FreeBytes = free_bytes,
    clock: Callable[[], float] = time.time,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
    prune: bool = True,
) -> Manifest:
    """Back up every database of ``source`` (Settings, or a data directory with default options).

    Returns the manifest (``manifest.path`` is the backup directory). Raises
    :class:`BackupBusy`, :class:`NoSpace` (stopped before the disk reached
    ``disk_free_floor_mb``) or :class:`BackupError`; a failed backup leaves nothing behind.
    With ``prune``, backups older than ``retention_days`` are deleted afterwards.
    """
    data_dir, options = _options(source)
    level = options.backup_gzip_level if gzip_level is None else gzip_level
    if not any(database_path(data_dir, db).exists() for db in BACKED_UP):
        raise BackupError(f"nothing to back up: no database under {data_dir / 'databases'}")
    with maintenance(data_dir, "a backup"):
        manifest = _backup(data_dir, level, SpaceGuard(data_dir, options.disk_free_floor_mb, free), clock=clock,
                           cancel=cancel, progress=progress)
        if prune:
            prune_backups(data_dir, options.retention_days, now_s=clock())
        return manifest


def _backup(
    data_dir: Path, level: int, guard: SpaceGuard, *, clock: Callable[[], float],
    cancel: Cancel | None, progress: Progress | None,
) -> Manifest:
    started = time.monotonic()
    now = clock()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    root = daily_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    target = root / stamp
    n = 1
    while target.exists():
        target = root / f"{stamp}-{n}"
        n += 1
    work = root / f".{target.name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    entries: dict[str, DbEntry] = {}
    missing: list[str] = []
    try:
        for index, db in enumerate(BACKED_UP):
            if cancel is not None and cancel():
                raise BackupError("backup cancelled")
            if progress is not None:
                progress(db, index, len(BACKED_UP))
            source = database_path(data_dir, db)
            if not source.exists():
                if db in DATABASES:  # users.db exists once a user was made; its absence is no gap
                    missing.append(db)
                continue
            entries[db] = _backup_one(db, source, work, level, guard)
        manifest = Manifest(
            created_ms=int(now * 1000),
            created=datetime.fromtimestamp(now).astimezone().isoformat(timespec="seconds"),
            gzip_level=level,
            databases=entries,
            missing=missing,
            seconds=round(time.monotonic() - started, 3),
        )
        guard.need(64 * 1024, "the backup manifest")
        write_manifest(work, manifest)
        work.rename(target)
        _fsync_dir(root)
    except NoSpace:
        shutil.rmtree(work, ignore_errors=True)
        raise
    except (sqlite3.Error, OSError) as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"backup failed: {exc}") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    manifest.path = target
    log.info("backup %s: %d databases, %d rows, %.1f MB compressed in %.1f s", target, len(entries),
             manifest.total_rows, manifest.compressed_bytes / 1e6, manifest.seconds)
    return manifest


def _backup_one(db: str, source: Path, work: Path, level: int, guard: SpaceGuard) -> DbEntry:
    wal = Path(f"{source}-wal")
    estimate = source.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    guard.need(estimate, f"the copy of {db}.db")
    copy = work / f"{db}.db"
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(str(copy))
        try:
            src.backup(dst)  # pages=-1: one step, one read transaction, one consistent state
            # The copy took the live file's WAL mode: reading it would leave a -wal (0 B) and a -shm
            # (32 KiB) beside the .gz in every backup. A rollback-journal copy leaves none (a restored
            # file is put back in WAL mode by its writer).
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
    tables, version, check = _describe(copy)
    size = copy.stat().st_size
    packed = work / f"{db}.db.gz"
    sha, compressed = _compress(copy, packed, level, guard)
    copy.unlink()
    for side in ("-wal", "-shm", "-journal"):  # none expected; never left in a backup folder
        Path(f"{copy}{side}").unlink(missing_ok=True)
    return DbEntry(file=packed.name, bytes=size, compressed_bytes=compressed, sha256=sha, tables=tables,
                   user_version=version, check=check)


def _describe(path: Path) -> tuple[dict[str, int], int, str]:
    """Row counts per table, schema version, and the check result of a database copy."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {name: int(conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        pragma = "integrity_check" if path.stat().st_size <= FULL_CHECK_MAX_BYTES else "quick_check"
        results = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}")]
    finally:
        conn.close()
    check = "ok" if results == ["ok"] else f"{pragma}: " + "; ".join(results[:3])
    return tables, version, check


class _HashingWriter:
    """A file wrapper that hashes and counts what goes through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.size += view.nbytes
        return self._handle.write(view)

    def flush(self) -> None:
        self._handle.flush()


def _compress(source: Path, target: Path, level: int, guard: SpaceGuard) -> tuple[str, int]:
    with open(source, "rb") as raw, open(target, "wb") as handle:
        writer = _HashingWriter(handle)
        with gzip.GzipFile(filename=source.name, mode="wb", compresslevel=level, fileobj=writer,
                           mtime=0) as packed:
            while chunk := raw.read(COPY_CHUNK):
                guard.need(len(chunk), f"compressing {source.name}")  # checked during, not just before
                packed.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return writer.digest.hexdigest(), writer.size


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- retention -------------------------------------------------------------------------------


def prune_backups(data_dir: Path, retention_days: int, *, now_s: float | None = None) -> list[Path]:
    """Delete backups older than ``retention_days`` (by their manifest time); the newest good one
    always stays. Stale ``.partial`` directories of interrupted backups go too. Returns what went."""
    now = time.time() if now_s is None else now_s
    root = daily_dir(data_dir)
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    cutoff_ms = int((now - retention_days * 86400) * 1000)
    backups = list_backups(root)
    newest_good = next((info.path for info in backups if info.ok), None)
    for info in backups:
        if info.path == newest_good or info.manifest is None:
            continue  # a directory without a readable manifest is left for a person to look at
        if info.manifest.created_ms < cutoff_ms:
            shutil.rmtree(info.path, ignore_errors=True)
            removed.append(info.path)
    for partial in root.glob(".*.partial"):
        if partial.stat().st_mtime < now - 86400:
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial)
    if removed:
        log.info("backup retention (%d days): removed %s", retention_days, ", ".join(p.name for p in removed))
    return removed
