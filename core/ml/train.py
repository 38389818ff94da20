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

Reproducible: the same seed gives the same data and the same trees.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.config import Settings, load_settings
from core.ml.artefact import LoadedModel, load_model, save_model
from core.ml.features import CURRENT_FROM_TORQUE, FeatureExtractor, training_envelope
from core.ml.signing import load_key
from core.ml.simenv import RunOptions, SimSaw, run_cuts
from core.snapshot import SawState, Snapshot

log = logging.getLogger("bandsaw.ml")

DEFAULT_FEATURES: tuple[str, ...] = (
    # The reference system's four...
    CURRENT_FROM_TORQUE, "band_deviation", "cutting_speed", "descent_speed",
    # ...and what the PLC says about the cut: where the head is in which section of which grade.
    "head_height", "material_type", "material_hardness", "cross_section",
    "dimension_a", "dimension_b", "dimension_c", "dimension_d", "tooth_pitch", "band_wear",
)
ORACLE_FRACTION = 0.92  # aim a little below the oracle: margin for noise and lag
LABEL_SCALE = 10.0  # mm/min of error that saturates the coefficient
STEPS = {"descent_speed": 1.0, "cutting_speed": 0.5}  # mm/min per unit coefficient per decision
HORIZON_S = 10.0  # raw.db labels: the operator's correction over this horizon


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
    saw = SimSaw(seed=seed, poll_hz=settings.modbus.read_rate_hz, polynomial=settings.ml.current_polynomial)
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
                plc.set_operator_speeds(rng.uniform(45, 95), rng.uniform(12, 50))
                if model is None:
                    plc.wear = rng.uniform(0.0, 0.9)  # bands of every age, not one band's life
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

    options = RunOptions(cuts=cuts, preset=(70.0, 30.0), pieces_per_stock=1)
    rng.shuffle(stock := list(options.stock))
    options.stock = tuple(stock)
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
    }
    return x, y, description


def _in_memory(estimator: BaggingRegressor) -> LoadedModel:
    from core.ml.artefact import Manifest

    manifest = Manifest("in-training", "in-training.skops", "0" * 64, DEFAULT_FEATURES, "coefficient",
                        STEPS, "")
    return LoadedModel(manifest, estimator, Path("in-training"))


# --- raw.db data -------------------------------------------------------------------------


def raw_db_data(
    path: Path, settings: Settings, features: Sequence[str] = DEFAULT_FEATURES
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Rows from raw.db ``samples``; labels from the operator's descent corrections."""
    extractor = FeatureExtractor(features, averaging=settings.ml.averaging_samples,
                                 polynomial=settings.ml.current_polynomial)
    columns = sorted(set(extractor.registers) | {"saw_state", "descent_speed"})
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValueError(f"{path}: cannot open: {exc}") from None
    try:
        present = {row[1] for row in conn.execute("PRAGMA table_info(samples)")}
        missing = [c for c in columns if c not in present]
        if not present:
            raise ValueError(f"{path}: no samples table")
        if missing:
            raise ValueError(f"{path}: samples lack columns {', '.join(missing)}")
        query = f"SELECT ts_ms, {', '.join(columns)} FROM samples ORDER BY ts_ms"
        data = conn.execute(query).fetchall()
    except sqlite3.Error as exc:
        raise ValueError(f"{path}: cannot read samples: {exc}") from None
    finally:
        conn.close()
    ts = np.asarray([r[0] for r in data], dtype=np.int64)
    descent = np.asarray([np.nan if r[1 + columns.index("descent_speed")] is None
                          else r[1 + columns.index("descent_speed")] for r in data])
    rows: list[list[float]] = []
    labels: list[float] = []
    horizon_ms = int(HORIZON_S * 1000)
    for i, record in enumerate(data):
        values = dict(zip(columns, record[1:], strict=True))
        extractor.push_values(values)
        if values.get("saw_state") != float(SawState.CUTTING):
            continue
        vector = extractor.vector()
        j = int(np.searchsorted(ts, ts[i] + horizon_ms))
        if vector is None or j >= len(ts) or not np.isfinite(descent[i]) or not np.isfinite(descent[j]):
            continue
        rows.append(vector)
        labels.append(float(np.clip((descent[j] - descent[i]) / LABEL_SCALE, -1.0, 1.0)))
    if len(rows) < 100:
        raise ValueError(f"{path}: only {len(rows)} usable cutting samples; need at least 100")
    description = {"source": "raw.db", "path": str(path), "rows": len(rows),
                   "labels": f"operator descent correction over {HORIZON_S:g} s / {LABEL_SCALE}"}
    return np.asarray(rows), np.asarray(labels), description


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
) -> Path:
    """Train and save NAME.joblib + NAME.json at ``out``; returns the manifest path."""
    settings = settings or load_settings()
    if (from_raw_db is None) == (simulate_cuts is None):
        raise ValueError("give exactly one of a raw.db to learn from or a number of cuts to simulate")
    if from_raw_db is not None:
        x, y, description = raw_db_data(from_raw_db, settings)
    else:
        assert simulate_cuts is not None
        if simulate_cuts < 3:
            raise ValueError("simulate at least 3 cuts")
        x, y, description = _simulated_data(settings, simulate_cuts, seed)
    estimator = _fit(x, y, seed)
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
