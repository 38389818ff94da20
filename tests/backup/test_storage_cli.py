"""`bandsaw backup / restore / archive / export` as processes: exit codes, messages, files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from backup_helpers import COLUMNS, T0_MS, fill_raw, query

from core.config import PROJECT_ROOT
from core.storage.backup import daily_dir
from core.storage.cli import parse_time
from core.storage.lock import DataDirLock
from core.storage.sqlite_open import database_path


def bandsaw(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDSAW_")}
    env["TZ"] = "Europe/Berlin"
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=PROJECT_ROOT, check=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    fill_raw(path, COLUMNS, 3000, step_ms=1000)  # 50 minutes at 1 Hz from T0
    return path


def test_help_lists_the_storage_commands() -> None:
    result = bandsaw("--help")
    assert result.returncode == 0
    for command in ("backup", "restore", "archive", "export"):
        assert command in result.stdout


def test_backup_list_and_restore_round_trip(data_dir: Path) -> None:
    made = bandsaw("backup", "--data-dir", str(data_dir))
    assert made.returncode == 0, made.stderr
    assert "raw.db: 3000 rows" in made.stdout and "backup written to" in made.stdout
    backup = next(daily_dir(data_dir).iterdir())
    listed = bandsaw("backup", "--list", "--verify", "--data-dir", str(data_dir))
    assert listed.returncode == 0 and f"{backup}  ok" in listed.stdout

    fill_raw(data_dir, COLUMNS, 10, first=3000)
    restored = bandsaw("restore", backup.name, "--data-dir", str(data_dir))  # by name under daily/
    assert restored.returncode == 0, restored.stderr
    assert "restored raw, total, ml, anomaly" in restored.stdout
    assert "the audit trail (log.db) is kept as it is" in restored.stdout
    assert "previous raw.db kept as" in restored.stdout
    assert query(database_path(data_dir, "raw"), "SELECT COUNT(*) FROM samples") == [(3000,)]


def test_restore_refuses_a_tampered_backup_with_the_reason(data_dir: Path) -> None:
    assert bandsaw("backup", "--data-dir", str(data_dir)).returncode == 0
    backup = next(daily_dir(data_dir).iterdir())
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["databases"]["total"]["sha256"] = "f" * 64
    (backup / "manifest.json").write_text(json.dumps(manifest))
    result = bandsaw("restore", str(backup), "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert "backup refused: total: total.db.gz does not match its sha256" in result.stderr
    listed = bandsaw("backup", "--list", "--verify", "--data-dir", str(data_dir))
    assert listed.returncode == 1 and "DAMAGED" in listed.stdout


def test_restore_refuses_while_an_engine_holds_the_data_dir(data_dir: Path) -> None:
    assert bandsaw("backup", "--data-dir", str(data_dir)).returncode == 0
    backup = next(daily_dir(data_dir).iterdir())
    with DataDirLock(data_dir):
        result = bandsaw("restore", str(backup), "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert f"is in use by process {os.getpid()}" in result.stderr and "stop it first" in result.stderr


def test_restore_of_a_directory_that_is_not_there(data_dir: Path) -> None:
    result = bandsaw("restore", "20990101T000000Z", "--data-dir", str(data_dir))
    assert result.returncode == 1 and "no backup directory" in result.stderr


def test_export_csv_with_range_and_signals_and_a_progress_bar(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    # T0 + 10 min in UTC, to T0 + 20 min as naive local time (the process runs in Europe/Berlin, CEST)
    result = bandsaw("export", "--data-dir", str(data_dir), "--from", _iso_utc(T0_MS + 600_000), "--to",
                     "2026-09-21 16:33:20", "--signals", "band_torque,saw_state", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "rows written to" in result.stdout
    assert "100%" in result.stderr  # progress on stderr
    with open(out, newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["time (Europe/Berlin)", "ts_ms", "band_torque", "saw_state"]
    assert len(lines) == 1 + 600


def _iso_utc(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts_ms / 1000))


def test_export_everything_to_xlsx_and_alarms(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.xlsx"
    result = bandsaw("export", "--data-dir", str(data_dir), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3000 rows written")
    alarms = bandsaw("export", "--what", "alarms", "--format", "csv", "--data-dir", str(data_dir),
                     "--out", str(tmp_path / "alarms.txt"))
    assert alarms.returncode == 0, alarms.stderr
    assert (tmp_path / "alarms.txt").read_text().startswith("time (Europe/Berlin),ts_ms,id,alarm_key")


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "yesterday-ish"], "--from 'yesterday-ish': not a time"),
    (["--signals", "band_torque,nope"], "unknown signal(s): nope"),
    (["--from", "2026-11-02", "--to", "2026-11-01"], "the end of the range must be after its start"),
    (["--what", "cuts", "--signals", "band_torque"], "--signals applies to --what samples only"),
])
def test_export_bad_arguments_exit_2_with_the_reason(data_dir: Path, tmp_path: Path, args: list[str],
                                                     message: str) -> None:
    result = bandsaw("export", "--data-dir", str(data_dir), "--out", str(tmp_path / "x.csv"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_archive_command(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    now_ms = int(time.time() * 1000)
    fill_raw(data_dir, COLUMNS, 100, start_ms=now_ms - 20 * 86_400_000, step_ms=3_600_000)  # 100 h, 20 days ago
    result = bandsaw("archive", "--live-days", "3", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "archived 100 samples" in result.stdout
    assert query(database_path(data_dir, "raw"), "SELECT COUNT(*) FROM samples") == [(0,)]


def test_parse_time_forms() -> None:
    now = 1_800_000_000.0
    assert parse_time("now", now_s=now) == 1_800_000_000_000
    assert parse_time("-2h", now_s=now) == 1_800_000_000_000 - 7_200_000
    assert parse_time("-1.5d", now_s=now) == 1_800_000_000_000 - 129_600_000
    assert parse_time("2026-11-27T03:00:00Z") == 1_795_748_400_000
    assert parse_time("2026-11-27T04:00:00+01:00") == 1_795_748_400_000
