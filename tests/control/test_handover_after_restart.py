"""The previous run's question after a restart: a cut under way, and people's changes before the answer.

Found by a controls review (rig reproductions): the engineer's restore raised a descent the torque
guard of the killed engine had cut, mid-cut with the torque high; and it wrote the previous run's
speeds over ones a person had set since the restart (the panel still showing ML's from the start).
"""

from __future__ import annotations

import pytest

from core.config import Settings
from core.control.handover import ALARM_LEFT, Handover, MemoryHandover
from core.control.modes import Mode
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.control.control_rig import Rig, make_rig


@pytest.fixture
def quick(settings: Settings) -> Settings:
    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    return settings


async def _asked(quick: Settings, register_map: RegisterMap, store: MemoryHandover,
                 descent: float, cutting: float, state: SawState = SawState.IDLE) -> Rig:
    """A restart after ML held the speeds: the PLC holds ``descent``/``cutting``; the question is open."""
    rig = make_rig(quick, register_map, handover=store, mode=Mode.MANUAL)
    await rig.controller.start()
    await rig.controller.stop()  # only the load at start: the tests tick by hand
    rig.saw.state = state
    rig.saw.descent, rig.saw.cutting = descent, cutting
    await rig.tick()
    assert rig.alarms.is_active(ALARM_LEFT)
    return rig


def _reasons(rig: Rig, action: str) -> list[str]:
    return [r.reason for r in rig.journal.decisions if r.action == action]


async def test_restore_mid_cut_holds_the_descent_until_the_cut_ends(quick: Settings, register_map: RegisterMap) -> None:
    """Killed while the guard held descent 30 -> 22.5 in a cut; restarted in the same cut, torque high."""
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _asked(quick, register_map, store, 22.5, 75.0, SawState.CUTTING)
    rig.saw.torque = 50.0
    ok, _ = rig.controller.restore_previous("erin")
    assert ok
    await rig.run(4)
    assert rig.saw.descent == 22.5, [(w.name, w.value) for w in rig.saw.writes]
    assert rig.saw.cutting == 70.0  # the band speed is no descent: it comes back
    assert all(w.name != "descent_speed" for w in rig.saw.writes)
    held = _reasons(rig, "restore_held")
    assert len(held) == 1 and "descent_speed held at 22.5 (the PLC's) while the saw cuts" in held[0], held
    assert "the descent stays at 22.5 while the saw cuts" in _reasons(rig, "restore")[0]
    assert store.handover is not None  # not back yet: a crash now asks again
    rig.saw.state = SawState.IDLE  # the cut ends: the operator's descent returns
    await rig.run(5)
    assert (rig.saw.descent, rig.saw.cutting) == (30.0, 70.0)
    assert store.handover is None
    assert not rig.alarms.is_active("control.ml_fault")


async def test_restore_between_cuts_is_not_held(quick: Settings, register_map: RegisterMap) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _asked(quick, register_map, store, 22.5, 70.0)
    assert rig.controller.restore_previous("erin")[0]
    await rig.run(5)
    assert rig.saw.descent == 30.0 and _reasons(rig, "restore_held") == []


async def test_a_speed_a_person_set_since_the_start_is_not_restored(quick: Settings, register_map: RegisterMap) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _asked(quick, register_map, store, 36.0, 75.0)
    rig.saw.descent = 25.0  # the operator at the panel, before anyone answers
    await rig.run(1)
    status = rig.controller.status
    assert status.left_speeds == {"descent_speed": 25.0, "cutting_speed": 75.0}  # read live
    assert status.left_changed == {"descent_speed": 25.0}
    alarm = rig.alarms.get(ALARM_LEFT)
    assert alarm is not None and alarm.condition and alarm.detail == "75 -> 70 m/min", alarm
    assert any("a person set descent_speed 36 -> 25 since the start" in r for r in _reasons(rig, "previous_run"))
    assert store.handover is not None and store.handover.speeds["descent_speed"] == 25.0  # a crash does not ask again
    ok, text = rig.controller.restore_previous("erin")
    assert ok and text == "cutting 70", text
    await rig.run(5)
    assert (rig.saw.descent, rig.saw.cutting) == (25.0, 70.0)
    assert {w.name for w in rig.saw.writes} == {"cutting_speed"}
    assert store.handover is None


async def test_an_hmi_write_just_before_the_restore_stands(quick: Settings, register_map: RegisterMap) -> None:
    """The HMI write went through the Writer; no poll shows it yet when the engineer presses restore."""
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _asked(quick, register_map, store, 36.0, 75.0)
    rig.controller.human_wrote("cutting_speed", 80.0)
    rig.saw.cutting = 80.0
    ok, text = rig.controller.restore_previous("erin")
    assert ok and text == "descent 30", text
    await rig.run(5)
    assert (rig.saw.descent, rig.saw.cutting) == (30.0, 80.0)


async def test_both_speeds_set_by_people_answer_the_question(quick: Settings, register_map: RegisterMap) -> None:
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _asked(quick, register_map, store, 36.0, 75.0)
    await rig.run(1)
    rig.saw.descent = 25.0  # at the panel
    rig.controller.human_wrote("cutting_speed", 80.0)  # and through the HMI
    rig.saw.cutting = 80.0
    await rig.run(2)
    assert not rig.alarms.is_active(ALARM_LEFT)
    assert rig.controller.status.left_speeds == {} and rig.controller.previous is None
    assert store.handover is None
    assert any("answered: a person set every speed since the start" in r for r in _reasons(rig, "previous_run"))
    assert rig.controller.restore_previous("erin")[0] is False
    await rig.run(2)
    assert (rig.saw.descent, rig.saw.cutting) == (25.0, 80.0) and rig.saw.writes == []


async def test_a_person_s_descent_during_the_hold_lifts_it_for_the_rest_of_the_cut(
    quick: Settings, register_map: RegisterMap
) -> None:
    """The operator sets descent 26 while the restore holds 22.5: theirs stands, and a later restore in
    the same cut (ML chosen, then manual) puts their 26 back, not the restart's 22.5."""
    store = MemoryHandover(Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}))
    rig = await _asked(quick, register_map, store, 22.5, 70.0, SawState.CUTTING)
    assert rig.controller.restore_previous("erin")[0]
    await rig.run(1)
    rig.saw.descent = 26.0  # at the panel, during the hold
    await rig.run(1)
    assert rig.saw.descent == 26.0 and store.handover is None
    rig.modes.set_mode(Mode.ML, user="anna")
    await rig.run(5)
    assert rig.saw.descent > 26.0  # ML raised it in this cut
    rig.modes.set_mode(Mode.MANUAL, user="anna")
    await rig.run(5)
    assert rig.saw.descent == 26.0, [(w.name, w.value, w.reason) for w in rig.saw.writes]
