"""Samples for a time range from raw.db and the monthly archive files together.

Archived rows keep their raw.db ``id``, so a row that an interrupted archive run left in both
files comes out once. Rows come in time order (ties by id) as ``(ts_ms, value, ...)`` tuples in
the order of the requested columns; a column a file does not have reads as None. Every page is
its own short read (keyset paging), so a long export never holds a read transaction open
against the recorder's WAL.
"""

from __future__ import annotations

import heapq
import re
import sqlite3
from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.storage.schema import check_column_name, sample_columns
from core.storage.sqlite_open import database_path, open_reader

PAGE_ROWS = 5000
_ARCHIVE_NAME = re.compile(r"^raw-(\d{4})-(\d{2})\.db$")
MAX_MS = 2**62


def archive_dir(data_dir: Path) -> Path:
    return data_dir / "databases" / "archive"


def month_of(ts_ms: int) -> tuple[int, int]:
    """The (year, month) in UTC that a sample belongs to (archive files are UTC months)."""
    moment = datetime.fromtimestamp(ts_ms / 1000, UTC)
    return moment.year, moment.month


def archive_path(data_dir: Path, year: int, month: int) -> Path:
    return archive_dir(data_dir) / f"raw-{year:04d}-{month:02d}.db"


def month_bounds_ms(year: int, month: int) -> tuple[int, int]:
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def sources(data_dir: Path, start_ms: int | None = None, end_ms: int | None = None) -> list[Path]:
    """The archive files overlapping [start, end) in time order, then raw.db (when present)."""
    lo, hi = start_ms if start_ms is not None else -MAX_MS, end_ms if end_ms is not None else MAX_MS
    found: list[tuple[tuple[int, int], Path]] = []
    folder = archive_dir(data_dir)
    if folder.is_dir():
        for path in folder.iterdir():
            match = _ARCHIVE_NAME.match(path.name)
            if match is None:
                continue
            year, month = int(match[1]), int(match[2])
            first, after = month_bounds_ms(year, month)
            if first < hi and after > lo:
                found.append(((year, month), path))
    paths = [path for _, path in sorted(found)]
    raw = database_path(data_dir, "raw")
    if raw.exists():
        paths.append(raw)
    return paths


def available_columns(data_dir: Path) -> list[str]:
    """Every register column found in raw.db or an archive (raw.db's order first)."""
    names: dict[str, None] = {}
    for path in reversed(sources(data_dir)):
        conn = open_reader(path)
        try:
            names.update(dict.fromkeys(sample_columns(conn)))
        finally:
            conn.close()
    return list(names)


def count_samples(data_dir: Path, start_ms: int | None = None, end_ms: int | None = None) -> int:
    """Rows in the range over all files (rows in both files during an interrupted archive count twice)."""
    lo, hi = _range(start_ms, end_ms)
    total = 0
    for path in sources(data_dir, start_ms, end_ms):
        conn = open_reader(path)
        try:
            total += int(conn.execute("SELECT COUNT(*) FROM samples WHERE ts_ms >= ? AND ts_ms < ?",
                                      (lo, hi)).fetchone()[0])
        finally:
            conn.close()
    return total


def read_samples(
    data_dir: Path,
    start_ms: int | None,
    end_ms: int | None,
    columns: Sequence[str],
    *,
    page_rows: int = PAGE_ROWS,
) -> Iterator[tuple[Any, ...]]:
    """``(ts_ms, *values)`` for start <= ts_ms < end (None: unbounded), live and archived."""
    names = [check_column_name(name) for name in columns]
    lo, hi = _range(start_ms, end_ms)
    streams = [_read_one(path, lo, hi, names, page_rows) for path in sources(data_dir, start_ms, end_ms)]
    merged = heapq.merge(*streams, key=lambda r: (r[1], r[0])) if len(streams) > 1 else (
        streams[0] if streams else iter(()))
    last_id: int | None = None
    last_ts: int | None = None
    try:
        for row in merged:
            if row[0] == last_id and row[1] == last_ts:
                continue  # the same row in an archive and in raw.db (interrupted archive run)
            last_id, last_ts = row[0], row[1]
            yield row[1:]
    finally:
        for stream in streams:  # close the connections here, in the reading thread
            stream.close()


def _range(start_ms: int | None, end_ms: int | None) -> tuple[int, int]:
    return (start_ms if start_ms is not None else -MAX_MS, end_ms if end_ms is not None else MAX_MS)


def _read_one(path: Path, lo: int, hi: int, names: list[str], page_rows: int) -> Generator[tuple[Any, ...]]:
    conn = open_reader(path)
    try:
        present = set(sample_columns(conn))
        selected = ", ".join(f'"{name}"' if name in present else "NULL" for name in names)
        sql = (f"SELECT id, ts_ms{', ' if names else ''}{selected} FROM samples "
               "WHERE ts_ms >= ? AND ts_ms < ? AND (ts_ms > ? OR id > ?) ORDER BY ts_ms, id LIMIT ?")
        last_ts, last_id = lo, -1
        while True:
            try:
                page = conn.execute(sql, (last_ts, hi, last_ts, last_id, page_rows)).fetchall()
            except sqlite3.OperationalError as exc:
                raise sqlite3.OperationalError(f"{path}: {exc}") from exc
            if not page:
                return
            yield from page
            last_id, last_ts = page[-1][0], page[-1][1]
            if len(page) < page_rows:
                return
    finally:
        conn.close()
