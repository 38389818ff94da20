"""The poller's block decoder gives exactly what Register.decode gives, for any words."""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from core.modbus.decode import BlockDecoder
from core.registers import Access, DataType, Register, RegisterMap, WordOrder, plan_blocks


def word_lists(count: int) -> st.SearchStrategy[list[int]]:
    """``count`` 16-bit words (drawn as bytes: far cheaper than a list of integers)."""
    return st.binary(min_size=2 * count, max_size=2 * count).map(
        lambda data: list(struct.unpack(f">{count}H", data))
    )


def _reference(register: Register, words: list[int], start: int) -> tuple[float | None, int | float | None]:
    chunk = words[register.address - start : register.end - start]
    raw = register.raw_from_words(chunk)
    value = register.to_engineering(raw)
    return (value, raw) if math.isfinite(value) else (None, None)


@settings(max_examples=200)
@given(data=st.data())
def test_default_map_blocks_decode_like_the_registers(register_map: RegisterMap, data: st.DataObject) -> None:
    for block in register_map.plan(20):
        words = data.draw(word_lists(block.count))
        values: dict[str, float | None] = {}
        raw: dict[str, int | float | None] = {}
        bad = BlockDecoder(block).decode_into(words, values, raw)
        for reg in block.registers:
            expected_value, expected_raw = _reference(reg, words, block.address)
            assert values.get(reg.name) == expected_value, reg.name
            assert raw.get(reg.name) == expected_raw, reg.name
            assert (reg.name in bad) == (expected_value is None)


@st.composite
def random_maps(draw: st.DrawFn) -> list[Register]:
    registers = []
    address = 100
    for index in range(draw(st.integers(1, 12))):
        address += draw(st.integers(0, 5))
        dtype = draw(st.sampled_from(list(DataType)))
        registers.append(Register(
            f"r{index}", address, dtype, draw(st.sampled_from([1.0, 0.1, 0.01, 0.001, 0.25, 10.0, 0.0001])), "",
            "g", Access.READ, "", draw(st.sampled_from(list(WordOrder))),
        ))
        address += dtype.width
    return registers


@settings(max_examples=120)
@given(registers=random_maps(), data=st.data())
def test_any_layout_decodes_like_the_registers(registers: list[Register], data: st.DataObject) -> None:
    for block in plan_blocks(registers, max_gap=3):
        words = data.draw(word_lists(block.count))
        values: dict[str, float | None] = {}
        raw: dict[str, int | float | None] = {}
        BlockDecoder(block).decode_into(words, values, raw)
        for reg in block.registers:
            expected_value, expected_raw = _reference(reg, words, block.address)
            assert values.get(reg.name) == expected_value
            assert raw.get(reg.name) == expected_raw
