"""The model artefact: a skops file and a signed JSON manifest beside it, loaded only when trusted.

``data/models/NAME.skops`` holds the estimator in skops's format, which rebuilds objects from
an explicit list of types and never runs code from the file (unlike a pickle);
``data/models/NAME.json`` says what the model needs and promises: feature names in order, the
training envelope (per-feature ranges, known material and hardness codes), the output kind and
how it maps to speed steps, library versions, and the model file's sha256, all covered by the
installation's signature (:mod:`core.ml.signing`). The manifest lives in :mod:`core.ml.manifest`
(no scikit-learn needed to read it); this module re-exports its names.

:func:`load_model` checks, in this order, and refuses with one clear line at the first that
fails: the manifest is signed by this installation (or is a pinned shipped model) -> its fields
are sound -> the model file's bytes match the sha256 -> the library versions match -> the file
names no type outside :data:`TRUSTED_TYPES` -> only then are those same bytes deserialised.
The legacy joblib/pickle format is never loaded here: ``bandsaw ml trust`` converts it, for an
admin who accepts the risk (:mod:`core.ml.trust`).
"""

from __future__ import annotations

import hashlib
import math
import platform
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
import skops.io as sio

from core.control.chip_policy import ChipSettings
from core.ml.manifest import (
    FORMAT,
    LEGACY_FORMAT,
    LEGACY_SUFFIX,
    MODEL_SUFFIX,
    OUTPUT_KINDS,
    STEP_REGISTERS,
    Manifest,
    ModelRefused,
    artefact_paths,
    peek_manifest,
    read_manifest,
    read_manifest_data,
    trusted_by,
    write_manifest,
)
from core.ml.signing import ModelKey

__all__ = ["FORMAT", "LEGACY_FORMAT", "LEGACY_SUFFIX", "MODEL_SUFFIX", "OUTPUT_KINDS", "STEP_REGISTERS",
           "TRUSTED_TYPES", "LoadedModel", "Manifest", "ModelRefused", "artefact_paths", "dump_estimator",
           "library_versions", "load_estimator", "load_model", "peek_manifest", "read_manifest",
           "read_manifest_data", "save_model", "trusted_by", "untrusted_types", "write_manifest"]

# Types skops may rebuild beyond its own default-trusted set (sklearn estimators, numpy arrays).
TRUSTED_TYPES: tuple[str, ...] = ("sklearn.tree._tree.Tree",)


def _version_key(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def library_versions() -> dict[str, str]:
    return {"sklearn": sklearn.__version__, "skops": skops.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def dump_estimator(estimator: Any) -> bytes:
    return bytes(sio.dumps(estimator, compression=zipfile.ZIP_DEFLATED))


def save_model(
    estimator: Any,
    path: Path,
    *,
    features: Sequence[str],
    steps: Mapping[str, float],
    training: Mapping[str, Any],
    key: ModelKey | None,
    envelope: Mapping[str, Any] | None = None,
    output_kind: str = "coefficient",
    class_values: Mapping[str, float] | None = None,
    chip: Mapping[str, Any] | None = None,
) -> Path:
    """Write NAME.skops and NAME.json (signed with ``key``; None leaves it unsigned); returns the manifest."""
    manifest_path, model_path = artefact_paths(path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    payload = dump_estimator(estimator)
    model_path.write_bytes(payload)
    manifest = Manifest(
        name=model_path.stem,
        model_file=model_path.name,
        sha256=hashlib.sha256(payload).hexdigest(),
        features=tuple(features),
        output_kind=output_kind,
        steps=dict(steps),
        sklearn_version=sklearn.__version__,
        training=dict(training),
        class_values=dict(class_values or {}),
        created_ms=int(time.time() * 1000),
        envelope=dict(envelope or {}),
        versions=library_versions(),
        chip=dict(chip or {}),
    )
    write_manifest(manifest_path, manifest.to_json(), key)
    return manifest_path


def untrusted_types(payload: bytes) -> list[str]:
    """Types in a skops payload outside :data:`TRUSTED_TYPES` (and skops's defaults)."""
    return [t for t in sio.get_untrusted_types(data=payload) if t not in TRUSTED_TYPES]


def load_estimator(payload: bytes, source: str) -> Any:
    """Rebuild an estimator from skops bytes; refused if the file names any untrusted type."""
    try:
        unknown = untrusted_types(payload)
    except Exception as exc:  # not a skops file at all (a pickle, garbage): never deserialised
        raise ModelRefused(f"{source}: not a skops model file: {type(exc).__name__}: {exc}") from None
    if unknown:
        raise ModelRefused(f"{source}: model file uses types outside the trusted list: {', '.join(unknown)}")
    try:
        return sio.loads(payload, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # a checked file can still fail to load (version drift)
        raise ModelRefused(f"{source}: cannot load the skops file: {type(exc).__name__}: {exc}") from None


def load_model(path: Path, key: ModelKey | None = None) -> LoadedModel:
    """Load a trusted model that matches its manifest; raises :class:`ModelRefused` otherwise.

    ``key`` is the installation's (:func:`core.ml.signing.load_key`); without it only the
    shipped models are trusted.
    """
    manifest = read_manifest(path, key)
    manifest_path, _ = artefact_paths(path)
    model_path = manifest_path.with_name(manifest.model_file)
    try:
        payload = model_path.read_bytes()
    except OSError as exc:
        raise ModelRefused(f"{model_path}: cannot read model file: {exc.strerror or exc}") from None
    digest = hashlib.sha256(payload).hexdigest()
    if digest != manifest.sha256:
        raise ModelRefused(
            f"{model_path}: sha256 {digest[:12]}... does not match the manifest's "
            f"{manifest.sha256[:12]}...: file changed or corrupt, not loaded"
        )
    if _version_key(manifest.sklearn_version) != _version_key(sklearn.__version__):
        raise ModelRefused(
            f"{model_path}: trained with scikit-learn {manifest.sklearn_version}, "
            f"this install has {sklearn.__version__}: retrain the model"
        )
    estimator = load_estimator(payload, str(model_path))
    return LoadedModel(manifest, estimator, model_path)


class LoadedModel:
    """A verified model: ``predict(features)`` returns the coefficient in [-1, 1]."""

    def __init__(self, manifest: Manifest, estimator: Any, path: Path) -> None:
        self.manifest = manifest
        self.estimator = estimator
        self.path = path
        self.name = manifest.name
        self.features = manifest.features
        self.steps = dict(manifest.steps)
        self.envelope = manifest.envelope
        self.chip = ChipSettings.from_json(manifest.chip) if manifest.output_kind == "chip" else None
        inputs = self.chip.speed_inputs if self.chip is not None else manifest.features
        n_in = getattr(estimator, "n_features_in_", None)
        if n_in is not None and n_in != len(inputs):
            raise ModelRefused(
                f"{path}: estimator takes {n_in} features, manifest lists {len(inputs)}"
            )
        if manifest.output_kind in ("coefficient", "chip") and not hasattr(estimator, "predict"):
            raise ModelRefused(f"{path}: estimator has no predict()")
        if manifest.output_kind == "classes":
            classes = [str(c) for c in getattr(estimator, "classes_", [])]
            missing = [c for c in classes if c not in manifest.class_values]
            if not classes or missing:
                raise ModelRefused(f"{path}: classes {missing or '?'} have no coefficient in the manifest")
            self._class_values = [manifest.class_values[c] for c in classes]
        if hasattr(estimator, "n_jobs"):
            # One-row predictions through joblib's pool are several times slower.
            estimator.n_jobs = 1
        self._forest = _compile_forest(estimator) if manifest.output_kind in ("coefficient", "chip") else None

    def predict_speed(self, row: Sequence[float]) -> float:
        """The chip policy's feed-forward: band speed (m/min) for its ``speed_inputs``."""
        if self.chip is None:
            raise ValueError("not a chip-policy model")
        if len(row) != len(self.chip.speed_inputs):
            raise ValueError(f"expected {len(self.chip.speed_inputs)} inputs, got {len(row)}")
        value = self._forest.predict(row) if self._forest is not None else float(
            self.estimator.predict(np.asarray([row], dtype=np.float64))[0])
        if not math.isfinite(value):
            raise ValueError(f"speed model output {value!r} is not a number")
        return float(value)

    def predict(self, x: Sequence[float]) -> float:
        """The model's coefficient for one feature vector, clipped to [-1, 1]."""
        if len(x) != len(self.features):
            raise ValueError(f"expected {len(self.features)} features, got {len(x)}")
        if self._forest is not None:
            value = self._forest.predict(x)
        elif self.manifest.output_kind == "classes":
            proba = self.estimator.predict_proba(np.asarray([x], dtype=np.float64))[0]
            value = float(np.dot(proba, self._class_values))
        else:
            value = float(self.estimator.predict(np.asarray([x], dtype=np.float64))[0])
        if not math.isfinite(value):
            raise ValueError(f"model output {value!r} is not a number")
        return min(1.0, max(-1.0, value))


class _FastForest:
    """A bagging ensemble of regression trees walked in plain Python for one row.

    scikit-learn's per-call overhead dominates one-row predictions; walking ~50 shallow trees
    directly gives the same numbers in a fraction of the time (thresholds compare float32
    inputs, as the trees were fitted on them).
    """

    def __init__(self, trees: list[tuple[list[int], list[int], list[int], list[float], list[float]]],
                 columns: list[list[int]]) -> None:
        self._trees = trees
        self._columns = columns

    def predict(self, x: Sequence[float]) -> float:
        row = [float(v) for v in np.asarray(x, dtype=np.float32)]
        total = 0.0
        for (left, right, feature, threshold, value), cols in zip(self._trees, self._columns, strict=True):
            node = 0
            while left[node] != -1:
                node = left[node] if row[cols[feature[node]]] <= threshold[node] else right[node]
            total += value[node]
        return total / len(self._trees)


def _compile_forest(estimator: Any) -> _FastForest | None:
    from sklearn.ensemble import BaggingRegressor
    from sklearn.tree import DecisionTreeRegressor

    if not isinstance(estimator, BaggingRegressor):
        return None
    trees: list[tuple[list[int], list[int], list[int], list[float], list[float]]] = []
    columns: list[list[int]] = []
    for tree, cols in zip(estimator.estimators_, estimator.estimators_features_, strict=True):
        if not isinstance(tree, DecisionTreeRegressor) or tree.tree_.n_outputs != 1:
            return None
        t = tree.tree_
        trees.append((
            t.children_left.tolist(), t.children_right.tolist(), t.feature.tolist(),
            t.threshold.tolist(), t.value[:, 0, 0].tolist(),
        ))
        columns.append([int(c) for c in cols])
    return _FastForest(trees, columns) if trees else None
