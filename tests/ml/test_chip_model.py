"""The chip-policy model: its table comes from training grades only, it is stored and refused like
any model, `bandsaw ml train --chip` writes one, and the shipped default is one that meets #14's
target on held-out stock in its own evaluation report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, Settings
from core.control.chip_policy import ChipSettings
from core.ml.artefact import ModelRefused, load_model, write_manifest
from core.ml.features import PLC_INPUTS
from core.ml.signing import load_key
from core.ml.stock import HELD_OUT_GRADES
from core.ml.train_chip import CHIP_FEATURES, ENVELOPE_FEATURES, chip_windows, grade_windows, train_chip
from core.sim.materials import GRADES, GRADES_BY_CODE

SHIPPED = PROJECT_ROOT / "data" / "models" / "default"


def test_windows_come_from_training_grades_only() -> None:
    known = grade_windows()
    assert not set(known) & HELD_OUT_GRADES and set(known) == {g.code for g in GRADES} - HELD_OUT_GRADES
    classes = chip_windows()
    for grade in GRADES:
        if grade.code in HELD_OUT_GRADES:
            continue
        low, top = classes[grade.hardness_code]
        assert low >= grade.h_min and top <= grade.h_max  # the cautious end of the class
    # X153CrMoV12 (held out, class 3) has a narrower window than its class's table: the aim for an
    # unknown grade (0.8 of the top) keeps its chip inside anyway.
    x153 = GRADES_BY_CODE[8]
    assert classes[3][1] > x153.h_max > 0.8 * classes[3][1]


def test_train_chip_writes_a_signed_model_that_loads(settings: Settings, tmp_path: Path) -> None:
    key = load_key(tmp_path / "data")
    manifest = train_chip(tmp_path / "chip", items=40, seed=3, settings=settings, key=key)
    model = load_model(manifest, key)
    assert model.chip is not None and model.manifest.output_kind == "chip"
    assert set(model.features) <= PLC_INPUTS and model.features == CHIP_FEATURES
    assert set(model.envelope["ranges"]) | set(model.envelope["codes"]) == set(ENVELOPE_FEATURES)
    assert "material_type" not in model.envelope["codes"]  # an unknown grade is not "outside"
    speed = model.predict_speed([2.0, 60.0, 80.0])
    assert 40.0 <= speed <= 90.0
    with pytest.raises(ValueError, match="expected 3 inputs"):
        model.predict_speed([2.0])
    again = train_chip(tmp_path / "again", items=40, seed=3, settings=settings, key=key)
    assert load_model(again, key).predict_speed([2.0, 60.0, 80.0]) == speed  # same seed, same model


def test_a_malformed_chip_section_is_refused_even_when_signed(settings: Settings, tmp_path: Path) -> None:
    key = load_key(tmp_path / "data")
    manifest = train_chip(tmp_path / "chip", items=25, seed=1, settings=settings, key=key)
    data = json.loads(manifest.read_text())
    data["output"]["chip"]["windows"] = {"2": [0.004, 0.001]}  # upside down
    write_manifest(manifest, data, key)
    with pytest.raises(ModelRefused, match=r"output\.chip"):
        load_model(manifest, key)
    del data["output"]["chip"]
    write_manifest(manifest, data, key)
    with pytest.raises(ModelRefused, match=r"output\.chip"):
        load_model(manifest, key)


def test_cli_trains_a_chip_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main

    code = main(["ml", "train", "--chip", "25", "--out", str(tmp_path / "mine"), "--data-dir", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "chip model written and signed" in out.out
    assert load_model(tmp_path / "mine", load_key(tmp_path)).chip is not None
    assert main(["ml", "train", "--chip", "5", "--out", str(tmp_path / "few"), "--data-dir", str(tmp_path)]) == 1
    assert "at least 20" in capsys.readouterr().err


def test_shipped_default_is_the_chip_policy_and_its_report_meets_the_target() -> None:
    model = load_model(SHIPPED, None)  # pinned: loads without an installation key
    assert model.chip is not None
    assert ChipSettings.from_json(model.manifest.chip) == model.chip
    data = json.loads(SHIPPED.with_name("default-eval.json").read_text())
    assert data["model_training"]["declares_split"] is True
    held = data["verdict"]["held_out"]
    assert held["meets_target"] is True and held["ml_cost_vs_best_single_preset"] <= 0.9
    # The shipped report is the rendering of the shipped figures (make eval), losses included.
    from core.ml.eval_report import report_markdown

    assert SHIPPED.with_name("default-eval.md").read_text() == report_markdown(data)
    assert held["ml_better"] + held["ml_worse"] + held["ml_even"] == held["items"] == 14
    assert held["same_cuts"]["items"] == 14
    assert data["held_out"]["ml"]["overloads"] == 0 and data["held_out"]["ml"]["chip_out_of_window_pct"] <= 2.0
