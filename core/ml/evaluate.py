"""Evaluation on cost per cut: presets, the best preset per item, the oracle and ML, on stock
the model was trained on (``catalogue``) and stock it never saw (``held_out``).

cost per cut = machine rate x cut time + band price x band life used (config ``cost``).
Every item is cut ``pieces`` times in each mode from the same seed (the same noise), each piece
from the item's band wear. ML runs the real controller (envelope, torque guard, initial delay,
write thresholds) behind the real Writer (:mod:`core.ml.simwriter`), starting from the normal
preset; the oracle is the simulator's own cost-minimising speeds (:mod:`core.sim.oracle`), the
ceiling. Trips are reset and the piece
re-cut (up to 3 attempts); failed attempts cost their time and band life, and ``cost_per_cut``
divides everything spent by the pieces completed. ``best_preset`` takes, per item, the preset
with the lowest cost per cut (chosen after the fact: a well-informed operator).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import Settings, load_settings
from core.ml.evalrun import Driver, ItemRun, oracle_driver, preset_driver, run_item
from core.ml.manifest import artefact_paths
from core.ml.simenv import SimSaw
from core.ml.stock import StockItem, held_out_reasons, held_out_stock, split_description, training_stock
from core.registers import RegisterMap, load_register_map
from core.sim import oracle

PRESETS = ("slow", "normal", "fast")
MODES = ("slow", "normal", "fast", "best_preset", "oracle", "ml")
GROUPS = ("catalogue", "held_out")
SEED_OFFSET = 10_000  # evaluation seeds sit far from training seeds
TARGET_COST_RATIO = 0.9  # ML on held-out stock: cost per cut <= 0.9 x the best single preset
TARGET_CHIP_OUT_PCT = 2.0


@dataclass(slots=True)
class ItemResult:
    item: StockItem
    runs: dict[str, ItemRun] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return "held_out" if held_out_reasons(self.item) else "catalogue"


def economics_of(settings: Settings) -> oracle.Economics:
    return oracle.Economics(settings.cost.machine_rate_per_hour, settings.cost.band_price)


def speed_ranges(settings: Settings) -> tuple[tuple[float, float], tuple[float, float]]:
    """The band and descent ranges ML may use (control.*_min/max, default the reference 40-90, 10-60)."""
    c = settings.control
    lim = c.ml_limit
    cutting = (lim("cutting_speed_min") or oracle.CUTTING_RANGE[0], lim("cutting_speed_max") or oracle.CUTTING_RANGE[1])
    descent = (lim("descent_speed_min") or oracle.DESCENT_RANGE[0], lim("descent_speed_max") or oracle.DESCENT_RANGE[1])
    return cutting, descent


# --- running -------------------------------------------------------------------------------


def _saw(settings: Settings, seed: int) -> SimSaw:
    return SimSaw(seed=seed, poll_hz=settings.modbus.read_rate_hz, polynomial=settings.ml.current_polynomial)


def _decide_every(settings: Settings) -> int:
    return max(1, round(settings.modbus.read_rate_hz / settings.control.rate_hz))


async def _run_ml(
    settings: Settings, register_map: RegisterMap, model: Path, item: StockItem, *, seed: int, pieces: int
) -> ItemRun:
    from core.analysis.alarms import AlarmManager
    from core.control.journal import MemoryJournal
    from core.control.ml_controller import MlController
    from core.control.modes import Mode, ModeManager
    from core.snapshot import SawState

    saw = _saw(settings, seed)
    journal = MemoryJournal(keep_decisions=False)
    alarms = AlarmManager(clock=saw.clock)
    modes = ModeManager(Mode.ML, journal, wall_clock=saw.clock)
    from core.ml.simwriter import sim_writer

    # The controller's envelope, then the real Writer (rate, limits, step, read-back) as on a saw.
    writer = sim_writer(settings, register_map, saw)
    controller = MlController(settings, register_map, writer=writer.write,
                              alarms=alarms, modes=modes, journal=journal, clock=saw.clock, wall_clock=saw.clock)
    if not controller.load_model(model):
        raise ValueError(f"model refused: {controller.model_error or model}")
    counts = {"faults": 0, "writes": 0}

    async def decide() -> None:
        row = await controller.step()
        action = getattr(row, "action", "")
        counts["faults"] += action == "fault"
        counts["writes"] += action in ("write", "guard")
        if not modes.is_ml and saw.plc.state is SawState.IDLE:
            # A trip or fault ended ML; the operator switches it on again for the next attempt.
            modes.set_mode(Mode.ML, user="eval", reason="operator re-arms ML after a fault")

    normal = settings.control.presets["normal"]
    driver = Driver(preset=(normal.cutting_speed, normal.descent_speed), feed=controller.feed, decide=decide)
    run = await run_item(saw, item, driver, mode="ml", pieces=pieces, decide_every=_decide_every(settings))
    run.guard_events, run.faults, run.writes = controller.guard.events, counts["faults"], counts["writes"]
    return run


async def evaluate_items(
    items: Sequence[StockItem],
    settings: Settings,
    *,
    model: Path | None,
    seed: int = 1,
    pieces: int = 2,
) -> list[ItemResult]:
    """Cut every item in every mode (ML only with a model); same seed per item across modes."""
    economics = economics_of(settings)
    cutting, descent = speed_ranges(settings)
    register_map = load_register_map(settings.register_map_path)
    results = []
    for index, item in enumerate(items):
        run_seed = SEED_OFFSET + seed * 1000 + index
        result = ItemResult(item)
        for preset in PRESETS:
            speeds = settings.control.presets[preset]
            result.runs[preset] = await run_item(
                _saw(settings, run_seed), item, preset_driver((speeds.cutting_speed, speeds.descent_speed)),
                mode=preset, pieces=pieces, decide_every=_decide_every(settings))
        saw = _saw(settings, run_seed)
        result.runs["oracle"] = await run_item(saw, item, oracle_driver(saw, economics, cutting, descent),
                                               mode="oracle", pieces=pieces, decide_every=_decide_every(settings))
        if model is not None:
            result.runs["ml"] = await _run_ml(settings, register_map, model, item, seed=run_seed, pieces=pieces)
        result.runs["best_preset"] = min((result.runs[p] for p in PRESETS),
                                         key=lambda r: _cost_per_cut([r], economics))
        results.append(result)
    return results


@contextlib.contextmanager
def _quiet_controller() -> Iterator[None]:
    """Guard and alarm warnings of hundreds of simulated cuts are counted, not logged one by one."""
    loggers = [logging.getLogger(name) for name in ("bandsaw.control", "bandsaw.alarms")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


# --- figures -------------------------------------------------------------------------------


def _cost_per_cut(runs: Iterable[ItemRun], economics: oracle.Economics) -> float:
    runs = list(runs)
    done = sum(r.completed for r in runs)
    cost = sum(r.cost(economics) for r in runs)
    return cost / done if done else math.inf


def summarise(runs: Sequence[ItemRun], economics: oracle.Economics) -> dict[str, Any]:
    """The figures of one mode over a group of items (the --json schema)."""
    attempts = [a for r in runs for a in r.attempts]
    done = [a for a in attempts if a.completed]
    contact = sum(a.contact_s for a in attempts)
    samples = sum(a.samples for a in attempts)
    completed = len(done)
    cost = _cost_per_cut(runs, economics)
    return {
        "cuts": completed,
        "attempts": len(attempts),
        "failed_pieces": sum(r.pieces - r.completed for r in runs),
        "mean_cut_s": round(sum(a.cut_s for a in done) / completed, 2) if completed else None,
        "cost_per_cut": round(cost, 4) if math.isfinite(cost) else None,
        "band_life_per_cut_pct": round(100.0 * sum(a.band_life_used for a in attempts) / completed, 4)
        if completed else None,
        "overloads": sum(r.overloads for r in runs),
        "guard_events": sum(r.guard_events for r in runs),
        "chip_out_of_window_pct": round(100.0 * sum(a.chip_out_s for a in attempts) / contact, 2) if contact else 0.0,
        "peak_torque_pct": round(max((a.peak_torque for a in attempts), default=0.0), 1),
        "mean_abs_deviation_mm": round(sum(a.deviation_sum for a in attempts) / samples, 4) if samples else None,
        "faults": sum(r.faults for r in runs),
        "writes": sum(r.writes for r in runs),
    }


def tables(results: Sequence[ItemResult], economics: oracle.Economics) -> dict[str, dict[str, dict[str, Any]]]:
    """group -> mode -> figures, for the modes that ran."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    ran = [m for m in MODES if results and all(m in r.runs for r in results)]
    for group in GROUPS:  # both groups always, empty ones with zero cuts: a stable --json schema
        members = [r for r in results if r.group == group]
        out[group] = {mode: summarise([r.runs[mode] for r in members], economics) for mode in ran}
    return out


HELD_OUT_KINDS = ("grade", "size", "wear")


def by_held_out_kind(results: Sequence[ItemResult], economics: oracle.Economics) -> dict[str, dict[str, Any]]:
    """Held-out figures split by what was held out (an item held out two ways counts in both)."""
    ran = [m for m in MODES if results and all(m in r.runs for r in results)]
    out: dict[str, dict[str, Any]] = {}
    for kind in HELD_OUT_KINDS:
        members = [r for r in results if any(why.startswith(kind) for why in held_out_reasons(r.item))]
        table = {mode: summarise([r.runs[mode] for r in members], economics) for mode in ran}
        out[kind] = {"items": len(members), "verdict": verdict(table) if members else {},
                     **{mode: {k: table[mode][k] for k in ("cost_per_cut", "overloads", "chip_out_of_window_pct")}
                        for mode in ("best_preset", "oracle", "ml") if mode in table}}
    return out


def verdict(table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """ML against the target on one group: best single preset, cost ratio, overloads, chip."""
    costs = {p: table[p]["cost_per_cut"] for p in PRESETS if table.get(p, {}).get("cost_per_cut") is not None}
    best = min(costs, key=lambda p: costs[p]) if costs else None
    ml = table.get("ml")
    out: dict[str, Any] = {"best_single_preset": best}
    if ml is None or best is None or ml["cost_per_cut"] is None:
        return out
    ratio = ml["cost_per_cut"] / costs[best]
    out |= {
        "ml_cost_vs_best_single_preset": round(ratio, 4),
        "oracle_cost_vs_best_single_preset": round(table["oracle"]["cost_per_cut"] / costs[best], 4)
        if table.get("oracle", {}).get("cost_per_cut") else None,
        "meets_target": ratio <= TARGET_COST_RATIO and ml["overloads"] == 0
        and ml["chip_out_of_window_pct"] <= TARGET_CHIP_OUT_PCT and ml["failed_pieces"] == 0,
    }
    return out


def _declared_training(model: Path | None) -> dict[str, Any]:
    """What the model's manifest says about its training, and whether it declares this split."""
    if model is None:
        return {}
    manifest_path, _ = artefact_paths(model)
    try:
        training = json.loads(manifest_path.read_text(encoding="utf-8")).get("training", {})
    except (OSError, ValueError, AttributeError):
        return {"declares_split": False}
    if not isinstance(training, dict):
        return {"declares_split": False}
    return {"source": training.get("source"), "declares_split": training.get("held_out") == split_description()}


def to_json(results: Sequence[ItemResult], settings: Settings, *, model: Path | None, seed: int,
            pieces: int) -> dict[str, Any]:
    economics = economics_of(settings)
    groups = tables(results, economics)
    data: dict[str, Any] = {
        "format": "bandsaw-ml-eval/1",
        "model": str(model) if model else None,
        "seed": seed,
        "pieces_per_item": pieces,
        "cost": {"machine_rate_per_hour": economics.machine_rate_per_hour, "band_price": economics.band_price,
                 "currency": settings.cost.currency},
        "speed_ranges": dict(zip(("cutting_speed", "descent_speed"), speed_ranges(settings), strict=True)),
        "split": split_description(),
    }
    data["model_training"] = _declared_training(model)
    data |= groups
    data["verdict"] = {group: verdict(table) for group, table in groups.items()}
    data["held_out_by_kind"] = by_held_out_kind(results, economics)
    data["items"] = [
        {"item": r.item.as_dict(), "group": r.group, "held_out_because": held_out_reasons(r.item),
         "modes": {mode: summarise([run], economics) | ({"preset": run.mode} if mode == "best_preset" else {})
                   for mode, run in r.runs.items()}}
        for r in results
    ]
    return data


def run_evaluation(
    model: Path | None,
    *,
    settings: Settings | None = None,
    stock: Sequence[StockItem] | None = None,
    seed: int = 1,
    pieces: int = 2,
    report: Path | None = None,
    json_out: Path | None = None,
) -> dict[str, Any]:
    """Run the evaluation (default stock: the training catalogue and the held-out list).

    Returns the JSON document (``--json``); writes the markdown ``report`` and ``json_out`` if given.
    """
    settings = settings or load_settings()
    items = tuple(stock) if stock is not None else training_stock() + held_out_stock()
    if not items:
        raise ValueError("no stock to evaluate")
    if pieces < 1:
        raise ValueError("pieces must be at least 1")
    with _quiet_controller():
        results = asyncio.run(evaluate_items(items, settings, model=model, seed=seed, pieces=pieces))
    data = to_json(results, settings, model=model, seed=seed, pieces=pieces)
    if report is not None:
        from core.ml.eval_report import report_markdown

        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(report_markdown(data), encoding="utf-8")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return data


# --- two models side by side -------------------------------------------------------------


async def _compare_items(items: Sequence[StockItem], settings: Settings, models: dict[str, Path], seed: int,
                         pieces: int) -> dict[str, list[ItemRun]]:
    runs: dict[str, list[ItemRun]] = {name: [] for name in models}
    register_map = load_register_map(settings.register_map_path)
    for index, item in enumerate(items):
        for name, path in models.items():
            seed_i = SEED_OFFSET + seed * 1000 + index
            runs[name].append(await _run_ml(settings, register_map, path, item, seed=seed_i, pieces=pieces))
    return runs


def compare(
    a: Path, b: Path, *, settings: Settings | None = None, stock: Sequence[StockItem] | None = None,
    seed: int = 1, pieces: int = 2,
) -> dict[str, Any]:
    """ML mode with model ``a`` and with model ``b`` on the same stock and seeds."""
    settings = settings or load_settings()
    economics = economics_of(settings)
    items = tuple(stock) if stock is not None else training_stock() + held_out_stock()
    with _quiet_controller():
        runs = asyncio.run(_compare_items(items, settings, {"A": a, "B": b}, seed, pieces))
    data: dict[str, Any] = {"format": "bandsaw-ml-compare/1", "A": str(a), "B": str(b), "seed": seed,
                            "pieces_per_item": pieces, "split": split_description()}
    for group in GROUPS:
        index = [i for i, item in enumerate(items) if bool(held_out_reasons(item)) == (group == "held_out")]
        data[group] = {name: summarise([runs[name][i] for i in index], economics) for name in ("A", "B")}
    data["items"] = [
        {"item": item.as_dict(), "held_out_because": held_out_reasons(item),
         "A": summarise([runs["A"][i]], economics), "B": summarise([runs["B"][i]], economics)}
        for i, item in enumerate(items)
    ]
    return data
