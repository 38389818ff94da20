"""Opening the databases: pragmas, schema versions, column adds, read-only readers, recovery."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.config import Settings, Synchronous
from core.storage import schema
from core.storage.sqlite_open import database_path, open_reader, open_writer

V1_TABLES = {
    "raw": {"samples"},
    "log": {"events", "alarm_log", "audit"},
    "total": {"cuts", "band_counters"},
    "ml": {"mode_changes", "decisions"},
    "anomaly": {"anomalies"},
}


def test_every_database_created_with_its_version_and_wal(tmp_path: Path) -> None:
    for db in schema.DATABASES:
        path = tmp_path / "databases" / f"{db}.db"
        conn, report = open_writer(db, path, Synchronous.FULL)
        try:
            assert report.check == "new" and not report.recovered
            assert report.version == schema.target_version(db) >= 1
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            assert V1_TABLES[db] <= tables
            for table in V1_TABLES[db]:
                info = {row[1]: row for row in conn.execute(f"PRAGMA table_info({table})")}
                assert info["id"][5] == 1 and info["ts_ms"][3] == 1, f"{db}.{table} breaks the id/ts_ms contract"
        finally:
            conn.close()
        conn, report = open_writer(db, path, Synchronous.NORMAL)
        conn.close()
        assert report.check == "integrity_check" and report.version_before == report.version


def test_register_added_to_the_map_adds_a_column_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    conn, _ = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a", "b"])
    conn.execute("INSERT INTO samples (ts_ms, a, b) VALUES (1, 1.5, 2.5)")
    conn.close()
    conn, report = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a", "b", "c"])
    assert report.columns_added == ("c",)
    assert conn.execute("SELECT ts_ms, a, b, c FROM samples").fetchall() == [(1, 1.5, 2.5, None)]
    conn.close()
    conn, report = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a"])  # b, c leave the map
    assert report.columns_added == ()
    assert schema.sample_columns(conn) == ["a", "b", "c"]  # never dropped
    conn.close()


def test_bad_register_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(schema.SchemaError, match="cannot be a samples column"):
        open_writer("raw", tmp_path / "raw.db", Synchronous.NORMAL, sample_columns=['x"; DROP TABLE samples; --'])


def test_appended_migration_runs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "total.db"
    conn, _ = open_writer("total", path, Synchronous.NORMAL)
    conn.close()
    steps = [*schema.MIGRATIONS["total"], "ALTER TABLE cuts ADD COLUMN peak_torque REAL"]
    monkeypatch.setitem(schema.MIGRATIONS, "total", steps)
    conn, report = open_writer("total", path, Synchronous.NORMAL)
    assert (report.version_before, report.version) == (len(steps) - 1, len(steps))
    assert "peak_torque" in {row[1] for row in conn.execute("PRAGMA table_info(cuts)")}
    conn.close()


def test_failing_migration_leaves_previous_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ml.db"
    conn, _ = open_writer("ml", path, Synchronous.NORMAL)
    conn.close()
    bad = "ALTER TABLE decisions ADD COLUMN x REAL; ALTER TABLE no_such_table ADD COLUMN y REAL"
    monkeypatch.setitem(schema.MIGRATIONS, "ml", [*schema.MIGRATIONS["ml"], bad])
    with pytest.raises(sqlite3.OperationalError):
        open_writer("ml", path, Synchronous.NORMAL)
    conn = sqlite3.connect(path)
    assert schema.user_version(conn) == len(schema.MIGRATIONS["ml"]) - 1
    assert "x" not in {row[1] for row in conn.execute("PRAGMA table_info(decisions)")}
    conn.close()


def test_newer_schema_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "anomaly.db"
    conn, _ = open_writer("anomaly", path, Synchronous.NORMAL)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    conn, report = open_writer("anomaly", path, Synchronous.NORMAL)
    conn.close()
    assert report.recovered and report.moved_to is not None and report.moved_to.exists()
    assert "schema version 99" in report.problem
    assert report.version == schema.target_version("anomaly")


def test_reader_is_read_only(settings: Settings) -> None:
    path = database_path(settings.data_dir, "log")
    conn, _ = open_writer("log", path, Synchronous.NORMAL)
    conn.execute("INSERT INTO events (ts_ms, kind, source, message) VALUES (1, 'k', 's', 'm')")
    reader = open_reader(path)
    try:
        assert reader.execute("SELECT kind FROM events").fetchall() == [("k",)]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM events")
    finally:
        reader.close()
        conn.close()
    with pytest.raises(sqlite3.OperationalError):
        open_reader(path.with_name("missing.db")).execute("SELECT 1")
    assert not path.with_name("missing.db").exists()


def test_garbage_file_is_moved_aside_with_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    path.write_bytes(b"this is not a database" * 500)
    Path(str(path) + "-wal").write_bytes(b"junk wal")
    conn, report = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a"], clock=lambda: 1_750_000_000.0)
    conn.execute("INSERT INTO samples (ts_ms, a) VALUES (1, 2.0)")
    conn.close()
    assert report.recovered and "not a database" in report.problem
    assert report.moved_to == tmp_path / "raw.corrupt-20250615T150640Z.db"
    assert report.moved_to.read_bytes().startswith(b"this is not a database")
    assert Path(str(report.moved_to) + "-wal").read_bytes() == b"junk wal"


def test_damaged_pages_fail_the_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    conn, _ = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a"])
    conn.executemany("INSERT INTO samples (ts_ms, a) VALUES (?, ?)", [(i, i * 0.5) for i in range(20_000)])
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for n in range(3, len(data) // page, 7):  # scribble over a few b-tree pages, header intact
        data[n * page : n * page + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    conn, report = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a"])
    conn.close()
    assert report.recovered and report.check == "integrity_check", report
    assert report.moved_to is not None and report.moved_to.stat().st_size == len(data)


def test_big_files_get_the_quick_check(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    conn, _ = open_writer("raw", path, Synchronous.NORMAL)
    conn.close()
    conn, report = open_writer("raw", path, Synchronous.NORMAL, full_check_max_bytes=0)
    conn.close()
    assert report.check == "quick_check" and not report.recovered
    path.write_bytes(b"garbage" * 2000)
    conn, report = open_writer("raw", path, Synchronous.NORMAL, full_check_max_bytes=0)
    conn.close()
    assert report.check == "quick_check" and report.recovered


def test_a_new_raw_db_says_it_was_created_not_which_columns_were_added(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A brand-new raw.db logged "added columns for new registers" with all 48 names.
    path = tmp_path / "raw.db"
    with caplog.at_level("INFO", logger="bandsaw"):
        conn, _ = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a", "b"])
    conn.close()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("raw.db:")]
    assert said == ["raw.db: created with a column for each of the 2 registers"]
    caplog.clear()
    with caplog.at_level("INFO", logger="bandsaw"):
        conn, _ = open_writer("raw", path, Synchronous.NORMAL, sample_columns=["a", "b", "c"])
    conn.close()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("raw.db:")]
    assert said == ["raw.db: added columns for new registers c"]
