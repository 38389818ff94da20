"""Register map: validation messages, decode/encode round trips, block planning."""

from __future__ import annotations

import copy
import itertools
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from core.registers import (
    MAX_BLOCK_REGISTERS,
    Access,
    DataType,
    EncodeError,
    Register,
    RegisterMap,
    RegisterMapError,
    WordOrder,
    load_register_map,
    parse_register_map,
    plan_blocks,
)

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "registers.yaml"


def shipped_data() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def test_shipped_map_follows_the_plc_layout(register_map: RegisterMap) -> None:
    expected = {
        "head_height": 2000, "band_current": 2010, "band_torque": 2011, "descent_current": 2012,
        "descent_torque": 2013, "band_tension": 2020, "band_deviation": 2021, "vice_pressure": 2022,
        "saw_state": 2030, "alarm_status": 2031, "alarm_info": 2032, "ambient_temp": 2040,
        "descent_speed": 2041, "humidity": 2042, "coolant_temp": 2050, "hydraulic_temp": 2051,
        "cutting_speed": 2066, "vibration_x": 2100, "vibration_y": 2101, "vibration_z": 2102,
        "vibration_x_freq": 2103, "vibration_y_freq": 2104, "vibration_z_freq": 2105,
        "vibration_max_freq": 2106, "material_type": 2200, "material_width": 2207, "band_id": 2230,
        "tooth_pitch": 2234, "cut_count": 2250, "machine_id": 2251,
    }
    for name, address in expected.items():
        assert register_map[name].address == address, name
    assert register_map["band_deviation"].type is DataType.INT16
    assert register_map["descent_speed"].scale == 0.01 and register_map["descent_speed"].writable
    assert register_map["energy_total"].type is DataType.UINT32
    assert len(register_map.digest) == 64


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["registers"][1].update(address=2000), ["band_current", "overlaps", "head_height"]),
        (lambda d: d["registers"][0].update(type="uint8"), ["head_height", "'type'", "uint8", "float32"]),
        (lambda d: d["registers"][0].update(group="hydraulics"), ["head_height", "'group'", "hydraulics", "unknown"]),
        (lambda d: d["registers"][15].pop("max"), ["descent_speed", "'max' is missing"]),
        (lambda d: d["registers"][1].update(name="head_height"), ["head_height", "used twice"]),
        (lambda d: d["registers"][0].update(scale=0), ["'scale'", "zero"]),
        (lambda d: d["registers"][0].update(colour="red"), ["unknown field 'colour'"]),
        (lambda d: d["registers"][0].pop("address"), ["'address' is missing"]),
        (lambda d: d["registers"][15].update(max=400.0), ["descent_speed", "'max'", "int16"]),
        (lambda d: d.update(word_order="middle"), ["word_order", "middle"]),
        (lambda d: d["registers"][0].update(name="Head Height"), ["snake_case"]),
        (lambda d: d["registers"][0]["tr"].update(colour="x"), ["head_height", "'tr'"]),
        (lambda d: d["registers"][9]["tr"]["enum"].update({9: "X"}), ["saw_state", "'tr.enum' code 9"]),
        (lambda d: d["groups"].update(motor={"tr": "Motor"}), ["groups", "'motor'", "en required"]),
        (lambda d: d["groups"].update(motor={"en": "Motor", "de": "Motor"}), ["groups", "'motor'"]),
    ],
)
def test_loader_names_file_entry_and_field(tmp_path: Path, mutate: Any, expected: list[str]) -> None:
    data = copy.deepcopy(shipped_data())
    mutate(data)
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RegisterMapError) as caught:
        load_register_map(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for part in expected:
        assert part in message, message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RegisterMapError, match="cannot read"):
        load_register_map(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("registers: [{name: a\n", encoding="utf-8")
    with pytest.raises(RegisterMapError, match="not valid YAML"):
        load_register_map(bad)


def _register(dtype: DataType, scale: float, order: WordOrder) -> Register:
    return Register("value", 0, dtype, scale, "", "g", Access.READ, "", order)


_ORDERS = st.sampled_from(list(WordOrder))


@given(raw=st.integers(0, 0xFFFF), order=_ORDERS)
def test_uint16_round_trip(raw: int, order: WordOrder) -> None:
    reg = _register(DataType.UINT16, 1, order)
    assert reg.raw_from_words(reg.words_from_raw(raw)) == raw


@given(raw=st.integers(-0x8000, 0x7FFF), scale=st.sampled_from([1, 0.1, 0.01, 0.001, 10]), order=_ORDERS)
def test_int16_scaled_round_trip(raw: int, scale: float, order: WordOrder) -> None:
    reg = _register(DataType.INT16, scale, order)
    value = reg.decode(reg.words_from_raw(raw))
    assert reg.to_raw(value) == raw
    assert all(0 <= word <= 0xFFFF for word in reg.encode(value))


@given(raw=st.integers(0, 0xFFFF_FFFF), order=_ORDERS)
def test_uint32_round_trip_both_word_orders(raw: int, order: WordOrder) -> None:
    reg = _register(DataType.UINT32, 0.001, order)
    words = reg.words_from_raw(raw)
    assert len(words) == 2
    assert reg.to_raw(reg.decode(words)) == raw


@given(raw=st.integers(-0x8000_0000, 0x7FFF_FFFF), order=_ORDERS)
def test_int32_round_trip(raw: int, order: WordOrder) -> None:
    reg = _register(DataType.INT32, 1, order)
    assert reg.raw_from_words(reg.words_from_raw(raw)) == raw


@given(value=st.floats(width=32, allow_nan=False, allow_infinity=False), order=_ORDERS)
def test_float32_round_trip(value: float, order: WordOrder) -> None:
    reg = _register(DataType.FLOAT32, 1, order)
    assert reg.decode(reg.encode(value)) == value


def test_word_order_puts_high_word_first_for_big() -> None:
    big = _register(DataType.UINT32, 1, WordOrder.BIG)
    little = _register(DataType.UINT32, 1, WordOrder.LITTLE)
    assert big.words_from_raw(0x0001_0002) == [1, 2]
    assert little.words_from_raw(0x0001_0002) == [2, 1]


def test_signed_decode_of_negative_deviation(register_map: RegisterMap) -> None:
    reg = register_map["band_deviation"]
    assert reg.encode(-0.25) == [0x10000 - 25]
    assert reg.decode([0xFFE7]) == -0.25


@pytest.mark.parametrize("value", [math.nan, math.inf, 70_000.0, -1.0])
def test_encode_refuses_what_does_not_fit(value: float) -> None:
    reg = _register(DataType.UINT16, 1, WordOrder.BIG)
    with pytest.raises(EncodeError):
        reg.encode(value)


def test_non_finite_float32_decodes_without_crashing() -> None:
    reg = _register(DataType.FLOAT32, 1, WordOrder.BIG)
    assert math.isnan(reg.decode([0x7FC0, 0x0000]))


def test_shipped_map_plans_few_blocks(register_map: RegisterMap) -> None:
    blocks = register_map.plan(max_gap=20)
    assert [(b.address, b.count) for b in blocks] == [(2000, 68), (2100, 7), (2200, 8), (2230, 28)]
    covered = {reg.name for block in blocks for reg in block.registers}
    assert covered == set(register_map.names)


def test_block_decode_matches_register_decode(register_map: RegisterMap) -> None:
    block = register_map.plan()[0]
    words = [0] * block.count
    torque = register_map["band_torque"]
    words[torque.address - block.address] = 523
    power = register_map["band_power"]
    words[power.address - block.address : power.end - block.address] = power.encode(7.5)
    values = block.decode(words)
    assert values["band_torque"] == 52.3
    assert values["band_power"] == 7.5


def _generated_map(seed: int, size: int = 500) -> list[Register]:
    import random

    rng = random.Random(seed)
    registers, address = [], 0
    for index in range(size):
        dtype = rng.choice(list(DataType))
        address += rng.choice([0, 0, 0, 1, 2, 5, 30, 200])
        registers.append(Register(f"r{index}", address, dtype, 1, "", "g", Access.READ, ""))
        address += dtype.width
    return registers


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("max_gap", [0, 4, 20])
def test_planner_on_generated_500_register_map(seed: int, max_gap: int) -> None:
    registers = _generated_map(seed)
    blocks = plan_blocks(registers, max_gap=max_gap)
    assert sorted(r.name for b in blocks for r in b.registers) == sorted(r.name for r in registers)
    for block in blocks:
        assert 1 <= block.count <= MAX_BLOCK_REGISTERS
        for reg in block.registers:
            assert block.address <= reg.address and reg.end <= block.address + block.count
        inner = sorted(block.registers, key=lambda r: r.address)
        for before, after in itertools.pairwise(inner):
            assert after.address - before.end <= max_gap
    # Minimality: the greedy sweep is optimal, so no two neighbouring blocks could be merged.
    for first, second in itertools.pairwise(blocks):
        mergeable = (second.address - (first.address + first.count) <= max_gap
                     and second.address + second.count - first.address <= MAX_BLOCK_REGISTERS)
        assert not mergeable


def test_planner_respects_smaller_request_size() -> None:
    registers = [Register(f"r{i}", i, DataType.UINT16, 1, "", "g", Access.READ, "") for i in range(300)]
    blocks = plan_blocks(registers, max_gap=0, max_count=100)
    assert [b.count for b in blocks] == [100, 100, 100]


def test_parse_accepts_minimal_map() -> None:
    data = {"groups": {"g": "G"}, "registers": [{"name": "a", "address": 1, "type": "int16", "group": "g",
                                                 "access": "rw", "min": -5, "max": 5, "max_step_per_s": None}]}
    register_map = parse_register_map(data)
    assert register_map["a"].writable and register_map["a"].format_limits() == "-5..5"


def test_a_writable_register_without_a_step_limit_is_a_config_error() -> None:
    """cutting_speed without max_step_per_s loaded with no step limit (one write went 20 -> 120
    m/min): a forgotten key is an error naming the register; 'max_step_per_s: null' opts out."""
    entry = {"name": "cutting_speed", "address": 1, "type": "uint16", "group": "g", "access": "rw",
             "min": 20, "max": 120, "unit": "m/min"}
    with pytest.raises(RegisterMapError, match=r"cutting_speed.*'max_step_per_s' is missing.*max_step_per_s: 20\b"):
        parse_register_map({"groups": {"g": "G"}, "registers": [entry]})
    register_map = parse_register_map({"groups": {"g": "G"}, "registers": [{**entry, "max_step_per_s": None}]})
    assert register_map["cutting_speed"].max_step_per_s is None
    register_map = parse_register_map({"groups": {"g": "G"}, "registers": [{**entry, "max_step_per_s": 20.0}]})
    assert register_map["cutting_speed"].max_step_per_s == 20.0


def test_texts_in_turkish_beside_the_english(register_map: RegisterMap) -> None:
    state = register_map["saw_state"]
    assert state.enum_name(4) == "COMPLETED" and state.enum_name(4, "tr") == "TAMAMLANDI"
    assert state.description_in("tr").startswith("0 boşta") and state.description_in("de") == state.description
    assert register_map["band_material"].enum_name(2, "tr") == "karbür"
    assert register_map["band_material"].enum_name(0, "tr") == "M42"  # a designation: the English name
    assert register_map["material_type"].enum_name(99, "tr") is None
    assert register_map.group_title("motor") == "Motor & mechanical"
    assert register_map.group_title("motor", "tr") == "Motor ve mekanik"
    assert register_map["band_torque"].label_in("en") == "band torque"
    assert register_map["band_torque"].label_in("tr") == "şerit torku"
    assert register_map["vibration_x"].label_in("tr") == "titreşim X"


def test_a_map_without_translations_shows_english() -> None:
    data = {"groups": {"g": "G"}, "registers": [{"name": "a", "address": 1, "type": "uint16", "group": "g",
                                                 "access": "r", "description": "A", "enum": {0: "OFF"}}]}
    register_map = parse_register_map(data)
    assert register_map.group_title("g", "tr") == "G"
    assert register_map["a"].description_in("tr") == "A" and register_map["a"].enum_name(0, "tr") == "OFF"
    assert register_map["a"].label_in("tr") == "a"  # no label: the name's words


@pytest.mark.parametrize(("dtype", "scale", "decimals"), [
    (DataType.UINT16, 1, 0), (DataType.UINT16, 10, 0), (DataType.INT16, 0.1, 1), (DataType.UINT16, 0.05, 2),
    (DataType.INT32, 0.001, 3), (DataType.UINT16, -0.01, 2), (DataType.UINT16, 1e-9, 6), (DataType.UINT16, 0, 0),
    (DataType.FLOAT32, 1, 2), (DataType.FLOAT32, 0.001, 2),
])
def test_shown_decimals_follow_the_resolution(dtype: DataType, scale: float, decimals: int) -> None:
    """One rule for the screen and the alarm texts (hmi.formatting and core.analysis.messages had a copy each)."""
    assert _register(dtype, scale, WordOrder.BIG).shown_decimals == decimals
