"""An ML-only speed limit that leaves ML no allowed speed (#14 review, write bug 3).

`control.cutting_speed_min: 95` is above ML's default maximum of 90: `config check` must say so,
naming the keys (it said "configuration valid"), and the engine must still acquire data, with ML
unavailable and an alarm (it exited 1 blaming the register map).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT

ML_ONLY = {"BANDSAW_CONTROL__CUTTING_SPEED_MIN": "95"}


def bandsaw(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BANDSAW_", "POSTGRES_")) and k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**clean, **env}, cwd=PROJECT_ROOT, check=False)


def test_config_check_names_the_ml_limit_keys(tmp_path: Path) -> None:
    result = bandsaw("config", "check", "--data-dir", str(tmp_path), env=ML_ONLY)
    assert result.returncode == 2, (result.stdout[-300:], result.stderr)
    assert "configuration valid" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "control.cutting_speed_min = 95 (set)" in line and "control.cutting_speed_max = 90 (default 90)" in line
    assert "Traceback" not in result.stderr


def test_config_check_names_a_people_limit_outside_the_map(tmp_path: Path) -> None:
    result = bandsaw("config", "check", "--data-dir", str(tmp_path),
                     env={"BANDSAW_CONTROL__DESCENT_SPEED_MIN": "70"})
    assert result.returncode == 2
    assert "control.descent_speed_min/_max (70/60)" in result.stderr


@pytest.mark.slow
def test_engine_acquires_with_ml_unavailable(tmp_path: Path) -> None:
    env = ML_ONLY | {"BANDSAW_DATABASE__SQLITE__BATCH_MS": "200"}
    result = bandsaw("engine", "--simulate", "--sim-speedup", "5", "--duration", "4", "--data-dir", str(tmp_path),
                     env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "ML unavailable: ML limits for cutting_speed" in output and "control.cutting_speed_min = 95" in output
    conn = sqlite3.connect(f"file:{tmp_path / 'databases' / 'raw.db'}?mode=ro", uri=True)
    try:
        rows = int(conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])
    finally:
        conn.close()
    assert rows > 10
