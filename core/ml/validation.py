"""Held-out validation before a model is signed (``bandsaw ml train --from RAW_DB``).

The rows of one cut are strongly correlated (10 samples a second of the same bar, band and
operator), so a random split of rows would validate a model on near-copies of its training
rows. The split is by cut, in time order: the last cuts recorded are held out, the model is
fitted on the earlier ones only, and its mean absolute error on the held-out cuts is set beside
the naive baselines a model must beat to be worth anything:

* ``keep the speed``: coefficient 0 everywhere, the operator's preset left alone;
* ``training mean``: the mean label of the training cuts, whatever the saw does.

The model is signed only when its held-out error is at least :data:`MIN_IMPROVEMENT` below the
better baseline; otherwise (or with too little data to tell) :class:`ValidationRefused` says why
in one line. The model that is signed is the one that was validated (fitted on the training cuts).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

HELD_OUT_FRACTION = 0.25  # of the cuts, the latest ones
MIN_TRAIN_CUTS = 3
MIN_HELD_OUT_CUTS = 2
MIN_HELD_OUT_MOVES = 20  # held-out rows with a non-zero label: without them there is nothing to predict
MIN_IMPROVEMENT = 0.10  # held-out MAE at most 90 % of the better baseline's


class ValidationRefused(ValueError):
    """The model is not signed: too little data to validate it, or it does not beat a naive baseline."""


@dataclass(frozen=True, slots=True)
class Validation:
    cuts: int
    held_out_cuts: int
    train_rows: int
    held_out_rows: int
    train_mae: float
    held_out_mae: float
    baselines: dict[str, float]  # name -> held-out MAE
    label_scale: float  # mm/min per unit of label, for the figures in mm/min
    split: str = ""  # how the held-out rows were chosen, one line
    held_out_what: str = ""  # "the last 3 of 12 cuts", for the refusal

    @property
    def baseline(self) -> tuple[str, float]:
        name = min(self.baselines, key=lambda n: self.baselines[n])
        return name, self.baselines[name]

    @property
    def improvement(self) -> float:
        """1 - model MAE / best baseline MAE on the held-out cuts (> 0: the model is better)."""
        best = self.baseline[1]
        return 1.0 - self.held_out_mae / best if best > 0 else -np.inf

    @property
    def accepted(self) -> bool:
        return self.improvement >= MIN_IMPROVEMENT

    def as_dict(self) -> dict[str, Any]:
        name = self.baseline[0]
        return {
            "split": self.split,
            "train_cuts": self.cuts - self.held_out_cuts, "held_out_cuts": self.held_out_cuts,
            "train_rows": self.train_rows, "held_out_rows": self.held_out_rows,
            "train_mae": round(self.train_mae, 4), "held_out_mae": round(self.held_out_mae, 4),
            "baselines_held_out_mae": {n: round(v, 4) for n, v in self.baselines.items()},
            "best_baseline": name, "improvement_over_best_baseline": round(self.improvement, 4)
            if np.isfinite(self.improvement) else None,
            "required_improvement": MIN_IMPROVEMENT, "accepted": self.accepted,
            "signed_model": "fitted on the training cuts only (the model validated here)",
        }

    def summary(self) -> str:
        """The figures in a few lines, for the terminal."""
        scale = self.label_scale
        name = self.baseline[0]
        others = ", ".join(f"{n} {v:.3f} ({v * scale:.2f} mm/min)" for n, v in self.baselines.items())
        return "\n".join((
            f"held-out split: {self.split} ({self.train_rows} rows to train, {self.held_out_rows} held out)",
            f"held-out MAE: model {self.held_out_mae:.3f} ({self.held_out_mae * scale:.2f} mm/min); "
            f"naive baselines: {others}",
            f"model vs the best baseline ({name}): {100 * self.improvement:+.1f} % "
            f"(needs >= {100 * MIN_IMPROVEMENT:.0f} % better); in-sample MAE {self.train_mae:.3f}",
        ))

    def refusal(self) -> str:
        name, best = self.baseline
        return (f"not signed: held-out MAE {self.held_out_mae:.3f} does not beat the naive baseline "
                f"'{name}' ({best:.3f}) by {100 * MIN_IMPROVEMENT:.0f} % on {self.held_out_what} "
                f"({100 * self.improvement:+.1f} %)")


def split_by_cut(cut_of_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(train mask, held-out mask, cuts, held-out cuts): the latest cuts held out.

    Raises :class:`ValidationRefused` when there are too few cuts to hold any out honestly.
    """
    cut_ids = np.unique(cut_of_row)
    cuts = len(cut_ids)
    held = max(MIN_HELD_OUT_CUTS, math.ceil(cuts * HELD_OUT_FRACTION))
    if cuts - held < MIN_TRAIN_CUTS:
        raise ValidationRefused(
            f"too little data to validate: {cuts} cut(s) with usable samples; need at least "
            f"{MIN_TRAIN_CUTS + MIN_HELD_OUT_CUTS} ({MIN_TRAIN_CUTS} to train on, {MIN_HELD_OUT_CUTS} held out)")
    held_ids = np.sort(cut_ids)[-held:]
    held_mask = np.isin(cut_of_row, held_ids)
    return ~held_mask, held_mask, cuts, held


def validate(
    fit: Callable[[np.ndarray, np.ndarray], Any], x: np.ndarray, y: np.ndarray, cut_of_row: np.ndarray,
    *, label_scale: float,
) -> tuple[Any, Validation, np.ndarray]:
    """Fit on the earlier cuts, measure on the later ones: (estimator, figures, the training rows' mask),
    or :class:`ValidationRefused` when there is too little data to tell."""
    x, y, cut_of_row = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), np.asarray(cut_of_row)
    if not len(x) == len(y) == len(cut_of_row):
        raise ValueError("rows, labels and cuts differ in length")
    train_mask, held_mask, cuts, held = split_by_cut(cut_of_row)
    y_held = y[held_mask]
    moves = int(np.count_nonzero(y_held))
    if moves < MIN_HELD_OUT_MOVES:
        raise ValidationRefused(
            f"too little data to validate: the last {held} of {cuts} cuts hold {moves} sample(s) followed by an "
            f"operator correction; need at least {MIN_HELD_OUT_MOVES} (record more cuts with corrections)")
    estimator = fit(x[train_mask], y[train_mask])
    validation = measure(
        estimator, x[train_mask], y[train_mask], x[held_mask], y_held, cuts=cuts, held_out_cuts=held,
        split=f"by cut, in time order: trained on the first {cuts - held} cuts, validated on the last {held}",
        held_out_what=f"the last {held} of {cuts} cuts", label_scale=label_scale)
    return estimator, validation, train_mask


def measure(
    estimator: Any, x_train: np.ndarray, y_train: np.ndarray, x_held: np.ndarray, y_held: np.ndarray, *,
    cuts: int, held_out_cuts: int, split: str, held_out_what: str, label_scale: float,
) -> Validation:
    """A fitted estimator's held-out error beside the naive baselines (``cuts`` counts both parts)."""
    held_pred = np.asarray(estimator.predict(x_held), dtype=np.float64)
    train_pred = np.asarray(estimator.predict(x_train), dtype=np.float64)
    mean = float(np.mean(y_train))
    return Validation(
        cuts=cuts, held_out_cuts=held_out_cuts, train_rows=len(y_train), held_out_rows=len(y_held),
        train_mae=float(np.mean(np.abs(train_pred - y_train))),
        held_out_mae=float(np.mean(np.abs(held_pred - y_held))),
        baselines={"keep the speed": float(np.mean(np.abs(y_held))),
                   "training mean": float(np.mean(np.abs(y_held - mean)))},
        label_scale=label_scale, split=split, held_out_what=held_out_what,
    )
