"""#14.7: training from the plant's own cuts labels only human corrections, within one cut, on PLC
sample time; data that cannot teach anything is refused with a line naming what is missing."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from core.config import Settings
from core.ml.artefact import LoadedModel, load_model, save_model
from core.ml.features import FeatureExtractor
from core.ml.plant_data import HORIZON_S, NotEnoughData, read_plant_data
from core.ml.replay import replay
from core.ml.signing import load_key
from core.ml.train import raw_db_data
from core.snapshot import SawState
from core.storage.schema import migrate

FEATURES = ("band_current_est", "band_deviation", "cutting_speed", "descent_speed")
COLUMNS = ("band_torque", "band_deviation", "cutting_speed", "descent_speed", "saw_state")
POLY = (0.015, -0.278, 15.656)


class Plant:
    """A recorded plant: raw.db samples at 10 Hz, ml.db with the machine's writes."""

    def __init__(self, folder: Path) -> None:
        self.raw, self.ml = folder / "raw.db", folder / "ml.db"
        self.rows: list[tuple[float, ...]] = []
        self.ml_writes: list[tuple[int, str, float]] = []
        self.t_ms = 1_700_000_000_000
        self.descent = 30.0
        self.rng = random.Random(4)

    def sample(self, state: SawState) -> None:
        torque = 40.0 + self.descent * 0.5 + self.rng.uniform(-1, 1)
        self.rows.append((self.t_ms, torque, 0.05 + self.rng.uniform(0, 0.02), 70.0, self.descent, float(state)))
        self.t_ms += 100

    def cut(self, samples: int, human: dict[int, float], machine: dict[int, float]) -> None:
        for i in range(samples):
            if i in human:
                self.descent = human[i]  # the operator on the PLC panel: in no journal
            if i in machine:
                self.descent = machine[i]
                self.ml_writes.append((self.t_ms - 40, "descent_speed", machine[i]))  # sent just before the read
            self.sample(SawState.CUTTING)
        for _ in range(20):
            self.sample(SawState.COMPLETED)

    def write(self) -> None:
        with sqlite3.connect(self.raw) as conn:
            conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, ts_ms INTEGER, "
                         + ", ".join(f"{c} REAL" for c in COLUMNS) + ")")
            conn.executemany(f"INSERT INTO samples (ts_ms, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                             self.rows)
        conn = sqlite3.connect(self.ml, isolation_level=None)
        migrate(conn, "ml")  # includes ml_writes where the audit routing has landed
        conn.execute("CREATE TABLE IF NOT EXISTS ml_writes (id INTEGER PRIMARY KEY, ts_ms INTEGER, user TEXT,"
                     " target TEXT, old_value REAL, new_value REAL, result TEXT, detail TEXT)")
        conn.executemany("INSERT INTO ml_writes (ts_ms, user, target, new_value, result) VALUES (?, 'ml', ?, ?,"
                         " 'accepted')", self.ml_writes)
        conn.close()


def _extractor() -> FeatureExtractor:
    return FeatureExtractor(FEATURES, averaging=3, polynomial=POLY)


def _plant(tmp_path: Path, cuts: int = 6, corrections: int = 3, machine: int = 4) -> Plant:
    plant = Plant(tmp_path)
    for c in range(cuts):
        human = {60 + 40 * k: 20.0 + 3 * k + c for k in range(corrections)}
        ml = {30 + 40 * k: 35.0 + k for k in range(machine)}
        plant.cut(300, human, ml)
    plant.write()
    return plant


def test_only_human_corrections_label_and_never_across_cuts(tmp_path: Path) -> None:
    plant = _plant(tmp_path)
    data = read_plant_data(plant.raw, plant.ml, None, _extractor(), 10.0)
    assert data.cuts == 6 and len(data.corrections) == 18 and data.machine_changes == 24
    # The ML writes are no corrections: a sample just before one is labelled by the human change only.
    assert all(abs(c.new - c.old) > 0 for c in data.corrections)
    assert max(data.labels) > 0 or min(data.labels) < 0
    # The last correction of a cut is 140 samples (14 s) before its end; the first of the next cut
    # comes after the break: samples at the end of a cut (beyond the horizon) carry label 0.
    per_cut = len(data.rows) // 6
    tail = data.labels[per_cut - int(HORIZON_S * 10) + 5: per_cut]
    assert tail and all(label == 0.0 for label in tail)


def test_ml_writes_only_is_refused_naming_the_corrections(tmp_path: Path) -> None:
    # The simulated operator never touches the speeds; only ML does (and it is journaled).
    plant = _plant(tmp_path, corrections=0)
    with pytest.raises(NotEnoughData, match=r"labels do not vary: 0 operator speed correction\(s\) in 6 cuts "
                                            r"\(24 ML/guard/restore changes excluded\)"):
        read_plant_data(plant.raw, plant.ml, None, _extractor(), 10.0)


def test_too_few_corrections_are_refused(tmp_path: Path) -> None:
    plant = Plant(tmp_path)
    for c in range(6):
        plant.cut(300, {100: 25.0 + c} if c % 2 else {}, {50: 33.0})
    plant.write()
    with pytest.raises(NotEnoughData, match=r"only 3 operator speed correction\(s\) in 6 cuts .* need at least 10"):
        read_plant_data(plant.raw, plant.ml, None, _extractor(), 10.0)


def test_too_few_cuts_and_no_journal_are_refused(tmp_path: Path) -> None:
    plant = _plant(tmp_path, cuts=3)
    with pytest.raises(NotEnoughData, match=r"only 3 cut\(s\) recorded; need at least 5"):
        read_plant_data(plant.raw, plant.ml, None, _extractor(), 10.0)
    with pytest.raises(NotEnoughData, match="ML journal is missing"):
        read_plant_data(plant.raw, tmp_path / "nothing.db", None, _extractor(), 10.0)


def test_train_from_raw_db_end_to_end(settings: Settings, tmp_path: Path) -> None:
    plant = _plant(tmp_path)
    x, y, description = raw_db_data(plant.raw, settings, FEATURES)
    assert len(x) == len(y) > 1000 and description["operator_corrections"] == 18
    assert description["machine_changes_excluded"] == 24
    (tmp_path / "quiet").mkdir()
    quiet = _plant(tmp_path / "quiet", corrections=0)
    with pytest.raises(NotEnoughData, match="operator speed correction"):
        raw_db_data(quiet.raw, settings, FEATURES)


def _tiny_model(tmp_path: Path, name: str, sign: float) -> LoadedModel:
    import numpy as np
    from sklearn.ensemble import BaggingRegressor
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(2)
    x = rng.uniform([40, 0, 60, 10], [70, 0.2, 80, 50], size=(300, 4))
    est = BaggingRegressor(estimator=DecisionTreeRegressor(max_depth=4), n_estimators=3, random_state=1)
    est.fit(x, np.clip(sign * (30.0 - x[:, 3]) / 10.0, -1, 1))
    key = load_key(tmp_path / "data")
    save_model(est, tmp_path / name, features=FEATURES, steps={"descent_speed": 1.0}, training={}, key=key)
    return load_model(tmp_path / name, key)


def test_replay_of_recorded_cuts_shows_where_two_models_differ(tmp_path: Path, settings: Settings) -> None:
    plant = _plant(tmp_path)
    same = _tiny_model(tmp_path, "a", 1.0)
    alike = replay(plant.raw, same, same, settings)
    assert len(alike.cuts) == 6 and alike.samples > 1000 and alike.differ == 0 and alike.largest == []
    opposite = _tiny_model(tmp_path, "b", -1.0)
    result = replay(plant.raw, same, opposite, settings)
    assert result.differ > 0 and result.largest
    assert all(abs(d["a"] - d["b"]) > 0 for d in result.largest)
    text = result.markdown()
    assert "Replay of recorded cuts: a vs b" in text and "Largest differences" in text
    assert set(result.as_dict()) >= {"samples", "differ", "cuts", "largest_differences"}
