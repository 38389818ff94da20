"""The ML controller on a synthetic saw and a fake clock: when it acts, what it writes, how it stops."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from pathlib import Path

import pytest

from core.config import Settings
from core.control.journal import DecisionRow, ModeChangeRow, SqliteJournal
from core.control.ml_controller import ALARM_FAULT, ALARM_GUARD, ALARM_MODEL
from core.control.modes import Mode, ModeManager
from core.registers import RegisterMap
from core.snapshot import Quality, SawState
from tests.control.control_rig import Rig, make_rig


async def _start_cut(rig: Rig) -> None:
    rig.saw.state = SawState.CUTTING
    await rig.tick()


async def test_waits_for_the_initial_delay_then_writes_within_thresholds(rig: Rig) -> None:
    await _start_cut(rig)
    # 25 mm at 30 mm/min: 50 s (time and distance); nothing is written before.
    await rig.run(45.0)
    assert rig.saw.writes == []
    assert rig.journal.decisions[-1].action == "wait"
    await rig.run(10.0)
    assert rig.saw.writes, "the model never acted"
    descent = [w.value for w in rig.saw.writes if w.name == "descent_speed"]
    # Coefficient 1: 1 mm/min per decision, accumulated up to the 1.0 threshold, then written.
    assert descent[0] == pytest.approx(31.0)
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(descent))
    assert rig.saw.descent > 35.0
    assert any(row.action == "write" and row.coefficient == 1.0 for row in rig.journal.decisions)


async def test_manual_mode_and_idle_saw_do_nothing(settings: Settings, register_map: RegisterMap) -> None:
    rig = make_rig(settings, register_map, mode=Mode.MANUAL)
    await _start_cut(rig)
    await rig.run(80.0)
    assert rig.saw.writes == [] and rig.model.calls == 0 and rig.journal.decisions == []
    rig.modes.set_mode(Mode.ML, user="op")
    rig.saw.state = SawState.READY
    await rig.run(5.0)
    assert rig.saw.writes == [] and rig.model.calls == 0


async def test_restores_operator_speeds_when_the_cut_ends(rig: Rig) -> None:
    await _start_cut(rig)
    await rig.run(70.0)
    assert rig.saw.descent > 40.0 and rig.saw.cutting > 70.0
    rig.saw.state = SawState.COMPLETED
    await rig.run(5.0)
    assert (rig.saw.descent, rig.saw.cutting) == pytest.approx((30.0, 70.0))
    assert rig.modes.mode is Mode.ML  # a normal end of cut is not a fault
    assert rig.journal.decisions[-1].action == "restore"


async def test_no_restore_when_configured_off(settings: Settings, register_map: RegisterMap) -> None:
    settings.control.restore_speeds_after_cut = False
    rig = make_rig(settings, register_map)
    await _start_cut(rig)
    await rig.run(70.0)
    kept = rig.saw.descent
    rig.saw.state = SawState.COMPLETED
    await rig.run(5.0)
    assert rig.saw.descent == kept


@pytest.mark.parametrize("fault", ["stale", "comm_error", "write", "model"])
async def test_fault_returns_to_manual_with_saved_speeds_and_alarm(rig: Rig, fault: str) -> None:
    await _start_cut(rig)
    await rig.run(70.0)
    assert rig.saw.descent > 40.0
    if fault == "stale":
        rig.saw.advance(0.5)  # a late poll: older than 2 poll periods, within the grace
        assert await rig.controller.step() is None and rig.modes.mode is Mode.ML
        rig.saw.advance(1.0)  # still no poll after stale_fault_after_s (1 s): a fault
        row = await rig.controller.step()
    elif fault == "comm_error":
        row = await rig.tick(quality=Quality.COMM_ERROR)
    elif fault == "write":
        rig.saw.fail_writes = 1
        rig.model.coefficient = -1.0  # at the limits now: make it write
        row = None
        for _ in range(10):
            row = await rig.tick()
            if rig.modes.mode is Mode.MANUAL:
                break
    else:
        rig.model.error = ValueError("bad input")
        row = await rig.tick()
    assert isinstance(row, DecisionRow) and row.action == "fault"
    assert rig.modes.mode is Mode.MANUAL
    assert rig.alarms.is_active(ALARM_FAULT)
    assert rig.journal.mode_changes[-1].new_mode == "manual" and rig.journal.mode_changes[-1].user == "system"
    await rig.run(5.0)  # fresh data again: the restore ramps back within the step limits
    assert (rig.saw.descent, rig.saw.cutting) == pytest.approx((30.0, 70.0))


async def test_no_model_is_a_fault(settings: Settings, register_map: RegisterMap, tmp_path: Path) -> None:
    rig = make_rig(settings, register_map)
    assert not rig.controller.load_model(tmp_path / "missing")
    assert rig.alarms.is_active(ALARM_MODEL)
    assert rig.modes.mode is Mode.MANUAL
    rig.modes.set_mode(Mode.ML, user="op")
    await _start_cut(rig)
    await rig.run(60.0)
    assert rig.modes.mode is Mode.MANUAL and rig.saw.writes == []


async def test_torque_guard_cuts_descent_ahead_of_the_model(rig: Rig) -> None:
    rig.saw.torque = 10.0  # band running free above the material
    await _start_cut(rig)
    await rig.run(2.0)
    rig.saw.torque = 30.0  # engaged
    await rig.run(20.0)
    rig.model.coefficient = 0.0
    rig.saw.torque = 50.0  # +67 % within the look-back
    await rig.run(6.0)
    guard = [row for row in rig.journal.decisions if row.action == "guard" and row.reason.startswith("torque rose")]
    assert len(guard) == 1 and rig.controller.guard.events == 1
    assert rig.saw.descent == pytest.approx(22.5)  # 30 mm/min cut by 25 %
    assert rig.alarms.is_active(ALARM_GUARD)
    rig.saw.state = SawState.COMPLETED
    await rig.run(3.0)
    assert not rig.alarms.is_active(ALARM_GUARD)
    assert rig.saw.descent == 30.0


async def test_run_loop_starts_and_stops(settings: Settings, register_map: RegisterMap) -> None:
    settings.control.rate_hz = 20.0
    rig = make_rig(settings, register_map)
    steps = 0
    three = asyncio.Event()
    original = rig.controller.step

    async def counting() -> DecisionRow | None:
        nonlocal steps
        steps += 1
        if steps >= 3:
            three.set()
        return await original()

    rig.controller.step = counting  # type: ignore[method-assign]
    await rig.controller.start()
    await asyncio.wait_for(three.wait(), timeout=10.0)
    await rig.controller.stop()
    assert steps >= 3


async def test_sqlite_journal_persists_decisions_and_mode_changes(tmp_path: Path) -> None:
    path = tmp_path / "databases" / "ml.db"
    journal = SqliteJournal(path, batch_rows=2, batch_ms=50)
    await journal.start()
    modes = ModeManager("manual", journal)
    modes.set_mode("ml", user="op", reason="test")
    journal.decision(DecisionRow(1, "ml", "write", features={"a": 1.0}, coefficient=0.5))
    journal.mode_change(ModeChangeRow(2, "ml", "manual", "system", "fault"))
    await journal.stop()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM mode_changes").fetchone()[0] == 2
        row = conn.execute("SELECT ts_ms, action, coefficient, features, applied FROM decisions").fetchone()
        modes_seen = conn.execute("SELECT previous_mode, mode, user FROM mode_changes ORDER BY id").fetchall()
    assert row == (1, "write", 0.5, '{"a":1.0}', 0)
    assert modes_seen == [("manual", "ml", "op"), ("ml", "manual", "system")]


async def test_waits_for_first_data_without_fault(rig: Rig) -> None:
    assert await rig.controller.step() is None  # nothing polled yet: no fault, no write
    assert rig.modes.mode is Mode.ML
    rig.saw.advance(1.0)
    rig.controller.feed(rig.saw.snapshot())
    rig.saw.advance(1.5)  # then the data stays stale beyond stale_fault_after_s
    row = await rig.controller.step()
    assert row is not None and row.action == "fault" and rig.modes.mode is Mode.MANUAL


async def test_stop_mid_cut_restores_operator_speeds(rig: Rig) -> None:
    await _start_cut(rig)
    await rig.run(70.0)
    assert rig.saw.descent > 40.0
    rig.clock.t -= asyncio.get_running_loop().time()
    rig.clock.follow_loop = True  # the restore waits on real time for the write rate

    async def keep_polling() -> None:
        while True:
            rig.controller.feed(rig.saw.snapshot())
            await asyncio.sleep(0.02)

    poller = asyncio.create_task(keep_polling())
    try:
        await rig.controller.stop(restore_within_s=10.0)
    finally:
        poller.cancel()
        await asyncio.gather(poller, return_exceptions=True)
    assert (rig.saw.descent, rig.saw.cutting) == pytest.approx((30.0, 70.0))
