"""The PLC register map's value types: registers, their decode and encode, block planning.

The map is read from ``config/registers.yaml`` by :mod:`core.registers.loading`; everything that
talks to the PLC (poller, writer, simulator) goes through the :class:`RegisterMap` it builds.

Texts for people (group titles, labels, descriptions, code names) are English in the entry; the screen's
other languages (:data:`TEXT_LANGUAGES`) sit beside them under a language key, as in
alarm_messages.yaml: ``tr: {description: ..., enum: {0: ...}}`` on an entry and
``motor: {en: Motor, tr: Motor}`` for a group. A text without one shows in English.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

MAX_BLOCK_REGISTERS = 125  # Modbus limit for one read of holding registers
# The screen's languages besides English (config hmi.language): keys for the translated texts.
TEXT_LANGUAGES = ("tr",)
# Units a language writes otherwise (Turkish: m/dk, sa); the others (mm, A, %, kW, bar, °C, g, Hz,
# kWh, cm²) are written the same everywhere. One table for the screen and the alarm texts.
UNIT_TEXTS: Mapping[str, Mapping[str, str]] = {
    "tr": {"m/min": "m/dk", "mm/min": "mm/dk", "h": "sa", "min": "dk", "s": "sn"},
}


def unit_in(unit: str, lang: str) -> str:
    """``unit`` as ``lang`` writes it (m/min -> m/dk in Turkish)."""
    return UNIT_TEXTS.get(lang, {}).get(unit, unit)


class DataType(StrEnum):
    UINT16 = "uint16"
    INT16 = "int16"
    UINT32 = "uint32"
    INT32 = "int32"
    FLOAT32 = "float32"

    @property
    def width(self) -> int:
        """Registers taken by one value."""
        return 1 if self in (DataType.UINT16, DataType.INT16) else 2

    @property
    def struct_format(self) -> str:
        return _STRUCT_FORMATS[self]

    @property
    def raw_range(self) -> tuple[float, float]:
        return _RAW_RANGES[self]


_STRUCT_FORMATS = {
    DataType.UINT16: ">H",
    DataType.INT16: ">h",
    DataType.UINT32: ">I",
    DataType.INT32: ">i",
    DataType.FLOAT32: ">f",
}
_FLOAT32_MAX = 3.4028234663852886e38
_RAW_RANGES: dict[DataType, tuple[float, float]] = {
    DataType.UINT16: (0, 0xFFFF),
    DataType.INT16: (-0x8000, 0x7FFF),
    DataType.UINT32: (0, 0xFFFF_FFFF),
    DataType.INT32: (-0x8000_0000, 0x7FFF_FFFF),
    DataType.FLOAT32: (-_FLOAT32_MAX, _FLOAT32_MAX),
}


class WordOrder(StrEnum):
    BIG = "big"  # high word at the lower address (Modbus convention)
    LITTLE = "little"  # low word first (many PLCs, "word swapped")


class Access(StrEnum):
    READ = "r"
    READ_WRITE = "rw"


class EncodeError(ValueError):
    """An engineering value that cannot be written to the register."""


@dataclass(frozen=True, slots=True)
class Register:
    name: str
    address: int
    type: DataType
    scale: float
    unit: str
    group: str
    access: Access
    description: str
    word_order: WordOrder = WordOrder.BIG
    min: float | None = None
    max: float | None = None
    max_step_per_s: float | None = None
    # Coded registers (saw state, material codes): value -> name, from the map's optional `enum:`.
    enum: tuple[tuple[int, str], ...] = ()
    # (language, description, code names, label) from the entry's language keys (``tr:``); English above.
    texts: tuple[tuple[str, str, tuple[tuple[int, str], ...], str], ...] = ()
    # A short name for people where the description is too long (model inputs); "" -> the name's words.
    label: str = ""

    def enum_name(self, value: float | None, lang: str = "en") -> str | None:
        """The name of a coded value in ``lang`` (English where the map has no translation; None when
        the register has no names or the code is unknown)."""
        if value is None or not self.enum or not math.isfinite(value) or value != int(value):
            return None
        english = dict(self.enum).get(int(value))
        if english is None:
            return None
        translated = next((dict(names) for code, _, names, _ in self.texts if code == lang), {})
        return translated.get(int(value), english)

    def description_in(self, lang: str) -> str:
        """The description in ``lang``; English where the map has no translation."""
        return next((text for code, text, _, _ in self.texts if code == lang and text), self.description)

    def label_in(self, lang: str) -> str:
        """The short name in ``lang``: the map's label (English where not translated), else the name's words."""
        english = self.label or self.name.replace("_", " ")
        return next((label for code, _, _, label in self.texts if code == lang and label), english)

    @property
    def shown_decimals(self) -> int:
        """Digits after the point that the register's resolution supports: how the screen and the
        alarm texts write its value (a scale of 0.1 -> 1, 0.05 -> 2, 1 or more -> 0; a float -> 2)."""
        if self.is_float:
            return 2
        scale = abs(self.scale)
        if scale >= 1 or scale == 0:
            return 0
        return min(6, max(0, math.ceil(-math.log10(scale) - 1e-9)))

    @property
    def count(self) -> int:
        return self.type.width

    @property
    def end(self) -> int:
        """One past the last address."""
        return self.address + self.count

    @property
    def writable(self) -> bool:
        return self.access is Access.READ_WRITE

    @property
    def is_float(self) -> bool:
        return self.type is DataType.FLOAT32

    # --- raw <-> registers -------------------------------------------------------------

    def raw_from_words(self, words: Sequence[int]) -> int | float:
        """The raw number held by ``words`` (one or two 16-bit registers)."""
        if self.count == 1:
            packed = struct.pack(">H", words[0] & 0xFFFF)
        else:
            high, low = (words[0], words[1]) if self.word_order is WordOrder.BIG else (words[1], words[0])
            packed = struct.pack(">HH", high & 0xFFFF, low & 0xFFFF)
        (raw,) = struct.unpack(self.type.struct_format, packed)
        return float(raw) if self.is_float else int(raw)

    def words_from_raw(self, raw: int | float) -> list[int]:
        packed = struct.pack(self.type.struct_format, raw)
        if self.count == 1:
            return [struct.unpack(">H", packed)[0]]
        high, low = struct.unpack(">HH", packed)
        return [high, low] if self.word_order is WordOrder.BIG else [low, high]

    # --- engineering <-> raw -----------------------------------------------------------

    def to_engineering(self, raw: int | float) -> float:
        value = float(raw) * self.scale
        # Round away binary noise of the scale (0.1 * 3 -> 0.30000000000000004).
        return value if self.is_float else round(value, decimals_for_scale(self.scale))

    def to_raw(self, value: float) -> int | float:
        """Engineering value to the raw number; raises EncodeError when it does not fit."""
        if not math.isfinite(value):
            raise EncodeError(f"{self.name}: {value!r} is not a finite number")
        raw_value = value / self.scale
        if self.is_float:
            low, high = self.type.raw_range
            if not low <= raw_value <= high:
                raise EncodeError(f"{self.name}: {value} is outside the float32 range")
            return raw_value
        rounded = round(raw_value)
        low, high = self.type.raw_range
        if not low <= rounded <= high:
            raise EncodeError(
                f"{self.name}: {value} {self.unit} does not fit {self.type.value} "
                f"(raw {rounded} outside {int(low)}..{int(high)})"
            )
        return int(rounded)

    def decode(self, words: Sequence[int]) -> float:
        return self.to_engineering(self.raw_from_words(words))

    def encode(self, value: float) -> list[int]:
        return self.words_from_raw(self.to_raw(value))

    def format_limits(self) -> str:
        return f"{self.min:g}..{self.max:g} {self.unit}".strip() if self.writable else "read-only"


def decimals_for_scale(scale: float) -> int:
    """Decimals kept when scaling an integer: enough for the scale, none of the binary noise."""
    if scale >= 1:
        return 6
    return min(12, max(0, -math.floor(math.log10(scale))) + 6)


@dataclass(frozen=True, slots=True)
class Block:
    """One read request: ``count`` registers from ``address``; the registers it decodes."""

    address: int
    count: int
    registers: tuple[Register, ...]

    def decode(self, words: Sequence[int]) -> dict[str, float]:
        return {reg.name: reg.decode(self.words_of(reg, words)) for reg in self.registers}

    def words_of(self, reg: Register, words: Sequence[int]) -> Sequence[int]:
        return words[reg.address - self.address : reg.end - self.address]

    def decode_raw(self, words: Sequence[int]) -> dict[str, int | float]:
        return {reg.name: reg.raw_from_words(self.words_of(reg, words)) for reg in self.registers}


@dataclass(frozen=True)
class RegisterMap:
    registers: tuple[Register, ...]
    groups: Mapping[str, str]  # group key -> title shown to people (English)
    source: str = "<memory>"
    digest: str = ""
    group_texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # group -> {language: title}
    by_name: Mapping[str, Register] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {reg.name: reg for reg in self.registers})

    def __iter__(self) -> Iterator[Register]:
        return iter(self.registers)

    def __len__(self) -> int:
        return len(self.registers)

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __getitem__(self, name: str) -> Register:
        try:
            return self.by_name[name]
        except KeyError:
            raise KeyError(f"no register named {name!r} in {self.source}") from None

    @property
    def names(self) -> list[str]:
        return [reg.name for reg in self.registers]

    def group_title(self, group: str, lang: str = "en") -> str:
        """A group's title in ``lang``; English where the map has no translation."""
        return self.group_texts.get(group, {}).get(lang) or self.groups.get(group, group)

    def in_group(self, group: str) -> list[Register]:
        return [reg for reg in self.registers if reg.group == group]

    def writable(self) -> list[Register]:
        return [reg for reg in self.registers if reg.writable]

    def plan(self, max_gap: int = 20, max_count: int = MAX_BLOCK_REGISTERS) -> list[Block]:
        return plan_blocks(self.registers, max_gap=max_gap, max_count=max_count)


def plan_blocks(
    registers: Iterable[Register], *, max_gap: int = 20, max_count: int = MAX_BLOCK_REGISTERS
) -> list[Block]:
    """Group registers into the fewest reads of at most ``max_count`` registers.

    Sorted by address, registers are taken greedily: a register joins the current block when
    the hole before it is at most ``max_gap`` and the block stays within ``max_count``. For
    intervals on a line this greedy sweep gives the minimum number of blocks under both limits.
    """
    if not 1 <= max_count <= MAX_BLOCK_REGISTERS:
        raise ValueError(f"max_count must be 1..{MAX_BLOCK_REGISTERS}, got {max_count}")
    blocks: list[Block] = []
    current: list[Register] = []
    start = end = 0
    for reg in sorted(registers, key=lambda r: r.address):
        if current and reg.address - end <= max_gap and reg.end - start <= max_count:
            current.append(reg)
            end = max(end, reg.end)
            continue
        if current:
            blocks.append(Block(start, end - start, tuple(current)))
        current, start, end = [reg], reg.address, reg.end
    if current:
        blocks.append(Block(start, end - start, tuple(current)))
    return blocks
