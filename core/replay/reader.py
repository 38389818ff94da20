"""Recorded samples in chunks for a replay: raw.db and the monthly archives (imported data included).

Synchronous (a worker thread calls it). Every chunk is its own short read through
core.storage.samples_reader (keyset paging on the ``ts_ms`` index, archive and raw.db merged, a
row an interrupted archive run left in two files read once), so a replay of a day never loads
the day and never holds a read transaction open against the recorder.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.storage.samples_reader import available_columns, read_samples, sources
from core.storage.sqlite_open import open_reader

# (ts_ms, values by register name, any value known): built here, in the reading thread, so the
# engine's loop only wraps each row in a Snapshot when it is due.
Row = tuple[int, dict[str, float | None], bool]


class ReplayReadError(Exception):
    """The recorded samples cannot be read; the message says why, for the screen."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next chunk starts: at ``ts_ms``, after the first ``skip`` rows that carry it."""

    ts_ms: int
    skip: int = 0


@dataclass(frozen=True, slots=True)
class Chunk:
    rows: list[Row]
    next: Cursor
    done: bool  # nothing after these rows up to the period's end


def when(ts_ms: int) -> str:
    """A timestamp as the screen shows it (local time)."""
    return datetime.fromtimestamp(ts_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def recorded_columns(data_dir: Path, names: Sequence[str]) -> list[str]:
    """The register ``names`` that raw.db or an archive has a column for (in ``names``' order)."""
    try:
        present = set(available_columns(data_dir))
    except sqlite3.Error as exc:
        raise ReplayReadError(f"cannot read the recorded samples: {exc}") from exc
    return [name for name in names if name in present]


def read_chunk(data_dir: Path, columns: Sequence[str], cursor: Cursor, end_ms: int, limit: int) -> Chunk:
    """Up to ``limit`` rows from ``cursor`` to ``end_ms`` (exclusive), in time order."""
    names = list(columns)
    stream = read_samples(data_dir, cursor.ts_ms, end_ms, names, page_rows=limit + cursor.skip + 1)
    try:
        picked = list(itertools.islice(stream, cursor.skip, cursor.skip + limit + 1))
    except sqlite3.Error as exc:
        raise ReplayReadError(f"cannot read the recorded samples: {exc}") from exc
    finally:
        close = getattr(stream, "close", None)  # a generator: its connections close here, in this thread
        if close is not None:
            close()
    done = len(picked) <= limit
    picked = picked[:limit]
    rows: list[Row] = [(int(r[0]), dict(zip(names, r[1:], strict=True)), any(v is not None for v in r[1:]))
                       for r in picked]
    if not rows:
        return Chunk([], cursor, True)
    last = rows[-1][0]
    same = sum(1 for ts, _, _ in rows if ts == last)
    skip = same + (cursor.skip if last == cursor.ts_ms else 0)
    return Chunk(rows, Cursor(last, skip), done)


def recorded_span(data_dir: Path) -> tuple[int, int] | None:
    """The first and last recorded sample over raw.db and the archive (None when there is none)."""
    first: int | None = None
    last: int | None = None
    try:
        for path in sources(data_dir):
            conn = open_reader(path)
            try:
                lo, hi = conn.execute("SELECT MIN(ts_ms), MAX(ts_ms) FROM samples").fetchone()
            except sqlite3.OperationalError:
                continue  # a file without a samples table yet
            finally:
                conn.close()
            if lo is None:
                continue
            first = int(lo) if first is None else min(first, int(lo))
            last = int(hi) if last is None else max(last, int(hi))
    except sqlite3.Error as exc:
        raise ReplayReadError(f"cannot read the recorded samples: {exc}") from exc
    return None if first is None or last is None else (first, last)


def no_data_reason(data_dir: Path, start_ms: int, end_ms: int) -> str:
    """Why a period has nothing to replay, with what the recording does hold."""
    text = f"no recorded samples from {when(start_ms)} to {when(end_ms)}"
    try:
        span = recorded_span(data_dir)
    except ReplayReadError:
        span = None
    if span is None:
        return f"{text}: nothing has been recorded yet"
    return f"{text}; the recording holds {when(span[0])} to {when(span[1])}"
