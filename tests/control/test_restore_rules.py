"""What a restore of the operator's speeds may and may not do.

- A torque-guard cut stands while the cut that tripped it lasts: manual chosen right after the
  guard cut 30 -> 22.5 does not put 30 back while the band is still in that piece; the operator's
  30 returns when the cut ends (or their own descent stands).
- A person's change after the switch to manual is theirs: not restored, and it does not hold up
  the restore of the other speed (mutation M7 survived all of tests/control).
- A restore writes nothing on stale data, and stale data in manual is no ML fault: no alarm, no
  "ML control stopped" (mutation M10, restore's own stale-data check deleted, survived).
"""

from __future__ import annotations

import pytest

from core.config import Settings
from core.control.ml_controller import ALARM_FAULT
from core.control.modes import Mode
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.control.control_rig import Rig, make_rig


async def _guard_cut(rig: Rig) -> None:
    """ML in a cut; torque jumps: the guard cuts the descent 30 -> 22.5 (as in test_ml_controller)."""
    rig.saw.torque = 10.0  # band running free above the material
    rig.saw.state = SawState.CUTTING
    await rig.tick()
    await rig.run(2.0)
    rig.saw.torque = 30.0  # engaged
    await rig.run(20.0)
    rig.model.coefficient = 0.0
    rig.saw.torque = 50.0  # +67 % within the look-back
    await rig.run(6.0)
    assert rig.controller.guard.events == 1
    assert rig.saw.descent == pytest.approx(22.5)


async def test_manual_after_a_guard_cut_keeps_the_cut_until_the_cut_ends(rig: Rig) -> None:
    await _guard_cut(rig)
    rig.modes.set_mode(Mode.MANUAL, user="anna", reason="test")
    await rig.run(20.0)  # torque still high, still in the same piece
    raised = [w for w in rig.saw.writes if w.name == "descent_speed" and w.reason == "restore operator speed"]
    assert raised == [] and rig.saw.descent == pytest.approx(22.5)
    held = [r for r in rig.journal.decisions if r.action == "restore_held"]
    assert len(held) == 1 and "22.5" in held[0].reason and "torque guard" in held[0].reason, held
    assert not rig.alarms.is_active(ALARM_FAULT)  # a hold is not a restore that failed
    rig.saw.state = SawState.COMPLETED
    await rig.run(3.0)
    assert rig.saw.descent == pytest.approx(30.0)  # the operator's value, once the piece is done
    assert rig.controller._restore == {}
    assert not rig.alarms.is_active(ALARM_FAULT)


async def test_a_person_s_descent_during_the_hold_stands_and_lifts_it(rig: Rig) -> None:
    await _guard_cut(rig)
    rig.modes.set_mode(Mode.MANUAL, user="anna", reason="test")
    await rig.run(2.0)
    rig.saw.descent = 25.0  # the operator's own choice on the panel
    await rig.run(2.0)
    rig.saw.state = SawState.COMPLETED
    await rig.run(3.0)
    assert rig.saw.descent == pytest.approx(25.0)
    assert rig.controller._restore == {}


async def test_guard_hold_survives_a_mode_round_trip_and_a_stale_fault(rig: Rig) -> None:
    """Manual, ML again, then the link drops (stale fault): still no 30 while the piece lasts."""
    await _guard_cut(rig)
    rig.modes.set_mode(Mode.MANUAL, user="anna", reason="test")
    await rig.run(1.0)
    rig.modes.set_mode(Mode.ML, user="anna", reason="test")
    await rig.run(1.0)
    rig.clock.advance(5.0)  # no poll
    await rig.controller.step()
    assert rig.modes.mode is Mode.MANUAL
    guard_at = max(w.at for w in rig.saw.writes if w.reason == "ML guard")
    await rig.run(5.0)
    assert all(w.value <= 22.5 + 1e-9 for w in rig.saw.writes if w.name == "descent_speed" and w.at > guard_at)
    assert rig.saw.descent == pytest.approx(22.5)
    rig.saw.state = SawState.COMPLETED
    await rig.run(3.0)
    assert rig.saw.descent == pytest.approx(30.0)


@pytest.fixture
def quick(settings: Settings) -> Settings:
    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    return settings


async def _ml_moved_both(rig: Rig) -> None:
    rig.model.steps = {"descent_speed": 1.0, "cutting_speed": 1.0}
    rig.controller.control.write_threshold_descent = rig.controller.control.write_threshold_cutting = 0.01
    rig.saw.state = SawState.CUTTING
    await rig.run(5)
    assert rig.saw.descent > 30.0 and rig.saw.cutting > 70.0


@pytest.mark.parametrize("changed", ["descent_speed", "cutting_speed"])
async def test_a_change_after_manual_is_not_restored_and_the_other_speed_is(
    quick: Settings, register_map: RegisterMap, changed: str
) -> None:
    """M7: the restore ignored a person's change made after the switch to manual."""
    rig = make_rig(quick, register_map)
    await _ml_moved_both(rig)
    rig.modes.set_mode(Mode.MANUAL, user="anna", reason="test")
    # The operator sets one speed on the panel before the first restore write (the next poll shows it).
    if changed == "descent_speed":
        rig.saw.descent = chosen = 27.0
    else:
        rig.saw.cutting = chosen = 66.0
    await rig.run(0.4)
    other = "cutting_speed" if changed == "descent_speed" else "descent_speed"
    assert rig.controller._restore.keys() <= {other}  # the person's speed left the restore at once
    override = [r for r in rig.journal.decisions if r.action == "override"]
    assert override and changed in override[0].reason and "not restored" in override[0].reason
    await rig.run(3)
    assert (rig.saw.descent if changed == "descent_speed" else rig.saw.cutting) == chosen
    assert rig.saw.descent == 27.0 if changed == "descent_speed" else rig.saw.descent == 30.0
    assert rig.saw.cutting == 66.0 if changed == "cutting_speed" else rig.saw.cutting == 70.0
    assert rig.controller._restore == {}
    assert not [r for r in rig.journal.decisions if r.action == "restore_abandoned"]
    assert not rig.alarms.is_active(ALARM_FAULT)


async def test_restore_on_stale_data_waits_without_a_fault(quick: Settings, register_map: RegisterMap) -> None:
    """M10: with restore's own stale check gone, a late poll in manual raised "ML control stopped"."""
    rig = make_rig(quick, register_map)
    await _ml_moved_both(rig)
    rig.modes.set_mode(Mode.MANUAL, user="anna", reason="test")
    assert (await rig.controller.step()).action == "restore"  # type: ignore[union-attr]
    assert rig.controller._restore
    writes = len(rig.saw.writes)
    rig.clock.advance(rig.controller.envelope.max_age_s + 0.3)  # the poll is late
    row = await rig.controller.step()
    assert row is None and len(rig.saw.writes) == writes  # nothing written, nothing to say
    assert not rig.alarms.is_active(ALARM_FAULT)
    assert rig.modes.last_fault == "" and rig.controller.status.last_fault == ""
    assert not [r for r in rig.journal.decisions if r.action == "fault"]
    await rig.run(3)  # fresh again: the restore finishes
    assert (rig.saw.descent, rig.saw.cutting) == (30.0, 70.0)
    assert rig.controller._restore == {}


@pytest.mark.parametrize("landed", [True, False])
async def test_an_unconfirmed_ml_write_is_not_taken_for_a_person_s_change(
    quick: Settings, register_map: RegisterMap, landed: bool
) -> None:
    """ML's write was sent, its answer lost (ML ends): whether it landed or not, the restore puts the
    operator's speed back and journals no override (a landed write was left as 'the operator's')."""
    rig = make_rig(quick, register_map)
    rig.model.steps = {"descent_speed": 1.0, "cutting_speed": 0.0}
    rig.controller.control.write_threshold_descent = 0.01
    rig.saw.state = SawState.CUTTING
    if landed:
        rig.saw.lose_answers = 1
    else:
        rig.saw.fail_writes = 1
    await rig.run(5)
    assert rig.modes.mode is Mode.MANUAL and "descent_speed failed" in rig.modes.last_fault
    assert rig.saw.descent == 30.0
    assert not [r for r in rig.journal.decisions if r.action == "override"]
    assert rig.controller._restore == {}
