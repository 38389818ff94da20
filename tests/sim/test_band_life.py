"""Speed is not free: the Taylor band-life law, worn bands, tooth breakage, hardness codes, the oracle."""

from __future__ import annotations

import math

import pytest

from core.registers import RegisterMap
from core.sim import cutting
from core.sim.materials import GRADES, GRADES_BY_CODE, STOCK, Section, Shape, Stock, hardness_code
from core.sim.oracle import CUTTING_RANGE, Economics, best_plan, predict
from core.sim.physics import AlarmCode, SawPlc
from core.snapshot import SawState

DT = 0.05
C45 = GRADES_BY_CODE[1]


def cut_once(stock: Stock, cutting_speed: float, descent: float, wear: float = 0.0, seed: int = 1) -> dict[str, float]:
    """One cut at fixed speeds: time in the cut, band life used, mean |deviation|, mean torque."""
    plc = SawPlc(seed=seed)
    plc.feed.force(stock)
    plc.piece = stock
    plc.head = stock.section.height + 30.0
    plc.set_operator_speeds(cutting_speed, descent)
    plc.wear = wear
    while plc.state is not SawState.CUTTING:
        plc.step(DT)
    start, wear0, dev, torque, n = plc.time, plc.wear, 0.0, 0.0, 0
    while plc.state is SawState.CUTTING:
        plc.step(DT)
        dev, torque, n = dev + abs(plc.deviation), torque + plc.torque(), n + 1
    assert plc.state is SawState.COMPLETED, plc.alarm_code
    return {"s": plc.time - start, "life": plc.wear - wear0, "dev": dev / n, "torque": torque / n}


def test_taylor_life_falls_with_speed_and_outside_the_window() -> None:
    for grade in GRADES:
        h = (grade.h_min + grade.h_max) / 2
        slow, fast = cutting.band_life_cm2(grade, 50.0, h), cutting.band_life_cm2(grade, 90.0, h)
        assert fast / slow == pytest.approx((50.0 / 90.0) ** (1.0 / grade.taylor_n))
        assert cutting.band_life_cm2(grade, 60.0, h) == pytest.approx(grade.life_c)
        assert cutting.chip_life_factor(grade, grade.h_min) == cutting.chip_life_factor(grade, grade.h_max) == 1.0
        assert cutting.chip_life_factor(grade, grade.h_min / 2) == pytest.approx(0.25)  # rubbing
        assert cutting.chip_life_factor(grade, grade.h_max * 1.25) == pytest.approx(math.exp(-1.0))  # overload
    # Harder grades wear bands faster.
    assert GRADES_BY_CODE[11].life_c < GRADES_BY_CODE[2].life_c < C45.life_c < GRADES_BY_CODE[0].life_c


def test_a_faster_band_uses_more_of_its_life_per_cut() -> None:
    bar = Stock(C45, Section(Shape.ROUND, 60.0))
    slow = cut_once(bar, 50.0, 50.0 * 2.57 / 70 * 30 / 2.57)  # same chip thickness at both speeds
    fast = cut_once(bar, 90.0, 90.0 * 30.0 / 70.0)
    assert fast["s"] < slow["s"] * 0.6
    assert fast["life"] / slow["life"] == pytest.approx((90.0 / 50.0) ** (1.0 / C45.taylor_n), rel=0.05)
    # The measured wear is the law integrated over the cut area.
    area = bar.section.area_mm2() / 100.0
    assert slow["life"] == pytest.approx(area * cutting.wear_per_cm2(C45, 50.0, 30.0 * 6 / 70000), rel=0.05)


def test_a_worn_band_cuts_slower_with_more_force_and_deviation() -> None:
    bar = Stock(C45, Section(Shape.ROUND, 60.0))
    new, worn = cut_once(bar, 70.0, 30.0, 0.0), cut_once(bar, 70.0, 30.0, 0.8)
    assert worn["s"] > new["s"] / cutting.feed_efficiency(0.8) * 0.97 > new["s"] * 1.15
    assert worn["torque"] > new["torque"] * 1.3
    assert worn["dev"] > new["dev"] * 1.5


def test_breakage_hazard_rises_with_chip_load_and_wear() -> None:
    machine = cutting.Machine()
    hazard = [cutting.breakage_hazard(C45, machine, C45.h_max * r, 0.0) for r in (1.0, 1.1, 1.2, 1.4, 1.8)]
    assert hazard[:2] == [0.0, 0.0] and hazard[2] < hazard[3] < hazard[4]
    assert cutting.breakage_hazard(C45, machine, C45.h_max * 1.4, 0.8) > 3 * hazard[3]


def test_breakage_in_the_simulator_gets_likelier_with_chip_load() -> None:
    """Of 20 seeds, how many break teeth within 20 s of cutting at 1.25 and at 1.6 x h_max."""
    bar = Stock(C45, Section(Shape.RECTANGLE, 60.0, 20.0))  # narrow: no torque trip

    def breaks(ratio: float) -> int:
        count = 0
        for seed in range(20):
            plc = SawPlc(seed=seed)
            plc.feed.force(bar)
            plc.piece, plc.head = bar, bar.section.height + 30.0
            plc.set_operator_speeds(60.0, C45.h_max * ratio * 1000 * 60.0 / 6.0)
            while plc.state is not SawState.CUTTING:
                plc.step(DT)
            end = plc.time + 20.0
            while plc.state is SawState.CUTTING and plc.time < end:
                plc.step(DT)
            count += plc.alarm_code is AlarmCode.TOOTH_BREAKAGE
        return count

    gentle, hard = breaks(1.25), breaks(1.6)
    assert gentle < hard and hard >= 10


def test_registers_carry_plc_codes_not_brinell() -> None:
    assert [hardness_code(hb) for hb in (95, 100, 120, 200, 260, 320, 400)] == [0, 0, 1, 2, 4, 5, 6]
    for stock in STOCK:
        plc = SawPlc()
        plc.piece = stock
        assert plc.value("material_hardness") == stock.grade.hardness_code
        assert plc.value("material_type") == stock.grade.code
    harder = C45.at_hardness(4)
    assert harder.hardness_code == 4 and harder.k_c > C45.k_c and harder.life_c < C45.life_c
    assert C45.at_hardness(C45.hardness_code) is C45
    with pytest.raises(ValueError, match="unknown hardness code"):
        C45.at_hardness(12)


def test_oracle_minimises_cost_within_the_allowed_speeds() -> None:
    economics = Economics(60.0, 80.0)
    for stock in STOCK[:14]:
        plan = best_plan(stock.grade, stock.section, 0.2, economics)
        assert CUTTING_RANGE[0] <= plan.cutting_speed <= CUTTING_RANGE[1]
        for speed in (40.0, 55.0, 70.0, 90.0):
            assert plan.cost <= predict(stock.grade, stock.section, 0.2, speed, economics).cost + 1e-9
    bar = Section(Shape.ROUND, 60.0)
    soft = best_plan(GRADES_BY_CODE[6], bar, 0.0, economics).cutting_speed
    hard = best_plan(GRADES_BY_CODE[7], bar, 0.0, economics).cutting_speed
    assert hard < soft  # a harder grade is best cut slower
    dear = best_plan(C45, bar, 0.0, Economics(60.0, 400.0)).cutting_speed
    assert dear < best_plan(C45, bar, 0.0, economics).cutting_speed  # dear bands: slow down


def test_register_map_names_every_grade_and_hardness_code(register_map: RegisterMap) -> None:
    from core.sim.materials import HARDNESS_CLASSES

    grades = dict(register_map["material_type"].enum)
    assert grades == {g.code: g.name for g in GRADES}
    hardness = dict(register_map["material_hardness"].enum)
    assert set(hardness) == {code for code, _ in HARDNESS_CLASSES}


def test_the_unattended_feed_is_safe_at_the_normal_preset_to_the_end_of_band_life() -> None:
    from core.sim.materials import LIVE_STOCK

    machine = cutting.Machine()
    assert len(LIVE_STOCK) == len(STOCK) - 3
    for stock in LIVE_STOCK:
        for wear in (0.0, 0.5, 0.99):
            h_z = cutting.chip_thickness(30.0 * cutting.feed_efficiency(wear), 70.0, machine.tooth_pitch)
            force = cutting.cutting_force(stock.grade, machine, stock.section.max_chord(), h_z, wear)
            assert cutting.band_torque(machine, force) < 110.0, stock.label
            assert cutting.breakage_hazard(stock.grade, machine, h_z, wear) == 0.0, stock.label


def test_oracle_prefers_a_band_speed_that_keeps_the_torque_in_limits() -> None:
    """A wide hard bar on a worn band: at the descent floor only a fast band keeps the chip thin."""
    economics = Economics(60.0, 80.0)
    machine = cutting.Machine()
    grade, bar = GRADES_BY_CODE[7], Section(Shape.ROUND, 160.0)
    slow = predict(grade, bar, 0.9, 40.0, economics)
    assert not slow.feasible(machine)
    plan = best_plan(grade, bar, 0.9, economics)
    assert plan.feasible(machine) and plan.cutting_speed > 40.0
