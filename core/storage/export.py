"""Export samples (raw.db + archive), cuts (total.db) or alarms (log.db alarm_log) to CSV or xlsx.

Streaming: rows are read in pages and written as they come (csv module; the streaming xlsx
writer of core.storage.xlsx_stream), so memory stays flat for any range. Synchronous: run it
in a thread; ``progress(done, total)`` is called after every page from that thread,
``cancel()`` is asked as often.
The file is written as ``<out>.partial`` and renamed when complete: a cancelled or failed export
leaves nothing half-written under the requested name.

Times: column 1 is the local time with the zone in its header, e.g. ``time (Europe/Berlin)``:
ISO 8601 with the UTC offset in CSV (``2026-11-27T04:05:06.100+01:00``), an Excel date-time in
local time in xlsx (core.storage.xlsx_stream; more than 1,048,576 rows continue on a
second sheet). Column 2 is ``ts_ms`` (Unix epoch ms, UTC) exactly as stored.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.storage.samples_reader import PAGE_ROWS, available_columns, count_samples, read_samples
from core.storage.sqlite_open import database_path, open_reader
from core.storage.xlsx_stream import XlsxStreamWriter

What = Literal["samples", "cuts", "alarms"]
Format = Literal["csv", "xlsx"]
WHATS: tuple[What, ...] = ("samples", "cuts", "alarms")
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
TABLES: dict[str, tuple[str, str]] = {"cuts": ("total", "cuts"), "alarms": ("log", "alarm_log")}
Progress = Callable[[int, int], None]


class ExportError(Exception):
    """The export cannot be made (bad request, unreadable database, disk full); says why."""


class ExportRequestError(ExportError):
    """The request itself is wrong (unknown signal, format, zone; empty range)."""


class ExportCancelled(ExportError):
    """Cancelled by the user; nothing was left under the requested name."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int
    columns: tuple[str, ...]
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def local_zone(name: str | None = None) -> tuple[tzinfo, str]:
    """The zone to show times in and its name (IANA name when the system tells it)."""
    candidates = [name] if name else [os.environ.get("TZ", "").lstrip(":"), _system_zone_name()]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate), candidate
        except (ZoneInfoNotFoundError, ValueError) as exc:
            if name:
                raise ExportRequestError(f"unknown time zone {name!r}") from exc
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone, datetime.now(zone).strftime("UTC%z") if zone.tzname(None) is None else str(zone.tzname(None))


def _system_zone_name() -> str:
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return ""
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else ""


def export_data(
    data_dir: Path,
    out: Path,
    *,
    what: What = "samples",
    start_ms: int | None = None,
    end_ms: int | None = None,
    signals: Sequence[str] | None = None,
    fmt: Format | None = None,
    zone: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    page_rows: int = PAGE_ROWS,
) -> ExportResult:
    """Write the rows of ``what`` with start <= ts_ms < end (None: unbounded) to ``out``.

    ``signals``: register columns for samples (None: all recorded). ``fmt`` defaults to the
    suffix of ``out``. Raises :class:`ExportError` / :class:`ExportCancelled`.
    """
    started = time.monotonic()
    kind = _format(out, fmt)
    if what not in WHATS:
        raise ExportRequestError(f"unknown export {what!r}: choose {', '.join(WHATS)}")
    if start_ms is not None and end_ms is not None and end_ms <= start_ms:
        raise ExportRequestError("the end of the range must be after its start")
    tz, tz_name = local_zone(zone)
    try:
        header, rows, total = _source(data_dir, what, start_ms=start_ms, end_ms=end_ms,
                                      signals=signals, page_rows=page_rows)
    except sqlite3.Error as exc:
        raise ExportError(f"cannot read the data: {exc}") from exc
    columns = (f"time ({tz_name})", *header)
    partial = out.with_name(out.name + ".partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        writer = _write_csv if kind == "csv" else _write_xlsx
        count = writer(partial, columns, rows, tz=tz, total=total, progress=progress, cancel=cancel,
                       page_rows=page_rows)
        partial.replace(out)
        if progress is not None and count != total:  # rows in raw.db and an archive counted twice
            progress(count, count)
    except ExportCancelled:
        partial.unlink(missing_ok=True)
        raise
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"export to {out} failed: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    return ExportResult(out, count, columns, round(time.monotonic() - started, 3))


def _format(out: Path, fmt: str | None) -> Format:
    kind = (fmt or out.suffix.lstrip(".")).lower()
    if kind == "csv":
        return "csv"
    if kind == "xlsx":
        return "xlsx"
    raise ExportRequestError(f"unknown export format {kind or out.name!r}: choose csv or xlsx")


def _source(
    data_dir: Path, what: str, *, start_ms: int | None, end_ms: int | None, signals: Sequence[str] | None,
    page_rows: int,
) -> tuple[tuple[str, ...], Iterator[tuple[Any, ...]], int]:
    if what == "samples":
        known = available_columns(data_dir)
        if not known:
            raise ExportError(f"no samples recorded yet under {data_dir}")
        chosen = list(known if not signals else dict.fromkeys(signals))
        unknown = [name for name in chosen if name not in known]
        if unknown:
            raise ExportRequestError(f"unknown signal(s): {', '.join(unknown)}; recorded: {', '.join(known)}")
        total = count_samples(data_dir, start_ms, end_ms)
        return ("ts_ms", *chosen), read_samples(data_dir, start_ms, end_ms, chosen, page_rows=page_rows), total
    db, table = TABLES[what]
    path = database_path(data_dir, db)
    if not path.exists():
        raise ExportError(f"{db}.db does not exist under {data_dir}: nothing recorded yet")
    conn = open_reader(path)
    try:
        names = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        if not names:
            raise ExportError(f"{db}.db has no table {table}")
        lo, hi = _bounds(start_ms, end_ms)
        count_sql = f'SELECT COUNT(*) FROM "{table}" WHERE ts_ms >= ? AND ts_ms < ?'
        total = int(conn.execute(count_sql, (lo, hi)).fetchone()[0])
    finally:
        conn.close()
    ordered = ["ts_ms", *(name for name in names if name != "ts_ms")]
    return tuple(ordered), _table_rows(path, table, ordered, lo=lo, hi=hi, page_rows=page_rows), total


def _bounds(start_ms: int | None, end_ms: int | None) -> tuple[int, int]:
    return (start_ms if start_ms is not None else -(2**62), end_ms if end_ms is not None else 2**62)


def _table_rows(
    path: Path, table: str, names: list[str], *, lo: int, hi: int, page_rows: int
) -> Iterator[tuple[Any, ...]]:
    """Rows of an id/ts_ms table in time order, keyset-paged (each page its own short read)."""
    conn = open_reader(path)
    try:
        selected = ", ".join(f'"{name}"' for name in names)
        sql = (f'SELECT id, {selected} FROM "{table}" WHERE ts_ms >= ? AND ts_ms < ? '
               "AND (ts_ms > ? OR id > ?) ORDER BY ts_ms, id LIMIT ?")
        last_ts, last_id = lo, -1
        while True:
            page = conn.execute(sql, (last_ts, hi, last_ts, last_id, page_rows)).fetchall()
            for row in page:
                yield row[1:]
            if len(page) < page_rows:
                return
            last_id, last_ts = page[-1][0], page[-1][1]
    finally:
        conn.close()


def _pages(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    page: list[tuple[Any, ...]] = []
    for row in rows:
        page.append(row)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def _step(done: int, total: int, progress: Progress | None, cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        raise ExportCancelled("export cancelled")
    if progress is not None:
        progress(done, max(total, done))


def _write_csv(
    path: Path, columns: Sequence[str], rows: Iterator[tuple[Any, ...]], *, tz: tzinfo, total: int,
    progress: Progress | None, cancel: Callable[[], bool] | None, page_rows: int,
) -> int:
    fromtimestamp = datetime.fromtimestamp
    done = 0
    _step(0, total, progress, cancel)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(columns)
        for page in _pages(rows, page_rows):
            out.writerows(
                (fromtimestamp(row[0] / 1000, tz).isoformat(timespec="milliseconds"), *row) for row in page)
            done += len(page)
            _step(done, total, progress, cancel)
    return done


def _write_xlsx(
    path: Path, columns: Sequence[str], rows: Iterator[tuple[Any, ...]], *, tz: tzinfo, total: int,
    progress: Progress | None, cancel: Callable[[], bool] | None, page_rows: int,
) -> int:
    fromtimestamp = datetime.fromtimestamp
    done = 0
    _step(0, total, progress, cancel)
    with XlsxStreamWriter(path) as book:
        book.header(columns)
        for page in _pages(rows, page_rows):
            # Excel has no time zones: local wall time, the zone is in the header.
            book.rows([fromtimestamp(row[0] / 1000, tz).replace(tzinfo=None), *row] for row in page)
            done += len(page)
            _step(done, total, progress, cancel)
    return done
