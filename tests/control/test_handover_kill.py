"""kill -9 of the engine while ML holds the speeds: the next start knows what the operator had.

A real engine process (``bandsaw engine``) in ML mode on a simulator that outlives it (this test
serves it, as a PLC outlives its HMI), killed with SIGKILL once ML has moved the speeds. The next
engine (in this process) finds the operator's speeds in ml.db, raises the alarm with both sets of
speeds, refuses ML until an engineer answers, and restores the operator's on command (audited).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from core.api import AuditFilter, UserSession
from core.config import PROJECT_ROOT
from core.control.handover import ALARM_LEFT
from core.engine import Engine
from core.ml.simenv import load_piece
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.sim.materials import STOCK
from core.sim.server import SimulatorServer
from tests.engine.engine_helpers import engine_settings
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.integration,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kill -9 of the engine's process")]


def _handover(ml_db: Path) -> tuple[float, float] | None:
    """The operator's (descent, cutting) in ml.db, read as another process would."""
    if not ml_db.exists():
        return None
    conn = sqlite3.connect(f"file:{ml_db}?mode=ro", uri=True, timeout=5.0)
    try:
        row = conn.execute("SELECT descent_speed, cutting_speed FROM ml_handover WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # being created
        return None
    finally:
        conn.close()
    return None if row is None else (float(row[0]), float(row[1]))


async def test_kill_9_in_ml_mode_then_the_next_start_asks_and_restores(
    tmp_path: Path, register_map: RegisterMap
) -> None:
    sim = SimulatorServer(register_map, port=0, seed=5, speedup=4.0)
    sim.plc.operator_each_piece = False
    load_piece(sim.plc, STOCK[4])
    await sim.start()
    operator = (sim.plc.value("descent_speed"), sim.plc.value("cutting_speed"))
    ml_db = tmp_path / "data" / "databases" / "ml.db"
    env = {**os.environ, "BANDSAW_MODBUS__HOST": "127.0.0.1", "BANDSAW_MODBUS__PORT": str(sim.port),
           "BANDSAW_CONTROL__DEFAULT_MODE": "ml", "BANDSAW_CONTROL__INITIAL_DELAY_MIN_S": "0.5",
           "BANDSAW_CONTROL__INITIAL_DESCENT_MM": "0.5", "BANDSAW_CONTROL__WRITE_THRESHOLD_DESCENT": "0.05",
           "BANDSAW_CONTROL__WRITE_THRESHOLD_CUTTING": "0.05", "BANDSAW_CONTROL__RESTORE_SPEEDS_AFTER_CUT": "false",
           "BANDSAW_ML__MODEL_PATH": str(PROJECT_ROOT / "data" / "models" / "default")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core.cli", "engine", "--data-dir", str(tmp_path / "data"),
        "--logs-dir", str(tmp_path / "logs"), cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        def ml_moved() -> bool:
            assert proc.returncode is None, "the engine exited"
            saved = _handover(ml_db)
            live = (sim.plc.value("descent_speed"), sim.plc.value("cutting_speed"))
            return saved is not None and live != saved
        await wait_until(ml_moved, "ML holding speeds other than the operator's", within_s=120)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert _handover(ml_db) == pytest.approx(operator)  # survived the kill
    left = (sim.plc.value("descent_speed"), sim.plc.value("cutting_speed"))
    assert left != operator

    settings = engine_settings(tmp_path, sim.port)
    settings.control.default_mode = "ml"  # the plant's config: ML would take the speeds as the operator's
    settings.ml.model_path = PROJECT_ROOT / "data" / "models" / "default"
    engine = Engine(settings, register_map)
    await engine.start()
    try:
        def asked() -> bool:
            status = engine.control_status()
            return status is not None and bool(status.left_speeds)
        await wait_until(asked, "the question about the previous run's speeds")
        status = engine.control_status()
        assert status is not None
        assert status.left_operator == pytest.approx({"descent_speed": operator[0], "cutting_speed": operator[1]})
        alarm = engine.alarm(ALARM_LEFT)
        assert alarm is not None and alarm.condition
        assert f"-> {operator[1]:g} m/min" in alarm.detail and f"-> {operator[0]:g} mm/min" in alarm.detail
        assert "The PLC still holds the speeds ML set" in alarm.text
        assert engine.status().mode == "manual"
        olga = UserSession(login_as(engine.access, "olga", Role.OPERATOR), Role.OPERATOR)
        refused = engine.set_mode(olga, "ml")
        assert not refused.ok and "still hold speeds ML set" in str(refused.reason)
        assert not engine.restore_previous_speeds(olga).ok  # an engineer's answer
        erin = UserSession(login_as(engine.access, "erin", Role.ENGINEER), Role.ENGINEER)
        done = engine.restore_previous_speeds(erin)
        assert done.ok, done.reason
        await wait_until(lambda: (sim.plc.value("descent_speed"), sim.plc.value("cutting_speed")) == operator,
                         "the operator's speeds back on the PLC")
        await wait_until(lambda: _handover(ml_db) is None, "ml.db forgets them once they are back")
        assert engine.alarm(ALARM_LEFT) is None or not engine.alarm(ALARM_LEFT).condition  # type: ignore[union-attr]
        audited: list[tuple[str, str, str]] = []

        async def trail() -> None:
            result = await engine.audit_query(AuditFilter(actions=("restore_speeds",)))
            audited[:] = [(row.user, row.result, str(row.new_value)) for row in result.value or []]

        for _ in range(200):  # log.db's writer batches: the row lands within a batch
            await trail()
            if any(user == "erin" for user, _, _ in audited):
                break
            await asyncio.sleep(0.05)
        assert ("erin", "accepted", f"cutting {operator[1]:g}, descent {operator[0]:g}") in audited, audited
    finally:
        await engine.stop()
        await sim.stop()
