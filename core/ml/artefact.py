"""The model artefact: a skops file and a signed JSON manifest beside it, loaded only when trusted.

``data/models/NAME.skops`` holds the estimator in skops's format, which rebuilds objects from
an explicit list of types and never runs code from the file (unlike a pickle);
``data/models/NAME.json`` says what the model needs and promises: feature names in order, the
training envelope (per-feature ranges, known material and hardness codes), the output kind and
how it maps to speed steps, library versions, and the model file's sha256, all covered by the
installation's signature (:mod:`core.ml.signing`).

:func:`load_model` checks, in this order, and refuses with one clear line at the first that
fails: the manifest is signed by this installation (or is a pinned shipped model) -> its fields
are sound -> the model file's bytes match the sha256 -> the library versions match -> the file
names no type outside :data:`TRUSTED_TYPES` -> only then are those same bytes deserialised.
The legacy joblib/pickle format is never loaded here: ``bandsaw ml trust`` converts it, for an
admin who accepts the risk (:mod:`core.ml.trust`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import platform
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
import skops.io as sio

from core.control.chip_policy import ChipSettings
from core.ml.signing import ModelKey, shipped_name

FORMAT = "bandsaw-ml-model/2"
LEGACY_FORMAT = "bandsaw-ml-model/1"
MODEL_SUFFIX = ".skops"
LEGACY_SUFFIX = ".joblib"
OUTPUT_KINDS = ("coefficient", "classes", "chip")
STEP_REGISTERS = ("descent_speed", "cutting_speed")
# Types skops may rebuild beyond its own default-trusted set (sklearn estimators, numpy arrays).
TRUSTED_TYPES: tuple[str, ...] = ("sklearn.tree._tree.Tree",)


class ModelRefused(Exception):
    """The model cannot be used; the message says why, for the operator and the log."""


@dataclass(frozen=True, slots=True)
class Manifest:
    name: str
    model_file: str
    sha256: str
    features: tuple[str, ...]
    # "coefficient": a regressor's value in [-1, 1]; "classes": see class_values; "chip": the
    # chip-thickness policy (core.control.chip_policy) with the estimator as its band-speed
    # feed-forward and ``chip`` as its table.
    output_kind: str
    steps: Mapping[str, float]  # register -> change per unit coefficient per decision
    sklearn_version: str
    training: Mapping[str, Any] = field(default_factory=dict)
    class_values: Mapping[str, float] = field(default_factory=dict)  # class label -> coefficient
    created_ms: int = 0
    # Where the model has seen data: {"ranges": {feature: [low, high]}, "codes": {feature: [codes]}}.
    envelope: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    signed_by: str = ""  # key id of the installation that signed it, or "shipped:NAME"
    chip: Mapping[str, Any] = field(default_factory=dict)  # output kind "chip": ChipSettings as JSON

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
                **({"chip": _plain(self.chip)} if self.chip else {}),
            },
            "sklearn_version": self.sklearn_version,
            "versions": dict(self.versions),
            "envelope": _plain(self.envelope),
            "training": dict(self.training),
            "created_ms": self.created_ms,
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> Manifest:
        if not isinstance(data, dict):
            raise ModelRefused(f"{source}: manifest is not a JSON object")
        if data.get("format") == LEGACY_FORMAT:
            raise ModelRefused(f"{source}: legacy pickle model: an admin must convert and sign it "
                               f"with 'bandsaw ml trust {source}'")
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
                envelope=_envelope(data.get("envelope") or {}),
                versions={str(k): str(v) for k, v in (data.get("versions") or {}).items()},
                chip=dict(output.get("chip") or {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelRefused(f"{source}: manifest field missing or malformed: {exc}") from None
        if not manifest.features or len(set(manifest.features)) != len(manifest.features):
            raise ModelRefused(f"{source}: manifest lists no features, or one twice")
        if manifest.output_kind not in OUTPUT_KINDS:
            raise ModelRefused(f"{source}: output kind {manifest.output_kind!r} not one of {OUTPUT_KINDS}")
        if manifest.output_kind == "classes" and not manifest.class_values:
            raise ModelRefused(f"{source}: a classifier needs output.classes (class -> coefficient)")
        if manifest.output_kind == "chip":
            try:
                ChipSettings.from_json(manifest.chip)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ModelRefused(f"{source}: output.chip missing or malformed: {exc}") from None
        unknown = set(manifest.steps) - set(STEP_REGISTERS)
        if unknown or not all(math.isfinite(v) for v in manifest.steps.values()):
            raise ModelRefused(f"{source}: output.steps must map {STEP_REGISTERS} to numbers")
        if len(manifest.sha256) != 64:
            raise ModelRefused(f"{source}: sha256 must be 64 hex digits")
        if Path(manifest.model_file).name != manifest.model_file or not manifest.model_file.endswith(MODEL_SUFFIX):
            raise ModelRefused(f"{source}: model_file must be a {MODEL_SUFFIX} file name beside the manifest")
        return manifest


def _plain(value: Any) -> Any:
    """JSON-ready copy (tuples -> lists) so a manifest signs the same before and after a round trip."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _envelope(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError("envelope must be an object")
    ranges = {str(k): (float(v[0]), float(v[1])) for k, v in (data.get("ranges") or {}).items()}
    codes = {str(k): tuple(float(c) for c in v) for k, v in (data.get("codes") or {}).items()}
    for name, (low, high) in ranges.items():
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise ValueError(f"envelope range of {name} is not low <= high")
    return {"ranges": ranges, "codes": codes}


def artefact_paths(path: Path) -> tuple[Path, Path]:
    """(manifest, model file) for a model given as NAME, NAME.json, NAME.skops or NAME.joblib."""
    stem = path.with_suffix("") if path.suffix in (".json", MODEL_SUFFIX, LEGACY_SUFFIX) else path
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + MODEL_SUFFIX)


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


def write_manifest(path: Path, data: dict[str, Any], key: ModelKey | None) -> None:
    data = json.loads(json.dumps(data))  # exactly what a reader will see (floats, lists)
    data.pop("signature", None)
    if key is not None:
        data["signature"] = key.sign(data)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_manifest_data(path: Path) -> tuple[Path, dict[str, Any]]:
    """(manifest path, its JSON object) without judging it; ModelRefused when unreadable."""
    manifest_path, _ = artefact_paths(path)
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelRefused(f"{manifest_path}: manifest not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelRefused(f"{manifest_path}: manifest unreadable: {exc}") from None
    if not isinstance(data, dict):
        raise ModelRefused(f"{manifest_path}: manifest is not a JSON object")
    return manifest_path, data


def trusted_by(data: dict[str, Any], key: ModelKey | None, source: str) -> str:
    """Who vouches for this manifest ("shipped:NAME" or the key id); ModelRefused if nobody does."""
    shipped = shipped_name(data)
    if shipped is not None:
        return f"shipped:{shipped}"
    if key is None:
        raise ModelRefused(f"{source}: not a shipped model and no installation key to check its signature")
    why = key.verify(data)
    if why:
        hint = "'bandsaw ml trust' (admin) signs an imported model"
        raise ModelRefused(f"{source}: untrusted model, {why}: not loaded; {hint}")
    return key.key_id


def read_manifest(path: Path, key: ModelKey | None = None) -> Manifest:
    """The manifest, once its signature (or shipped pin) checks out."""
    manifest_path, data = read_manifest_data(path)
    signed_by = trusted_by(data, key, str(manifest_path))
    manifest = Manifest.from_json(data, str(manifest_path))
    return dataclasses.replace(manifest, signed_by=signed_by)


def peek_manifest(path: Path) -> Manifest:
    """The manifest's fields for a listing, NOT checked for trust: never load a model on this."""
    manifest_path, data = read_manifest_data(path)
    return Manifest.from_json(data, str(manifest_path))


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
