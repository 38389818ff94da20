"""Trend ranges from raw.db and the monthly archive, read-only (the recorder is the only writer).

After archiving (core.storage.archive) rows older than ``archive_live_days`` live in
``databases/archive/raw-YYYY-MM.db``; core.storage.samples_reader knows which files cover a range.
Short ranges come row by row through its ``read_samples`` (a row an interrupted archive run left
in two files comes once). Long ranges are reduced in SQL, file by file, to min and max per time
bucket and the buckets merged, so a day of 10 Hz data comes back as a few thousand points with
every peak kept (the same idea as pyqtgraph's 'peak' downsampling; a duplicated row cannot move
a minimum or a maximum).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.storage.samples_reader import read_samples, sources
from core.storage.schema import SchemaError, check_column_name, sample_columns
from core.storage.sqlite_open import open_reader

log = logging.getLogger("bandsaw.queries.history")

FloatArray = npt.NDArray[np.float64]

Bucket = tuple[float, float, list[float | None], list[float | None]]  # first ts, last ts, mins, maxs


class HistoryError(Exception):
    """The recorded samples cannot be read; the message says why, for the operator."""


@dataclass(frozen=True, slots=True)
class HistoryRange:
    times: FloatArray  # seconds since the epoch
    values: dict[str, FloatArray]
    reduced: bool  # min/max per bucket rather than every row
    rows: int  # recorded rows for the range (raw.db and archive)
    files: tuple[str, ...] = field(default=())  # the database files read, oldest first


def raw_db_path(data_dir: Path) -> Path:
    return data_dir / "databases" / "raw.db"


class RawHistory:
    """``RawHistory(raw_db_path(data_dir))``: reads the samples of that data directory, archive included."""

    def __init__(self, path: Path, *, max_points: int = 4000) -> None:
        self.path = path
        self.data_dir = path.parent.parent  # <data_dir>/databases/raw.db
        self.max_points = max_points

    def read(self, start_s: float, end_s: float, columns: list[str]) -> HistoryRange:
        """Samples with start <= ts < end for ``columns`` (absent columns come back as NaN)."""
        try:
            names = [check_column_name(name) for name in columns]
        except SchemaError as exc:
            raise HistoryError(f"not a register column name: {exc}") from exc
        start_ms, end_ms = int(start_s * 1000), int(end_s * 1000)
        paths = sources(self.data_dir, start_ms, end_ms)
        if not paths:
            raise HistoryError(f"no recorded data yet ({self.path} does not exist)")
        files = tuple(path.name for path in paths)
        try:
            present, rows = self._survey(paths, start_ms, end_ms)
            if not present:
                raise HistoryError("raw.db has no samples table yet")
            wanted = [name for name in names if name in present]
            if rows <= self.max_points:
                data = list(read_samples(self.data_dir, start_ms, end_ms, wanted))
                return self._arrays(data, wanted, names, rows, reduced=False, files=files)
            return self._reduced(paths, (start_ms, end_ms), wanted, names, rows=rows, files=files)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot read the recorded samples: {exc}") from exc

    @staticmethod
    def _survey(paths: list[Path], start_ms: int, end_ms: int) -> tuple[set[str], int]:
        """Columns found in any file and the rows in the range over all files."""
        present: set[str] = set()
        rows = 0
        for path in paths:
            conn = open_reader(path)
            try:
                columns = sample_columns(conn)
                if not columns:
                    continue
                present.update(columns)
                (count,) = conn.execute(
                    "SELECT COUNT(*) FROM samples WHERE ts_ms >= ? AND ts_ms < ?", (start_ms, end_ms)
                ).fetchone()
                rows += int(count)
            finally:
                conn.close()
        return present, rows

    def _reduced(
        self, paths: list[Path], span_ms: tuple[int, int], wanted: list[str], columns: list[str],
        *, rows: int, files: tuple[str, ...],
    ) -> HistoryRange:
        start_ms, end_ms = span_ms
        buckets_wanted = max(1, self.max_points // 2)
        width = max(1, (end_ms - start_ms) // buckets_wanted + 1)
        buckets: dict[int, Bucket] = {}
        for path in paths:
            self._reduce_file(path, span_ms, width, wanted, buckets)
        # Each bucket becomes two points: its minimum at its first time, its maximum at its last.
        expanded: list[tuple[float | None, ...]] = []
        for index in sorted(buckets):
            first, last, mins, maxs = buckets[index]
            expanded.append((first, *mins))
            expanded.append((last if last != first else first + 0.001, *maxs))
        return self._arrays(expanded, wanted, columns, rows, reduced=True, files=files)

    @staticmethod
    def _reduce_file(path: Path, span_ms: tuple[int, int], width: int, wanted: list[str],
                     buckets: dict[int, Bucket]) -> None:
        start_ms, end_ms = span_ms
        conn = open_reader(path)
        try:
            present = set(sample_columns(conn))
            if not present:
                return
            parts = ", ".join(f'MIN("{n}"), MAX("{n}")' if n in present else "NULL, NULL" for n in wanted)
            query = (
                f"SELECT (ts_ms - ?) / ?, MIN(ts_ms), MAX(ts_ms){', ' + parts if parts else ''} FROM samples "
                "WHERE ts_ms >= ? AND ts_ms < ? GROUP BY 1"
            )
            for row in conn.execute(query, (start_ms, width, start_ms, end_ms)):
                index, first, last = int(row[0]), float(row[1]), float(row[2])
                mins = [row[3 + 2 * i] for i in range(len(wanted))]
                maxs = [row[4 + 2 * i] for i in range(len(wanted))]
                known = buckets.get(index)
                if known is not None:  # the same bucket in two files (a month boundary, an archive run)
                    first, last = min(first, known[0]), max(last, known[1])
                    mins = [_pick(min, a, b) for a, b in zip(mins, known[2], strict=True)]
                    maxs = [_pick(max, a, b) for a, b in zip(maxs, known[3], strict=True)]
                buckets[index] = (first, last, mins, maxs)
        finally:
            conn.close()

    @staticmethod
    def _arrays(
        data: list[tuple[float | None, ...]] | list[tuple[object, ...]],
        wanted: list[str], columns: list[str], rows: int, *, reduced: bool, files: tuple[str, ...],
    ) -> HistoryRange:
        # None (no value recorded, a column a file lacks) becomes NaN: a gap in the curve.
        table = np.array(data, dtype=np.float64) if data else np.empty((0, len(wanted) + 1))
        times = table[:, 0] / 1000.0 if table.size else np.empty(0)
        values: dict[str, FloatArray] = {}
        for name in columns:
            if name in wanted:
                values[name] = table[:, wanted.index(name) + 1] if table.size else np.empty(0)
            else:
                values[name] = np.full(times.shape, np.nan)
        return HistoryRange(times, values, reduced, int(rows), files)


def _pick(choose: Callable[[float, float], float], a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return float(choose(a, b))
