"""Crash safety: a process recording at full rate is SIGKILLed; nothing committed is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.analysis.alarms import AlarmManager
from core.config import PROJECT_ROOT, Settings, load_settings
from core.storage import schema
from core.storage.sqlite_open import OpenReport, database_path
from core.storage.sqlite_store import SqliteStorage

CHILD = Path(__file__).with_name("crash_child.py")
BATCH = 50
T0 = 1_800_000_000_000


@pytest.mark.slow
def test_sigkill_loses_at_most_the_last_batch(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, str(CHILD), str(data_dir), str(BATCH)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT, env=env)
    commits: list[tuple[int, int]] = []
    try:
        assert proc.stdout is not None
        while len(commits) < 200:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"child ended early: {proc.wait()} {proc.stderr.read() if proc.stderr else ''}")
            fields = line.split()
            assert fields[0] == "commit", line
            commits.append((int(fields[1]), int(fields[2])))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    last_committed = commits[-1][0]
    for committed, handed in commits:
        assert 0 <= handed - committed <= BATCH  # never more than one batch uncommitted

    for db in schema.DATABASES:  # the next start would open exactly these files
        conn = sqlite3.connect(database_path(data_dir, db))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], db
        finally:
            conn.close()
    conn = sqlite3.connect(database_path(data_dir, "raw"))
    try:
        ts = [row[0] for row in conn.execute("SELECT ts_ms FROM samples ORDER BY id")]
        torque = conn.execute("SELECT band_torque FROM samples WHERE ts_ms = ?", (T0 + 7,)).fetchone()
    finally:
        conn.close()
    # Everything reported committed is there; what the child handed over after its last report
    # is there too except the one batch that was in flight (checked above: never more than one).
    assert len(ts) >= last_committed, f"a committed batch was lost: {len(ts)} rows < {last_committed} committed"
    assert ts == [T0 + n for n in range(len(ts))], "rows must be a gap-free prefix of what was handed over"
    assert torque is not None and torque[0] is not None

    settings: Settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
                                       overrides={"paths": {"data_dir": str(data_dir)}})
    reports = asyncio.run(_reopen(settings))
    assert not any(r.recovered for r in reports)


async def _reopen(settings: Settings) -> list[OpenReport]:
    storage = SqliteStorage(settings, ["band_torque"], AlarmManager())
    reports = await storage.start()
    await storage.stop()
    return reports
