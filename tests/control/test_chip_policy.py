"""The chip-thickness policy: chip and contact from the PLC's registers, the load estimate, and
what it asks for (window, load cap, entry, worn band, deviation, band speed); in the controller,
a speed a person set during the cut is theirs."""

from __future__ import annotations

import math
from typing import Any

import pytest

from core.config import PROJECT_ROOT, load_settings
from core.control.chip_model import M_C, Geometry, LoadEstimate, chip_mm, descent_for_chip
from core.control.chip_policy import ChipPolicy, ChipSettings
from core.control.modes import Mode
from core.registers import load_register_map
from core.sim.materials import Section, Shape
from core.snapshot import SawState
from tests.control.control_rig import FakeChipModel, make_rig

CHIP = ChipSettings(windows={2: (0.0015, 0.0036)}, grade_windows={1: (0.0015, 0.0040)})
LIMITS = ((40.0, 90.0), (10.0, 60.0))
ROUND_80 = {"cross_section": 0.0, "dimension_a": 80.0, "dimension_b": 0.0, "dimension_c": 0.0,
            "dimension_d": 0.0, "material_width": 80.0}


def values(**kw: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = {
        "material_type": 1.0, "material_hardness": 2.0, "tooth_pitch": 6.0, **ROUND_80,
        "head_height": 60.0, "descent_speed": 30.0, "cutting_speed": 70.0, "descent_speed_actual": 30.0,
        "cutting_speed_actual": 70.0, "band_torque": 40.0, "band_deviation": 0.05,
    }
    base.update(kw)
    return base


def test_chip_and_descent_are_inverse() -> None:
    assert chip_mm(30.0, 70.0, 6.0) == pytest.approx(30 * 6 / 70_000)
    assert descent_for_chip(chip_mm(30.0, 70.0, 6.0), 70.0, 6.0) == pytest.approx(30.0)
    assert chip_mm(30.0, 0.0, 6.0) == 0.0  # the band stands: no chip


def test_geometry_from_registers_and_profiles_of_unknown_kind() -> None:
    round_bar = Geometry.from_values(ROUND_80)
    assert round_bar is not None
    assert round_bar.contact_now(40.0) == pytest.approx(80.0)
    assert round_bar.contact_ahead(0.0, 5.0) == pytest.approx(Section(Shape.ROUND, 80.0).max_chord(0.0, 5.0), rel=0.02)
    # A profile: the PLC gives no I/U/L; the smallest contact now, the largest ahead.
    ipe = Geometry.from_values({"cross_section": 3.0, "dimension_a": 120.0, "dimension_b": 64.0, "dimension_c": 6.3,
                                "dimension_d": 4.4, "material_width": 120.0})
    assert ipe is not None and len(ipe.sections) == 3
    assert ipe.contact_now(3.0) == pytest.approx(6.3)  # an L's leg, though an I's flange is 64 wide
    assert ipe.contact_ahead(60.0, 5.0) == pytest.approx(12.6)  # mid-height: a U's two flanges at most
    assert ipe.contact_ahead(110.0, 5.0) == pytest.approx(64.0)  # an I's bottom flange may be near
    for bad in ({**ROUND_80, "dimension_a": None}, {**ROUND_80, "cross_section": 9.0},
                {**ROUND_80, "cross_section": 2.0, "dimension_b": 50.0},  # a tube's wall of half its diameter
                {**ROUND_80, "cross_section": 3.0}):  # a profile without flanges
        assert Geometry.from_values(bad) is None


def test_load_estimate_finds_the_chip_for_a_torque() -> None:
    k_true, idle = 900.0, 10.0
    load = LoadEstimate()
    assert load.chip_for_torque(95.0, idle, 80.0) == math.inf  # nothing measured yet
    for contact, chip in ((20.0, 0.002), (40.0, 0.0025), (60.0, 0.003)):
        torque = idle + k_true * contact * chip ** (1 - M_C)
        for _ in range(20):
            load.update(torque, idle, contact, chip)
    chip = load.chip_for_torque(95.0, idle, 80.0)
    assert idle + k_true * 80.0 * chip ** (1 - M_C) == pytest.approx(95.0, rel=0.01)
    load.update(idle + 0.5, idle, 80.0, 0.003)  # the band barely loaded: not a measurement
    assert load.samples == 60


def _policy(speed: float | None = None) -> ChipPolicy:
    return ChipPolicy(CHIP, (lambda row: speed) if speed is not None else None)


def test_known_grade_is_held_at_its_own_window_and_unknown_at_its_class() -> None:
    policy = _policy()
    policy.load.k = 1e-9  # load far from any limit
    d = policy.decide(values(), *LIMITS)
    assert d.targets["descent_speed"] == pytest.approx(descent_for_chip(0.95 * 0.0040, 70.0, 6.0), abs=0.01)
    assert "grade 1" in d.reason and not d.load_capped
    unknown = policy.decide(values(material_type=10.0), *LIMITS)  # a grade the table never saw, class 2
    assert unknown.targets["descent_speed"] == pytest.approx(descent_for_chip(0.8 * 0.0036, 70.0, 6.0), abs=0.01)
    assert "hardness class 2" in unknown.reason
    assert _policy().decide(values(material_type=10.0, material_hardness=6.0), *LIMITS).hold  # no window
    assert _policy().decide(values(tooth_pitch=None), *LIMITS).hold


def test_entry_is_thin_until_the_load_is_measured_then_the_load_caps_the_chip() -> None:
    policy = _policy()
    entry = policy.decide(values(), *LIMITS)
    aim = 0.95 * 0.0040
    assert entry.targets["descent_speed"] < descent_for_chip(aim, 70.0, 6.0)
    assert "entry" in entry.reason
    policy.load.k = 120.0  # a heavy band: 80 mm of contact reaches the torque target early
    capped = policy.decide(values(band_torque=90.0), *LIMITS)
    chip = chip_mm(capped.targets["descent_speed"], 70.0, 6.0)
    assert capped.load_capped and chip < aim
    assert policy.geometry is not None
    ahead = policy.geometry.contact_ahead(20.0, CHIP.lookahead_min_mm)  # the widest chord of the next 3 mm
    assert policy.idle + 120.0 * ahead * chip ** (1 - M_C) == pytest.approx(CHIP.torque_target_pct, rel=0.02)
    # Far below the target load, a cap under the window's bottom (a profile's worst case) gives
    # way to the bottom: the teeth do not rub while the band is lightly loaded.
    policy.load.k = 300.0
    assert policy.decide(values(band_torque=90.0), *LIMITS).load_capped
    light = policy.decide(values(band_torque=40.0), *LIMITS)
    assert "window bottom" in light.reason
    assert chip_mm(light.targets["descent_speed"], 70.0, 6.0) == pytest.approx(0.0015 * 1.1, rel=0.01)


def test_measured_feed_loss_and_deviation_are_corrected() -> None:
    policy = _policy()
    policy.load.k = 1e-9
    for _ in range(30):  # a worn band: the head runs at 90 % of its setpoint
        policy.observe(values(descent_speed_actual=27.0))
    assert policy.efficiency == pytest.approx(0.9, abs=0.005)
    worn = policy.decide(values(descent_speed_actual=27.0), *LIMITS).targets["descent_speed"]
    assert worn == pytest.approx(descent_for_chip(0.95 * 0.0040, 70.0, 6.0) / 0.9, rel=0.01)
    for _ in range(60):  # the band runs off the line: a thinner chip
        policy.observe(values(descent_speed_actual=27.0, band_deviation=0.6))
    deviating = policy.decide(values(descent_speed_actual=27.0), *LIMITS).targets["descent_speed"]
    assert deviating == pytest.approx(worn * CHIP.deviation_min_factor, rel=0.02)


def test_band_speed_is_the_feed_forward_within_limits_and_small_changes_are_not_written() -> None:
    policy = _policy(speed=120.0)
    policy.load.k = 1e-9
    d = policy.decide(values(), *LIMITS)
    assert d.targets["cutting_speed"] == 90.0  # the feed-forward, clamped to ML's limits
    # The chip is computed at the band speed the band really runs (70), not the coming 90.
    assert d.targets["descent_speed"] == pytest.approx(descent_for_chip(0.95 * 0.004, 70.0, 6.0), abs=0.01)
    settled = values(cutting_speed=90.0, cutting_speed_actual=90.0,
                     descent_speed=descent_for_chip(0.95 * 0.004, 90.0, 6.0) - 0.3)
    assert policy.decide(settled, *LIMITS).targets == {}  # within the write thresholds
    assert _policy().decide(values(), *LIMITS).targets.get("cutting_speed") is None  # no model: keeps 70


def test_settings_round_trip_and_bad_tables_are_refused() -> None:
    assert ChipSettings.from_json(CHIP.to_json()) == CHIP
    bads: list[dict[str, Any]] = [
        {"windows": {}}, {"windows": {"2": [0.004, 0.002]}}, {"windows": {"2": [0.001, 0.003]}, "aim": 2.0},
        {"windows": {"2": [0.001, 0.003]}, "surprise": 1},
        {"windows": {"2": [0.001, 0.003]}, "speed_inputs": ["band_wear"]},
    ]
    for bad in bads:
        with pytest.raises((ValueError, KeyError)):
            ChipSettings.from_json(bad)


async def test_a_speed_a_person_set_in_the_cut_is_left_to_them() -> None:
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=PROJECT_ROOT / "no.env",
                             overrides={"paths": {"data_dir": "/nonexistent-bandsaw-data"}})
    rig = make_rig(settings, load_register_map(PROJECT_ROOT / "config" / "registers.yaml"), mode=Mode.ML)
    model = FakeChipModel(CHIP, speed=60.0)
    rig.controller.set_model(model)
    saw = rig.saw
    saw.state, saw.height = SawState.CUTTING, 80.0

    def poll(dt: float = 0.2) -> None:
        saw.advance(dt)
        saw.extra |= {k: v for k, v in values().items() if k not in ("descent_speed", "cutting_speed", "head_height")}
        saw.extra |= {"descent_speed_actual": saw.descent, "cutting_speed_actual": saw.cutting,
                      "band_torque": 30.0}
        rig.controller.feed(saw.snapshot())

    for _ in range(15):
        poll()
        await rig.controller.step()
    assert saw.cutting == 60.0 and saw.descent > 30.0  # the policy drives both speeds
    saw.cutting, saw.descent = 75.0, 25.0  # the operator, on the PLC panel
    for _ in range(15):
        poll()
        await rig.controller.step()
    assert (saw.cutting, saw.descent) == (75.0, 25.0)  # theirs for the rest of the cut
    assert [r.action for r in rig.journal.decisions].count("override") == 2
