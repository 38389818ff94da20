"""Training: a Bagging ensemble of decision trees that outputs the speed coefficient in [-1, 1].

Two label sources:

* the simulator (``simulate_cuts``): its physics oracle knows the descent speed that puts the
  chip at the top of the grade's window without passing the torque limit; the label is how
  far the current descent speed is from a safety fraction of it, scaled to [-1, 1]. Cuts run
  with randomised operator speeds and random excursions so the data covers speeds both sides
  of the target, then a second round runs the first model in the loop (DAgger) so the data
  also covers the states the model itself leads to.
* a recorded ``raw.db`` (``from_raw_db``): operator corrections. The label at a sample is
  the change the operator made to the descent speed over the next ``horizon_s``, scaled.

Either way the model is validated on held-out cuts before it is signed (:mod:`core.ml.validation`):
from a raw.db it is fitted on the earlier cuts and measured on the latest ones; from the simulator
it is measured on a quarter as many fresh cuts of other random training bars. It must beat the
naive baselines (keep the speed, the training mean) there, or it is refused and nothing is written.

Reproducible: the same seed gives the same data and the same trees.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.config import Settings, load_settings
from core.ml.artefact import LoadedModel, load_model, save_model
from core.ml.features import CURRENT_FROM_TORQUE, FeatureExtractor, training_envelope
from core.ml.plant_data import read_plant_data
from core.ml.signing import load_key
from core.ml.simenv import RunOptions, SimSaw, run_cuts
from core.ml.stock import random_training_item, split_description
from core.ml.validation import (
    HELD_OUT_FRACTION,
    MIN_HELD_OUT_CUTS,
    Validation,
    ValidationRefused,
    measure,
    validate,
)
from core.snapshot import SawState, Snapshot

log = logging.getLogger("bandsaw.ml")

DEFAULT_FEATURES: tuple[str, ...] = (
    # The reference system's four...
    CURRENT_FROM_TORQUE, "band_deviation", "cutting_speed", "descent_speed",
    # ...and what the real PLC says about the cut (core.ml.features.PLC_INPUTS): the hardness
    # class (not the grade code: a new grade of a known class carries over), the section shape
    # and height, where the head is, the band's pitch. No band wear: the PLC has no such register.
    "material_hardness", "cross_section", "material_width", "head_height", "tooth_pitch",
)
ORACLE_FRACTION = 0.92  # aim a little below the oracle: margin for noise and lag
LABEL_SCALE = 10.0  # mm/min of error that saturates the coefficient
# mm/min per unit coefficient per decision. The labels are about the descent only (the chip
# window at the operator's band speed), so the model does not move the band speed.
STEPS = {"descent_speed": 1.0, "cutting_speed": 0.0}


def _estimator(seed: int, n_estimators: int = 24) -> BaggingRegressor:
    tree = DecisionTreeRegressor(max_depth=12, min_samples_leaf=20, random_state=seed)
    return BaggingRegressor(estimator=tree, n_estimators=n_estimators, max_samples=0.6,
                            random_state=seed, n_jobs=1)


def oracle_label(oracle: float, descent: float) -> float:
    return float(np.clip((ORACLE_FRACTION * oracle - descent) / LABEL_SCALE, -1.0, 1.0))


# --- simulator data ----------------------------------------------------------------------


async def _collect(
    settings: Settings, cuts: int, seed: int, model: LoadedModel | None
) -> tuple[list[list[float]], list[float]]:
    """Rows and labels from ``cuts`` simulated cuts (random excursions, or ``model`` in the loop)."""
    rng = random.Random(seed)
    items = [random_training_item(rng) for _ in range(cuts)]  # never held-out stock (core.ml.stock)
    wear = iter([item.band_wear_pct / 100.0 for item in items[1:]] + [0.0] * cuts)
    saw = SimSaw(seed=seed, poll_hz=settings.modbus.read_rate_hz, polynomial=settings.ml.current_polynomial)
    saw.plc.wear = items[0].band_wear_pct / 100.0
    features = FeatureExtractor(DEFAULT_FEATURES, averaging=settings.ml.averaging_samples,
                                polynomial=settings.ml.current_polynomial)
    rows: list[list[float]] = []
    labels: list[float] = []
    state = {"next_change": 0.0, "cutting": False}

    def feed(snap: Snapshot) -> None:
        features.push(snap)

    async def decide() -> None:
        plc = saw.plc
        if plc.state is not SawState.CUTTING:
            if state["cutting"]:
                state["cutting"] = False
                plc.set_operator_speeds(rng.uniform(40, 90), rng.uniform(10, 50))
                plc.wear = next(wear)  # the next training item's band
            return
        state["cutting"] = True
        vector = features.vector()
        if vector is None:
            return
        oracle = plc.oracle_descent_speed()
        rows.append(vector)
        labels.append(oracle_label(oracle, plc.descent_sp))
        if model is not None:
            coefficient = model.predict(vector)
            plc.set_value("descent_speed", plc.descent_sp + coefficient * STEPS["descent_speed"])
        elif saw.time >= state["next_change"]:
            # An excursion around the target: the operator or a model overshooting either way.
            plc.set_value("descent_speed", oracle * rng.uniform(0.4, 1.35))
            state["next_change"] = saw.time + rng.uniform(2.0, 15.0)

    options = RunOptions(cuts=cuts, preset=(70.0, 30.0), pieces_per_stock=1,
                         stock=tuple(item.stock for item in items))
    await run_cuts(saw, options, feed=feed, decide=decide, decide_every=max(1, round(
        settings.modbus.read_rate_hz / settings.control.rate_hz)))
    return rows, labels


def _simulated_data(settings: Settings, cuts: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    explore = max(1, cuts * 2 // 3)
    rows, labels = asyncio.run(_collect(settings, explore, seed, None))
    first = _fit(np.asarray(rows), np.asarray(labels), seed)
    dagger_rows: list[list[float]] = []
    dagger_labels: list[float] = []
    if cuts - explore > 0:
        loaded = _in_memory(first)
        dagger_rows, dagger_labels = asyncio.run(_collect(settings, cuts - explore, seed + 1, loaded))
    x = np.asarray(rows + dagger_rows, dtype=np.float64)
    y = np.asarray(labels + dagger_labels, dtype=np.float64)
    description = {
        "source": "simulator",
        "labels": f"clip(({ORACLE_FRACTION} * oracle_descent_speed - descent_speed) / {LABEL_SCALE}, -1, 1)",
        "cuts": cuts,
        "exploration_cuts": explore,
        "dagger_cuts": cuts - explore,
        "rows": len(y),
        "seed": seed,
        "stock": "core.ml.stock.random_training_item (no held-out grade, size or band wear)",
        "held_out": split_description(),
    }
    return x, y, description


HELD_OUT_SEED = 7919  # the held-out cuts' bars and noise: a seed training never uses


def _simulated_validation(
    settings: Settings, cuts: int, seed: int, *, estimator: BaggingRegressor, x: np.ndarray, y: np.ndarray
) -> Validation:
    """The model on fresh simulated cuts of other random training bars (exploration, as the first round)."""
    held = max(MIN_HELD_OUT_CUTS, math.ceil(cuts * HELD_OUT_FRACTION))
    rows, labels = asyncio.run(_collect(settings, held, seed + HELD_OUT_SEED, None))
    if not labels:
        raise ValidationRefused(f"too little data to validate: {held} held-out simulated cuts gave no samples")
    return measure(estimator, x, y, np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.float64),
                   cuts=cuts + held, held_out_cuts=held,
                   split=f"trained on {cuts} simulated cuts, validated on {held} more of other random training "
                         "bars (never trained on)",
                   held_out_what=f"{held} held-out simulated cuts", label_scale=LABEL_SCALE)


def _in_memory(estimator: BaggingRegressor) -> LoadedModel:
    from core.ml.artefact import Manifest

    manifest = Manifest("in-training", "in-training.skops", "0" * 64, DEFAULT_FEATURES, "coefficient",
                        STEPS, "")
    return LoadedModel(manifest, estimator, Path("in-training"))


# --- raw.db data -------------------------------------------------------------------------


def raw_db_data(
    path: Path, settings: Settings, features: Sequence[str] = DEFAULT_FEATURES, *,
    ml_db: Path | None = None, log_db: Path | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Rows from raw.db ``samples``; labels from the operator's own descent corrections.

    ``ml_db`` / ``log_db`` (default: beside raw.db) tell the machine's writes from people's.
    Raises :class:`~core.ml.plant_data.NotEnoughData` naming what is missing.
    """
    x, y, _, description = _raw_db_rows(path, settings, features, ml_db=ml_db, log_db=log_db)
    return x, y, description


def _raw_db_rows(
    path: Path, settings: Settings, features: Sequence[str], *, ml_db: Path | None, log_db: Path | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """:func:`raw_db_data` and the cut each row belongs to (0 = the earliest), for the held-out split."""
    extractor = FeatureExtractor(features, averaging=settings.ml.averaging_samples,
                                 polynomial=settings.ml.current_polynomial)
    ml_db = ml_db if ml_db is not None else path.with_name("ml.db")
    log_db = log_db if log_db is not None else path.with_name("log.db")
    data = read_plant_data(path, ml_db, log_db, extractor, LABEL_SCALE)
    description = data.describe(path) | {"label_scale": LABEL_SCALE}
    return np.asarray(data.rows), np.asarray(data.labels), np.asarray(data.row_cuts), description


# --- fitting -----------------------------------------------------------------------------


def _fit(x: np.ndarray, y: np.ndarray, seed: int) -> BaggingRegressor:
    estimator = _estimator(seed)
    estimator.fit(x, y)
    return estimator


def train(
    from_raw_db: Path | None,
    simulate_cuts: int | None,
    out: Path,
    seed: int,
    *,
    settings: Settings | None = None,
    ml_db: Path | None = None,
    log_db: Path | None = None,
    figures: Callable[[str], None] | None = None,
) -> Path:
    """Train and save NAME.skops + NAME.json (signed) at ``out``; returns the manifest path.

    The model is validated on held-out cuts first (module docstring); ``figures`` gets the held-out
    error beside the naive baselines (accepted or not). A model that does not beat them, or data
    too thin to tell, raises :class:`~core.ml.validation.ValidationRefused` and writes nothing.
    """
    settings = settings or load_settings()
    if (from_raw_db is None) == (simulate_cuts is None):
        raise ValueError("give exactly one of a raw.db to learn from or a number of cuts to simulate")
    if from_raw_db is not None:
        x, y, cut_of_row, description = _raw_db_rows(from_raw_db, settings, DEFAULT_FEATURES, ml_db=ml_db,
                                                     log_db=log_db)
        estimator, validation, train_rows = validate(lambda a, b: _fit(a, b, seed), x, y, cut_of_row,
                                                     label_scale=LABEL_SCALE)
        x, y = x[train_rows], y[train_rows]  # what the signed model was fitted on
    else:
        assert simulate_cuts is not None
        if simulate_cuts < 3:
            raise ValueError("simulate at least 3 cuts")
        x, y, description = _simulated_data(settings, simulate_cuts, seed)
        estimator = _fit(x, y, seed)
        validation = _simulated_validation(settings, simulate_cuts, seed, estimator=estimator, x=x, y=y)
    log.info("held-out validation: %s", validation.as_dict())
    if figures is not None:
        figures(validation.summary())
    if not validation.accepted:
        raise ValidationRefused(validation.refusal())
    description["validation"] = validation.as_dict()
    residual = float(np.mean(np.abs(estimator.predict(x) - y)))
    description |= {"seed": seed, "train_mae": round(residual, 4),
                    "estimator": f"BaggingRegressor({estimator.n_estimators} x DecisionTreeRegressor, max_depth 12)"}
    log.info("trained on %d rows, train MAE %.3f", len(y), residual)
    key = load_key(settings.data_dir)
    envelope = training_envelope(x, DEFAULT_FEATURES)
    manifest = save_model(estimator, out, features=DEFAULT_FEATURES, steps=STEPS, training=description,
                          key=key, envelope=envelope)
    load_model(manifest, key)  # what we ship must load
    return manifest
