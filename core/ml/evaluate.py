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
with the lowest cost per cut (chosen after the fact: a well-informed operator, "the right preset").

The verdict compares on the same cuts: per item, ML against that item's right preset (better,
worse or even; failing more pieces is worse), counted over the group ("ML better on 1 of 5
held-out items, worse on 4"); and the group's cost per cut over the items both ML and the right
preset cut completely, for ML, the right presets, the best single preset (one preset that cut
every piece of those items) and the oracle. A group's table divides by whatever each mode
completed (a preset that trips out of a piece leaves that piece out): it is not the verdict.
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
EVEN_WITHIN = 0.005  # ML within 0.5 % of the right preset's cost per cut: even


def _all_cut(run: ItemRun) -> bool:
    return run.completed == run.pieces


def _rounded(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if math.isfinite(a) and math.isfinite(b) and b > 0 else None


def item_outcome(result: ItemResult, economics: oracle.Economics) -> dict[str, Any] | None:
    """ML against this item's right preset (the best of the presets on it), on the same pieces."""
    ml = result.runs.get("ml")
    if ml is None:
        return None
    best = result.runs["best_preset"]
    ml_cost, best_cost = _cost_per_cut([ml], economics), _cost_per_cut([best], economics)
    ml_failed, best_failed = ml.pieces - ml.completed, best.pieces - best.completed
    ratio = _ratio(ml_cost, best_cost)
    note = ""
    if ml_failed != best_failed:
        outcome = "worse" if ml_failed > best_failed else "better"
        note = f"ML failed {ml_failed} piece(s)" if ml_failed > best_failed else f"{best.mode} failed {best_failed}"
    elif ratio is None:
        outcome = "even"
    else:
        outcome = "better" if ratio < 1 - EVEN_WITHIN else "worse" if ratio > 1 + EVEN_WITHIN else "even"
    return {"best_preset": best.mode, "best_preset_cost_per_cut": _rounded(best_cost),
            "ml_cost_per_cut": _rounded(ml_cost), "ml_vs_best_preset": ratio, "outcome": outcome,
            "ml_overloads": ml.overloads, "note": note}


def verdict(members: Sequence[ItemResult], economics: oracle.Economics) -> dict[str, Any]:
    """ML on one group of items, on the same cuts: per-item wins and losses against the right
    preset, and cost per cut over the items both cut completely; the #14 target on those cuts."""
    out: dict[str, Any] = {"items": len(members)}
    if not members or any("ml" not in r.runs for r in members):
        costs = {p: _cost_per_cut([r.runs[p] for r in members], economics) for p in PRESETS
                 if members and all(_all_cut(r.runs[p]) for r in members)}
        out["best_single_preset"] = min(costs, key=lambda p: costs[p]) if costs else None
        return out
    outcomes = [(r, item_outcome(r, economics)) for r in members]
    count = {kind: sum(o is not None and o["outcome"] == kind for _, o in outcomes)
             for kind in ("better", "worse", "even")}
    out |= {"ml_better": count["better"], "ml_worse": count["worse"], "ml_even": count["even"],
            "ml_worse_on": [r.item.label for r, o in outcomes if o is not None and o["outcome"] == "worse"]}
    same = [r for r in members if _all_cut(r.runs["ml"]) and _all_cut(r.runs["best_preset"])]
    singles = {p: _cost_per_cut([r.runs[p] for r in same], economics) for p in PRESETS
               if same and all(_all_cut(r.runs[p]) for r in same)}
    single = min(singles, key=lambda p: singles[p]) if singles else None
    ml_cost = _cost_per_cut([r.runs["ml"] for r in same], economics)
    right_cost = _cost_per_cut([r.runs["best_preset"] for r in same], economics)
    oracle_cost = (_cost_per_cut([r.runs["oracle"] for r in same], economics)
                   if same and all(_all_cut(r.runs["oracle"]) for r in same) else math.inf)
    single_cost = singles[single] if single is not None else math.inf
    figures = summarise([r.runs["ml"] for r in members], economics)
    out |= {
        "same_cuts": {"items": len(same), "cuts": sum(r.runs["ml"].completed for r in same)},
        "ml_cost_per_cut": _rounded(ml_cost),
        "best_preset_per_item_cost_per_cut": _rounded(right_cost),
        "best_single_preset": single,
        "best_single_preset_cost_per_cut": _rounded(single_cost),
        "oracle_cost_per_cut": _rounded(oracle_cost),
        "ml_cost_vs_best_preset_per_item": _ratio(ml_cost, right_cost),
        "ml_cost_vs_best_single_preset": _ratio(ml_cost, single_cost),
        "oracle_cost_vs_best_single_preset": _ratio(oracle_cost, single_cost),
        "ml_overloads": figures["overloads"], "ml_failed_pieces": figures["failed_pieces"],
        "ml_chip_out_of_window_pct": figures["chip_out_of_window_pct"],
    }
    single_ratio = out["ml_cost_vs_best_single_preset"]
    out["meets_target"] = (single_ratio is not None and single_ratio <= TARGET_COST_RATIO
                           and figures["overloads"] == 0 and figures["failed_pieces"] == 0
                           and figures["chip_out_of_window_pct"] <= TARGET_CHIP_OUT_PCT)
    return out


def wins_and_losses(v: dict[str, Any], what: str = "items") -> str:
    """'ML better on 1 of 5 held-out items, worse on 4' (and even, when any)."""
    if "ml_better" not in v:
        return "no ML figures"
    even = f", even on {v['ml_even']}" if v["ml_even"] else ""
    return f"ML better on {v['ml_better']} of {v['items']} {what}, worse on {v['ml_worse']}{even}"


def by_held_out_kind(results: Sequence[ItemResult], economics: oracle.Economics) -> dict[str, dict[str, Any]]:
    """Held-out figures split by what was held out (an item held out two ways counts in both)."""
    ran = [m for m in MODES if results and all(m in r.runs for r in results)]
    out: dict[str, dict[str, Any]] = {}
    for kind in HELD_OUT_KINDS:
        members = [r for r in results if any(why.startswith(kind) for why in held_out_reasons(r.item))]
        table = {mode: summarise([r.runs[mode] for r in members], economics) for mode in ran}
        out[kind] = {"items": len(members), "verdict": verdict(members, economics) if members else {},
                     **{mode: {k: table[mode][k] for k in ("cost_per_cut", "overloads", "chip_out_of_window_pct")}
                        for mode in ("best_preset", "oracle", "ml") if mode in table}}
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
        "format": "bandsaw-ml-eval/2",
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
    data["verdict"] = {group: verdict([r for r in results if r.group == group], economics) for group in GROUPS}
    data["held_out_by_kind"] = by_held_out_kind(results, economics)
    data["items"] = [
        {"item": r.item.as_dict(), "group": r.group, "held_out_because": held_out_reasons(r.item),
         "modes": {mode: summarise([run], economics) | ({"preset": run.mode} if mode == "best_preset" else {})
                   for mode, run in r.runs.items()},
         "ml_vs_best_preset": item_outcome(r, economics)}
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
