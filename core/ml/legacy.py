"""The older system's model (a scikit-learn Bagging ensemble pickled with joblib) as an artefact.

``bandsaw ml import-legacy FILE.pkl`` turns the plant's trusted pickle into this project's model
artefact (NAME.joblib + NAME.json, see artefact.py), so the ML controller runs it behind the
same safety layer as any model: hash-checked load, envelope, rate limits, torque guard, stale
data and fault handling. The manifest records what the older system fed it and what its output
means, from SMART-SAW.md:

- inputs, in this order: band current (A) computed from the band torque with the current
  polynomial (the current register is unreliable), band deviation (mm), cutting speed (m/min),
  descent speed (mm/min); each the mean of the last ``ml.averaging_samples`` samples;
- output: a coefficient in [-1, 1] that adjusts the descent speed (step per unit coefficient
  per decision in the manifest).

A pickle runs code when it is loaded: the import is for an administrator who trusts the file;
it shows the file's sha256 first, and ``expected_sha256`` lets a script refuse any other file.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from core.ml.artefact import ModelRefused, load_model, save_model
from core.ml.features import CURRENT_FROM_TORQUE
from core.ml.signing import ModelKey

LEGACY_FEATURES: tuple[str, ...] = (CURRENT_FROM_TORQUE, "band_deviation", "cutting_speed", "descent_speed")
INPUTS = (
    "band current (A), from band torque (%) with ml.current_polynomial a2*x^2 + a1*x + a0",
    "band deviation (mm)",
    "cutting speed (m/min)",
    "descent speed (mm/min)",
)
# Typical inputs for a plausibility check: a model that cannot answer these is not that model.
_PROBE = np.asarray([[12.0, 0.0, 70.0, 30.0], [18.0, 0.3, 90.0, 45.0], [8.0, -0.2, 50.0, 20.0]])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class LegacyImport:
    manifest: Path
    source_sha256: str
    estimator: str  # class name, e.g. BaggingRegressor
    trained_with: str  # scikit-learn version the pickle was made with
    warnings: tuple[str, ...]
    probe: tuple[float, ...]  # the model's outputs on _PROBE


def import_legacy(
    pkl: Path,
    out: Path,
    *,
    averaging: int,
    polynomial: Sequence[float],
    descent_step: float,
    expected_sha256: str | None = None,
    key: ModelKey | None = None,
) -> LegacyImport:
    """Unpickle ``pkl`` (trusted by the caller), check it, write the artefact at ``out``.

    Raises ModelRefused with one line when the file is not the hash expected, does not unpickle,
    or is not a four-input regressor answering numbers.
    """
    if not math.isfinite(descent_step) or descent_step <= 0:
        raise ModelRefused(f"descent step {descent_step!r}: must be a positive number (mm/min)")
    try:
        payload = pkl.read_bytes()
    except OSError as exc:
        raise ModelRefused(f"{pkl}: cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(payload).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256.strip().lower():
        raise ModelRefused(f"{pkl}: sha256 {digest} is not the expected {expected_sha256}: not loaded")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator = joblib.load(io.BytesIO(payload))
        except Exception as exc:  # anything a foreign pickle can raise
            raise ModelRefused(f"{pkl}: cannot unpickle: {type(exc).__name__}: {exc}") from None
    notes = tuple(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    probe = _check(estimator, pkl)
    trained_with = _trained_with(caught)
    training: dict[str, Any] = {
        "source": "smart-saw (the older system): imported pickle",
        "original_file": pkl.name,
        "original_sha256": digest,
        "estimator": type(estimator).__name__,
        "trained_with_sklearn": trained_with,
        "inputs_in_order": list(INPUTS),
        "averaging": f"each input is the mean of the last {averaging} samples (ml.averaging_samples)",
        "current_polynomial": [float(c) for c in polynomial],
        "output": ("coefficient in [-1, 1]; the descent speed setpoint changes by coefficient x "
                   f"{descent_step:g} mm/min per decision (within the envelope and rate limits)"),
        "imported_ms": int(time.time() * 1000),
    }
    # Stored as skops and signed with the installation's key (the admin vouched for the pickle).
    manifest = save_model(estimator, out, features=LEGACY_FEATURES, steps={"descent_speed": descent_step},
                          training=training, key=key)
    load_model(manifest, key)  # what was written must load through the controller's own checks
    return LegacyImport(manifest, digest, type(estimator).__name__, trained_with, notes, probe)


def _check(estimator: Any, pkl: Path) -> tuple[float, ...]:
    if not hasattr(estimator, "predict"):
        raise ModelRefused(f"{pkl}: {type(estimator).__name__} has no predict(): not a model")
    n_in = getattr(estimator, "n_features_in_", None)
    if n_in is not None and n_in != len(LEGACY_FEATURES):
        raise ModelRefused(f"{pkl}: the model takes {n_in} inputs; the older system's model takes 4 "
                           "(current, deviation, cutting speed, descent speed)")
    if hasattr(estimator, "n_jobs"):
        estimator.n_jobs = 1
    try:
        values = np.asarray(estimator.predict(_PROBE), dtype=np.float64).reshape(-1)
    except Exception as exc:
        raise ModelRefused(f"{pkl}: predict() failed on four inputs: {type(exc).__name__}: {exc}") from None
    if values.shape != (len(_PROBE),) or not np.all(np.isfinite(values)):
        raise ModelRefused(f"{pkl}: predict() does not answer one number per input row: {values!r}")
    return tuple(float(v) for v in values)


def _trained_with(caught: Sequence[warnings.WarningMessage]) -> str:
    """The scikit-learn version the pickle was made with (sklearn warns when it differs)."""
    import sklearn

    for item in caught:
        original = getattr(item.message, "original_sklearn_version", None)
        if original:
            return str(original)
    return sklearn.__version__
