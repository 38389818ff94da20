"""Evaluation: presets slow / normal / fast against ML mode on the simulator, on held-out seeds.

Every mode cuts the same fixed mix (each stock of the simulator's catalogue in turn) on the
same seeds. ML mode starts from the normal preset and runs the real controller (envelope,
torque guard, initial delay, write thresholds) against the in-process physics at full speed.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from core.analysis.alarms import AlarmManager
from core.config import Settings, load_settings
from core.control.journal import MemoryJournal
from core.control.ml_controller import MlController
from core.control.modes import Mode, ModeManager
from core.ml.simenv import CutResult, RunOptions, SimSaw, run_cuts
from core.registers import RegisterMap, load_register_map
from core.snapshot import SawState

PRESETS = ("slow", "normal", "fast")
SEED_OFFSET = 10_000  # evaluation seeds sit far from training seeds


@dataclass(frozen=True, slots=True)
class ModeSummary:
    mode: str
    cuts: int
    mean_cut_s: float
    overloads: int
    peak_torque: float
    mean_abs_deviation: float
    guard_events: int = 0
    faults: int = 0
    writes: int = 0


def _summary(mode: str, results: list[CutResult], **extra: int) -> ModeSummary:
    done = [r for r in results if r.completed]
    return ModeSummary(
        mode=mode,
        cuts=len(results),
        mean_cut_s=statistics.fmean(r.duration_s for r in done) if done else math.nan,
        overloads=sum(r.overloads for r in results),
        peak_torque=max((r.peak_torque for r in results), default=math.nan),
        mean_abs_deviation=statistics.fmean(r.mean_abs_deviation for r in done) if done else math.nan,
        **extra,
    )


async def _run_ml(
    settings: Settings, register_map: RegisterMap, model_path: Path, seed: int, cuts: int
) -> tuple[list[CutResult], dict[str, int]]:
    saw = SimSaw(seed=seed, poll_hz=settings.modbus.read_rate_hz, polynomial=settings.ml.current_polynomial)
    journal = MemoryJournal(keep_decisions=False)
    alarms = AlarmManager(clock=saw.clock)
    modes = ModeManager(Mode.ML, journal, wall_clock=saw.clock)
    controller = MlController(settings, register_map, writer=saw.write, alarms=alarms, modes=modes,
                              journal=journal, clock=saw.clock, wall_clock=saw.clock)
    if not controller.load_model(model_path):
        raise ValueError(f"model refused: {controller.status.last_reason or model_path}")
    counts = {"faults": 0, "writes": 0}
    normal = settings.control.presets["normal"]

    def count_decision(row: object) -> None:
        action = getattr(row, "action", "")
        if action == "fault":
            counts["faults"] += 1
        if action in ("write", "guard"):
            counts["writes"] += 1

    async def decide() -> None:
        row = await controller.step()
        if row is not None:
            count_decision(row)
        if not modes.is_ml and saw.plc.state is SawState.IDLE:
            modes.set_mode(Mode.ML, user="eval", reason="re-arm after a fault")

    results = await run_cuts(
        saw, RunOptions(cuts=cuts, preset=(normal.cutting_speed, normal.descent_speed)),
        feed=controller.feed, decide=decide,
        decide_every=max(1, round(settings.modbus.read_rate_hz / settings.control.rate_hz)),
    )
    counts["guard_events"] = controller.guard.events
    return results, counts


async def _run_preset(settings: Settings, preset: str, seed: int, cuts: int) -> list[CutResult]:
    speeds = settings.control.presets[preset]
    saw = SimSaw(seed=seed, poll_hz=settings.modbus.read_rate_hz, polynomial=settings.ml.current_polynomial)
    return await run_cuts(saw, RunOptions(cuts=cuts, preset=(speeds.cutting_speed, speeds.descent_speed)))


def evaluate(
    model: Path,
    cuts: int,
    seed: int,
    report: Path,
    *,
    settings: Settings | None = None,
    seeds: int = 3,
) -> str:
    """Run every mode for ``cuts`` cuts on each of ``seeds`` held-out seeds; write and return the table."""
    settings = settings or load_settings()
    register_map = load_register_map(settings.register_map_path)
    run_seeds = [SEED_OFFSET + seed + i for i in range(seeds)]
    summaries: list[ModeSummary] = []
    per_stock: dict[str, dict[str, list[float]]] = {}

    async def run_all() -> None:
        for preset in PRESETS:
            results = []
            for s in run_seeds:
                results += await _run_preset(settings, preset, s, cuts)
            summaries.append(_summary(preset, results))
            _collect_stock(per_stock, preset, results)
        results, totals = [], {"faults": 0, "writes": 0, "guard_events": 0}
        for s in run_seeds:
            run, counts = await _run_ml(settings, register_map, model, s, cuts)
            results += run
            for key in totals:
                totals[key] += counts[key]
        summaries.append(_summary("ml", results, **totals))
        _collect_stock(per_stock, "ml", results)

    asyncio.run(run_all())
    table = format_table(summaries)
    report.parent.mkdir(parents=True, exist_ok=True)
    text = _report_text(model, cuts, run_seeds, table, per_stock=per_stock, summaries=summaries)
    report.write_text(text, encoding="utf-8")
    return table


def _collect_stock(per_stock: dict[str, dict[str, list[float]]], mode: str, results: list[CutResult]) -> None:
    for r in results:
        if r.completed:
            per_stock.setdefault(r.stock, {}).setdefault(mode, []).append(r.duration_s)


def format_table(summaries: list[ModeSummary]) -> str:
    normal = next((s for s in summaries if s.mode == "normal"), None)
    header = ("mode", "cuts", "mean cut s", "vs normal", "overloads", "peak torque %", "mean |dev| mm",
              "guard", "faults")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for s in summaries:
        delta = (s.mean_cut_s / normal.mean_cut_s - 1.0) * 100.0 if normal and normal.mean_cut_s else math.nan
        lines.append(" | ".join((
            s.mode, str(s.cuts), f"{s.mean_cut_s:.1f}", f"{delta:+.1f} %", str(s.overloads),
            f"{s.peak_torque:.0f}", f"{s.mean_abs_deviation:.3f}",
            str(s.guard_events) if s.mode == "ml" else "-", str(s.faults) if s.mode == "ml" else "-",
        )))
    return "\n".join(lines)


def _report_text(
    model: Path, cuts: int, seeds: list[int], table: str, *,
    per_stock: dict[str, dict[str, list[float]]], summaries: list[ModeSummary],
) -> str:
    modes = [s.mode for s in summaries]
    stock_lines = [" | ".join(["stock", *[f"{m} s" for m in modes]]), " | ".join("---" for _ in range(len(modes) + 1))]
    for stock, by_mode in per_stock.items():
        cells = [f"{statistics.fmean(by_mode[m]):.0f}" if by_mode.get(m) else "-" for m in modes]
        stock_lines.append(" | ".join([stock, *cells]))
    return (
        f"# ML evaluation\n\nModel: `{model}`; {cuts} cuts per seed on held-out seeds {seeds}; "
        "the simulator's catalogue cut in a fixed order; ML starts from the normal preset.\n\n"
        f"{table}\n\n## Mean cut time per stock\n\n" + "\n".join(stock_lines) + "\n"
    )
