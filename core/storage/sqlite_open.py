"""Opening the local SQLite files: pragmas, integrity check, schema, and corrupt-file recovery.

A writer connection is opened once per database on that database's writer thread
(:mod:`core.storage.sqlite_writer`); readers use :func:`open_reader` (read-only, separate
connection, never blocks the writer thanks to WAL).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.config import Synchronous
from core.storage.ledger import FileVerdict, LedgerEntry, check_file
from core.storage.schema import SchemaError, ensure_sample_columns, migrate

log = logging.getLogger("bandsaw.database")

# integrity_check also cross-checks every index against its table, which on a multi-GB raw.db
# takes minutes and delays recording at every start; quick_check verifies the page structure
# (the damage a crash or a bad disk does) in a fraction of the time. Files up to this size get
# the full check, bigger ones the quick one; OpenReport.check says which ran.
FULL_CHECK_MAX_BYTES = 256 * 1024 * 1024
BUSY_TIMEOUT_MS = 5000
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class OpenReport:
    """What happened when a database was opened; the engine turns ``recovered`` into an alarm."""

    db: str  # raw, total, log, ml, anomaly
    path: Path
    check: str  # "integrity_check", "quick_check" or "new" (no file before)
    version_before: int
    version: int
    recovered: bool = False  # the old file was unusable and was moved aside
    moved_to: Path | None = None
    problem: str = ""  # why it was moved aside
    columns_added: tuple[str, ...] = ()
    # The file against the engine's ledger: generation, counters, vanished/replaced/rewound.
    verdict: FileVerdict | None = None


def database_path(data_dir: Path, db: str) -> Path:
    return data_dir / "databases" / f"{db}.db"


def open_reader(path: Path | str, *, timeout_s: float = 5.0) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``): it can never write or create the file.

    Use one per reader and per thread; close it when done. Raises ``sqlite3.OperationalError``
    when the file does not exist.
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout_s, check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    return conn


def remove_wal_files(paths: Sequence[Path]) -> None:
    """After a clean stop, fold each file's -wal back into it and let SQLite delete -wal and -shm.

    SQLite removes them when the last connection closes, but not when that last one is a read-only
    reader (the mirror's, the analysis'), which is often how a stop ends; plant IT that copies the
    data directory should find plain .db files. A file still open elsewhere keeps its -wal: harmless.
    """
    for path in paths:
        if not Path(f"{path}-wal").exists():
            continue
        try:
            conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=rw", uri=True, timeout=0.2)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.debug("%s: -wal left in place: %s", path, exc)


def open_writer(
    db: str,
    path: Path,
    synchronous: Synchronous,
    *,
    sample_columns: Sequence[str] = (),
    clock: Callable[[], float] = time.time,
    full_check_max_bytes: int = FULL_CHECK_MAX_BYTES,
    expected: LedgerEntry | None = None,
) -> tuple[sqlite3.Connection, OpenReport]:
    """Open (or create) the writer connection of one database, check it and bring its schema up.

    A file that is not a database, fails the integrity check, or has a newer schema than this
    program is moved aside with its -wal/-shm (kept for analysis, renamed with a UTC timestamp)
    and a fresh file is started; the report says so. Errors of the directory itself (no
    permission, read-only disk) raise ``sqlite3.Error``/``OSError``: there is nothing to recover to.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    check = "new"
    problem = ""
    saved: dict[str, Path] = {}
    if path.exists() and path.stat().st_size > 0:
        check = "integrity_check" if path.stat().st_size <= full_check_max_bytes else "quick_check"
        # Opening the file may rewrite or delete its -wal/-shm (recovery, checkpoint on close):
        # keep them as they were, to go with the file if it has to be moved aside.
        saved = _save_side_files(path)
        try:
            problem = _check_existing(path, check)
        except BaseException:
            _discard(saved)
            raise
    moved_to: Path | None = None
    if problem:
        moved_to = move_aside(path, clock(), "corrupt")
        for suffix, copy in saved.items():
            copy.replace(Path(str(moved_to) + suffix))
        log.error("%s.db unusable (%s): moved aside to %s, starting a fresh file", db, problem, moved_to)
    _discard(saved)
    conn = _connect(path, synchronous)
    try:
        try:
            before, version = migrate(conn, db)
            lost = missing_tables(conn, db)
            if lost:  # dropped by hand or a tool: inserts would fail forever; the file is unusable
                raise SchemaError(f"{db}.db lost its tables {', '.join(lost)}")
        except SchemaError as exc:
            if moved_to is not None:
                raise
            conn.close()
            problem = str(exc)
            moved_to = move_aside(path, clock(), "tables-lost" if "lost its tables" in problem else "newer")
            log.error("%s: moved aside to %s, starting a fresh file", problem, moved_to)
            conn = _connect(path, synchronous)
            before, version = migrate(conn, db)
        added = tuple(ensure_sample_columns(conn, sample_columns)) if db == "raw" else ()
        # ``expected`` (the ledger's entry) says what the file held at the last look.
        verdict = check_file(conn, expected, fresh=check == "new" or moved_to is not None,
                             now_ms=int(clock() * 1000))
    except BaseException:
        conn.close()
        raise
    if added and before == 0:  # a new file: every register's column is new, none was "added"
        log.info("raw.db: created with a column for each of the %d registers", len(added))
    elif added:
        log.info("raw.db: added columns for new registers %s", ", ".join(added))
    report = OpenReport(
        db=db,
        path=path,
        check=check,
        version_before=before,
        version=version,
        recovered=moved_to is not None,
        moved_to=moved_to,
        problem=problem,
        columns_added=added,
        verdict=verdict,
    )
    return conn, report


def missing_tables(conn: sqlite3.Connection, db: str) -> list[str]:
    """Tables this database's migrations create that the file does not have."""
    reference = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(reference, db)
        wanted = {row[0] for row in reference.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        reference.close()
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return sorted(wanted - present)


def _connect(path: Path, synchronous: Synchronous) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per batch.
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"{path}: cannot switch to WAL (journal_mode is {mode})")
        # synchronous, with WAL (settings.database.sqlite.synchronous):
        #   NORMAL  fsync at checkpoints only. A process crash loses nothing committed; a power
        #           cut or OS crash may lose the last commits (about one batch) but never
        #           corrupts the file. The default: a commit costs no fsync.
        #   FULL    fsync the WAL at every commit: durable across power loss, each batch pays an
        #           fsync (milliseconds on SSD, more on SD cards/HDD).
        #   OFF     no fsync at all: fastest, but a power cut can corrupt the file.
        conn.execute(f"PRAGMA synchronous = {Synchronous(synchronous).value}")
        conn.execute("PRAGMA foreign_keys = ON")
        # A checkpoint leaves the -wal file at its largest size; cap what stays on disk.
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES:d}")
    except BaseException:
        conn.close()
        raise
    return conn


def _check_existing(path: Path, check: str) -> str:
    """'' when the file opens and passes ``check``; otherwise what is wrong with it."""
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"
    try:
        rows = conn.execute(f"PRAGMA {check}").fetchall()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        return f"{check} failed: {exc}"
    finally:
        conn.close()
    results = [str(row[0]) for row in rows]
    if results == ["ok"]:
        return ""
    return f"{check}: " + "; ".join(results[:5])


def _save_side_files(path: Path) -> dict[str, Path]:
    saved: dict[str, Path] = {}
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            copy = Path(str(path) + suffix + ".precheck")
            shutil.copy2(side, copy)
            saved[suffix] = copy
    return saved


def _discard(saved: dict[str, Path]) -> None:
    for copy in saved.values():
        copy.unlink(missing_ok=True)


def move_aside(path: Path, now_s: float, reason: str) -> Path:
    """Rename ``path`` (and its -wal/-shm) to ``<name>.<reason>-<UTC stamp>.db``; returns the new path."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_s))
    target = path.with_name(f"{path.stem}.{reason}-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.{reason}-{stamp}-{n}{path.suffix}")
        n += 1
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(str(path) + suffix)
        if side.exists():
            side.rename(Path(str(target) + suffix))
    path.rename(target)
    return target
