"""Export: the file holds exactly the database rows of the range (CSV and xlsx), live + archive,
cuts and alarms, local time with the zone named, progress, cancel, bad requests, an hour of
every signal."""

from __future__ import annotations

import csv
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from backup_helpers import COLUMNS, T0_MS, create_databases, fill_raw, query
from openpyxl import load_workbook

from core.registers import RegisterMap
from core.storage.archive import DAY_MS, archive_raw
from core.storage.export import ExportCancelled, ExportRequestError, export_data, local_zone
from core.storage.sqlite_open import database_path

ZONE = "Europe/Berlin"
BERLIN = ZoneInfo(ZONE)


def db_samples(data_dir: Path, columns: tuple[str, ...], start: int, end: int) -> list[tuple[Any, ...]]:
    """What the export must contain, straight from the files (archives + raw.db, by SQL)."""
    names = ", ".join(columns)
    rows: list[tuple[Any, ...]] = []
    archive = data_dir / "databases" / "archive"
    files = sorted(archive.glob("raw-*.db")) if archive.is_dir() else []
    for path in [*files, database_path(data_dir, "raw")]:
        rows += query(path, f"SELECT ts_ms, {names} FROM samples WHERE ts_ms >= ? AND ts_ms < ?", (start, end))
    return sorted(rows)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    return lines[0], lines[1:]


def read_xlsx(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    book = load_workbook(path, read_only=True)
    try:
        rows = [tuple(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return [str(v) for v in rows[0]], rows[1:]


def local_text(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, BERLIN).isoformat(timespec="milliseconds")


@pytest.fixture
def archived(tmp_path: Path) -> Path:
    """Ten days of samples every 5 min, the older seven days in the monthly archive."""
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, 10 * 288, step_ms=300_000)
    archive_raw(data_dir, live_days=3, now_ms=T0_MS + 10 * DAY_MS)
    assert (data_dir / "databases" / "archive").is_dir()
    return data_dir


def test_csv_holds_exactly_the_rows_of_the_range_across_archive_and_live(archived: Path, tmp_path: Path) -> None:
    start, end = T0_MS + 5 * DAY_MS + 123, T0_MS + 9 * DAY_MS  # crosses the archive/live boundary
    signals = ("band_torque", "head_height")
    out = tmp_path / "out.csv"
    result = export_data(archived, out, start_ms=start, end_ms=end, signals=signals, zone=ZONE)
    header, rows = read_csv(out)
    assert header == [f"time ({ZONE})", "ts_ms", *signals]
    expected = db_samples(archived, signals, start, end)
    assert result.rows == len(rows) == len(expected) == 4 * 288 - 1
    assert [(int(r[1]), float(r[2]), float(r[3])) for r in rows] == expected
    assert [r[0] for r in rows] == [local_text(int(r[1])) for r in rows]
    assert rows[0][0].endswith("+02:00")  # CEST in September, the offset is written on every line
    assert out.read_text().count("\n") == len(expected) + 1  # one header line, one line per sample
    assert not list(tmp_path.glob("*.partial"))


def test_xlsx_holds_exactly_the_rows_of_the_range(archived: Path, tmp_path: Path) -> None:
    start, end = T0_MS + 6 * DAY_MS, T0_MS + 8 * DAY_MS
    out = tmp_path / "out.xlsx"
    result = export_data(archived, out, start_ms=start, end_ms=end, zone=ZONE)
    header, rows = read_xlsx(out)
    assert header == [f"time ({ZONE})", "ts_ms", *COLUMNS]
    expected = db_samples(archived, COLUMNS, start, end)
    assert result.rows == len(rows) == len(expected)
    assert [tuple(r[1:]) for r in rows] == expected
    for row in rows[:50]:
        wall = datetime.fromtimestamp(row[1] / 1000, BERLIN).replace(tzinfo=None)
        assert abs(row[0] - wall) < timedelta(milliseconds=1)


def test_no_range_exports_everything_recorded(archived: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = export_data(archived, out, signals=["saw_state"], zone=ZONE)
    assert result.rows == 10 * 288
    _, rows = read_csv(out)
    assert [(int(r[1]), float(r[2])) for r in rows] == db_samples(archived, ("saw_state",), 0, 2**62)


def add_cuts_and_alarms(data_dir: Path) -> None:
    total = sqlite3.connect(str(database_path(data_dir, "total")), isolation_level=None)
    for i in range(20):
        total.execute("INSERT INTO cuts (ts_ms, start_ms, end_ms, duration_s, outcome, band_id, area_cm2) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (T0_MS + i * 60_000 + 50_000, T0_MS + i * 60_000, T0_MS + i * 60_000 + 50_000, 50.0,
                       "completed" if i % 3 else "aborted", 7, 12.5 * i))
    total.close()
    log = sqlite3.connect(str(database_path(data_dir, "log")), isolation_level=None)
    for i in range(30):
        log.execute("INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, value, "
                    "user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (T0_MS + i * 1000, f"plc.bit.{i % 4}", "raise", "unacknowledged", "normal", 2,
                     f'Alarm "{i}", with, commas', None if i % 2 else 1.5, "system"))
    log.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("what", "db", "table"), [("cuts", "total", "cuts"), ("alarms", "log", "alarm_log")])
def test_cuts_and_alarms(tmp_path: Path, fmt: str, what: str, db: str, table: str) -> None:
    data_dir = tmp_path / "data"
    create_databases(data_dir, COLUMNS)
    add_cuts_and_alarms(data_dir)
    start, end = T0_MS + 5_000, T0_MS + 15 * 60_000
    out = tmp_path / f"{what}.{fmt}"
    export_data(data_dir, out, what=what, start_ms=start, end_ms=end, zone=ZONE)  # type: ignore[arg-type]
    names = [row[1] for row in query(database_path(data_dir, db), f"PRAGMA table_info({table})")]
    ordered = ["ts_ms", *(n for n in names if n != "ts_ms")]
    expected = query(database_path(data_dir, db),
                     f"SELECT {', '.join(ordered)} FROM {table} WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id",
                     (start, end))
    assert expected
    if fmt == "csv":
        header, rows = read_csv(out)
        got = [tuple(cells[1:]) for cells in rows]
        want = [tuple("" if v is None else str(v) for v in row) for row in expected]
        assert got == want
        assert [cells[0] for cells in rows] == [local_text(row[0]) for row in expected]
    else:
        header, xrows = read_xlsx(out)
        assert [tuple(row[1:]) for row in xrows] == expected
    assert header == [f"time ({ZONE})", *ordered]


def test_progress_is_reported_and_cancel_leaves_nothing(archived: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    out = tmp_path / "x.csv"
    export_data(archived, out, zone=ZONE, progress=lambda d, t: seen.append((d, t)), page_rows=500)
    assert seen[0] == (0, 2880) and seen[-1] == (2880, 2880)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    for fmt in ("csv", "xlsx"):
        target = tmp_path / f"cancelled.{fmt}"
        progress: list[int] = []
        with pytest.raises(ExportCancelled):
            export_data(archived, target, zone=ZONE, progress=lambda d, _t, p=progress: p.append(d),  # type: ignore[misc]
                        cancel=lambda p=progress: len(p) >= 3, page_rows=200)  # type: ignore[misc]
        assert progress[-1] < 2880
        assert not target.exists() and not list(tmp_path.glob("cancelled*"))


def test_bad_requests_are_refused_with_the_reason(archived: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportRequestError, match=r"unknown signal.*no_such_signal"):
        export_data(archived, tmp_path / "x.csv", signals=["band_torque", "no_such_signal"])
    with pytest.raises(ExportRequestError, match="csv or xlsx"):
        export_data(archived, tmp_path / "x.pdf")
    with pytest.raises(ExportRequestError, match="after its start"):
        export_data(archived, tmp_path / "x.csv", start_ms=T0_MS, end_ms=T0_MS)
    with pytest.raises(ExportRequestError, match="time zone"):
        export_data(archived, tmp_path / "x.csv", zone="Mars/Olympus")
    assert not list(tmp_path.glob("x.*"))


def test_the_default_zone_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    zone, name = local_zone()
    assert name == "America/New_York"
    assert datetime(2026, 1, 1, tzinfo=zone).utcoffset() == timedelta(hours=-5)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_hour_of_every_signal(tmp_path: Path, register_map: RegisterMap, fmt: str,
                                  record_property: Any) -> None:
    data_dir = tmp_path / "data"
    names = tuple(register_map.names)
    fill_raw(data_dir, names, 36_000, step_ms=100)  # 10 Hz for an hour
    progress: list[int] = []
    out = tmp_path / f"hour.{fmt}"
    started = time.monotonic()
    result = export_data(data_dir, out, start_ms=T0_MS, end_ms=T0_MS + 3_600_000, zone=ZONE,
                         progress=lambda d, _t: progress.append(d))
    seconds = time.monotonic() - started
    record_property(f"export_1h_{fmt}_s", round(seconds, 2))
    print(f"1-hour export of {len(names)} signals to {fmt}: {result.rows} rows in {seconds:.1f} s "
          f"({result.rows / seconds:.0f} rows/s), {len(progress)} progress reports")
    assert result.rows == 36_000
    assert progress[-1] == 36_000 and len(progress) >= 8
    assert seconds < 240, "a 1-hour export must finish while the dialog is open"
    if fmt == "csv":
        header, rows = read_csv(out)
        assert len(rows) == 36_000 and header[2:] == list(names)
        assert [float(v) for v in rows[-1][2:]] == [r for r in query(
            database_path(data_dir, "raw"), f"SELECT {', '.join(names)} FROM samples ORDER BY id DESC LIMIT 1")[0]]
