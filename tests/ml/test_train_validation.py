"""`bandsaw ml train` validates on held-out cuts before it signs (review of #14).

It signed whatever it fitted and reported only the in-sample MAE: a model trained on labels no
one could predict was accepted. Now the latest cuts are held out (rows of one cut are
correlated: never a random row split), the held-out error is shown beside the naive baselines
and a model that does not beat them, or data too thin to tell, is refused in one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.tree import DecisionTreeRegressor

from core.cli import main
from core.ml.validation import MIN_IMPROVEMENT, ValidationRefused, split_by_cut, validate
from tests.ml.simulated_plant import record_plant

BARS = 48  # about 75 cuts with the trips; about 10 s to record, 20 s to train on a loaded machine


def _fit(x: np.ndarray, y: np.ndarray) -> DecisionTreeRegressor:
    return DecisionTreeRegressor(max_depth=6, min_samples_leaf=20, random_state=0).fit(x, y)


def _cuts(n: int, rows: int = 200) -> np.ndarray:
    return np.repeat(np.arange(n), rows)


def test_the_split_is_by_cut_latest_held_out() -> None:
    cut_of_row = _cuts(12, 50)
    train, held, cuts, held_cuts = split_by_cut(cut_of_row)
    assert (cuts, held_cuts) == (12, 3)
    assert set(cut_of_row[held]) == {9, 10, 11} and set(cut_of_row[train]) == set(range(9))
    with pytest.raises(ValidationRefused, match=r"too little data to validate: 4 cut\(s\) .* need at least 5"):
        split_by_cut(_cuts(4))


def test_random_labels_are_refused_and_a_learnable_rule_accepted() -> None:
    rng = np.random.default_rng(1)
    cut_of_row = _cuts(20)
    x = rng.uniform(0, 1, size=(len(cut_of_row), 4))
    noise = rng.uniform(-1, 1, size=len(cut_of_row))
    _, figures, _ = validate(_fit, x, noise, cut_of_row, label_scale=10.0)
    assert not figures.accepted and figures.improvement < MIN_IMPROVEMENT
    assert figures.refusal().startswith("not signed: held-out MAE ")
    rule = np.clip(x[:, 0] - 0.5, -1, 1) + 0.05 * noise
    model, figures, train = validate(_fit, x, rule, cut_of_row, label_scale=10.0)
    assert figures.accepted and figures.improvement > 0.5 and figures.held_out_cuts == 5
    assert figures.train_rows == int(train.sum()) == 15 * 200 and model.get_n_leaves() > 1
    assert figures.as_dict()["accepted"] is True and "keep the speed" in figures.as_dict()["baselines_held_out_mae"]


def test_held_out_cuts_without_corrections_cannot_validate() -> None:
    cut_of_row = _cuts(10)
    y = np.where(cut_of_row < 7, 0.3, 0.0)  # the operator stopped correcting: nothing to predict
    with pytest.raises(ValidationRefused, match=r"the last 3 of 10 cuts hold 0 sample\(s\) followed by an operator"):
        validate(_fit, np.zeros((len(y), 2)), y, cut_of_row, label_scale=10.0)


@pytest.mark.slow
def test_recorded_simulator_cuts_are_accepted_with_figures_random_corrections_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    raw, corrections = record_plant(tmp_path / "ammeter", cuts=BARS, operator="ammeter")
    assert corrections > 200
    out = tmp_path / "models" / "plant"
    code = main(["ml", "train", "--from", str(raw), "--out", str(out), "--data-dir", data])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "held-out split: by cut, in time order" in printed.out
    assert "held-out MAE: model " in printed.out and "keep the speed" in printed.out
    validation = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["training"]["validation"]
    assert validation["accepted"] and validation["improvement_over_best_baseline"] >= MIN_IMPROVEMENT
    assert validation["held_out_cuts"] >= 10 and validation["held_out_mae"] < min(
        validation["baselines_held_out_mae"].values())

    # The same plant, an operator whose corrections follow nothing the saw shows: refused, nothing written.
    raw, corrections = record_plant(tmp_path / "random", cuts=BARS, operator="random")
    assert corrections > 200
    refused = tmp_path / "models" / "random"
    code = main(["ml", "train", "--from", str(raw), "--out", str(refused), "--data-dir", data])
    printed = capsys.readouterr()
    assert code == 1
    assert printed.err.startswith("bandsaw ml train: not signed: held-out MAE ") and printed.err.count("\n") == 1
    assert "held-out MAE: model " in printed.out  # the figures are shown all the same
    assert not refused.with_suffix(".json").exists() and not refused.with_suffix(".skops").exists()


@pytest.mark.slow
def test_simulated_training_is_validated_on_fresh_cuts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --simulate signed whatever it fitted too: 3 cuts make a model worse than keeping the speed
    # on bars it never cut.
    data = str(tmp_path / "data")
    few = tmp_path / "few"
    code = main(["ml", "train", "--simulate", "3", "--seed", "5", "--out", str(few), "--data-dir", data])
    printed = capsys.readouterr()
    assert code == 1 and printed.err.startswith("bandsaw ml train: not signed: held-out MAE ")
    assert "on 2 held-out simulated cuts" in printed.err and not few.with_suffix(".json").exists()
    assert "validated on 2 more of other random training bars" in printed.out


def test_the_journal_can_be_named_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The refusal said "(give --ml-db)" but train had no such option: a raw.db copied without its
    # ml.db could not be used at all.
    raw, _ = record_plant(tmp_path / "plant", cuts=6, operator="ammeter")
    journal = tmp_path / "journal.db"
    (tmp_path / "plant" / "ml.db").rename(journal)
    args = ["ml", "train", "--from", str(raw), "--out", str(tmp_path / "m"), "--data-dir", str(tmp_path / "d")]
    assert main(args) == 1 and "ML journal is missing" in capsys.readouterr().err
    code = main([*args, "--ml-db", str(journal), "--log-db", str(tmp_path / "none.db")])
    printed = capsys.readouterr()
    # The journal was read: the data got as far as validation (6 bars are too few to beat the baselines).
    assert code == 1 and printed.err.startswith("bandsaw ml train: not signed: held-out MAE ")
    assert "held-out split: by cut, in time order" in printed.out
    assert main(["ml", "train", "--simulate", "3", "--ml-db", str(journal), "--out", "x"]) == 2
    assert "--ml-db and --log-db go with --from" in capsys.readouterr().err
