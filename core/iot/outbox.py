"""The durable MQTT outbox: telemetry records in SQLite until the broker has acknowledged them.

One record is one ThingsBoard telemetry entry (``ts_ms`` plus its ``values`` as JSON text).
A record is inserted before it is ever published and deleted only after its PUBACK, so a crash
or an outage loses nothing that was recorded. The table follows the project's schema contract
(``id INTEGER PRIMARY KEY AUTOINCREMENT``, ``ts_ms INTEGER NOT NULL``).

The class is synchronous and confined to one thread: the telemetry service runs every call on
its own single-thread executor so the event loop never waits on the disk.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
# Per-row overhead beside the payload text, so the size cap tracks the file roughly.
ROW_OVERHEAD_BYTES = 24
_ID_CHUNK = 500  # ids per "IN (...)" statement, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: int
    ts_ms: int
    payload: str  # the JSON object of telemetry values


@dataclass(frozen=True, slots=True)
class OutboxStats:
    count: int
    bytes: int
    oldest_ts_ms: int | None
    max_id: int


@dataclass(frozen=True, slots=True)
class Dropped:
    """Records the caps removed unsent: how many, and the newest id among them."""

    count: int = 0
    by_size: int = 0
    by_age: int = 0
    upto_id: int = 0


class Outbox:
    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int,
        max_age_s: float,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self._wall = wall_clock
        self._db: sqlite3.Connection | None = None
        self.count = 0
        self.bytes = 0
        self.max_id = 0
        self.oldest_ts_ms: int | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def open(self) -> OutboxStats:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open transactions ourselves, one per batch.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL: a committed record survives a process crash; a power cut may lose
            # the newest commit but never corrupts the file.
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"{self.path}: schema version {version} is newer than this program's {SCHEMA_VERSION}"
                )
            db.execute(
                "CREATE TABLE IF NOT EXISTS outbox ("
                " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " ts_ms INTEGER NOT NULL,"
                " payload TEXT NOT NULL,"
                " size INTEGER NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS outbox_ts ON outbox(ts_ms)")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error:
            db.close()
            raise
        self._db = db
        return self.refresh()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise sqlite3.ProgrammingError(f"outbox {self.path} is not open")
        return self._db

    # --- records --------------------------------------------------------------------------

    def add(self, records: Sequence[tuple[int, str]]) -> list[int]:
        """Store ``(ts_ms, payload)`` records in one transaction; returns their ids in order."""
        if not records:
            return []
        db = self.db
        ids: list[int] = []
        added = 0
        with _transaction(db):
            for ts_ms, payload in records:
                size = len(payload) + ROW_OVERHEAD_BYTES
                cursor = db.execute(
                    "INSERT INTO outbox (ts_ms, payload, size) VALUES (?, ?, ?)", (ts_ms, payload, size)
                )
                ids.append(int(cursor.lastrowid or 0))
                added += size
        self.count += len(ids)
        self.bytes += added
        if self.oldest_ts_ms is None:
            self.oldest_ts_ms = records[0][0]
        self.max_id = ids[-1]
        return ids

    def fetch(self, after_id: int, upto_id: int, limit: int) -> list[OutboxRecord]:
        """Records with ``after_id < id <= upto_id``, oldest first."""
        rows = self.db.execute(
            "SELECT id, ts_ms, payload FROM outbox WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
            (after_id, upto_id, limit),
        ).fetchall()
        return [OutboxRecord(int(row[0]), int(row[1]), str(row[2])) for row in rows]

    def delete(self, ids: Iterable[int]) -> int:
        """Remove acknowledged records; ids already gone (dropped by a cap) are ignored."""
        id_list = list(ids)
        if not id_list:
            return 0
        db = self.db
        removed = 0
        freed = 0
        with _transaction(db):
            for start in range(0, len(id_list), _ID_CHUNK):
                chunk = id_list[start:start + _ID_CHUNK]
                marks = ",".join("?" * len(chunk))
                found, size = db.execute(
                    f"SELECT count(*), total(size) FROM outbox WHERE id IN ({marks})", chunk
                ).fetchone()
                db.execute(f"DELETE FROM outbox WHERE id IN ({marks})", chunk)
                removed += int(found)
                freed += int(size)
        self.count -= removed
        self.bytes -= freed
        self._refresh_oldest()
        return removed

    def enforce_caps(self) -> Dropped:
        """Drop the oldest records beyond the age and size caps (oldest first)."""
        db = self.db
        by_age = 0
        by_size = 0
        upto = 0
        cutoff_ms = int((self._wall() - self.max_age_s) * 1000)
        with _transaction(db):
            found, size, newest = db.execute(
                "SELECT count(*), total(size), max(id) FROM outbox WHERE ts_ms < ?", (cutoff_ms,)
            ).fetchone()
            if found:
                db.execute("DELETE FROM outbox WHERE ts_ms < ?", (cutoff_ms,))
                by_age = int(found)
                self.count -= by_age
                self.bytes -= int(size)
                upto = int(newest)
            while self.bytes > self.max_bytes and self.count > 0:
                excess = self.bytes - self.max_bytes
                rows = db.execute("SELECT id, size FROM outbox ORDER BY id LIMIT 5000").fetchall()
                freed = 0
                last_id = 0
                taken = 0
                for row_id, row_size in rows:
                    freed += int(row_size)
                    last_id = int(row_id)
                    taken += 1
                    if freed >= excess:
                        break
                db.execute("DELETE FROM outbox WHERE id <= ?", (last_id,))
                by_size += taken
                self.count -= taken
                self.bytes -= freed
                upto = max(upto, last_id)
        if by_age or by_size:
            self._refresh_oldest()
        return Dropped(by_age + by_size, by_size, by_age, upto)

    def refresh(self) -> OutboxStats:
        """Recount from the table (at open, and when in doubt)."""
        count, size = self.db.execute("SELECT count(*), total(size) FROM outbox").fetchone()
        self.count = int(count)
        self.bytes = int(size)
        seq = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        self.max_id = int(seq[0]) if seq else 0
        self._refresh_oldest()
        return self.stats()

    def stats(self) -> OutboxStats:
        return OutboxStats(self.count, self.bytes, self.oldest_ts_ms, self.max_id)

    def _refresh_oldest(self) -> None:
        row = self.db.execute("SELECT ts_ms FROM outbox ORDER BY id LIMIT 1").fetchone()
        self.oldest_ts_ms = int(row[0]) if row else None


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
