"""Cut records from total.db (one row per cut, written by the cut tracker), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.storage.sqlite_open import database_path, open_reader

READ_BUSY_MS = 200


@dataclass(frozen=True, slots=True)
class CutRecord:
    id: int
    ts_ms: int
    values: dict[str, object]  # every other column of ``cuts`` by name (None where not measured)


def read_cuts(data_dir: Path, start_ms: int | None = None, end_ms: int | None = None,
              *, limit: int = 500) -> list[CutRecord]:
    """Cuts with start <= ts_ms < end, newest first; raises sqlite3.Error (the caller reports it)."""
    path = database_path(data_dir, "total")
    if not path.exists():
        return []
    conn = open_reader(path)
    try:
        conn.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS:d}")
        cursor = conn.execute(
            "SELECT * FROM cuts WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms DESC LIMIT ?",
            (start_ms if start_ms is not None else -(2**62), end_ms if end_ms is not None else 2**62, int(limit)),
        )
        names = [d[0] for d in cursor.description]
        records = []
        for row in cursor.fetchall():
            data = dict(zip(names, row, strict=True))
            records.append(CutRecord(int(data.pop("id")), int(data.pop("ts_ms")), data))
        return records
    finally:
        conn.close()



