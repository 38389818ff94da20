"""The model manifest: what a model needs and promises, signed, read without loading the model.

NAME.json beside NAME.skops (:mod:`core.ml.artefact`): feature names in order, the training
envelope, the output kind and how it maps to speed steps, library versions and the model file's
sha256, all covered by the installation's signature (:mod:`core.ml.signing`). Reading and judging
a manifest needs neither scikit-learn nor numpy, so listing models (the HMI, ``core.api``) does not
import them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.control.chip_policy import ChipSettings
from core.ml.signing import ModelKey, shipped_name

FORMAT = "bandsaw-ml-model/2"
LEGACY_FORMAT = "bandsaw-ml-model/1"
MODEL_SUFFIX = ".skops"
LEGACY_SUFFIX = ".joblib"
OUTPUT_KINDS = ("coefficient", "classes", "chip")
STEP_REGISTERS = ("descent_speed", "cutting_speed")

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
