"""The model artefact: a joblib file and a JSON manifest beside it, loaded only when it checks out.

``data/models/NAME.joblib`` holds the estimator; ``data/models/NAME.json`` says what it needs
and promises: feature names in order, the output kind and how it maps to speed steps, the
training data, the scikit-learn version, and the file's sha256. A pickle runs code when it is
loaded, so :func:`load_model` reads the bytes once, checks the hash and the versions, and only
then unpickles those same bytes. Anything wrong raises :class:`ModelRefused` with one clear line.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

FORMAT = "bandsaw-ml-model/1"
OUTPUT_KINDS = ("coefficient", "classes")
STEP_REGISTERS = ("descent_speed", "cutting_speed")


class ModelRefused(Exception):
    """The model cannot be used; the message says why, for the operator and the log."""


@dataclass(frozen=True, slots=True)
class Manifest:
    name: str
    model_file: str
    sha256: str
    features: tuple[str, ...]
    output_kind: str  # "coefficient": a regressor's value in [-1, 1]; "classes": see class_values
    steps: Mapping[str, float]  # register -> change per unit coefficient per decision
    sklearn_version: str
    training: Mapping[str, Any] = field(default_factory=dict)
    class_values: Mapping[str, float] = field(default_factory=dict)  # class label -> coefficient
    created_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "model_file": self.model_file,
            "sha256": self.sha256,
            "features": list(self.features),
            "output": {
                "kind": self.output_kind,
                "steps": dict(self.steps),
                **({"classes": dict(self.class_values)} if self.class_values else {}),
            },
            "sklearn_version": self.sklearn_version,
            "python_version": platform.python_version(),
            "training": dict(self.training),
            "created_ms": self.created_ms,
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> Manifest:
        if not isinstance(data, dict):
            raise ModelRefused(f"{source}: manifest is not a JSON object")
        if data.get("format") != FORMAT:
            raise ModelRefused(f"{source}: unknown manifest format {data.get('format')!r} (expected {FORMAT})")
        try:
            output = data["output"]
            features = data["features"]
            steps = {str(k): float(v) for k, v in output["steps"].items()}
            manifest = cls(
                name=str(data["name"]),
                model_file=str(data["model_file"]),
                sha256=str(data["sha256"]).lower(),
                features=tuple(str(f) for f in features),
                output_kind=str(output["kind"]),
                steps=steps,
                sklearn_version=str(data["sklearn_version"]),
                training=dict(data.get("training") or {}),
                class_values={str(k): float(v) for k, v in (output.get("classes") or {}).items()},
                created_ms=int(data.get("created_ms") or 0),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelRefused(f"{source}: manifest field missing or malformed: {exc}") from None
        if not manifest.features:
            raise ModelRefused(f"{source}: manifest lists no features")
        if manifest.output_kind not in OUTPUT_KINDS:
            raise ModelRefused(f"{source}: output kind {manifest.output_kind!r} not one of {OUTPUT_KINDS}")
        if manifest.output_kind == "classes" and not manifest.class_values:
            raise ModelRefused(f"{source}: a classifier needs output.classes (class -> coefficient)")
        unknown = set(manifest.steps) - set(STEP_REGISTERS)
        if unknown or not all(math.isfinite(v) for v in manifest.steps.values()):
            raise ModelRefused(f"{source}: output.steps must map {STEP_REGISTERS} to numbers")
        if len(manifest.sha256) != 64:
            raise ModelRefused(f"{source}: sha256 must be 64 hex digits")
        if Path(manifest.model_file).name != manifest.model_file:
            raise ModelRefused(f"{source}: model_file must be a file name beside the manifest")
        return manifest


def artefact_paths(path: Path) -> tuple[Path, Path]:
    """(manifest, model file) for a model given as NAME, NAME.json or NAME.joblib."""
    stem = path.with_suffix("") if path.suffix in (".json", ".joblib") else path
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".joblib")


def _version_key(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def save_model(
    estimator: Any,
    path: Path,
    *,
    features: Sequence[str],
    steps: Mapping[str, float],
    training: Mapping[str, Any],
    output_kind: str = "coefficient",
    class_values: Mapping[str, float] | None = None,
) -> Path:
    """Write NAME.joblib and NAME.json; returns the manifest path."""
    manifest_path, model_path = artefact_paths(path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer, compress=3)
    payload = buffer.getvalue()
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
    )
    manifest_path.write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    return manifest_path


def read_manifest(path: Path) -> Manifest:
    manifest_path, _ = artefact_paths(path)
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelRefused(f"{manifest_path}: manifest not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelRefused(f"{manifest_path}: manifest unreadable: {exc}") from None
    return Manifest.from_json(data, str(manifest_path))


def load_model(path: Path) -> LoadedModel:
    """Load a model that matches its manifest; raises :class:`ModelRefused` otherwise."""
    manifest = read_manifest(path)
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
    try:
        estimator = joblib.load(io.BytesIO(payload))
    except Exception as exc:  # a verified file can still fail to unpickle (missing class)
        raise ModelRefused(f"{model_path}: cannot unpickle: {type(exc).__name__}: {exc}") from None
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
        n_in = getattr(estimator, "n_features_in_", None)
        if n_in is not None and n_in != len(manifest.features):
            raise ModelRefused(
                f"{path}: estimator takes {n_in} features, manifest lists {len(manifest.features)}"
            )
        if manifest.output_kind == "coefficient" and not hasattr(estimator, "predict"):
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
        self._forest = _compile_forest(estimator) if manifest.output_kind == "coefficient" else None

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
