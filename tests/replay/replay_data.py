"""Generated recordings for the replay tests and bench: raw.db with the real schema, fast."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from core.registers import RegisterMap
from core.storage.schema import ensure_sample_columns, migrate


def sample_value(name_index: int, i: int) -> float:
    """A value that tells rows apart: column index and row number both show."""
    return float(name_index) * 1000.0 + (i % 997) * 0.5


def write_raw_db(path: Path, register_map: RegisterMap, start_ms: int, count: int, *, step_ms: int = 100,
                 first_row: int = 0) -> None:
    """``count`` rows from ``start_ms`` every ``step_ms`` into ``path`` (created with raw.db's schema)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        migrate(conn, "raw")
        names = register_map.names
        ensure_sample_columns(conn, names)
        quoted = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join("?" for _ in range(len(names) + 1))
        sql = f"INSERT INTO samples (ts_ms, {quoted}) VALUES ({marks})"

        def rows() -> Iterator[tuple[float, ...]]:
            base = [float(k) * 1000.0 for k in range(len(names))]
            for i in range(first_row, first_row + count):
                wiggle = (i % 997) * 0.5
                yield (start_ms + (i - first_row) * step_ms, *[b + wiggle for b in base])

        conn.execute("BEGIN")
        conn.executemany(sql, rows())
        conn.execute("COMMIT")
    finally:
        conn.close()


def raw_db(data_dir: Path) -> Path:
    return data_dir / "databases" / "raw.db"
