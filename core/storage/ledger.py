"""The engine's own record of what each database held: noticing files that vanish or are swapped.

``databases/ledger.json`` keeps, per database, its generation and the id counters of its
tables (``sqlite_sequence``: AUTOINCREMENT's high-water mark, which deleting or archiving rows
never lowers). It is written after the files are opened, every few seconds while running and
at stop; a restore writes the entries of the files it put in place.

At the next open each file is compared with its entry:
- *vanished*: the entry says the file held rows (a counter above 0) and the file has none:
  it is empty, new, or lost its tables. Critical: cut history, band counters or the users are
  gone; the newest verified backup should be restored (``bandsaw restore --latest``).
- *replaced*: another generation than the entry's (a different file was put there).
- *rewound*: the same generation with lower counters (an older copy of the file).
A replaced or rewound file is forked to a new generation (see :mod:`core.storage.generation`)
so its new rows never collide centrally with rows the mirror already has.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.storage.generation import Generation, ensure_generation, fork_file, sequences

log = logging.getLogger("bandsaw.database")

LEDGER_NAME = "ledger.json"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    generation: str
    sequences: dict[str, int] = field(default_factory=dict)
    updated_ms: int = 0

    @property
    def held_rows(self) -> bool:
        return any(seq > 0 for seq in self.sequences.values())


@dataclass(frozen=True, slots=True)
class FileVerdict:
    """What opening a file found against the ledger."""

    generation: Generation
    sequences: dict[str, int]
    problem: str = ""  # "", "vanished", "replaced", "rewound"
    detail: str = ""
    rows_missing: bool = False  # the file holds fewer ids than the ledger remembers: data was lost


def ledger_path(databases_dir: Path) -> Path:
    return databases_dir / LEDGER_NAME


def read_ledger(databases_dir: Path) -> dict[str, LedgerEntry]:
    """The entries by database name; {} when there is no ledger (first start) or it is unreadable."""
    path = ledger_path(databases_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            str(db): LedgerEntry(str(e["generation"]), {str(k): int(v) for k, v in e.get("sequences", {}).items()},
                                 int(e.get("updated_ms", 0)))
            for db, e in data.get("databases", {}).items()
        }
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("%s unreadable (%s): files are not compared this time", path, exc)
        return {}


def write_ledger(databases_dir: Path, entries: dict[str, LedgerEntry]) -> None:
    """Replace the ledger atomically (temp file, fsync, rename); merges nothing."""
    path = ledger_path(databases_dir)
    data = {"format": 1, "databases": {
        db: {"generation": e.generation, "sequences": e.sequences, "updated_ms": e.updated_ms}
        for db, e in sorted(entries.items())
    }}
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def update_ledger(databases_dir: Path, updates: dict[str, LedgerEntry | None]) -> None:
    """Merge ``updates`` into the ledger (None removes an entry)."""
    entries = read_ledger(databases_dir)
    for db, entry in updates.items():
        if entry is None:
            entries.pop(db, None)
        else:
            entries[db] = entry
    write_ledger(databases_dir, entries)


def entry_of(conn: sqlite3.Connection, generation: str, now_ms: int | None = None) -> LedgerEntry:
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return LedgerEntry(generation, sequences(conn), now)


def check_file(
    conn: sqlite3.Connection, expected: LedgerEntry | None, *, fresh: bool, now_ms: int | None = None
) -> FileVerdict:
    """Compare an opened (migrated) writer connection with its ledger entry; fork when replaced."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    generation = ensure_generation(conn, fresh=fresh, now_ms=now)
    seqs = sequences(conn)
    if expected is None:
        return FileVerdict(generation, seqs)
    if expected.held_rows and not any(seq > 0 for seq in seqs.values()):
        lost = ", ".join(f"{t} (ids up to {n})" for t, n in sorted(expected.sequences.items()) if n > 0)
        if not fresh:  # an emptied file keeps its generation: its ids start again below
            generation = fork_file(conn, "recreated", now)
        return FileVerdict(generation, seqs, "vanished", f"it held {lost} and is now empty")
    if generation.id != expected.generation:
        generation = fork_file(conn, "replaced", now)
        fewer = {t: (n, seqs.get(t, 0)) for t, n in expected.sequences.items() if seqs.get(t, 0) < n}
        detail = f"another file (generation {_short(expected.generation)} expected)"
        if fewer:  # e.g. truncated under the running engine, then written again: the old rows are gone
            detail += " holding fewer rows (" + ", ".join(
                f"{t} ids up to {now_n} instead of {was}" for t, (was, now_n) in sorted(fewer.items())) + ")"
        return FileVerdict(generation, seqs, "replaced", detail, rows_missing=bool(fewer))
    rewound = {t: (n, seqs.get(t, 0)) for t, n in expected.sequences.items() if seqs.get(t, 0) < n}
    if rewound:
        generation = fork_file(conn, "rewound", now)
        what = ", ".join(f"{t} ids up to {now_n} instead of {was}" for t, (was, now_n) in sorted(rewound.items()))
        return FileVerdict(generation, seqs, "rewound", f"an older copy ({what})")
    return FileVerdict(generation, seqs)


def read_only_entry(path: Path) -> tuple[LedgerEntry | None, str]:
    """(entry, problem) of a database the storage does not write (users.db), opened read-only."""
    if not path.exists():
        return None, "missing"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        return None, f"cannot open: {exc}"
    try:
        seqs = sequences(conn)
        found = conn.execute("SELECT value FROM storage_meta WHERE key = 'generation'").fetchone() \
            if _has_meta(conn) else None
    except sqlite3.DatabaseError as exc:
        return None, f"unreadable: {exc}"
    finally:
        conn.close()
    return LedgerEntry(str(found[0]) if found else "users", seqs, int(time.time() * 1000)), ""


def _has_meta(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'storage_meta'").fetchone() is not None


def _short(generation: str) -> str:
    return generation[:8]
