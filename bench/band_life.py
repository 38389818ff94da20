"""Band life: how close the estimate comes to the simulator's true wear, and what a cut costs the loop.

For each seed, the unattended simulator (in simulated time, through the real cut tracker) cuts one
whole band on its mixed stock. Every third cut the estimate (core.production.band_life_estimate)
is taken from the cuts so far and compared with the simulator's true wear (register band_wear,
which the real PLC does not have and the estimate never reads). Printed by stage of true wear:
how many estimates came from the trend, their mean, RMS and largest error in percentage points of
life used; beside them the bare baseline of the same run: the area-based figure (area cut /
blade life, the blade life set to the mean band life of the run, which a plant would not know).

Then the cost of one cut on the event loop (BandLifeMonitor.on_cut: one fit) at the band's size and
at about 2,000 cuts, beside a bare dense least squares of the same size (the dummy-variable fit).

    .venv/bin/python bench/band_life.py [--seeds 1 2 3 4 5]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from core.analysis.alarms import AlarmManager
from core.analysis.cut_stats import CutRecord
from core.production.band_life_estimate import estimate
from core.production.band_life_monitor import BandLifeMonitor
from core.production.band_life_settings import BandLifeSettings
from tests.production.band_life_sim import SimCut, run_cuts

STAGES = ((0.0, 30.0), (30.0, 60.0), (60.0, math.inf))  # the last cut may end just past 100 %


def _stats(errors: list[float]) -> str:
    if not errors:
        return "      —"
    rms = math.sqrt(sum(e * e for e in errors) / len(errors))
    return f"{len(errors):4d} {statistics.mean(errors):+6.1f} {rms:5.1f} {max(abs(e) for e in errors):5.1f}"


def accuracy(seeds: list[int]) -> None:
    settings = BandLifeSettings()
    bands: list[list[SimCut]] = [run_cuts(2000, seed=seed, max_bands=1) for seed in seeds]
    blade_life = statistics.mean(sum(float(c.row["area_cm2"]) for c in band) for band in bands)  # type: ignore[arg-type]
    trend: dict[tuple[float, float], list[float]] = {stage: [] for stage in STAGES}
    area: dict[tuple[float, float], list[float]] = {stage: [] for stage in STAGES}
    for band in bands:
        for n in range(5, len(band) + 1, 3):
            truth = 100.0 * band[n - 1].true_wear
            stage = next(s for s in STAGES if s[0] <= truth < s[1])
            found = estimate(band[0].band_id, [c.row for c in band[:n]], settings, blade_life_area_cm2=blade_life)
            if found.method == "trend" and found.life_used_pct is not None:
                trend[stage].append(found.life_used_pct - truth)
            used_area = min(100.0 * found.area_cm2 / blade_life, 100.0)
            area[stage].append(used_area - truth)
    print(f"seeds {seeds}: {', '.join(str(len(b)) for b in bands)} cuts per band; "
          f"mean band life {blade_life:.0f} cm² (the baseline's blade life)")
    print("true wear   trend: n  mean   RMS   max  | bare area/blade life: n  mean   RMS   max  (points)")
    for stage in STAGES:
        print(f"{stage[0]:3.0f}-{min(stage[1], 100.0):3.0f} %   {_stats(trend[stage])}  |  {_stats(area[stage])}")


def cost() -> None:
    cuts = run_cuts(2000, seed=1, max_bands=1)
    records = []
    for rep in range(8):
        for cut in cuts:
            row = dict(cut.row)
            row["start_ms"] = int(row["start_ms"]) + rep * 10**9  # type: ignore[call-overload]
            records.append(CutRecord(**row))  # type: ignore[arg-type]
    monitor = BandLifeMonitor(BandLifeSettings(), AlarmManager(), Path("/nonexistent/total.db"),
                              blade_life_area_cm2=5000.0)
    times = []
    for record in records:
        start = time.perf_counter()
        monitor.on_cut(record)
        times.append(time.perf_counter() - start)
    for n in (len(cuts), len(records)):
        ours = statistics.median(times[n - 20:n]) * 1000
        x, y = np.random.rand(n, 22), np.random.rand(n)
        start = time.perf_counter()
        for _ in range(10):
            np.linalg.lstsq(x, y, rcond=None)
        bare = (time.perf_counter() - start) / 10 * 1000
        print(f"one cut at {n:5d} cuts on the band: on_cut {ours:6.2f} ms | bare dense lstsq {n}x22 {bare:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the start")
    accuracy(args.seeds)
    cost()
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at the end")


if __name__ == "__main__":
    main()
