"""The generation of a database file: who it is, so the central mirror never confuses two files.

Every local database carries a table ``storage_meta`` with a generation id (a UUID written when
the file is created). A file that is recreated (corrupt, emptied, deleted), restored from a
backup or replaced by another file gets a NEW generation: its ids start again or fork from an
older state, so ``id`` alone no longer names one row. The central key is therefore
(machine, generation, id).

A fork keeps its ancestry (``lineage``): a restored file holds, below the ids it had at backup
time, exactly the rows of the generation it was copied from. ``key_generation(row_id)`` names
the generation a row was born in, so re-sent rows land on the key they already have centrally
(skipped, never doubled), and only rows written after the fork carry the new generation.

Files written before generations existed have no ``storage_meta``: they are the ``legacy``
generation, which is also what the central migration gives the rows already mirrored.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass, field

LEGACY = "legacy"
META_TABLE = "storage_meta"

_CREATE = f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


@dataclass(frozen=True, slots=True)
class Generation:
    id: str
    # Oldest first: (ancestor generation, {table: highest id inherited from it}).
    lineage: tuple[tuple[str, dict[str, int]], ...] = ()
    created_ms: int = 0
    reason: str = ""  # created, restored, replaced, rewound, recreated, legacy

    def key_generation(self, table: str, row_id: int) -> str:
        """The generation a row with ``row_id`` of ``table`` was first written under."""
        for ancestor, bounds in self.lineage:
            if row_id <= bounds.get(table, 0):
                return ancestor
        return self.id

    def inherited(self, table: str) -> tuple[str, int] | None:
        """(parent generation, highest id shared with it) for ``table``, or None."""
        if not self.lineage:
            return None
        parent, bounds = self.lineage[-1]
        return parent, bounds.get(table, 0)

    def fork(self, bounds: dict[str, int], reason: str, now_ms: int) -> Generation:
        """A new generation whose rows up to ``bounds`` are this one's."""
        return Generation(str(uuid.uuid4()), (*self.lineage, (self.id, dict(bounds))), now_ms, reason)

    def to_rows(self) -> list[tuple[str, str]]:
        lineage = [[gen, bounds] for gen, bounds in self.lineage]
        return [("generation", self.id), ("lineage", json.dumps(lineage)), ("created_ms", str(self.created_ms)),
                ("reason", self.reason)]


@dataclass(slots=True)
class FileState:
    """What a file says about itself: its generation and the id counters of its tables."""

    generation: Generation
    sequences: dict[str, int] = field(default_factory=dict)  # AUTOINCREMENT's high-water mark per table


def read_generation(conn: sqlite3.Connection) -> Generation | None:
    """The file's generation, or None when it has none (a legacy file or not a database of ours)."""
    try:
        rows = dict(conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())
    except sqlite3.OperationalError:
        return None
    if "generation" not in rows:
        return None
    try:
        pairs = json.loads(rows.get("lineage", "[]"))
        lineage = tuple((str(g), {str(k): int(v) for k, v in b.items()}) for g, b in pairs)
    except (ValueError, TypeError, AttributeError):
        lineage = ()
    return Generation(rows["generation"], lineage, int(rows.get("created_ms", "0") or 0), rows.get("reason", ""))


def sequences(conn: sqlite3.Connection) -> dict[str, int]:
    """Highest id ever handed out per AUTOINCREMENT table (deleting rows does not lower it)."""
    try:
        return {str(name): int(seq) for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    except sqlite3.OperationalError:  # no AUTOINCREMENT table yet
        return {}


def write_generation(conn: sqlite3.Connection, generation: Generation) -> None:
    """Store ``generation`` in the file, in its own transaction (``conn`` in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(_CREATE)
        conn.executemany(
            f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            generation.to_rows(),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def ensure_generation(conn: sqlite3.Connection, *, fresh: bool, now_ms: int | None = None) -> Generation:
    """The file's generation; one is written first when it has none.

    ``fresh``: the file was just created (no rows anywhere). A file with rows and no generation
    was written before generations existed: its rows so far are the legacy generation's.
    """
    found = read_generation(conn)
    if found is not None:
        return found
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if fresh:
        generation = Generation(str(uuid.uuid4()), (), now, "created")
    else:
        generation = Generation(LEGACY).fork(sequences(conn), "legacy", now)
    write_generation(conn, generation)
    return generation


def fork_file(conn: sqlite3.Connection, reason: str, now_ms: int | None = None) -> Generation:
    """Give the file a new generation that inherits its present rows (restore, replacement)."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    current = read_generation(conn) or Generation(LEGACY)
    generation = current.fork(sequences(conn), reason, now)
    write_generation(conn, generation)
    return generation
