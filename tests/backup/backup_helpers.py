"""Helpers: databases filled directly (fast, deterministic), row reads, waiting on conditions."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.config import Synchronous
from core.storage.schema import DATABASES
from core.storage.sqlite_open import database_path, open_writer

T0_MS = 1_790_000_000_000  # 2026-09-21 14:13:20 UTC
COLUMNS = ("head_height", "band_torque", "band_current", "saw_state")


def create_databases(data_dir: Path, columns: Sequence[str]) -> None:
    """All five databases at the current schema (as the engine would create them)."""
    for db in DATABASES:
        conn, _ = open_writer(db, database_path(data_dir, db), Synchronous.NORMAL,
                              sample_columns=columns if db == "raw" else ())
        conn.close()


def sample_value(i: int, column: int) -> float:
    return round(i * 0.1 + column * 1.25, 3)


def fill_raw(data_dir: Path, columns: Sequence[str], count: int, *, start_ms: int = T0_MS, step_ms: int = 100,
             first: int = 0) -> None:
    """``count`` rows at ``start_ms + i * step_ms`` with values from :func:`sample_value`."""
    path = database_path(data_dir, "raw")
    if not path.exists():
        create_databases(data_dir, columns)
    conn = sqlite3.connect(str(path), isolation_level=None)
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * (len(columns) + 1))
    rows = [(start_ms + i * step_ms, *(sample_value(i, c) for c in range(len(columns))))
            for i in range(first, first + count)]
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO samples (ts_ms, {names}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    conn.close()


def query(path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def unpack(gz: Path, target: Path) -> Path:
    with gzip.open(gz, "rb") as packed, open(target, "wb") as out:
        shutil.copyfileobj(packed, out)
    return target

