"""`bandsaw` as a process: help, config check, bad config, SIGTERM flush, SIGKILL crash safety."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from tests.waiting import wait_until_sync

DATABASES = ("raw", "total", "log", "ml", "anomaly")


def bandsaw(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=PROJECT_ROOT, check=False,
    )


def test_help_lists_every_subcommand_with_one_line() -> None:
    result = bandsaw("--help")
    assert result.returncode == 0
    for command in ("config", "engine", "sim", "hmi", "backup", "restore", "archive", "export", "users", "ml"):
        assert re.search(rf"^\s+{command}\s+\S", result.stdout, re.MULTILINE), result.stdout


def test_config_check_prints_effective_config_without_secrets(tmp_path: Path) -> None:
    env = {"POSTGRES_PASSWORD": "very-secret-pw", "TB_ACCESS_TOKEN": "tok-should-hide"}
    result = bandsaw("config", "check", env=env)
    assert result.returncode == 0, result.stderr
    assert "configuration valid" in result.stdout
    assert "read_rate_hz: 10.0" in result.stdout
    assert "very-secret-pw" not in result.stdout and "tok-should-hide" not in result.stdout
    assert "********" in result.stdout


def test_bad_config_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("modbus:\n  port: seventy\n", encoding="utf-8")
    result = bandsaw("config", "check", "--config", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and "modbus.port" in lines[0] and "'seventy'" in lines[0]
    assert "Traceback" not in result.stderr
    env_result = bandsaw("engine", "--duration", "1", env={"BANDSAW_MODBUS__READ_RATE_HZ": "-3"})
    assert env_result.returncode == 2 and "BANDSAW_MODBUS__READ_RATE_HZ" in env_result.stderr
    assert "Traceback" not in env_result.stderr


def _start_engine(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "engine", "--simulate", "--sim-speedup", "5", "--data-dir", str(data_dir),
         "--status-every", "0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT,
        env={**os.environ, "BANDSAW_DATABASE__SQLITE__BATCH_MS": "200", "BANDSAW_ML__MODEL_PATH": "null"},
    )


def _count(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])
    finally:
        conn.close()


def _wait_for_rows(raw_db: Path, at_least: int, proc: subprocess.Popen[str], deadline_s: float = 60) -> None:
    def enough() -> bool:
        assert proc.poll() is None, "engine exited early"
        try:
            return raw_db.exists() and _count(raw_db) >= at_least
        except sqlite3.OperationalError:
            return False  # the file is being created

    wait_until_sync(enough, f"{at_least} rows in {raw_db}", within_s=deadline_s, every_s=0.2)


@pytest.mark.slow
def test_sigterm_flushes_every_batch_and_exits_0(tmp_path: Path) -> None:
    proc = _start_engine(tmp_path)
    raw_db = tmp_path / "databases" / "raw.db"
    try:
        _wait_for_rows(raw_db, 20, proc)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    match = re.search(r"stopped cleanly: (\d+) rows written, (\d+) left unwritten", output)
    assert match, output
    assert int(match[2]) == 0
    assert _count(raw_db) == int(match[1])
    assert re.search(r"link up, [\d.]+ Hz, cycle p99 [\d.]+ ms", output), output


@pytest.mark.slow
def test_sigkill_leaves_consistent_databases_missing_at_most_the_last_batch(tmp_path: Path) -> None:
    proc = _start_engine(tmp_path)
    raw_db = tmp_path / "databases" / "raw.db"
    lines: list[str] = []
    try:
        _wait_for_rows(raw_db, 30, proc)
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        output, _ = proc.communicate(timeout=30)
        lines = output.splitlines()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    reported = [int(m[1]) for line in lines if (m := re.search(r", rows (\d+),", line))]
    assert reported, lines
    for name in DATABASES:
        conn = sqlite3.connect(tmp_path / "databases" / f"{name}.db")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", name
        finally:
            conn.close()
    # Rows the engine reported as written were committed: a SIGKILL can only lose the batch in flight.
    assert _count(raw_db) >= reported[-1]
