"""#14.7: `bandsaw ml compare A B --raw RAW_DB` on a raw.db the engine recorded from the simulator.

The engine polls the simulated PLC over Modbus TCP and records raw.db as on a saw (manual mode,
the operator's preset); the recorded cuts are then replayed through the shipped chip-policy
model and a coefficient model, through the CLI.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import BaggingRegressor
from sklearn.tree import DecisionTreeRegressor

from core.config import PROJECT_ROOT, Settings
from core.engine import Engine
from core.ml.artefact import load_model, save_model
from core.ml.replay import replay
from core.ml.signing import load_key
from core.ml.simenv import load_piece
from core.registers import RegisterMap
from core.sim.materials import STOCK
from core.sim.server import SimulatorServer
from core.snapshot import SawState
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SHIPPED = PROJECT_ROOT / "data" / "models" / "default"
COEFFICIENT_FEATURES = ("band_current_est", "band_deviation", "cutting_speed", "descent_speed")
SHORT_BAR = STOCK[14]  # C45 round 30: a cut of about 40 s simulated


def _settings(tmp_path: Path, port: int) -> Settings:
    return settings_in(
        tmp_path,
        modbus={"host": "127.0.0.1", "port": port, "timeout_s": 0.3, "retries": 1,
                "retry_delay_s": 0.1, "reconnect_backoff_max_s": 0.5},
        database={"sqlite": {"batch_ms": 200}},
        ml={"model_path": None},
    )


async def _record(tmp_path: Path, register_map: RegisterMap, cuts: int = 2) -> Path:
    sim = SimulatorServer(register_map, port=0, seed=17, speedup=5.0)
    load_piece(sim.plc, SHORT_BAR)
    sim.plc.feed.force(SHORT_BAR)
    await sim.start()
    engine = Engine(_settings(tmp_path, sim.port), register_map)
    await engine.start()
    try:
        await wait_until(lambda: sim.plc.cut_count >= cuts, f"{cuts} cuts", within_s=90, every_s=0.1)
    finally:
        await engine.stop()
        await sim.stop()
    return tmp_path / "data" / "databases" / "raw.db"


def _coefficient_model(folder: Path, key_dir: Path) -> Path:
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.uniform(10, 60, 400), rng.uniform(0, 0.3, 400), rng.uniform(40, 90, 400),
                         rng.uniform(10, 60, 400)])
    est = BaggingRegressor(estimator=DecisionTreeRegressor(max_depth=4), n_estimators=3, random_state=1)
    est.fit(x, np.clip((45.0 - x[:, 3]) / 10.0, -1, 1))  # "descent towards 45 mm/min"
    return save_model(est, folder / "coef", features=COEFFICIENT_FEATURES, steps={"descent_speed": 1.0},
                      training={"source": "test"}, key=load_key(key_dir))


def test_compare_replays_cuts_recorded_from_the_simulator(
    tmp_path: Path, register_map: RegisterMap, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = asyncio.run(_record(tmp_path, register_map))
    conn = sqlite3.connect(f"file:{raw}?mode=ro", uri=True)
    try:
        cutting = conn.execute("SELECT COUNT(*) FROM samples WHERE saw_state = ?", (float(SawState.CUTTING),))
        assert cutting.fetchone()[0] > 100
    finally:
        conn.close()
    data = tmp_path / "data"
    coef = _coefficient_model(tmp_path, data)

    # The library call: both kinds of model on the same recorded samples.
    settings = _settings(tmp_path, 502)
    shipped, other = load_model(SHIPPED, load_key(data)), load_model(coef, load_key(data))
    same = replay(raw, shipped, shipped, settings)
    assert len(same.cuts) >= 2 and same.samples > 100 and same.differ == 0
    differ = replay(raw, shipped, other, settings)
    assert differ.samples == same.samples and differ.differ > 0 and differ.largest
    # The chip policy read the recorded bar and speeds: it asks for a change somewhere.
    assert any(abs(c.mean_a) > 0 for c in differ.cuts)

    # The CLI, as an engineer runs it (one tiny stock item keeps the simulated half short).
    stock = tmp_path / "stock.yaml"
    stock.write_text("- {grade: 1, shape: round, a: 20}\n", encoding="utf-8")
    from core.cli import main

    code = main(["ml", "compare", str(SHIPPED), str(coef), "--stock", str(stock), "--pieces", "1",
                 "--raw", str(raw), "--data-dir", str(data)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "## Replay of recorded cuts: default vs coef" in out.out
    assert f"{len(differ.cuts)} cuts, {differ.samples} samples" in out.out
