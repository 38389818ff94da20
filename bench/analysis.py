"""Cost per snapshot of the analysis the engine runs on every poll, beside a bare baseline.

Project figure: AnalysisService.feed = cut tracking + PLC alarm decoding + the default detector
set (config.yaml), writing to real total.db/anomaly.db through the batched writer thread.
Baselines, measured in the same run on the same snapshots:
- bare python: a loop that only reads the same signals and keeps a running mean per signal;
- bare numpy: the same means computed vectorised over the whole run (per-sample share).
Target: < 0.5 ms per sample.

    .venv/bin/python -m bench.analysis [--samples 20000]
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from core.analysis.alarms import AlarmManager
from core.analysis.service import AnalysisService
from core.analysis.store import read_rows
from core.config import PROJECT_ROOT, load_settings
from core.registers import load_register_map
from core.snapshot import Quality, SawState, Snapshot

NOISY = ("descent_current", "descent_torque", "band_deviation", "vibration_x", "vibration_y", "vibration_z",
         "descent_speed_actual", "cutting_speed_actual", "band_tension")


def synthetic_run(n: int, names: list[str], seed: int = 1) -> list[Snapshot]:
    """Cuts of a 100 mm round bar at 10 Hz: 30 s cutting, 8 s between, noise on every signal."""
    rng = random.Random(seed)
    base = {name: 1.0 for name in names}
    base.update(material_type=3.0, cross_section=0.0, dimension_a=100.0, material_width=100.0, band_id=7.0,
                alarm_status=0.0, alarm_info=0.0, cut_count=0.0, energy_total=100.0)
    snaps = []
    t_ms = 1_700_000_000_000
    cycle = 380
    for i in range(n):
        phase = i % cycle
        cutting = phase < 300
        values = dict(base)
        for name in NOISY:
            values[name] = base[name] + rng.gauss(0.0, 0.05)
        values["hydraulic_temp"] = 40.0 + 5.0 * math.sin(i / 20_000) + rng.gauss(0.0, 0.05)
        values["coolant_temp"] = 25.0 + 3.0 * math.sin(i / 30_000) + rng.gauss(0.0, 0.05)
        depth = 100.0 * phase / 300 if cutting else 0.0
        chord = 2 * math.sqrt(max(depth * (100 - depth), 0.0)) / 100
        values.update(
            saw_state=float(SawState.CUTTING if cutting else SawState.IDLE),
            head_height=100.0 - depth if cutting else 110.0,
            band_current=8.0 + 10.0 * chord + rng.gauss(0, 0.2),
            band_torque=15.0 + 30.0 * chord + rng.gauss(0, 0.5),
            band_power=1.0 + 3.0 * chord,
            cut_count=float(i // cycle),
            energy_total=100.0 + i * 1e-4,
        )
        snaps.append(Snapshot(i, t_ms + 100 * i, i / 10, values, {}, Quality.GOOD))
    return snaps


def bare_python(snaps: list[Snapshot], signals: list[str]) -> None:
    sums = dict.fromkeys(signals, 0.0)
    for snap in snaps:
        values = snap.values
        for name in signals:
            value = values.get(name)
            if value is not None and math.isfinite(value):
                sums[name] += value


def bare_numpy(snaps: list[Snapshot], signals: list[str]) -> None:
    matrix = np.array([[snap.values[name] for name in signals] for snap in snaps], dtype=float)
    matrix.mean(axis=0)
    matrix.std(axis=0)


def timed(fn: object, *args: object) -> float:
    start = time.perf_counter()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # anomaly log lines would time the terminal, not the analysis

    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")
    names = list(register_map.names)
    snaps = synthetic_run(args.samples, names)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=Path(tmp) / "no.env",
            overrides={"paths": {"data_dir": str(Path(tmp) / "data"), "logs_dir": str(Path(tmp) / "logs")}},
        )
        signals = sorted({d.signal for d in settings.analysis.detectors} | {
            "head_height", "band_current", "band_torque", "band_power", "descent_speed_actual",
            "cutting_speed_actual", "band_deviation", "vibration_x", "vibration_y", "vibration_z"})
        project: list[float] = []
        per_sample_worst = 0.0
        for _ in range(args.repeats):
            service = AnalysisService(settings, AlarmManager(), register_names=names)
            service.start()
            try:
                durations = []
                feed = service.feed
                for snap in snaps:
                    t0 = time.perf_counter()
                    feed(snap)
                    durations.append(time.perf_counter() - t0)
                project.append(sum(durations) / len(durations))
                per_sample_worst = max(per_sample_worst, statistics.quantiles(durations, n=1000)[-1])
            finally:
                service.stop()
        total_db = Path(tmp) / "data" / "databases" / "total.db"
        anomaly_db = Path(tmp) / "data" / "databases" / "anomaly.db"
        cuts = read_rows(total_db, "SELECT COUNT(*) AS n FROM cuts")[0]["n"]
        anomalies = read_rows(anomaly_db, "SELECT COUNT(*) AS n FROM anomalies")[0]["n"]
        python_s = min(timed(bare_python, snaps, signals) for _ in range(args.repeats)) / len(snaps)
        numpy_s = min(timed(bare_numpy, snaps, signals) for _ in range(args.repeats)) / len(snaps)

    print(f"samples per run: {len(snaps)}, detectors: {len(settings.analysis.detectors)}, "
          f"signals read by the baselines: {len(signals)}")
    print(f"analysis feed (tracker + PLC alarms + detectors): mean {min(project) * 1e3:.4f} ms/sample, "
          f"p99.9 {per_sample_worst * 1e3:.4f} ms   (target < 0.5 ms)")
    print(f"bare python loop over the same signals:          {python_s * 1e3:.4f} ms/sample")
    print(f"bare numpy over the whole run (per sample):      {numpy_s * 1e3:.4f} ms/sample")
    print(f"rows written over {args.repeats} runs: cuts {cuts} (idempotent by start), anomaly events {anomalies}")


if __name__ == "__main__":
    main()
