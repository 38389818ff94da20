"""Decision latency of the ML controller, beside a bare estimator.predict on one row.

The figure: one full MlController.step() during a cut — initial delay passed, features from
the averaging buffers, the model, accumulation, the safety envelope and the (in-memory)
Writer call, the decision recorded — p50/p99 over many decisions. The baseline: scikit-learn's
``estimator.predict`` on one row (n_jobs=1), and our tree walk alone, in the same run. For a
chip-policy model (the shipped kind) the rows are its band-speed feed-forward's inputs, and the
policy's ``decide`` alone on the same snapshots is shown too.

    .venv/bin/python -m bench.ml [--model data/models/default] [--decisions 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.analysis.alarms import AlarmManager
from core.api import WriteResult
from core.config import PROJECT_ROOT, load_settings
from core.control.journal import MemoryJournal
from core.control.ml_controller import MlController
from core.control.modes import Mode, ModeManager
from core.ml.artefact import load_model
from core.ml.simenv import SimSaw
from core.registers import load_register_map
from core.snapshot import SawState

POLICY: list[float] = []  # the chip policy's decide alone, timed beside each decision


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   mean {statistics.fmean(ordered) * 1000:7.3f} ms"


async def _decisions(model_path: Path, count: int) -> tuple[list[float], list[list[float]]]:
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml")
    register_map = load_register_map(settings.register_map_path)
    saw = SimSaw(seed=123)
    journal = MemoryJournal(keep_decisions=False)
    modes = ModeManager(Mode.ML, journal, wall_clock=saw.clock)
    writes = 0

    async def writer(name: str, value: float, *, user: str, reason: str,
                     precheck: Callable[[], str] | None = None) -> WriteResult:
        nonlocal writes
        writes += 1
        return await saw.write(name, value, user=user, reason=reason, precheck=precheck)

    controller = MlController(settings, register_map, writer=writer, alarms=AlarmManager(clock=saw.clock),
                              modes=modes, journal=journal, clock=saw.clock, wall_clock=saw.clock)
    if not controller.load_model(model_path):
        raise SystemExit(f"model refused: {model_path}")
    timings: list[float] = []
    rows: list[list[float]] = []
    while len(timings) < count:
        for _ in range(2):
            controller.feed(saw.poll())
        start = time.perf_counter()
        row = await controller.step()
        elapsed = time.perf_counter() - start
        if row is not None and row.action in ("model", "write"):
            timings.append(elapsed)
            chip = controller.chip
            if chip is not None and chip.geometry is not None and controller._latest is not None:
                values = controller._latest.values
                rows.append([float(values.get("material_hardness") or 0.0), chip.geometry.mean_chord(),
                             float(values.get("material_width") or 0.0)])
                limits = (controller.envelope.limits("cutting_speed"), controller.envelope.limits("descent_speed"))
                start = time.perf_counter()
                chip.decide(values, (limits[0].low, limits[0].high), (limits[1].low, limits[1].high))
                POLICY.append(time.perf_counter() - start)
            elif controller.features is not None and (vector := controller.features.vector()) is not None:
                rows.append(vector)
        if not modes.is_ml and saw.plc.state is SawState.IDLE:
            modes.set_mode(Mode.ML, user="bench")
    print(f"  ({writes} writes during {len(timings)} model decisions)")
    return timings, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "data" / "models" / "default")
    parser.add_argument("--decisions", type=int, default=5000)
    args = parser.parse_args()
    model = load_model(args.model)
    print(f"model {model.name}: {model.estimator.n_estimators} trees, {len(model.features)} features")
    timings, rows = asyncio.run(_decisions(args.model, args.decisions))
    print(f"controller decision (features + model + envelope + write + record): {_percentiles(timings)}")
    bare, fast = [], []
    walk = model.predict_speed if model.chip is not None else model.predict
    for row in rows:
        x = np.asarray([row])
        start = time.perf_counter()
        model.estimator.predict(x)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        walk(row)
        fast.append(time.perf_counter() - start)
    if POLICY:
        print(f"chip policy decide alone (no envelope, write or record):          {_percentiles(POLICY)}")
    print(f"bare estimator.predict(1 row), n_jobs=1:                            {_percentiles(bare)}")
    print(f"our tree walk alone (LoadedModel.predict):                          {_percentiles(fast)}")
    target = "meets" if sorted(timings)[int(len(timings) * 0.99)] <= 0.010 else "MISSES"
    print(f"target p99 <= 10 ms: {target}")


if __name__ == "__main__":
    main()
