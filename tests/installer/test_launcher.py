"""installer/launcher.py (the Windows launcher) and installer/make_icon.py, run on Linux."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT

# installer/ is not a package (and "installer" is also a PyPI name): load the file itself.
_spec = importlib.util.spec_from_file_location("bandsaw_launcher", PROJECT_ROOT / "installer" / "launcher.py")
assert _spec is not None and _spec.loader is not None
launcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launcher)


def test_env_file_sets_missing_variables_only(tmp_path: Path) -> None:
    env_file = tmp_path / "bandsaw.env"
    env_file.write_text(
        '# comment\nBANDSAW_CONFIG="C:\\ProgramData\\bandsaw-hmi\\config.yaml"\n'
        "BANDSAW_PATHS__DATA_DIR='D:\\data'\nnot a line\nBANDSAW_PATHS__LOGS_DIR=plain\n"
    )
    environ = {"BANDSAW_PATHS__DATA_DIR": "kept"}
    added = launcher.load_env_file(env_file, environ)
    assert added == ["BANDSAW_CONFIG", "BANDSAW_PATHS__LOGS_DIR"]
    assert environ == {"BANDSAW_CONFIG": "C:\\ProgramData\\bandsaw-hmi\\config.yaml",
                       "BANDSAW_PATHS__DATA_DIR": "kept", "BANDSAW_PATHS__LOGS_DIR": "plain"}


def test_missing_env_file_is_reported_not_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher.load_env_file(tmp_path / "absent.env", {}) == []
    assert "absent.env" in capsys.readouterr().err


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def make_run(clock: Clock, plan: list[tuple[int, float]]) -> tuple[list[Sequence[str]], Callable[[Sequence[str]], int]]:
    calls: list[Sequence[str]] = []

    def run(command: Sequence[str]) -> int:
        calls.append(command)
        status, duration = plan[len(calls) - 1]
        clock.now += duration
        return status

    return calls, run


def test_restart_always_backs_off_and_resets_after_a_long_run() -> None:
    clock = Clock()
    plan = [(1, 0.5), (0, 0.5), (1, 0.5), (0, 120.0), (1, 0.5)]
    calls, run = make_run(clock, plan)
    status = launcher.supervise(["hmi"], "always", run=run, sleep=clock.sleep, clock=clock.time,
                                max_runs=len(plan))
    assert status == 1 and len(calls) == 5
    assert clock.waits == [1.0, 2.0, 4.0, 1.0]  # the 120 s run resets the delay


def test_restart_on_failure_stops_on_success_and_on_config_error() -> None:
    for final in (0, launcher.EXIT_CONFIG):
        clock = Clock()
        calls, run = make_run(clock, [(1, 1.0), (1, 1.0), (final, 1.0)])
        status = launcher.supervise(["engine"], "on-failure", run=run, sleep=clock.sleep,
                                    clock=clock.time)
        assert status == final and len(calls) == 3
        assert clock.waits == [1.0, 2.0]


def test_launcher_runs_bandsaw_in_process(tmp_path: Path) -> None:
    env_file = tmp_path / "bandsaw.env"
    env_file.write_text(f'BANDSAW_CONFIG="{PROJECT_ROOT / "config" / "config.yaml"}"\n')
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "installer" / "launcher.py"), str(env_file),
                             "--", "--help"], capture_output=True, text=True, timeout=60, check=False,
                            cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    assert "engine" in result.stdout


def test_make_icon_writes_an_ico(tmp_path: Path) -> None:
    ico = tmp_path / "bandsaw.ico"
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "installer" / "make_icon.py"),
                             str(PROJECT_ROOT / "resources" / "icons" / "bandsaw.svg"), str(ico)],
                            capture_output=True, text=True, timeout=120, check=False,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert ico.read_bytes()[:4] == b"\x00\x00\x01\x00"  # ICO header: reserved 0, type 1 (icon)
