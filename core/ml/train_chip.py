"""Build the chip-policy model: the chip-window table and the learned band-speed feed-forward.

Both come from the training split only (:mod:`core.ml.stock`): held-out grades, section sizes
and band-wear levels are never looked at.

* Chip windows per PLC hardness class: for each class, the highest bottom and the lowest top of
  the windows of the training grades in that class (what a band maker's chip chart gives for
  the known materials). A grade the table never saw is cut in the window of its class, at
  ``aim`` of its top.
* Band speed: a bagging ensemble of small regression trees learns the simulator oracle's
  cost-minimising band speed (:func:`core.sim.oracle.best_plan`) from the hardness class and the
  section's size (mean contact, height), over random training bars at training band wear. The
  PLC has no band-wear register, so the model learns the speed that is best on average over wear.

Reproducible: the same seed gives the same table and the same trees.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.config import Settings, load_settings
from core.control.chip_model import Geometry
from core.control.chip_policy import SPEED_INPUTS, ChipSettings
from core.ml.artefact import load_model, save_model
from core.ml.features import training_envelope
from core.ml.signing import ModelKey, load_key
from core.ml.stock import HELD_OUT_GRADES, StockItem, random_training_item, split_description
from core.sim import cutting as cm
from core.sim import oracle
from core.sim.materials import GRADES

log = logging.getLogger("bandsaw.ml")

# The registers the chip policy reads (all on the real PLC: core.ml.features.PLC_INPUTS), shown
# on the Control page with each decision...
CHIP_FEATURES: tuple[str, ...] = (
    "band_torque", "band_deviation", "cutting_speed", "descent_speed", "cutting_speed_actual",
    "descent_speed_actual", "head_height", "tooth_pitch", "material_type", "material_hardness",
    "cross_section", "dimension_a", "dimension_b", "dimension_c", "dimension_d", "material_width",
)
# ...and those its competence envelope covers: the hardness classes and section shapes training
# saw, section heights and the band's pitch. Not the grade code: a grade the table does not
# know is cut in its hardness class's window.
ENVELOPE_FEATURES: tuple[str, ...] = ("material_hardness", "cross_section", "material_width", "tooth_pitch")
AIM = 0.8  # fraction of the class's window top for a grade the table does not know: room for a narrower one
GRADE_AIM = 0.95  # fraction of a known grade's own window top


def chip_windows(codes: Sequence[int] | None = None) -> dict[int, tuple[float, float]]:
    """Per hardness class: (highest window bottom, lowest window top) of the training grades."""
    allowed = set(codes) if codes is not None else {g.code for g in GRADES} - HELD_OUT_GRADES
    windows: dict[int, tuple[float, float]] = {}
    for grade in GRADES:
        if grade.code not in allowed:
            continue
        code = grade.hardness_code
        low, top = windows.get(code, (0.0, 1.0))
        windows[code] = (max(low, grade.h_min), min(top, grade.h_max))
    return windows


def grade_windows() -> dict[int, tuple[float, float]]:
    """The training grades' own windows, by material code (held-out grades are not in it)."""
    return {g.code: (g.h_min, g.h_max) for g in GRADES if g.code not in HELD_OUT_GRADES}


def register_values(item: StockItem) -> dict[str, float]:
    """What the PLC's material registers say about ``item`` (no profile kind: the PLC has none)."""
    s = item.stock.section
    return {"material_hardness": float(item.stock.grade.hardness_code), "cross_section": float(s.shape),
            "dimension_a": s.a, "dimension_b": s.b, "dimension_c": s.c, "dimension_d": s.d,
            "material_width": s.height, "tooth_pitch": cm.Machine().tooth_pitch}


def speed_row(values: dict[str, float], inputs: Sequence[str] = SPEED_INPUTS) -> list[float]:
    geometry = Geometry.from_values(values)
    if geometry is None:
        raise ValueError(f"no section from {values}")
    derived = {"mean_chord": geometry.mean_chord()}
    return [float(derived.get(name, values.get(name, float("nan")))) for name in inputs]


def training_rows(settings: Settings, items: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(speed-model rows, oracle band speeds, envelope rows) from ``items`` random training bars."""
    rng = random.Random(seed)
    economics = oracle.Economics(settings.cost.machine_rate_per_hour, settings.cost.band_price)
    rows, speeds, envelope_rows = [], [], []
    for _ in range(items):
        item = random_training_item(rng)
        plan = oracle.best_plan(item.stock.grade, item.stock.section, item.band_wear_pct / 100.0, economics,
                                step=2.0)
        values = register_values(item)
        rows.append(speed_row(values))
        speeds.append(plan.cutting_speed)
        envelope_rows.append([values[name] for name in ENVELOPE_FEATURES])
    return np.asarray(rows), np.asarray(speeds), np.asarray(envelope_rows)


def _estimator(seed: int) -> BaggingRegressor:
    tree = DecisionTreeRegressor(max_depth=6, min_samples_leaf=8, random_state=seed)
    return BaggingRegressor(estimator=tree, n_estimators=24, max_samples=0.7, random_state=seed, n_jobs=1)


def train_chip(out: Path, *, items: int = 600, seed: int = 42, settings: Settings | None = None,
               key: ModelKey | None = None, shipped: bool = False) -> Path:
    """Write NAME.skops + NAME.json (signed with the installation key, or ``key``); the manifest path.

    ``shipped``: leave the manifest unsigned, for a model shipped in data/models (its digest is
    then pinned in :data:`core.ml.signing.SHIPPED_MANIFESTS`).
    """
    if items < 20:
        raise ValueError("the chip model needs at least 20 training bars")
    settings = settings or load_settings()
    x, y, env = training_rows(settings, items, seed)
    estimator = _estimator(seed)
    estimator.fit(x, y)
    mae = float(np.mean(np.abs(estimator.predict(x) - y)))
    chip = ChipSettings(windows=chip_windows(), aim=AIM, grade_windows=grade_windows(), grade_aim=GRADE_AIM)
    training: dict[str, Any] = {
        "source": "simulator",
        "policy": "chip thickness held at aim x the hardness class's window top, under a measured-load cap",
        "windows": "per hardness class: highest bottom / lowest top of the training grades' windows "
                   f"(aim {AIM}); a training grade's own window (aim {GRADE_AIM}) by material code",
        "speed_labels": "core.sim.oracle.best_plan cutting speed (the cost-minimising band speed)",
        "items": items,
        "seed": seed,
        "train_mae_m_min": round(mae, 3),
        "estimator": "BaggingRegressor(24 x DecisionTreeRegressor, max_depth 6)",
        "stock": "core.ml.stock.random_training_item (no held-out grade, size or band wear)",
        "held_out": split_description(),
    }
    log.info("chip model: %d bars, band-speed MAE %.2f m/min", items, mae)
    if not shipped:
        key = key if key is not None else load_key(settings.data_dir)
    manifest = save_model(estimator, out, features=CHIP_FEATURES, steps={}, training=training,
                          key=None if shipped else key, envelope=training_envelope(env, ENVELOPE_FEATURES),
                          output_kind="chip", chip=chip.to_json())
    if not shipped:
        load_model(manifest, key)  # what we write must load
    return manifest
