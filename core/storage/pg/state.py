"""The mirror's own durable state: cursors and the quarantine, in ``databases/pg_mirror.db``.

Kept apart from the source databases (each has one writer, and the mirror never writes to them).
Cursors are per central database, so pointing the mirror at a new server starts from the
beginning there, and per generation of the source file (a restored or recreated file starts its
own cursor; see core/storage/generation.py). A cursor moves only after PostgreSQL committed the rows before it; together
with idempotent inserts, a crash at any moment loses nothing and duplicates nothing.
Blocking: used on the mirror's SQLite thread only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cursors (
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    generation TEXT NOT NULL,
    last_id INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (target, source, generation)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    generation TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    ts_ms INTEGER,
    machine_id INTEGER NOT NULL,
    row_json TEXT NOT NULL,
    error TEXT NOT NULL,
    first_ms INTEGER NOT NULL,
    last_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    UNIQUE (target, source, generation, row_id)
);
"""

# v1 -> v2: what v1 knew was about files without a generation: the legacy one.
_V2 = f"""
ALTER TABLE cursors RENAME TO cursors_v1;
ALTER TABLE quarantine RENAME TO quarantine_v1;
{_SCHEMA}
INSERT INTO cursors SELECT target, source, 'legacy', last_id, updated_ms FROM cursors_v1;
INSERT INTO quarantine (id, target, source, generation, row_id, ts_ms, machine_id, row_json, error, first_ms,
                        last_ms, attempts)
    SELECT id, target, source, 'legacy', row_id, ts_ms, machine_id, row_json, error, first_ms, last_ms, attempts
    FROM quarantine_v1;
DROP TABLE cursors_v1;
DROP TABLE quarantine_v1;
"""


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    id: int  # quarantine entry id: what retry_quarantined/drop_quarantined take
    source: str  # "<database>.<table>", e.g. "raw.samples"
    generation: str  # the row's key generation centrally
    row_id: int  # the SQLite id of the rejected row
    ts_ms: int | None
    machine_id: int
    values: dict[str, Any]  # the row as it was read
    error: str  # PostgreSQL's (or the encoder's) reason
    first_ms: int
    last_ms: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Rejected:
    row_id: int
    ts_ms: int | None
    values: dict[str, Any]
    error: str
    generation: str = "legacy"  # the row's central key generation


def _encode(values: dict[str, Any]) -> str:
    return json.dumps({k: ({"$hex": v.hex()} if isinstance(v, bytes) else v) for k, v in values.items()})


def _decode(text: str) -> dict[str, Any]:
    raw = json.loads(text)
    return {k: (bytes.fromhex(v["$hex"]) if isinstance(v, dict) and "$hex" in v else v) for k, v in raw.items()}


class MirrorState:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=10.0, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._conn.close()
            raise RuntimeError(f"{path}: schema version {version} is newer than this program's {SCHEMA_VERSION}")
        if version == 1:
            self._conn.executescript(f"BEGIN; {_V2} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        self._conn.executescript(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def cursors(self, target: str) -> dict[tuple[str, str], int]:
        """(source, generation) -> last id sent."""
        rows = self._conn.execute("SELECT source, generation, last_id FROM cursors WHERE target = ?", (target,))
        return {(source, generation): last_id for source, generation, last_id in rows}

    def commit_batch(
        self, target: str, source: str, generation: str, *, last_id: int, machine_id: int, rejected: list[Rejected],
        now_ms: int,
    ) -> None:
        """Advance the cursor of ``source`` in file ``generation`` and file the batch's rejected rows
        (under each row's key generation), in one transaction."""
        with self._conn:
            self._conn.execute("BEGIN")
            for row in rejected:
                self._file(target, source, machine_id, row, now_ms)
            self._conn.execute(
                "INSERT INTO cursors (target, source, generation, last_id, updated_ms) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (target, source, generation) DO UPDATE SET "
                "last_id = excluded.last_id, updated_ms = excluded.updated_ms",
                (target, source, generation, last_id, now_ms),
            )

    def set_cursor(self, target: str, source: str, generation: str, last_id: int, now_ms: int) -> None:
        self.commit_batch(target, source, generation, last_id=last_id, machine_id=0, rejected=[], now_ms=now_ms)

    def _file(self, target: str, source: str, machine_id: int, row: Rejected, now_ms: int) -> None:
        self._conn.execute(
            "INSERT INTO quarantine (target, source, generation, row_id, ts_ms, machine_id, row_json, error, "
            "first_ms, last_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (target, source, generation, row_id) DO UPDATE SET "
            "error = excluded.error, last_ms = excluded.last_ms, row_json = excluded.row_json, "
            "attempts = attempts + 1",
            (target, source, row.generation, row.row_id, row.ts_ms, machine_id, _encode(row.values), row.error,
             now_ms, now_ms),
        )

    def quarantine_count(self, target: str) -> int:
        return int(self._conn.execute("SELECT count(*) FROM quarantine WHERE target = ?", (target,)).fetchone()[0])

    def quarantined(self, target: str, ids: list[int] | None = None) -> list[QuarantinedRow]:
        sql = (
            "SELECT id, source, generation, row_id, ts_ms, machine_id, row_json, error, first_ms, last_ms, attempts "
            "FROM quarantine WHERE target = ?"
        )
        params: list[Any] = [target]
        if ids is not None:
            if not ids:
                return []
            sql += f" AND id IN ({', '.join('?' for _ in ids)})"
            params.extend(ids)
        rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [
            QuarantinedRow(r[0], r[1], r[2], r[3], r[4], r[5], _decode(r[6]), r[7], r[8], r[9], r[10]) for r in rows
        ]

    def requarantine(self, entry_id: int, error: str, now_ms: int) -> None:
        with self._conn:
            self._conn.execute(
                "UPDATE quarantine SET error = ?, last_ms = ?, attempts = attempts + 1 WHERE id = ?",
                (error, now_ms, entry_id),
            )

    def drop(self, target: str, ids: list[int]) -> int:
        if not ids:
            return 0
        with self._conn:
            cur = self._conn.execute(
                f"DELETE FROM quarantine WHERE target = ? AND id IN ({', '.join('?' for _ in ids)})",
                [target, *ids],
            )
        return cur.rowcount

    def close(self) -> None:
        self._conn.close()
