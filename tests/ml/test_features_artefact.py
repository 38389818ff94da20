"""Features from snapshots; the model artefact: round trip, fast path, and every way it is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.ml.artefact import ModelRefused, artefact_paths, load_model, save_model, write_manifest
from core.ml.features import (
    CURRENT_FROM_TORQUE,
    FeatureError,
    FeatureExtractor,
    current_from_torque,
    training_envelope,
)
from core.ml.signing import ModelKey, load_key
from core.snapshot import Quality, Snapshot

FEATURES = (CURRENT_FROM_TORQUE, "band_deviation", "cutting_speed", "descent_speed")
POLY = (0.015, -0.278, 15.656)


def _snap(seq: int, **values: float | None) -> Snapshot:
    return Snapshot(seq, seq * 100, seq * 0.1, values, {}, Quality.GOOD)


def test_features_average_and_derive_current() -> None:
    fx = FeatureExtractor(FEATURES, averaging=3, polynomial=POLY, available=["band_torque", *FEATURES[1:]])
    assert fx.vector() is None
    for seq, torque in enumerate((40.0, 50.0, 60.0, 70.0), start=1):
        fx.push(_snap(seq, band_torque=torque, band_deviation=0.1, cutting_speed=70.0, descent_speed=30.0))
    fx.push(_snap(4, band_torque=1000.0))  # the same poll again counts once
    vector = fx.vector()
    assert vector is not None
    assert vector[0] == pytest.approx(current_from_torque(60.0, POLY))  # mean of the last 3 torques
    assert vector[1:] == pytest.approx([0.1, 70.0, 30.0])
    fx.push(_snap(5, band_torque=None, band_deviation=0.1, cutting_speed=70.0, descent_speed=30.0))
    assert fx.vector() is None  # never averaged across a gap


def test_features_unknown_register_is_refused() -> None:
    with pytest.raises(FeatureError, match="no_such_register"):
        FeatureExtractor(("no_such_register",), averaging=3, polynomial=POLY, available=["band_torque"])


def test_simulator_only_inputs_are_refused() -> None:
    # band_wear (2235) and a hardness in HB are not on the real PLC: a model may not read them.
    with pytest.raises(FeatureError, match="the real PLC does not provide: band_wear"):
        FeatureExtractor(("band_current_est", "band_wear"), averaging=3, polynomial=POLY)


def test_shipped_model_reads_only_plc_inputs() -> None:
    from core.config import PROJECT_ROOT
    from core.ml.artefact import peek_manifest

    manifest = peek_manifest(PROJECT_ROOT / "data" / "models" / "default")
    FeatureExtractor(manifest.features, averaging=3, polynomial=POLY)  # raises on any non-PLC input
    assert "band_wear" not in manifest.features
    # The chip policy reads the grade code for a known grade's own chip window, but a grade it does
    # not know is not "outside its experience": its hardness class's window carries over.
    assert "material_type" not in manifest.envelope.get("codes", {})


def _forest(seed: int = 3) -> tuple[BaggingRegressor, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, size=(400, 4))
    y = np.clip((x[:, 0] - x[:, 3]) / 50.0, -1, 1)
    model = BaggingRegressor(estimator=DecisionTreeRegressor(max_depth=6), n_estimators=8,
                             max_features=0.75, random_state=seed).fit(x, y)
    return model, x


@pytest.fixture
def key(tmp_path: Path) -> ModelKey:
    return load_key(tmp_path / "data")


def _save(tmp_path: Path, key: ModelKey | None) -> Path:
    model, x = _forest()
    return save_model(model, tmp_path / "m", features=FEATURES, steps={"descent_speed": 1.0},
                      training={"source": "test"}, key=key, envelope=training_envelope(x, FEATURES))


def test_round_trip_and_fast_path_match_sklearn(tmp_path: Path, key: ModelKey) -> None:
    manifest_path = _save(tmp_path, key)
    model = load_model(tmp_path / "m", key)
    assert model.features == FEATURES and model.steps == {"descent_speed": 1.0}
    assert model.manifest.signed_by == key.key_id
    data = json.loads(manifest_path.read_text())
    assert data["sklearn_version"] and data["training"] == {"source": "test"}
    assert set(data["versions"]) >= {"sklearn", "skops", "numpy", "python"}
    assert set(data["envelope"]["ranges"]) == set(FEATURES)
    _, x = _forest()
    for row in x[:50]:
        expected = float(np.clip(model.estimator.predict(row.reshape(1, -1))[0], -1, 1))
        assert model.predict(list(row)) == pytest.approx(expected, abs=1e-9)


def test_tampered_model_refused_before_loading(tmp_path: Path, key: ModelKey) -> None:
    _save(tmp_path, key)
    _, model_file = artefact_paths(tmp_path / "m")
    # A pickle that would run code when loaded: the hash check must stop it first.
    model_file.write_bytes(b"cos\nsystem\n(S'touch " + str(tmp_path / "pwned").encode() + b"'\ntR.")
    with pytest.raises(ModelRefused, match="sha256"):
        load_model(tmp_path / "m", key)
    assert not (tmp_path / "pwned").exists()


def test_corrupt_model_with_matching_signed_hash_is_refused(tmp_path: Path, key: ModelKey) -> None:
    manifest_path = _save(tmp_path, key)
    _, model_file = artefact_paths(tmp_path / "m")
    model_file.write_bytes(b"not a model at all")
    data = json.loads(manifest_path.read_text())
    data["sha256"] = hashlib.sha256(b"not a model at all").hexdigest()
    write_manifest(manifest_path, data, key)  # even signed by this installation
    with pytest.raises(ModelRefused, match="not a skops model file"):
        load_model(tmp_path / "m", key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sklearn_version": "0.24.2"}, "retrain"),
        ({"features": ["a", "b"]}, "takes 4 features"),
        ({"format": "other/9"}, "unknown manifest format"),
        ({"output": {"kind": "magic", "steps": {}}}, "output kind"),
        ({"model_file": "../etc/passwd"}, "beside the manifest"),
        ({"model_file": "m.joblib"}, "skops file name"),
    ],
)
def test_manifest_problems_are_refused_even_when_signed(
    tmp_path: Path, key: ModelKey, change: dict, message: str
) -> None:
    manifest_path = _save(tmp_path, key)
    data = json.loads(manifest_path.read_text())
    data.update(change)
    write_manifest(manifest_path, data, key)
    with pytest.raises(ModelRefused, match=message):
        load_model(tmp_path / "m", key)


def test_missing_or_broken_manifest(tmp_path: Path, key: ModelKey) -> None:
    with pytest.raises(ModelRefused, match="not found"):
        load_model(tmp_path / "nothing", key)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelRefused, match="unreadable"):
        load_model(tmp_path / "bad", key)
