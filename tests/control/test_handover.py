"""The operator's speeds while ML holds the PLC's are recorded (ml.db in the engine) and asked about at start.

On the rig with the in-memory store; tests/control/test_handover_kill.py kills a real engine.
"""

from __future__ import annotations

import pytest

from core.config import Settings
from core.control.envelope import Fault
from core.control.handover import ALARM_LEFT, Handover, MemoryHandover
from core.control.modes import Mode
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.control.control_rig import Rig, WriteLog, make_rig


@pytest.fixture
def quick(settings: Settings) -> Settings:
    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    return settings


async def _rig(quick: Settings, register_map: RegisterMap, store: MemoryHandover, mode: Mode = Mode.ML) -> Rig:
    rig = make_rig(quick, register_map, handover=store, mode=mode)
    await rig.controller.start()
    await rig.controller.stop()  # only the load at start: the tests tick by hand
    return rig


async def test_saved_before_the_first_ml_write_updated_by_a_person_cleared_after_restore(
    quick: Settings, register_map: RegisterMap
) -> None:
    store = MemoryHandover()
    rig = await _rig(quick, register_map, store)
    seen: list[Handover | None] = []

    def on_write(log: WriteLog) -> None:
        if log.reason.startswith("ML") and not seen:
            seen.append(store.handover)

    rig.saw.on_write = on_write
    rig.saw.state = SawState.CUTTING
    await rig.run(5)
    assert rig.saw.descent > 30.0
    assert seen and seen[0] is not None and dict(seen[0].speeds) == {"descent_speed": 30.0, "cutting_speed": 70.0}
    rig.saw.cutting = 64.0  # the operator on the panel: the speed to restore now
    await rig.run(0.4)
    assert store.handover is not None and store.handover.speeds["cutting_speed"] == 64.0
    rig.saw.state = SawState.IDLE  # the cut ends: the operator's speeds come back
    await rig.run(5)
    assert (rig.saw.descent, rig.saw.cutting) == (30.0, 64.0)
    assert store.handover is None


async def test_no_ml_write_when_the_speeds_cannot_be_recorded(quick: Settings, register_map: RegisterMap) -> None:
    store = MemoryHandover()
    store.fail = OSError("disk full")
    rig = await _rig(quick, register_map, store)
    rig.saw.state = SawState.CUTTING
    await rig.run(5)
    assert [w for w in rig.saw.writes if w.reason.startswith("ML")] == []
    assert rig.modes.mode is Mode.MANUAL and rig.modes.last_fault.startswith("the operator's speeds could not")
    assert rig.controller.status.last_fault.startswith(Fault.STORAGE.value)


async def test_previous_run_in_ml_raises_the_question_and_restores_on_command(
    quick: Settings, register_map: RegisterMap
) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}, "fake"))
    rig = await _rig(quick, register_map, store)
    assert rig.modes.mode is Mode.MANUAL  # ML would save ML's speeds as the operator's
    rig.saw.descent, rig.saw.cutting = 36.0, 75.0  # what ML left on the PLC
    await rig.tick()
    alarm = rig.alarms.get(ALARM_LEFT)
    assert alarm is not None and alarm.condition
    assert alarm.detail == "75 -> 70 m/min; 36 -> 30 mm/min", alarm
    asked = [r for r in rig.journal.decisions if r.action == "previous_run"]
    assert asked and ("The PLC still holds speeds ML set before the engine stopped: cutting 75, descent 36; "
                      "the operator's were cutting 70, descent 30. Restore them?") in asked[-1].reason
    assert rig.controller.status.left_speeds == {"descent_speed": 36.0, "cutting_speed": 75.0}
    assert rig.controller.status.left_operator == {"descent_speed": 30.0, "cutting_speed": 70.0}
    await rig.run(2)
    assert rig.saw.writes == []  # nothing happens until someone answers
    ok, text = rig.controller.restore_previous("erin")
    assert ok and text == "cutting 70, descent 30"
    assert not rig.alarms.is_active(ALARM_LEFT)
    assert store.handover is not None  # kept until the speeds are back
    await rig.run(5)
    assert (rig.saw.descent, rig.saw.cutting) == (30.0, 70.0)
    assert {w.reason for w in rig.saw.writes} == {"restore operator speed"}
    assert store.handover is None


async def test_previous_run_answered_by_keeping_the_speeds(quick: Settings, register_map: RegisterMap) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _rig(quick, register_map, store, mode=Mode.MANUAL)
    rig.saw.descent = 36.0
    await rig.tick()
    assert rig.alarms.is_active(ALARM_LEFT)
    assert rig.controller.keep_previous("erin") == (True, "")
    await rig.run(1)
    assert store.handover is None and not rig.alarms.is_active(ALARM_LEFT) and rig.saw.writes == []
    assert rig.controller.restore_previous("erin")[0] is False


async def test_previous_run_whose_speeds_the_plc_holds_is_forgotten(quick: Settings, register_map: RegisterMap) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _rig(quick, register_map, store, mode=Mode.MANUAL)
    await rig.tick()
    assert not rig.alarms.is_active(ALARM_LEFT) and store.handover is None and rig.controller.previous is None


async def test_a_person_s_change_during_the_commanded_restore_stands(
    quick: Settings, register_map: RegisterMap
) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _rig(quick, register_map, store, mode=Mode.MANUAL)
    rig.saw.descent, rig.saw.cutting = 50.0, 75.0  # far: several step-limited writes
    await rig.tick()
    assert rig.controller.restore_previous("erin")[0]
    await rig.tick()
    rig.saw.descent = 44.0  # the operator on the panel meanwhile
    await rig.run(5)
    assert rig.saw.descent == 44.0 and rig.saw.cutting == 70.0
    assert store.handover is None
