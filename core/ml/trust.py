"""Signing an imported model with this installation's key (``bandsaw ml trust FILE``).

:func:`inspect_model` reads what an admin must see before vouching for a model, without
deserialising anything: the file, its sha256, the features in order, the training source, and
whether it is the legacy pickle format. :func:`trust_model` then signs it:

* a skops model: its manifest must be sound, the file must match the manifest's sha256 and name
  no type outside the trusted list; the manifest is signed in place.
* a legacy joblib/pickle model: unpickling runs whatever code the file holds, so this is done
  only here, for an admin who was warned; the estimator is converted to skops (NAME.skops),
  the manifest rewritten in the current format and signed. The engine never unpickles.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.ml.artefact import (
    LEGACY_FORMAT,
    LEGACY_SUFFIX,
    Manifest,
    ModelRefused,
    artefact_paths,
    dump_estimator,
    library_versions,
    read_manifest_data,
    untrusted_types,
    write_manifest,
)
from core.ml.signing import ModelKey


@dataclass(frozen=True, slots=True)
class Candidate:
    manifest_path: Path
    model_path: Path
    sha256: str  # of the model file as it is on disk
    features: tuple[str, ...]
    legacy: bool
    training: str
    data: dict[str, Any]

    def describe(self) -> list[str]:
        lines = [
            f"manifest: {self.manifest_path}",
            f"model file: {self.model_path}",
            f"sha256: {self.sha256}",
            "features, in order: " + ", ".join(f"{i + 1}. {name}" for i, name in enumerate(self.features)),
            f"training: {self.training or 'not described'}",
        ]
        if self.legacy:
            lines.append("WARNING: legacy joblib/pickle model: loading it runs any code it contains. "
                         "Trust it only if you know where it comes from; it is converted to skops.")
        return lines


def inspect_model(path: Path) -> Candidate:
    """What the model claims to be, checked against the file's bytes; nothing is deserialised."""
    manifest_path, data = read_manifest_data(path)
    legacy = data.get("format") == LEGACY_FORMAT
    model_file = str(data.get("model_file") or "")
    if Path(model_file).name != model_file or not model_file:
        raise ModelRefused(f"{manifest_path}: model_file must be a file name beside the manifest")
    if legacy and not model_file.endswith(LEGACY_SUFFIX):
        raise ModelRefused(f"{manifest_path}: a legacy manifest must name a {LEGACY_SUFFIX} file")
    if not legacy:
        Manifest.from_json(data, str(manifest_path))  # every field sound before anyone vouches for it
    model_path = manifest_path.with_name(model_file)
    try:
        payload = model_path.read_bytes()
    except OSError as exc:
        raise ModelRefused(f"{model_path}: cannot read model file: {exc.strerror or exc}") from None
    digest = hashlib.sha256(payload).hexdigest()
    if digest != str(data.get("sha256", "")).lower():
        raise ModelRefused(f"{model_path}: sha256 {digest[:12]}... does not match the manifest's: "
                           "file changed or corrupt, not trusted")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ModelRefused(f"{manifest_path}: manifest lists no features")
    raw_training = data.get("training")
    training: dict[str, Any] = raw_training if isinstance(raw_training, dict) else {}
    source = ", ".join(f"{k} {training[k]}" for k in ("source", "rows", "cuts") if k in training)
    return Candidate(manifest_path, model_path, digest, tuple(str(f) for f in features), legacy, source, data)


def trust_model(candidate: Candidate, key: ModelKey) -> Path:
    """Sign the candidate with ``key`` (converting a legacy pickle to skops); returns the manifest path."""
    if not candidate.legacy:
        payload = candidate.model_path.read_bytes()
        if hashlib.sha256(payload).hexdigest() != candidate.sha256:
            raise ModelRefused(f"{candidate.model_path}: file changed since it was shown: not trusted")
        unknown = _types_or_refuse(payload, candidate.model_path)
        if unknown:
            raise ModelRefused(f"{candidate.model_path}: model file uses types outside the trusted list: "
                               f"{', '.join(unknown)}")
        write_manifest(candidate.manifest_path, candidate.data, key)
        return candidate.manifest_path
    return _convert_legacy(candidate, key)


def _types_or_refuse(payload: bytes, source: Path) -> list[str]:
    try:
        return untrusted_types(payload)
    except Exception as exc:  # not a skops file
        raise ModelRefused(f"{source}: not a skops model file: {type(exc).__name__}: {exc}") from None


def _convert_legacy(candidate: Candidate, key: ModelKey) -> Path:
    import joblib
    import sklearn

    payload = candidate.model_path.read_bytes()
    if hashlib.sha256(payload).hexdigest() != candidate.sha256:
        raise ModelRefused(f"{candidate.model_path}: file changed since it was shown: not trusted")
    try:
        estimator = joblib.load(io.BytesIO(payload))  # the admin accepted this risk
    except Exception as exc:
        raise ModelRefused(f"{candidate.model_path}: cannot unpickle: {type(exc).__name__}: {exc}") from None
    data = candidate.data
    raw_output = data.get("output")
    output: dict[str, Any] = raw_output if isinstance(raw_output, dict) else {}
    stem = candidate.manifest_path.with_suffix("")
    manifest_path, model_path = artefact_paths(stem)
    skops_bytes = dump_estimator(estimator)
    model_path.write_bytes(skops_bytes)
    training = dict(data.get("training") or {}) | {"converted_from": candidate.model_path.name,
                                                   "converted_from_sha256": candidate.sha256}
    manifest = Manifest(
        name=stem.name,
        model_file=model_path.name,
        sha256=hashlib.sha256(skops_bytes).hexdigest(),
        features=candidate.features,
        output_kind=str(output.get("kind", "coefficient")),
        steps={str(k): float(v) for k, v in (output.get("steps") or {}).items()},
        sklearn_version=sklearn.__version__,
        training=training,
        class_values={str(k): float(v) for k, v in (output.get("classes") or {}).items()},
        created_ms=int(data.get("created_ms") or 0),
        envelope=dict(data.get("envelope") or {}),
        versions=library_versions(),
    )
    body = manifest.to_json()
    Manifest.from_json(body, str(manifest_path))  # what we sign must be a sound manifest
    write_manifest(manifest_path, body, key)
    return manifest_path
