"""#14.4 / #14.5: ML knows where it is competent, stops on a trip or a persistent overload, and
works with the operator (their change is the new base; too many changes pause ML for the cut)."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.control.ml_controller import ALARM_CEILING, ALARM_OUTSIDE, ALARM_TRIP, ControlState
from core.control.modes import Mode
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.control.control_rig import Rig, make_rig


@pytest.fixture
def quick(settings: Settings) -> Settings:
    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    return settings


def _rig(settings: Settings, register_map: RegisterMap, coefficient: float = 1.0) -> Rig:
    rig = make_rig(settings, register_map, coefficient=coefficient)
    return rig


async def _cutting(rig: Rig, seconds: float = 2.0) -> None:
    rig.saw.state = SawState.CUTTING
    await rig.run(seconds)


async def test_outside_the_envelope_ml_holds_then_resumes(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map)
    rig.model.envelope = {"ranges": {"band_deviation": [0.0, 0.2]}, "codes": {}}
    rig.controller.set_model(rig.model)
    await _cutting(rig, 3.0)
    assert rig.controller.status.state is ControlState.CONTROLLING and rig.saw.writes
    rig.saw.deviation = 0.6  # a worn band on a new grade: never seen in training
    await rig.run(1.0)
    held_from = len(rig.saw.writes)
    descent = rig.saw.descent
    await rig.run(5.0)
    status = rig.controller.status
    assert status.state is ControlState.HOLDING and status.outside_envelope
    assert "outside the model's experience: band_deviation" in status.competence
    assert len(rig.saw.writes) == held_from and rig.saw.descent == descent  # nothing written, speeds kept
    alarm = rig.alarms.get(ALARM_OUTSIDE)
    assert alarm is not None and alarm.condition and alarm.priority == 4
    assert rig.modes.mode is Mode.ML  # holding is not a fault
    rig.saw.deviation = 0.05
    await rig.run(3.0)
    assert rig.controller.status.state is ControlState.CONTROLLING and not rig.alarms.is_active(ALARM_OUTSIDE)
    assert len(rig.saw.writes) > held_from


async def test_unknown_material_code_is_outside(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map)
    rig.model.features = ("band_current_est", "band_deviation", "material_hardness", "descent_speed")
    rig.model.envelope = {"ranges": {}, "codes": {"material_hardness": [1, 2, 3]}}
    assert rig.controller.set_model(rig.model)
    rig.saw.extra["material_hardness"] = 5.0
    await _cutting(rig, 4.0)
    assert "material_hardness 5 not among the trained codes" in rig.controller.status.competence
    assert rig.saw.writes == []


async def test_plc_trip_ends_ml_with_an_alarm_until_switched_on_again(
    quick: Settings, register_map: RegisterMap
) -> None:
    rig = _rig(quick, register_map)
    await _cutting(rig, 5.0)
    assert rig.saw.descent > 30.0
    rig.saw.state, rig.saw.alarm_status = SawState.ERROR, 1.0  # torque overload trip
    row = await rig.tick()
    assert row is not None and row.action == "fault" and "plc_trip" in row.reason
    assert rig.modes.mode is Mode.MANUAL and rig.alarms.is_active(ALARM_TRIP)
    await rig.run(3.0)
    assert rig.saw.descent <= 30.0 + 5.0  # ML's faster descent is not kept; never raised after a trip
    rig.saw.state, rig.saw.alarm_status = SawState.IDLE, 0.0  # the operator resets
    await rig.run(1.0)
    assert rig.modes.mode is Mode.MANUAL  # ML does not come back by itself on the re-cut
    rig.saw.state = SawState.CUTTING
    await rig.run(3.0)
    assert rig.modes.mode is Mode.MANUAL
    rig.modes.set_mode(Mode.ML, user="anna", reason="switched on again")
    await rig.run(1.0)
    assert not rig.alarms.is_active(ALARM_TRIP) and rig.modes.mode is Mode.ML


async def test_overload_bit_alone_is_a_trip(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map)
    await _cutting(rig, 2.0)
    rig.saw.alarm_info = 2.0  # bit 1: tooth breakage
    await rig.tick()
    assert rig.modes.mode is Mode.MANUAL and "tooth breakage" in rig.modes.last_fault


async def test_load_ceiling_cuts_descent_at_once_then_ends_ml(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map, coefficient=0.0)
    await _cutting(rig, 2.0)
    rig.saw.torque = 108.0  # above control.torque_ceiling_pct (100), below the PLC's trip
    await rig.run(0.4)
    cuts = [w for w in rig.saw.writes if w.reason == "ML ceiling"]
    assert cuts and cuts[0].value < 30.0 and rig.alarms.is_active(ALARM_CEILING)
    assert rig.modes.mode is Mode.ML
    await rig.run(2.0)  # still above after ceiling_end_after_s (1.5 s)
    assert rig.modes.mode is Mode.MANUAL and rig.alarms.is_active(ALARM_CEILING)
    assert "load_ceiling" in rig.controller.status.last_fault
    await rig.run(2.0)
    assert rig.saw.descent < 30.0  # the operator's faster descent is not put back after an overload


async def test_ceiling_that_clears_lets_ml_go_on(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map, coefficient=0.0)
    await _cutting(rig, 2.0)
    rig.saw.torque = 104.0
    await rig.run(0.6)
    rig.saw.torque = 60.0
    await rig.run(3.0)
    assert rig.modes.mode is Mode.ML and not rig.alarms.is_active(ALARM_CEILING)


async def test_operator_change_on_the_panel_is_the_new_base(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map, coefficient=0.0)  # the model wants no change at all
    await _cutting(rig, 2.0)
    rig.saw.descent = 20.0  # the operator lowers descent on the PLC panel
    await rig.run(10.0)
    assert rig.saw.descent == 20.0 and [w for w in rig.saw.writes if w.name == "descent_speed"] == []
    overrides = [row for row in rig.journal.decisions if row.action == "override"]
    assert len(overrides) == 1 and "30 -> 20 on the PLC panel" in overrides[0].reason
    assert rig.controller.status.saved_speeds["descent_speed"] == 20.0
    rig.saw.state = SawState.COMPLETED
    await rig.run(2.0)
    assert rig.saw.descent == 20.0  # the restore after the cut keeps the operator's choice


async def test_ml_nudges_from_the_operators_value(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map, coefficient=1.0)
    await _cutting(rig, 3.0)
    rig.saw.descent = 20.0
    await rig.run(0.6)
    after = [w.value for w in rig.saw.writes if w.name == "descent_speed" and w.at > rig.clock.t - 0.6]
    assert after and all(20.0 < v <= 22.0 for v in after), after


async def test_hmi_write_is_the_new_base_before_the_next_poll(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map, coefficient=-1.0)
    await _cutting(rig, 3.0)
    before_write = rig.saw.latest
    assert before_write is not None and before_write.value("descent_speed") == 26.0
    rig.saw.descent = 45.0  # a person's write through the Writer...
    rig.controller.human_wrote("descent_speed", 45.0)  # ...reported before any poll shows it
    assert rig.controller.watch.base("descent_speed", before_write) == 45.0  # the old poll cannot show it
    await rig.controller.step()
    overrides = [row for row in rig.journal.decisions if row.action == "override"]
    assert overrides and "in the HMI" in overrides[-1].reason
    count = len(rig.saw.writes)
    await rig.run(1.0)
    written = [w.value for w in rig.saw.writes[count:] if w.name == "descent_speed"]
    assert written and all(43.0 <= v < 45.0 for v in written)  # built on the person's 45, not the old 26


async def test_too_many_overrides_pause_ml_for_the_cut(quick: Settings, register_map: RegisterMap) -> None:
    rig = _rig(quick, register_map, coefficient=1.0)
    await _cutting(rig, 2.0)
    for value in (25.0, 22.0, 20.0):
        rig.saw.descent = value
        await rig.run(0.4)
    status = rig.controller.status
    assert status.state is ControlState.PAUSED and status.overrides_this_cut == 3
    count = len(rig.saw.writes)
    await rig.run(5.0)
    assert len(rig.saw.writes) == count and rig.saw.descent == 20.0
    rig.saw.state = SawState.COMPLETED
    await rig.run(1.0)
    rig.saw.state, rig.saw.height = SawState.CUTTING, 100.0
    await rig.run(3.0)
    assert rig.controller.status.state is ControlState.CONTROLLING and len(rig.saw.writes) > count
