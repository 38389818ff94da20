"""What the HMI benchmarks share (bench/gui_stall.py, bench/replay.py): a data directory with a day of
samples, the real engine with an engineer, the window on it, and poll figures cut into phases.

The figures come from the engine's poller itself, in the process the engine runs in (its own with
hmi.engine_process, this one with hmi.engine_thread): the count of polls and of missed slots
(overruns) at each phase boundary, and at the end every poll's start lateness against its
deadline (monotonic clock), shipped back once so the measuring never adds to the load.

No Qt at import: the engine's process imports this module for the factory.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from core.config import PROJECT_ROOT, Settings, Synchronous, load_settings
from core.registers import RegisterMap, load_register_map
from core.storage.sqlite_open import database_path, open_writer

T = TypeVar("T")
ENGINEER, PIN = "erin", "482913"
READER_NICE_ENV = "BENCH_READER_NICE"  # the export worker's niceness, for the engine's process
LATENESS_HISTORY = 20_000  # poll starts core.modbus.poller keeps (33 min at 10 Hz)


def bench_settings(data_dir: Path) -> Settings:
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=data_dir / "no.env",
                         overrides={"paths": {"data_dir": str(data_dir), "logs_dir": str(data_dir / "logs")},
                                    "ml": {"model_path": None}})


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_raw(data_dir: Path, names: list[str], hours: float) -> int:
    """``hours`` of every register at 10 Hz, ending 5 s ago (what a day of recording leaves)."""
    rows = int(hours * 3600 * 10)
    conn, _ = open_writer("raw", database_path(data_dir, "raw"), Synchronous.OFF, sample_columns=names)
    rng = random.Random(1)
    end_ms = int(time.time() * 1000) - 5_000
    start_ms = end_ms - rows * 100
    sql = f"INSERT INTO samples (ts_ms, {', '.join(names)}) VALUES ({', '.join('?' * (len(names) + 1))})"
    conn.execute("BEGIN")
    for first in range(0, rows, 20_000):
        conn.executemany(sql, [(start_ms + i * 100, *(round(rng.uniform(0, 500), 2) for _ in names))
                               for i in range(first, min(rows, first + 20_000))])
    conn.execute("COMMIT")
    conn.close()
    return rows


def run_on_a_day(hours: float, thread: bool, body: Callable[[Settings, tuple[int, int], Any], Awaitable[T]]) -> T:
    """``body(settings, (first_ms, end_ms) of the samples, hmi.app.EngineMode)`` on a qasync loop,
    with a temporary data directory whose raw.db holds ``hours`` of every register at 10 Hz."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from hmi.app import EngineMode

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        settings = bench_settings(data_dir)
        names = list(load_register_map(settings.register_map_path).names)
        t0 = time.perf_counter()
        end_ms = int(time.time() * 1000) - 5_000  # make_raw's end
        rows = make_raw(data_dir, names, hours)
        where = "on a thread of the window's process (hmi.engine_thread)" if thread else \
            "in its own process (hmi.engine_process)"
        print(f"raw.db: {rows:,} rows x {len(names)} registers ({hours:g} h at 10 Hz), "
              f"generated in {time.perf_counter() - t0:.0f} s; poll rate {settings.modbus.read_rate_hz:g} Hz; "
              f"engine {where}")
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(body(settings, (end_ms - rows * 100, end_ms),  # type: ignore[arg-type]
                                   EngineMode.THREAD if thread else EngineMode.PROCESS))


def engine_with_engineer(settings: Settings, register_map: RegisterMap, simulate: bool) -> Any:
    """The real engine on the simulator with the benchmark's engineer (module level: it pickles)."""
    import core.engine_worker
    from core.engine import Engine

    if (nice := os.environ.get(READER_NICE_ENV)) is not None:  # --reader-nice, in the engine's process
        core.engine_worker.READER_NICE = int(nice)
    engine = Engine(settings, register_map, simulate=True)
    if engine.access.store.get(ENGINEER) is None:
        engine.access.store.add(ENGINEER, "engineer", PIN)
    return engine


async def open_window(settings: Settings, mode: Any) -> tuple[Any, Any, asyncio.Future[int]]:
    """The HMI (hmi.app.run_window) on the real engine, the engine in ``mode`` (hmi.app.EngineMode);
    returns (window, the window's engine, the window's task) once the first polls are on screen."""
    from hmi.app import run_window

    windows: list[Any] = []
    register_map = load_register_map(settings.register_map_path)
    task = asyncio.ensure_future(run_window(settings, register_map, engine_with_engineer, simulate=True,
                                            window_ready=windows.append, engine_mode=mode))
    while not (windows and windows[0].bridge.latest is not None):
        if task.done():
            raise RuntimeError(f"the window ended before the engine ran (exit code {task.result()})")
        await asyncio.sleep(0.05)
    window = windows[0]
    window.resize(1280, 800)
    return window, window.engine, task


@dataclass
class Phase:
    name: str
    seconds: float
    polls: int
    missed: int
    lateness_ms: list[float]

    def pick(self, q: float) -> float:
        ordered = sorted(self.lateness_ms) or [float("nan")]
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self) -> str:
        return (f"{self.name:5s} {self.seconds:6.1f} s  polls {self.polls:5d}  missed slots {self.missed:3d}  "
                f"poll start late p50 {self.pick(0.50):6.2f} ms  p99 {self.pick(0.99):6.2f} ms  "
                f"max {self.pick(1.0):7.2f} ms")


def poll_mark(engine: Any) -> tuple[float, int, int]:
    """In the engine's process: (monotonic now, poll starts recorded so far, missed slots so far)."""
    poller = engine.poller
    return time.monotonic(), len(poller.lateness_ms()), poller.jitter().overruns


def poll_lateness(engine: Any) -> list[float]:
    """In the engine's process: each recorded poll start's lateness against its deadline, in ms."""
    return engine.poller.lateness_ms()


class Recorder:
    """Cuts the poller's own records into phases: marks as it goes, the lateness records at the end."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine  # hmi.engine_process.EngineProcess or hmi.engine_thread.EngineThread
        self._phases: list[tuple[str, tuple[float, int, int], tuple[float, int, int]]] = []

    async def mark(self) -> tuple[float, int, int]:
        return await self.engine._call_in_engine(poll_mark)

    async def phase(self, name: str, start: tuple[float, int, int]) -> tuple[float, int, int]:
        """Close the phase that began at ``start`` now; returns the mark (the next phase's start)."""
        end = await self.mark()
        self._phases.append((name, start, end))
        return end

    async def collect(self) -> list[Phase]:
        """The phases in order, from the lateness records shipped back once from the engine."""
        lateness: list[float] = await self.engine._call_in_engine(poll_lateness)
        if len(lateness) >= LATENESS_HISTORY:  # the oldest records are gone: the marks point elsewhere
            raise RuntimeError("the poller's lateness record is shorter than the run: run shorter phases")
        return [Phase(name, t1 - t0, polls1 - polls0, over1 - over0, lateness[polls0:polls1])
                for name, (t0, polls0, over0), (t1, polls1, over1) in self._phases]
