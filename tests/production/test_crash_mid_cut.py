"""kill -9 of the engine in the middle of a cut, then a restart: the saw-state time line ends at the
last recorded sample, not 65 s later (the last row's freshness) or at the restart; the interrupted
cut ends at its last recorded cutting sample, not where the open cut was last saved."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from core.production.data import load_local
from core.production.states import ALIVE_S, crash_end_ms
from core.production.values import StateClass

pytestmark = [pytest.mark.slow, pytest.mark.integration]
CUTTING = 3


def _engine(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "engine", "--simulate", "--sim-speedup", "5", "--data-dir", str(data_dir),
         "--status-every", "5", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT,
        env={**os.environ, "BANDSAW_DATABASE__SQLITE__BATCH_MS": "200", "BANDSAW_ML__MODEL_PATH": "null"},
    )


def _one(path: Path, sql: str) -> tuple[object, ...] | None:
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
    try:
        return conn.execute(sql).fetchone()
    except sqlite3.OperationalError:  # the file or table is being created
        return None
    finally:
        conn.close()


def _cutting_for(folder: Path, seconds: float) -> bool:
    """The saw has been cutting for ``seconds`` by the state table and the newest sample says so still."""
    row = _one(folder / "total.db", "SELECT ts_ms, saw_state FROM saw_states WHERE kind = 'change' "
                                    "ORDER BY ts_ms DESC, id DESC LIMIT 1")
    sample = _one(folder / "raw.db", "SELECT ts_ms, saw_state FROM samples ORDER BY ts_ms DESC LIMIT 1")
    if row is None or sample is None or row[1] != CUTTING or sample[1] != CUTTING:
        return False
    return int(sample[0]) - int(row[0]) >= seconds * 1000  # type: ignore[call-overload]


def _last_cutting_sample(raw_db: Path, start_ms: int) -> int:
    """Independently: the cut's samples run from its start while the saw cuts, without a gap."""
    conn = sqlite3.connect(f"file:{raw_db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT ts_ms, saw_state FROM samples WHERE ts_ms >= ? ORDER BY ts_ms", (start_ms,))
        last = start_ms
        for ts_ms, state in rows:
            if state != CUTTING or ts_ms - last > 1_000:  # cuts.comm_loss_timeout_s is longer
                break
            last = ts_ms
        return last
    finally:
        conn.close()


def test_a_kill_mid_cut_ends_the_cutting_time_at_the_last_sample(tmp_path: Path) -> None:
    folder = tmp_path / "databases"
    proc = _engine(tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not _cutting_for(folder, 2.0):
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the simulated saw did not cut within 120 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    last_sample = _one(folder / "raw.db", "SELECT max(ts_ms) FROM samples")
    last_row = _one(folder / "total.db", "SELECT max(ts_ms), (SELECT link FROM saw_states ORDER BY ts_ms DESC, "
                                         "id DESC LIMIT 1) FROM saw_states")
    assert last_sample is not None and last_row is not None and last_row[1] == "up"  # no "off": a crash
    killed_at = int(last_sample[0])  # type: ignore[call-overload]
    assert int(last_row[0]) <= killed_at < int(last_row[0]) + ALIVE_S * 1000  # type: ignore[call-overload]
    assert crash_end_ms(folder / "total.db", folder / "raw.db") == killed_at
    saved = _one(folder / "total.db", "SELECT start_ms, state FROM cut_open_state")
    assert saved is not None
    cut_start, saved_last = int(saved[0]), int(json.loads(str(saved[1]))["last_ms"])  # type: ignore[call-overload]
    cut_end = _last_cutting_sample(folder / "raw.db", cut_start)
    assert cut_end > saved_last  # raw.db holds cutting samples past the open cut's last save

    restart = _engine(tmp_path, "--duration", "3")
    output, _ = restart.communicate(timeout=120)
    assert restart.returncode == 0, output
    first_after = _one(folder / "total.db", f"SELECT min(ts_ms) FROM saw_states WHERE ts_ms > {killed_at}")
    assert first_after is not None and first_after[0] is not None
    restarted_at = int(first_after[0])  # type: ignore[call-overload]

    cut = _one(folder / "total.db", f"SELECT end_ms, outcome, samples FROM cuts WHERE start_ms = {cut_start}")
    assert cut is not None and cut[1] == "interrupted"
    assert cut[0] == cut_end  # the last recorded cutting sample, not the last save

    data = load_local(tmp_path, killed_at - 60_000, restarted_at + 1_000)
    cutting = [s for s in data.spans if s.state is StateClass.CUTTING and s.start_ms < killed_at]
    assert cutting and cutting[-1].end_ms == killed_at, data.spans
    after = [s for s in data.spans if s.start_ms >= killed_at and s.end_ms <= restarted_at]
    assert after and {s.state for s in after} == {StateClass.NO_DATA}, data.spans
