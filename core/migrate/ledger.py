"""What an import has already brought over, kept in the database it was brought into.

One row per (source, stream, fingerprint): the highest source rowid done, the rows imported and
rejected, and a stream's carried state (e.g. the alarm state at the last row). The row is
updated in the same transaction as the batch it describes, so an interrupted import resumes
exactly after its last commit and a second run adds nothing. The fingerprint identifies the
source table by its first row, not by its path: a copy of the same files imports nothing new.

Not mirrored to PostgreSQL and not exported: it is this saw's bookkeeping.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

LEDGER_SQL = """
CREATE TABLE IF NOT EXISTS import_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,            -- last update
    source TEXT NOT NULL,              -- smart-saw
    stream TEXT NOT NULL,              -- e.g. total.sensor_data -> raw.samples
    fingerprint TEXT NOT NULL,         -- sha256 of the source table's first row
    last_rowid INTEGER NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    state TEXT,                        -- JSON carried between runs (stream specific)
    UNIQUE (source, stream, fingerprint)
)
"""


@dataclass(slots=True)
class LedgerEntry:
    source: str
    stream: str
    fingerprint: str
    last_rowid: int = 0
    imported: int = 0
    rejected: int = 0
    state: dict[str, Any] | None = None


def fingerprint(conn: sqlite3.Connection, table: str) -> str | None:
    """sha256 of the table's first row (None for an empty table)."""
    row = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid LIMIT 1').fetchone()
    if row is None:
        return None
    return hashlib.sha256(json.dumps([table, *row], default=repr).encode()).hexdigest()


def ensure(conn: sqlite3.Connection) -> None:
    conn.execute(LEDGER_SQL)


def load(conn: sqlite3.Connection, source: str, stream: str, fp: str) -> LedgerEntry:
    """The entry (a fresh one when this source was never imported); works on read-only files."""
    try:
        row = conn.execute(
            "SELECT last_rowid, imported, rejected, state FROM import_ledger "
            "WHERE source = ? AND stream = ? AND fingerprint = ?",
            (source, stream, fp),
        ).fetchone()
    except sqlite3.OperationalError:  # no ledger yet (a dry run on a database never imported into)
        row = None
    if row is None:
        return LedgerEntry(source, stream, fp)
    return LedgerEntry(source, stream, fp, int(row[0]), int(row[1]), int(row[2]),
                       json.loads(row[3]) if row[3] else None)


def save(conn: sqlite3.Connection, entry: LedgerEntry) -> None:
    """Write the entry; call inside the batch's transaction."""
    conn.execute(
        "INSERT INTO import_ledger (ts_ms, source, stream, fingerprint, last_rowid, imported, rejected, state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, stream, fingerprint) DO UPDATE SET "
        "ts_ms = excluded.ts_ms, last_rowid = excluded.last_rowid, imported = excluded.imported, "
        "rejected = excluded.rejected, state = excluded.state",
        (int(time.time() * 1000), entry.source, entry.stream, entry.fingerprint, entry.last_rowid,
         entry.imported, entry.rejected, json.dumps(entry.state) if entry.state is not None else None),
    )


class RejectFile:
    """CSV of the rows an import could not map: stream, source rowid, reason, the row as JSON.

    Created on the first reject; flushed before every commit so a committed batch's rejects are
    on disk (a crash may repeat some lines in the next run's file, never lose one).

    ``dry_run``: nothing is written anywhere (no file, no folder); the rejects are counted and
    the first ``keep`` are held in ``first`` (stream, source rowid, reason, row as JSON) to print.
    """

    def __init__(self, path: Path, *, dry_run: bool = False, keep: int = 5) -> None:
        self.path = path
        self.dry_run = dry_run
        self.keep = keep
        self.count = 0
        self.first: list[tuple[str, int, str, str]] = []
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def write(self, stream: str, rowid: int, reason: str, row: dict[str, Any]) -> None:
        if self.dry_run:
            if len(self.first) < self.keep:
                self.first.append((stream, rowid, reason, json.dumps(row, ensure_ascii=False, default=repr)))
            self.count += 1
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(["stream", "source_rowid", "reason", "row"])
        self._writer.writerow([stream, rowid, reason, json.dumps(row, ensure_ascii=False, default=repr)])
        self.count += 1

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
