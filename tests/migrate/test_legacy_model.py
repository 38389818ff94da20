"""The older system's model: a Bagging ensemble on its four inputs, pickled with joblib as it did."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.cli import main
from core.config import PROJECT_ROOT, Settings
from core.ml.artefact import ModelRefused, load_model
from core.ml.legacy import LEGACY_FEATURES, import_legacy, sha256_of
from core.ml.signing import load_key
from core.security.access import AccessControl
from core.security.permissions import Role

TINY_STOCK = "- {grade: 1, shape: round, a: 30, band_wear: 10}\n"


def legacy_pickle(folder: Path, seed: int = 5) -> Path:
    """As the older system made it: Bagging on (current, deviation, cutting speed, descent speed)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.uniform(5, 25, 400), rng.uniform(-0.5, 0.5, 400),
                         rng.uniform(40, 100, 400), rng.uniform(10, 60, 400)])
    y = np.clip((15 - x[:, 0]) / 10 - np.abs(x[:, 1]), -1, 1)  # more current, less descent
    model = BaggingRegressor(DecisionTreeRegressor(max_depth=4), n_estimators=8, random_state=seed).fit(x, y)
    path = folder / "Bagging_dataset_v17_20250509.pkl"
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def test_import_writes_a_manifest_and_the_controller_loads_it(tmp_path: Path, settings: Settings) -> None:
    pkl = legacy_pickle(tmp_path / "old")
    original = joblib.load(pkl)
    key = load_key(tmp_path / "data")  # the installation that vouches for the import
    result = import_legacy(pkl, tmp_path / "models" / "legacy", averaging=3, polynomial=(0.015, -0.278, 15.656),
                           descent_step=2.0, key=key)
    manifest = json.loads(result.manifest.read_text())
    assert manifest["features"] == list(LEGACY_FEATURES)
    assert manifest["features"][0] == "band_current_est"  # current from torque, as the older system
    assert manifest["output"] == {"kind": "coefficient", "steps": {"descent_speed": 2.0}}
    training = manifest["training"]
    assert training["original_sha256"] == sha256_of(pkl) == result.source_sha256
    assert training["inputs_in_order"][1:] == ["band deviation (mm)", "cutting speed (m/min)",
                                               "descent speed (mm/min)"]
    assert "mean of the last 3 samples" in training["averaging"]
    assert training["current_polynomial"] == [0.015, -0.278, 15.656]
    assert "[-1, 1]" in training["output"] and result.estimator == "BaggingRegressor"

    model = load_model(result.manifest, key)  # the same verified load the ML controller does
    for row in ([10.0, 0.1, 70.0, 30.0], [24.0, -0.4, 95.0, 55.0]):
        expected = float(np.clip(original.predict(np.asarray([row]))[0], -1, 1))
        assert model.predict(row) == pytest.approx(expected)

    assert manifest["model_file"].endswith(".skops")  # stored without pickle from now on
    tampered = result.manifest.with_suffix(".skops")
    tampered.write_bytes(tampered.read_bytes() + b"x")
    with pytest.raises(ModelRefused, match="does not match"):
        load_model(result.manifest, key)


def test_refuses_what_is_not_that_model(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    five = BaggingRegressor(n_estimators=2, random_state=1).fit(rng.uniform(size=(50, 5)), rng.uniform(size=50))
    joblib.dump(five, tmp_path / "five.pkl")
    with pytest.raises(ModelRefused, match="takes 5 inputs"):
        import_legacy(tmp_path / "five.pkl", tmp_path / "m", averaging=3, polynomial=(0, 0, 0), descent_step=1.0)
    joblib.dump({"not": "a model"}, tmp_path / "dict.pkl")
    with pytest.raises(ModelRefused, match="has no predict"):
        import_legacy(tmp_path / "dict.pkl", tmp_path / "m", averaging=3, polynomial=(0, 0, 0), descent_step=1.0)
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ModelRefused, match="cannot unpickle"):
        import_legacy(tmp_path / "junk.pkl", tmp_path / "m", averaging=3, polynomial=(0, 0, 0), descent_step=1.0)
    pkl = legacy_pickle(tmp_path / "old")
    with pytest.raises(ModelRefused, match="is not the expected"):
        import_legacy(pkl, tmp_path / "m", averaging=3, polynomial=(0, 0, 0), descent_step=1.0,
                      expected_sha256="0" * 64)
    assert not (tmp_path / "m.json").exists()


def test_cli_needs_an_admin_warns_shows_sha256_then_eval_and_compare_accept_it(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    access = AccessControl.from_settings(settings)
    access.create_first_admin("boss", "98765")
    access.login("boss", "98765")
    access.add_user("boss", "eve", Role.ENGINEER, "4321")
    pkl = legacy_pickle(tmp_path / "old")
    config = ["--config", str(PROJECT_ROOT / "config" / "config.yaml"), "--data-dir", str(settings.data_dir)]
    out = tmp_path / "models" / "legacy"

    def run(*args: str, stdin: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["ml", "import-legacy", str(pkl), *config, "--out", str(out), *args])

    assert run("--admin", "eve", "--yes", stdin="4321\n") == 1  # an engineer may not
    assert "eve is not an admin" in capsys.readouterr().err
    assert run("--admin", "boss", "--yes", stdin="1111\n") == 1
    assert "wrong admin name or PIN" in capsys.readouterr().err
    assert run("--admin", "boss", stdin="98765\n") == 1  # no terminal, no --yes: not loaded
    err = capsys.readouterr().err
    assert "pickle" in err and "runs whatever code" in err and "pass --yes" in err
    assert not out.with_suffix(".json").exists()
    assert run("--admin", "boss", "--yes", stdin="98765\n") == 0
    captured = capsys.readouterr()
    assert f"sha256 {sha256_of(pkl)}" in captured.out and "BaggingRegressor" in captured.out
    trail = sqlite3.connect(settings.data_dir / "databases" / "log.db")
    rows = trail.execute(
        "SELECT user, action, new_value, result FROM audit WHERE action = 'ml_import_legacy'").fetchall()
    trail.close()
    assert rows == [("boss", "ml_import_legacy", sha256_of(pkl), "accepted")]
    config = ["--config", str(PROJECT_ROOT / "config" / "config.yaml")]

    stock = tmp_path / "stock.yaml"
    stock.write_text(TINY_STOCK, encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "data"), "--stock", str(stock), "--pieces", "1"]
    assert main(["ml", "eval", "--model", str(out), *config, *data, "--json", str(tmp_path / "e.json")]) == 0
    assert "ml" in json.loads((tmp_path / "e.json").read_text())["held_out"]
    default = PROJECT_ROOT / "data" / "models" / "default"
    assert main(["ml", "compare", str(out), str(default), *config, *data]) == 0
    assert "cost A" in capsys.readouterr().out
