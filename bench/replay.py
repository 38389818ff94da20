"""Replay (#19.4): how fast a replay of a day starts and seeks, and whether it raises the poll jitter.

The whole HMI on the real engine and the in-process simulator at 10 Hz, the engine in its own
process as shipped (--thread: on a thread of the window's process), on a data directory whose
raw.db holds 24 h of every register at 10 Hz (864,000 rows, generated first by
bench/hmi_bench.py's make_raw). Phases of the same run, the same length each, measured by
bench/hmi_bench.py's Recorder (the poller's own deadline records, in the engine's process):

  bare:    the dashboard live, nobody touching it (the baseline);
  dash60:  a replay of the day's middle on the dashboard at 60x;
  seek:    the same with a seek to a random point of the day every 2 s;
  trnd60:  a replay at 60x on Trends;
  trend:   Trends live after Back to live (the baseline for trnd60);
  bare2:   the dashboard live again, the baseline once more.

It prints, beside the baseline, missed poll slots and poll-start lateness (p50/p99/max), the time
from asking for a replay to its first sample on screen for starts at 0 h, 12 h and 23.9 h of the
day, and the seek times. Targets: start <= 1 s; no more missed slots or p99 than the baseline.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/replay.py [--hours 24] [--phase-s 20] [--thread]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from hmi_bench import Phase, Recorder, load_text, open_window, run_on_a_day  # noqa: E402

from core.config import Settings  # noqa: E402

HOUR_MS = 3_600_000


async def first_on_screen(window: Any, start_ms: int, end_ms: int, speed: float) -> float:
    """Seconds from asking for the replay until its first sample is what the screen shows."""
    bridge = window.bridge
    t0 = time.perf_counter()
    result = await bridge.engine.replay_start(window.session.actor(), start_ms, end_ms, speed=speed)
    assert result.ok, result.reason
    while not (bridge.replaying and bridge.latest is not None and start_ms <= bridge.latest.ts_ms < end_ms):  # noqa: ASYNC110
        await asyncio.sleep(0.002)
    return time.perf_counter() - t0


async def seek_on_screen(window: Any, position_ms: int) -> float:
    bridge = window.bridge
    t0 = time.perf_counter()
    result = await bridge.engine.replay_seek(window.session.actor(), position_ms)
    assert result.ok, result.reason
    generation = result.value.generation
    while bridge.replay.generation < generation or bridge.latest is None or bridge.latest.ts_ms < position_ms:  # noqa: ASYNC110
        await asyncio.sleep(0.002)
    return time.perf_counter() - t0


async def run(settings: Settings, phase_s: float, day: tuple[int, int], mode: Any) -> tuple[list[Phase], list[str]]:
    window, engine, task = await open_window(settings, mode)
    await asyncio.sleep(3.0)  # first polls, caches, the first paint of every widget
    recorder = Recorder(engine)
    notes: list[str] = []
    first, last = day

    async def still(name: str) -> None:
        mark = await recorder.mark()
        await asyncio.sleep(phase_s)
        await recorder.phase(name, mark)

    window.show_page("dashboard")
    await still("bare")  # live, untouched: the baseline

    starts = []
    for offset_h in (0.0, 12.0, 23.9):
        begin = first + int(offset_h * HOUR_MS)
        starts.append(await first_on_screen(window, begin, last, 60.0))
        await asyncio.sleep(0.5)
    notes.append("replay start to first sample on screen (0 h, 12 h, 23.9 h of the day): "
                 + ", ".join(f"{s * 1000:.0f} ms" for s in starts) + f"  (max {max(starts) * 1000:.0f} ms)")

    await first_on_screen(window, first + 12 * HOUR_MS, last, 60.0)
    before = engine.replay_status().emitted
    await still("dash60")  # the dashboard replaying at 60x
    emitted = engine.replay_status().emitted - before
    notes.append(f"samples replayed in the dash60 phase: {emitted:,} in {phase_s:g} s "
                 f"(60x at 10 Hz: {600 * phase_s:,.0f} expected)")

    window.show_page("dashboard")
    mark = await recorder.mark()
    seeks = []
    rng = random.Random(7)
    deadline = time.monotonic() + phase_s
    while time.monotonic() < deadline:
        seeks.append(await seek_on_screen(window, rng.randrange(first, last - HOUR_MS)))
        await asyncio.sleep(2.0)
    await recorder.phase("seek", mark)  # the dashboard replaying, a seek every 2 s
    notes.append(f"seek to a random point of the day, to its sample on screen: median "
                 f"{statistics.median(seeks) * 1000:.0f} ms, max {max(seeks) * 1000:.0f} ms over {len(seeks)}")

    window.show_page("trends")
    await still("trnd60")  # Trends replaying at 60x (1-min window: a minute of recording a second)

    stopped = await window.bridge.engine.replay_stop(window.session.actor())
    assert stopped.ok, stopped.reason
    window.bridge.sync_replay()
    await still("trend")  # Trends live: the baseline for trnd60
    window.show_page("dashboard")
    await still("bare2")
    notes.append(f"snapshots the screen skipped (latest wins or replay backlog): {window.bridge.dropped}")
    phases = await recorder.collect()
    window.close()
    await task
    return phases, notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=24.0, help="hours of 10 Hz samples in raw.db")
    parser.add_argument("--phase-s", type=float, default=20.0, help="seconds per measured phase")
    parser.add_argument("--thread", action="store_true",
                        help="run the engine on a thread of the window's process (hmi.engine_thread)")
    args = parser.parse_args()
    print(f"load average at start {load_text()}")
    phases, notes = run_on_a_day(args.hours, args.thread,
                                 lambda settings, day, mode: run(settings, args.phase_s, day, mode))
    for note in notes:
        print(f"  {note}")
    for phase in phases:
        print(phase.line())
    print(f"load average at the end {load_text()} "
          "(2 cores: above 2, the bare phases themselves show other work's delays)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
