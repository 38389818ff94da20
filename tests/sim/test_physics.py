"""Physics invariants of the simulated saw, stepped in-process (no server, no wall clock)."""

from __future__ import annotations

import math
import random

import pytest

from core.registers import RegisterMap
from core.sim import cutting
from core.sim.image import RegisterImage
from core.sim.materials import GRADES_BY_CODE, STOCK, Section, Shape, Stock
from core.sim.physics import FEED_RAMP, AlarmBit, AlarmCode, SawPlc
from core.snapshot import SawState

DT = 0.05


def plc_on(stock: Stock, seed: int = 1) -> SawPlc:
    """A PLC that cuts ``stock`` from its first piece on."""
    plc = SawPlc(seed=seed)
    plc.feed.force(stock)
    plc.piece = stock
    plc.head = stock.section.height + 30.0
    return plc


def run_until(plc: SawPlc, condition: object, limit_s: float) -> None:
    assert callable(condition)
    end = plc.time + limit_s
    while not condition() and plc.time < end:
        plc.step(DT)
    assert condition(), f"not reached within {limit_s} s of simulated time (state {plc.state.name})"


def test_unattended_production_invariants(register_map: RegisterMap) -> None:
    """An hour of cutting with random setpoint writes: head within travel, counters sane.

    The operator keeps the chip inside the grade's window and the torque under its limit:
    outside them the band now breaks teeth or trips (tested below)."""
    plc = SawPlc(seed=11)
    rng = random.Random(5)
    image = RegisterImage(register_map)
    highest = max(stock.section.height for stock in STOCK) + 30.0
    previous_state, completed = plc.state, 0
    energy = wear = 0.0
    for i in range(int(3600 / DT)):
        if i % 200 == 0:  # an operator fiddling within the safe envelope every 10 s
            grade, machine = plc.piece.grade, plc.machine
            speed = rng.uniform(50.0, 90.0)
            top = min(grade.h_max, cutting.torque_chip(grade, machine, plc.piece.section.max_chord(), plc.wear, 95.0))
            h_z = rng.uniform(grade.h_min, max(grade.h_min, top))
            plc.set_value("cutting_speed", speed)
            plc.set_value("descent_speed", h_z * 1000.0 * speed / machine.tooth_pitch)
        plc.step(DT)
        assert 0.0 <= plc.head <= highest + 1e-9
        assert plc.state is not SawState.ERROR, plc.alarm_code
        if plc.state is SawState.COMPLETED and previous_state is not SawState.COMPLETED:
            completed += 1
            assert plc.cut_count == completed
            assert plc.head == 0.0
        assert plc.energy_kwh >= energy and plc.wear >= wear
        energy, wear, previous_state = plc.energy_kwh, plc.wear, plc.state
        if i % 100 == 0:
            values = plc.values()
            image.refresh(values, {})
            for reg in register_map:  # every value fits its register without saturating
                assert reg.to_raw(values[reg.name]) is not None
    assert plc.cut_count == completed >= 12  # 1-3 minutes per cut
    assert plc.run_hours > 0.5 and plc.energy_kwh > 0.0 and plc.area_cut_cm2 > 100.0


FIRST_CATALOGUE = STOCK[:14]  # the stock the simulator started with; the rest is wider on purpose


def test_normal_preset_cut_times_and_torque() -> None:
    """At the normal preset a cut takes 1-3.5 minutes; solid sections load the band 40-70 %."""
    for stock in FIRST_CATALOGUE:
        plc = plc_on(stock)
        run_until(plc, lambda p=plc: p.state is SawState.CUTTING, 60)
        started, torques = plc.time, []
        while plc.state is SawState.CUTTING:
            plc.step(DT)
            if plc.contact > 0:
                torques.append(plc.torque())
        assert plc.state is SawState.COMPLETED, stock
        assert 60.0 <= plc.time - started <= 210.0, stock
        if stock.section.shape in (Shape.ROUND, Shape.RECTANGLE) and stock.grade.hardness_hb > 150:
            assert 35.0 <= sum(torques) / len(torques) <= 70.0, stock


def test_wider_stock_cuts_at_the_normal_preset() -> None:
    """The added stock spans 0.3-6 minutes a cut at the normal preset and never trips a new band."""
    times = []
    for stock in STOCK[14:]:
        plc = plc_on(stock)
        run_until(plc, lambda p=plc: p.state is SawState.CUTTING, 60)
        started = plc.time
        run_until(plc, lambda p=plc: p.state is not SawState.CUTTING, 900)
        if stock.grade.name == "Hardox 400":  # normal chips are above its window: teeth may break
            continue
        assert plc.state is SawState.COMPLETED, (stock.label, plc.alarm_code)
        times.append(plc.time - started)
    assert min(times) < 70.0 and max(times) > 280.0


def test_setpoints_ramp_the_actual_speeds() -> None:
    plc = plc_on(STOCK[0])
    run_until(plc, lambda: plc.state is SawState.CUTTING and plc.feed_speed == 30.0, 60)
    plc.set_value("descent_speed", 50.0)
    plc.set_value("cutting_speed", 90.0)
    before_feed, before_band = plc.feed_speed, plc.band_speed
    plc.step(DT)
    assert 0 < plc.feed_speed - before_feed <= FEED_RAMP * DT + 1e-9
    assert 0 < plc.band_speed - before_band < 90.0 - before_band
    run_until(plc, lambda: plc.feed_speed == 50.0 and plc.band_speed == 90.0, 5)
    assert plc.value("descent_speed_actual") == 50.0 and plc.value("cutting_speed_actual") == 90.0


def test_setpoints_are_clamped_to_the_machine_range() -> None:
    plc = SawPlc()
    plc.set_value("descent_speed", 500.0)
    plc.set_value("cutting_speed", 1.0)
    assert plc.value("descent_speed") == 60.0 and plc.value("cutting_speed") == 20.0
    with pytest.raises(KeyError, match="not writable"):
        plc.set_value("head_height", 3.0)


def test_sustained_overload_trips_and_reset_returns_to_idle() -> None:
    stock = Stock(GRADES_BY_CODE[2], Section(Shape.RECTANGLE, 50.0, 80.0))
    plc = plc_on(stock)
    run_until(plc, lambda: plc.state is SawState.CUTTING and plc.contact > 0, 60)
    plc.wear = 1.2  # a worn-out band: a descent that a new band takes easily overloads it
    plc.set_value("descent_speed", 45.0)
    over_since = None
    while plc.state is SawState.CUTTING:
        plc.step(DT)
        if plc.torque() > 120.0 and over_since is None:
            over_since = plc.time
    assert plc.state is SawState.ERROR
    assert over_since is not None and plc.time - over_since >= 2.0 - 2 * DT
    values = plc.values()
    assert values["saw_state"] == 5 and values["alarm_status"] == AlarmCode.TORQUE_OVERLOAD
    assert int(values["alarm_info"]) & AlarmBit.TORQUE_HIGH
    plc.step(2.0)
    assert plc.state is SawState.ERROR and plc.value("descent_speed_actual") == 0.0  # feed stopped
    assert plc.value("cutting_speed_actual") == 0.0  # band stopped
    plc.set_value("fault_reset", 1)
    assert plc.state is SawState.IDLE and plc.alarm_code is AlarmCode.NONE
    assert plc.value("alarm_info") == 0 or not int(plc.value("alarm_info")) & AlarmBit.TORQUE_HIGH
    plc.wear = 0.0
    run_until(plc, lambda: plc.state is SawState.CUTTING, 120)  # production resumes


def test_chips_far_above_the_window_break_teeth() -> None:
    plc = plc_on(STOCK[2])  # 42CrMo4 round 70
    plc.set_operator_speeds(20.0, 60.0)  # h_z ~ 18 um against h_max 3.2 um
    run_until(plc, lambda: plc.state is SawState.ERROR, 300)
    assert plc.alarm_code in (AlarmCode.TOOTH_BREAKAGE, AlarmCode.TORQUE_OVERLOAD)
    assert plc.cut_count == 0


def test_heartbeat_watchdog_stops_the_feed() -> None:
    plc = plc_on(STOCK[0], seed=3)
    plc.step(300.0)  # never seen changing: the watchdog stays off
    assert plc.state is not SawState.ERROR
    plc.set_value("heartbeat", 1)

    def beat_for(seconds: float) -> None:  # the HMI increments the heartbeat at 1 Hz
        for _ in range(round(seconds / DT)):
            plc.step(DT)
            if round(plc.time / DT) % 20 == 0:
                plc.set_value("heartbeat", plc.heartbeat + 1)

    while plc.state is not SawState.CUTTING:
        beat_for(1.0)
    beat_for(10.0)
    assert plc.state is SawState.CUTTING
    stopped = plc.time
    run_until(plc, lambda: plc.state is SawState.ERROR, 10.0)
    assert plc.alarm_code is AlarmCode.HEARTBEAT_LOST
    assert 5.0 < plc.time - stopped <= 6.0 + DT
    assert int(plc.value("alarm_info")) & AlarmBit.HEARTBEAT_LOST
    plc.set_value("fault_reset", 1)
    plc.step(600.0)  # disarmed by the reset until the heartbeat changes again
    assert plc.state is not SawState.ERROR


def test_same_seed_same_trajectory_and_substeps_are_exact() -> None:
    first, second, other = SawPlc(seed=42), SawPlc(seed=42), SawPlc(seed=43)
    for _ in range(600):
        first.step(0.5)
        other.step(0.5)
        for _ in range(10):
            second.step(0.05)
    assert first.values() == second.values()
    assert first.values() != other.values()


def test_physics_hz_bounds_the_substep() -> None:
    plc = SawPlc(physics_hz=50.0)
    calls: list[float] = []
    original = plc._substep

    def counting(dt: float) -> None:
        calls.append(dt)
        original(dt)

    plc._substep = counting  # type: ignore[method-assign]
    plc.step(1.0)
    assert len(calls) == 50 and max(calls) <= 0.02 + 1e-12
    with pytest.raises(ValueError):
        SawPlc(physics_hz=10.0)


def test_oracle_beats_normal_and_stays_safe() -> None:
    faster = 0
    for stock in STOCK:
        plc = plc_on(stock, seed=5)
        oracle = plc.oracle_descent_speed()
        grade = stock.grade
        h_z = cutting.chip_thickness(oracle, 70.0, plc.machine.tooth_pitch)
        assert h_z <= grade.h_max + 1e-12
        faster += oracle > 1.15 * 30.0
        run_until(plc, lambda p=plc: p.state is SawState.CUTTING, 60)
        while plc.state is SawState.CUTTING:  # the oracle as controller never trips the saw
            plc.set_value("descent_speed", plc.oracle_descent_speed())
            plc.step(DT)
            assert plc.torque() <= plc.machine.torque_limit + 3.0
        assert plc.state is SawState.COMPLETED, (stock, plc.alarm_code)
    assert faster >= len(STOCK) * 2 // 3


def test_oracle_respects_the_torque_limit_on_a_worn_band() -> None:
    grade = GRADES_BY_CODE[0]
    machine = cutting.Machine()
    new = cutting.oracle_descent(grade, machine, 100.0, 70.0, 0.0)
    worn = cutting.oracle_descent(grade, machine, 100.0, 70.0, 1.0)
    assert worn < new
    h_z = cutting.chip_thickness(worn * cutting.feed_efficiency(1.0), 70.0, machine.tooth_pitch)
    force = cutting.cutting_force(grade, machine, 100.0, h_z, 1.0)
    assert cutting.band_torque(machine, force) == pytest.approx(machine.torque_limit)


def test_vibration_frequency_is_the_tooth_passing_frequency() -> None:
    plc = plc_on(STOCK[0])
    run_until(plc, lambda: plc.state is SawState.CUTTING and plc.contact > 10, 60)
    values = plc.values()
    tooth = 1000.0 * values["cutting_speed_actual"] / (60.0 * values["tooth_pitch"])
    assert values["vibration_x_freq"] == pytest.approx(tooth)
    assert values["vibration_x"] > values["vibration_y"] > values["vibration_z"] > 0.0
    quiet = values["vibration_x"]
    plc.set_value("cutting_speed", 87.0)  # inside C45's chatter band
    run_until(plc, lambda: plc.band_speed == 87.0, 5)
    plc.step(DT)
    assert plc.value("vibration_x") > 2.0 * quiet
    assert int(plc.value("alarm_info")) & AlarmBit.CHATTER


def test_temperatures_lag_and_wear_accumulates() -> None:
    plc = SawPlc(seed=2)
    coolant0 = plc.value("coolant_temp")
    plc.step(1800.0)
    assert plc.value("coolant_temp") > coolant0 + 1.0  # warmed by the cuts
    assert abs(plc.value("ambient_temp") - 21.0) < 4.0 and 5.0 <= plc.value("humidity") <= 95.0
    assert plc.value("band_wear") > 0.0 and plc.value("band_area_cut") > 0.0
    plc.wear = 1.0
    run_until(plc, lambda: plc.state is SawState.IDLE, 600)
    plc.step(DT)
    assert plc.value("band_wear") == 0.0 and plc.value("band_id") == 4712  # new band fitted


@pytest.mark.parametrize(
    ("section", "area"),
    [
        (Section(Shape.ROUND, 80.0), math.pi * 40.0**2),
        (Section(Shape.RECTANGLE, 50.0, 80.0), 4000.0),
        (Section(Shape.TUBE, 88.9, 5.0), math.pi / 4 * (88.9**2 - 78.9**2)),
        (Section(Shape.PROFILE, 80.0, 46.0, 5.2, 3.8, profile="I"), 2 * 46 * 5.2 + (80 - 2 * 5.2) * 3.8),
    ],
)
def test_chord_integrates_to_the_section_area(section: Section, area: float) -> None:
    assert section.area_mm2(step=0.05) == pytest.approx(area, rel=0.01)
    assert section.chord(-1.0) == section.chord(section.height + 1.0) == 0.0


def test_round_chord_is_widest_in_the_middle() -> None:
    bar = Section(Shape.ROUND, 60.0)
    assert bar.chord(30.0) == pytest.approx(60.0)
    assert bar.chord(10.0) == pytest.approx(2 * math.sqrt(10 * 50))
    assert bar.max_chord() == pytest.approx(60.0, rel=1e-3)
