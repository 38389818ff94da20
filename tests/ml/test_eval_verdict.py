"""The evaluation's verdict compares ML with the presets on the same cuts and shows per-item losses.

The review of #14: on held-out grades ML lost to the right preset on 4 of 5 items while the
verdict said MET against the best single preset; and a group's cost per cut divided each mode's
spend by the pieces that mode completed, so a preset that tripped out of a hard bar was averaged
over easier cuts than ML's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest import approx

from core.config import Settings
from core.ml.eval_report import report_markdown
from core.ml.evalrun import Attempt, ItemRun
from core.ml.evaluate import PRESETS, ItemResult, _cost_per_cut, item_outcome, to_json, verdict
from core.ml.stock import held_out_stock
from core.sim import oracle

ECONOMICS = oracle.Economics(machine_rate_per_hour=3600.0, band_price=0.0)  # cost = seconds of cutting


def _run(mode: str, cuts: Sequence[float | None]) -> ItemRun:
    """Two pieces as a list of cut costs; None: an attempt that tripped (costs 1) and failed the piece."""
    attempts = [Attempt(completed=False, cut_s=1.0, trip="torque_overload") if c is None
                else Attempt(completed=True, cut_s=c) for c in cuts]
    return ItemRun("x", mode, pieces=2, attempts=attempts)


def _item(index: int, costs: Mapping[str, Sequence[float | None]]) -> ItemResult:
    result = ItemResult(held_out_stock()[index])
    for mode, cuts in costs.items():
        result.runs[mode] = _run(mode, cuts)
    presets = [result.runs[p] for p in PRESETS]
    result.runs["best_preset"] = min(presets, key=lambda r: _cost_per_cut([r], ECONOMICS))  # as evaluate_items
    return result


def _four_losses_one_win() -> list[ItemResult]:
    easy = {"slow": [3.0, 3.0], "normal": [2.0, 2.0], "fast": [2.5, 2.5], "oracle": [1.5, 1.5], "ml": [2.2, 2.2]}
    hard = {"slow": [20.0, 20.0], "normal": [9.0, 9.0], "fast": [30.0, 30.0], "oracle": [5.0, 5.0], "ml": [6.0, 6.0]}
    return [_item(i, easy) for i in range(4)] + [_item(4, hard)]


def test_per_item_losses_are_counted_and_named_in_the_verdict(settings: Settings) -> None:
    results = _four_losses_one_win()
    v = verdict(results, ECONOMICS)
    assert (v["ml_better"], v["ml_worse"], v["ml_even"]) == (1, 4, 0)
    assert v["ml_worse_on"] == [r.item.label for r in results[:4]]
    # On these cuts ML is cheaper than the best single preset in total (the hard bar weighs most)...
    assert v["best_single_preset"] == "normal" and v["ml_cost_vs_best_single_preset"] < 1.0
    # ...which is what the old verdict showed alone: the report leads with the losses.
    assert item_outcome(results[0], ECONOMICS) == {
        "best_preset": "normal", "best_preset_cost_per_cut": 2.0, "ml_cost_per_cut": 2.2, "ml_vs_best_preset": 1.1,
        "outcome": "worse", "ml_overloads": 0, "note": ""}
    data = to_json(results, settings, model=None, seed=1, pieces=2)
    text = report_markdown(data)
    assert "**ML better on 1 of 5 held-out items, worse on 4** against the right preset" in text
    assert "## ML against the right preset, item by item" in text
    assert f"{results[0].item.label} | " in text and " | worse | 0" in text and " | better | 0" in text


def test_the_verdict_compares_on_the_same_cuts(settings: Settings) -> None:
    # Item 4: normal and fast trip out of both pieces; slow cuts it. The group table's normal
    # cost per cut leaves that bar out (cheap cuts only); the verdict does not.
    easy = {"slow": [3.0, 3.0], "normal": [2.0, 2.0], "fast": [2.5, 2.5], "oracle": [1.5, 1.5], "ml": [1.7, 1.7]}
    hard: dict[str, list[float | None]] = {
        "slow": [6.0, 6.0], "normal": [None, None], "fast": [None, None], "oracle": [4.0, 4.0], "ml": [5.0, 5.0]}
    results = [_item(i, easy) for i in range(4)] + [_item(4, hard)]
    data = to_json(results, settings, model=None, seed=1, pieces=2)
    table = data["held_out"]
    assert table["normal"]["cuts"] == 8 and table["ml"]["cuts"] == 10  # different cut sets
    v = verdict(results, ECONOMICS)
    assert v["same_cuts"] == {"items": 5, "cuts": 10}
    assert (v["ml_better"], v["ml_worse"]) == (5, 0)
    assert v["best_single_preset"] == "slow"  # the one preset that cut every piece
    assert v["best_single_preset_cost_per_cut"] == approx((8 * 3.0 + 2 * 6.0) / 10)
    assert v["ml_cost_per_cut"] == approx((8 * 1.7 + 2 * 5.0) / 10)
    assert v["best_preset_per_item_cost_per_cut"] == approx((8 * 2.0 + 2 * 6.0) / 10)
    assert v["ml_cost_vs_best_preset_per_item"] == round(v["ml_cost_per_cut"] / 2.8, 4)
    outcome = item_outcome(results[4], ECONOMICS)
    assert outcome is not None and outcome["best_preset"] == "slow"
    # ML failing a piece the right preset cut is a loss, whatever the cost.
    results[4].runs["ml"] = _run("ml", [None, 1.0])
    v = verdict(results, ECONOMICS)
    assert (v["ml_better"], v["ml_worse"]) == (4, 1) and v["same_cuts"] == {"items": 4, "cuts": 8}
    outcome = item_outcome(results[4], ECONOMICS)
    assert outcome is not None and outcome["note"] == "ML failed 1 piece(s)" and not v["meets_target"]
