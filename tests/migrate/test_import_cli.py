"""``bandsaw import smart-saw`` end to end through core.cli.main."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.cli import main
from core.config import PROJECT_ROOT
from core.storage.lock import DataDirLock
from tests.migrate.test_import_smart_saw import build_source


def test_cli_imports_prints_summary_and_refuses_beside_a_running_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BANDSAW_MACHINE__TIME_ZONE", "Europe/Berlin")
    build_source(tmp_path / "old" / "data" / "databases")  # found under DIR/data/databases too
    data = tmp_path / "data"
    argv = ["import", "smart-saw", "--from", str(tmp_path / "old"), "--data-dir", str(data),
            "--config", str(PROJECT_ROOT / "config" / "config.yaml")]

    assert main([*argv, "--dry-run"]) == 0
    assert "would import 10 of 13 rows read, 3 rejected" in capsys.readouterr().out
    assert not (data / "databases" / "raw.db").exists()

    with DataDirLock(data):  # a running engine holds the data directory
        assert main(argv) == 1
    assert "in use by" in capsys.readouterr().err

    assert main(argv) == 0
    out = capsys.readouterr()
    assert "total.sensor_data -> raw.samples: imported 10 of 13 rows read, 3 rejected" in out.out
    assert "2024-10-27 00:30:00 .. 2025-05-09 12:03:22 UTC" in out.out
    assert "rows/s" in out.err  # progress lines
    conn = sqlite3.connect(data / "databases" / "raw.db")
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 10
    conn.close()
    trail = sqlite3.connect(data / "databases" / "log.db")
    audit = trail.execute("SELECT user, action, new_value, result, detail FROM audit "
                          "WHERE action = 'import_smart_saw'").fetchall()
    trail.close()
    assert len(audit) == 1 and audit[0][0].startswith("cli:") and audit[0][1:4] == ("import_smart_saw", "16",
                                                                                       "accepted")
    assert "total.sensor_data 10" in audit[0][4] and "4 rejected" in audit[0][4]


def test_cli_dry_run_into_a_missing_data_dir_writes_nothing_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BANDSAW_MACHINE__TIME_ZONE", "Europe/Berlin")
    build_source(tmp_path / "old")
    data = tmp_path / "no-such-data"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["import", "smart-saw", "--from", str(tmp_path / "old"), "--data-dir", str(data), "--dry-run",
                 "--config", str(PROJECT_ROOT / "config" / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert not data.exists()  # no data dir, no import/ folder, no reject file
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert "3 rejected" in out and "rows would be rejected (no reject file in a dry run); the first" in out
    assert "written to" not in out


def test_cli_bad_machine_id_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "smart-saw", "--from", str(tmp_path), "--machine-id", "70000"])
    assert exit_info.value.code == 2


def test_a_damaged_source_file_is_named_and_the_others_still_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.migrate import smart_saw_source

    monkeypatch.setenv("BANDSAW_MACHINE__TIME_ZONE", "Europe/Berlin")
    paths = build_source(tmp_path / "old")
    smart_saw_source.fill_sensor_data(paths["total"], 20_000)
    data = paths["total"].read_bytes()
    paths["total"].write_bytes(data[: len(data) * 2 // 3])  # a copy that stopped two thirds in
    argv = ["import", "smart-saw", "--from", str(tmp_path / "old"), "--data-dir", str(tmp_path / "data"),
            "--config", str(PROJECT_ROOT / "config" / "config.yaml"), "--quiet"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert f"FAILED: {paths['total']}: cannot be read (database disk image is malformed)" in out
    assert "ml.ml_predictions -> ml.decisions: imported 1 of 1 rows read" in out
    assert "log.system_logs -> log.events: imported 2 of 2 rows read" in out
