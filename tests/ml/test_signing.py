"""Only trusted models are ever deserialised: signatures, the shipped pin, the key file, crafted pickles."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.config import PROJECT_ROOT
from core.ml.artefact import LEGACY_FORMAT, ModelRefused, artefact_paths, load_model, save_model, write_manifest
from core.ml.signing import SHIPPED_MANIFESTS, ModelKey, SigningKeyError, key_path, load_key, manifest_digest
from core.ml.trust import inspect_model, trust_model

FEATURES = ("band_current_est", "band_deviation", "cutting_speed", "descent_speed")
SHIPPED = PROJECT_ROOT / "data" / "models" / "default"


class _Payload:
    """Unpickling this creates the marker file: the proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return Path.touch, (self.marker,)


def _model(tmp_path: Path, key: ModelKey | None, name: str = "m") -> Path:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, size=(200, 4))
    est = BaggingRegressor(estimator=DecisionTreeRegressor(max_depth=4), n_estimators=3, random_state=1)
    est.fit(x, np.clip((x[:, 0] - x[:, 3]) / 50, -1, 1))
    return save_model(est, tmp_path / name, features=FEATURES, steps={"descent_speed": 1.0},
                      training={"source": "test"}, key=key)


def test_key_is_created_once_private_and_refused_when_open(tmp_path: Path) -> None:
    key = load_key(tmp_path)
    path = key_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(tmp_path).secret == key.secret  # the same key on the next start
    os.chmod(path, 0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        load_key(tmp_path)
    os.chmod(path, 0o600)
    path.write_bytes(b"short")
    with pytest.raises(SigningKeyError, match="damaged"):
        load_key(tmp_path)
    with pytest.raises(SigningKeyError, match="no model signing key"):
        load_key(tmp_path / "elsewhere", create=False)


def test_unsigned_and_foreign_signed_models_are_refused(tmp_path: Path) -> None:
    here, there = load_key(tmp_path / "here"), load_key(tmp_path / "there")
    _model(tmp_path, None, "unsigned")
    with pytest.raises(ModelRefused, match="untrusted model, not signed"):
        load_model(tmp_path / "unsigned", here)
    _model(tmp_path, there, "foreign")
    with pytest.raises(ModelRefused, match="another installation's key"):
        load_model(tmp_path / "foreign", here)
    assert load_model(tmp_path / "foreign", there).manifest.signed_by == there.key_id
    with pytest.raises(ModelRefused, match="no installation key"):
        load_model(tmp_path / "foreign", None)


def test_swapped_features_break_the_signature(tmp_path: Path) -> None:
    key = load_key(tmp_path)
    manifest = _model(tmp_path, key)
    data = json.loads(manifest.read_text())
    data["features"][0], data["features"][1] = data["features"][1], data["features"][0]
    manifest.write_text(json.dumps(data))
    with pytest.raises(ModelRefused, match="signature does not match"):
        load_model(tmp_path / "m", key)


@pytest.mark.parametrize("fmt", ["legacy", "skops-named"])
def test_crafted_pickle_with_recomputed_hash_never_runs(tmp_path: Path, fmt: str) -> None:
    key = load_key(tmp_path / "data")
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    manifest = _model(tmp_path, key)
    data = json.loads(manifest.read_text())
    if fmt == "legacy":
        (tmp_path / "m.joblib").write_bytes(payload)
        data.update(format=LEGACY_FORMAT, model_file="m.joblib")
    else:
        artefact_paths(tmp_path / "m")[1].write_bytes(payload)
    data["sha256"] = hashlib.sha256(payload).hexdigest()  # the attacker recomputes the hash...
    manifest.write_text(json.dumps(data))
    with pytest.raises(ModelRefused, match=r"legacy pickle|untrusted model"):
        load_model(tmp_path / "m", key)
    assert not marker.exists()
    if fmt == "skops-named":
        write_manifest(manifest, data, key)  # ...and even if it were signed here by mistake
        with pytest.raises(ModelRefused, match="not a skops model file"):
            load_model(tmp_path / "m", key)
        assert not marker.exists()
    assert pickle.loads(payload) is None and marker.exists()  # the payload is live: the test can fail


def test_shipped_default_is_pinned_and_loads_without_a_key() -> None:
    data = json.loads(SHIPPED.with_suffix(".json").read_text())
    assert manifest_digest(data) == SHIPPED_MANIFESTS["default"]
    model = load_model(SHIPPED, None)
    assert model.manifest.signed_by == "shipped:default"


def test_changed_shipped_manifest_is_no_longer_trusted(tmp_path: Path) -> None:
    data = json.loads(SHIPPED.with_suffix(".json").read_text())
    data["features"] = list(reversed(data["features"]))
    (tmp_path / "default.json").write_text(json.dumps(data))
    (tmp_path / "default.skops").write_bytes(SHIPPED.with_suffix(".skops").read_bytes())
    with pytest.raises(ModelRefused, match="untrusted model, not signed"):
        load_model(tmp_path / "default", load_key(tmp_path))


def test_trust_signs_an_import_and_converts_a_legacy_pickle(tmp_path: Path) -> None:
    here = load_key(tmp_path / "data")
    _model(tmp_path, load_key(tmp_path / "other"))
    candidate = inspect_model(tmp_path / "m")
    assert candidate.features == FEATURES and not candidate.legacy
    trust_model(candidate, here)
    assert load_model(tmp_path / "m", here).manifest.signed_by == here.key_id
    # A legacy joblib model (the old format): converted to skops, then loads without pickle.
    import joblib

    legacy = tmp_path / "old.joblib"
    est = load_model(tmp_path / "m", here).estimator
    joblib.dump(est, legacy)
    (tmp_path / "old.json").write_text(json.dumps({
        "format": LEGACY_FORMAT, "name": "old", "model_file": "old.joblib",
        "sha256": hashlib.sha256(legacy.read_bytes()).hexdigest(), "features": list(FEATURES),
        "output": {"kind": "coefficient", "steps": {"descent_speed": 1.0}}, "sklearn_version": "1.0",
    }))
    old = inspect_model(tmp_path / "old")
    assert old.legacy and any("WARNING" in line for line in old.describe())
    trust_model(old, here)
    converted = load_model(tmp_path / "old", here)
    assert converted.path.suffix == ".skops" and converted.features == FEATURES
