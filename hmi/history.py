"""Older trend ranges from raw.db, read on a read-only connection (the recorder is the only writer).

Long ranges are reduced in SQL to min and max per time bucket, so a day of 10 Hz data comes back
as a few thousand points with every peak kept (the same idea as pyqtgraph's 'peak' downsampling).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hmi.ring_buffer import FloatArray

log = logging.getLogger("bandsaw.hmi.history")

_IDENTIFIER_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class HistoryError(Exception):
    """raw.db cannot be read; the message says why, for the operator."""


@dataclass(frozen=True, slots=True)
class HistoryRange:
    times: FloatArray  # seconds since the epoch
    values: dict[str, FloatArray]
    reduced: bool  # min/max per bucket rather than every row
    rows: int  # rows in raw.db for the range


def raw_db_path(data_dir: Path) -> Path:
    return data_dir / "databases" / "raw.db"


class RawHistory:
    def __init__(self, path: Path, *, max_points: int = 4000) -> None:
        self.path = path
        self.max_points = max_points

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise HistoryError(f"no recorded data yet ({self.path} does not exist)")
        try:
            return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open {self.path}: {exc}") from exc

    def read(self, start_s: float, end_s: float, columns: list[str]) -> HistoryRange:
        """Samples with start <= ts < end for ``columns`` (absent columns come back as NaN)."""
        for name in columns:
            if not set(name) <= _IDENTIFIER_OK:
                raise HistoryError(f"not a register column name: {name!r}")
        start_ms, end_ms = int(start_s * 1000), int(end_s * 1000)
        connection = self._connect()
        try:
            present = {row[1] for row in connection.execute("PRAGMA table_info(samples)")}
            if not present:
                raise HistoryError("raw.db has no samples table yet")
            (rows,) = connection.execute(
                "SELECT COUNT(*) FROM samples WHERE ts_ms >= ? AND ts_ms < ?", (start_ms, end_ms)
            ).fetchone()
            wanted = [name for name in columns if name in present]
            if rows <= self.max_points:
                selected = ", ".join(f'"{name}"' for name in wanted)
                query = f"SELECT ts_ms{', ' + selected if selected else ''} FROM samples "
                query += "WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms"
                data = connection.execute(query, (start_ms, end_ms)).fetchall()
                return self._arrays(data, wanted, columns, rows, reduced=False)
            return self._reduced(connection, (start_ms, end_ms), wanted, columns, rows)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot read {self.path}: {exc}") from exc
        finally:
            connection.close()

    def _reduced(
        self, connection: sqlite3.Connection, span_ms: tuple[int, int], wanted: list[str], columns: list[str],
        rows: int,
    ) -> HistoryRange:
        start_ms, end_ms = span_ms
        buckets = max(1, self.max_points // 2)
        width = max(1, (end_ms - start_ms) // buckets + 1)
        parts = ", ".join(f'MIN("{n}"), MAX("{n}")' for n in wanted)
        query = (
            f"SELECT MIN(ts_ms), MAX(ts_ms){', ' + parts if parts else ''} FROM samples "
            "WHERE ts_ms >= ? AND ts_ms < ? GROUP BY (ts_ms - ?) / ? ORDER BY 1"
        )
        data = connection.execute(query, (start_ms, end_ms, start_ms, width)).fetchall()
        # Each bucket becomes two points: its minimum at its first time, its maximum at its last.
        expanded: list[tuple[float | None, ...]] = []
        for row in data:
            first, last = row[0], row[1]
            mins = tuple(row[2 + 2 * i] for i in range(len(wanted)))
            maxs = tuple(row[3 + 2 * i] for i in range(len(wanted)))
            expanded.append((first, *mins))
            expanded.append((last if last != first else first + 0.001, *maxs))
        return self._arrays(expanded, wanted, columns, rows, reduced=True)

    @staticmethod
    def _arrays(
        data: list[tuple[float | None, ...]] | list[tuple[object, ...]],
        wanted: list[str], columns: list[str], rows: int, *, reduced: bool,
    ) -> HistoryRange:
        table = np.array(data, dtype=np.float64) if data else np.empty((0, len(wanted) + 1))
        times = table[:, 0] / 1000.0 if table.size else np.empty(0)
        values: dict[str, FloatArray] = {}
        for name in columns:
            if name in wanted:
                values[name] = table[:, wanted.index(name) + 1] if table.size else np.empty(0)
            else:
                values[name] = np.full(times.shape, np.nan)
        return HistoryRange(times, values, reduced, int(rows))
