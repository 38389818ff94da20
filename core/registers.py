"""The PLC register map: loading and validation, block planning, decode and encode.

``config/registers.yaml`` is the single description of the PLC. Everything that talks to the
PLC (poller, writer, simulator) goes through a :class:`RegisterMap` built here.

Texts for people (group titles, labels, descriptions, code names) are English in the entry; the screen's
other languages (:data:`TEXT_LANGUAGES`) sit beside them under a language key, as in
alarm_messages.yaml: ``tr: {description: ..., enum: {0: ...}}`` on an entry and
``motor: {en: Motor, tr: Motor}`` for a group. A text without one shows in English.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import re
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from core.yaml_strict import DuplicateKeyError, load_yaml

MAX_BLOCK_REGISTERS = 125  # Modbus limit for one read of holding registers
_E = TypeVar("_E", bound=StrEnum)
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
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


class RegisterMapError(Exception):
    """The register map is unusable; the message names the file, entry and field."""


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


# --- loading -----------------------------------------------------------------------------

_REQUIRED = ("name", "address", "type", "group", "access")
_KNOWN_FIELDS = {
    "name", "address", "type", "scale", "unit", "group", "access", "description",
    "word_order", "min", "max", "max_step_per_s", "enum", "label", *TEXT_LANGUAGES,
}


def load_register_map(path: Path | str) -> RegisterMap:
    """Load and validate a register map file; raise RegisterMapError naming what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegisterMapError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        what = "" if isinstance(exc, DuplicateKeyError) else "not valid YAML: "
        raise RegisterMapError(f"{path}:{where}: {what}{getattr(exc, 'problem', exc)}") from None
    register_map = parse_register_map(data, source=str(path))
    require_engine_registers(register_map, source=str(path))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return dataclasses.replace(register_map, source=str(path), digest=digest)


# Registers the engine reads or writes by name (saw state, setpoints, speeds, current, torque,
# head height, heartbeat): a map without one of them would run blind. name -> (role, writable).
ENGINE_REGISTERS: dict[str, tuple[str, bool]] = {
    "saw_state": ("saw state (cut tracking, ML gating)", False),
    "cutting_speed": ("cutting speed setpoint", True),
    "descent_speed": ("descent speed setpoint", True),
    "cutting_speed_actual": ("measured cutting speed", False),
    "descent_speed_actual": ("measured descent speed", False),
    "band_current": ("band motor current", False),
    "band_torque": ("band torque (torque guard, ML features)", False),
    "head_height": ("head height (cut progress)", False),
    "cut_count": ("cut counter", False),
    "alarm_status": ("PLC alarm word", False),
    "heartbeat": ("HMI heartbeat (the PLC's dead-HMI watchdog)", True),
}


def require_engine_registers(register_map: RegisterMap, *, source: str) -> None:
    """Raise RegisterMapError naming the first register the engine depends on that is missing
    (or read-only where the engine writes it)."""
    for name, (role, writable) in ENGINE_REGISTERS.items():
        if name not in register_map:
            raise RegisterMapError(f"{source}: register '{name}' is missing: the engine needs it ({role})")
        if writable and register_map[name].access is not Access.READ_WRITE:
            raise RegisterMapError(
                f"{source}: register '{name}' must be writable (access: rw): the engine writes it ({role})")


def parse_register_map(data: Any, *, source: str = "<memory>") -> RegisterMap:
    if not isinstance(data, dict):
        raise RegisterMapError(f"{source}: the top level must be a mapping with 'groups' and 'registers'")
    unknown_top = set(data) - {"word_order", "groups", "registers"}
    if unknown_top:
        raise RegisterMapError(f"{source}: unknown top-level key {sorted(unknown_top)[0]!r}")
    default_order = _parse_enum(WordOrder, data.get("word_order", "big"), source, "map", "word_order")
    groups = data.get("groups")
    if not isinstance(groups, dict) or not groups:
        raise RegisterMapError(f"{source}: 'groups' must map each group key to its title")
    group_titles: dict[str, str] = {}
    group_texts: dict[str, dict[str, str]] = {}
    for key, title in groups.items():
        group_titles[str(key)], group_texts[str(key)] = _parse_group_title(title, source, str(key))
    entries = data.get("registers")
    if not isinstance(entries, list) or not entries:
        raise RegisterMapError(f"{source}: 'registers' must be a non-empty list")

    registers = [
        _parse_entry(entry, index, source, default_order, group_titles) for index, entry in enumerate(entries)
    ]
    _check_unique_and_disjoint(registers, source)
    return RegisterMap(tuple(registers), group_titles, source=source, group_texts=group_texts)


def _parse_group_title(title: Any, source: str, key: str) -> tuple[str, dict[str, str]]:
    """``motor: Motor & mechanical`` or ``motor: {en: Motor & mechanical, tr: Motor ve mekanik}``."""
    if not isinstance(title, dict):
        return str(title), {}
    allowed = ("en", *TEXT_LANGUAGES)
    unknown = set(title) - set(allowed)
    if unknown or not isinstance(title.get("en"), str) or not all(isinstance(v, str) and v.strip()
                                                                  for v in title.values()):
        raise RegisterMapError(f"{source}: groups: {key!r}: a title, or titles by language "
                               f"({', '.join(allowed)}; en required)")
    return title["en"].strip(), {lang: text.strip() for lang, text in title.items() if lang != "en"}


def _parse_entry(
    entry: Any, index: int, source: str, default_order: WordOrder, groups: Mapping[str, str]
) -> Register:
    where = f"entry {index + 1}"
    if not isinstance(entry, dict):
        raise RegisterMapError(f"{source}: {where}: must be a mapping of fields")
    if isinstance(entry.get("name"), str):
        where = f"entry {index + 1} ({entry['name']})"
    for key in _REQUIRED:
        if key not in entry:
            raise RegisterMapError(f"{source}: {where}: field '{key}' is missing")
    unknown = set(entry) - _KNOWN_FIELDS
    if unknown:
        raise RegisterMapError(f"{source}: {where}: unknown field '{sorted(unknown)[0]}'")

    name = entry["name"]
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise RegisterMapError(f"{source}: {where}: field 'name' = {name!r}: must be snake_case")
    address = entry["address"]
    if isinstance(address, bool) or not isinstance(address, int) or not 0 <= address <= 0xFFFF:
        raise RegisterMapError(f"{source}: {where}: field 'address' = {address!r}: must be an integer 0..65535")
    dtype = _parse_enum(DataType, entry["type"], source, where, "type")
    if address + dtype.width - 1 > 0xFFFF:
        raise RegisterMapError(f"{source}: {where}: field 'address' = {address}: a {dtype.value} does not fit there")
    scale = _number(entry.get("scale", 1.0), source, where, "scale")
    if scale == 0:
        raise RegisterMapError(f"{source}: {where}: field 'scale' = 0: must not be zero")
    group = entry["group"]
    if group not in groups:
        raise RegisterMapError(
            f"{source}: {where}: field 'group' = {group!r}: unknown group; allowed: {', '.join(groups)}"
        )
    access = _parse_enum(Access, entry["access"], source, where, "access")
    order = _parse_enum(WordOrder, entry.get("word_order", default_order.value), source, where, "word_order")
    low = _optional_number(entry.get("min"), source, where, "min")
    high = _optional_number(entry.get("max"), source, where, "max")
    step = _optional_number(entry.get("max_step_per_s"), source, where, "max_step_per_s")
    if access is Access.READ_WRITE:
        if low is None or high is None:
            missing = "min" if low is None else "max"
            raise RegisterMapError(
                f"{source}: {where}: field '{missing}' is missing: writable registers need min and max"
            )
        if low > high:
            raise RegisterMapError(f"{source}: {where}: field 'min' = {low}: greater than max ({high})")
        register = Register(name, address, dtype, scale, str(entry.get("unit", "")), str(group), access,
                            str(entry.get("description", "")), order, low, high, step,
                            _parse_codes(entry.get("enum"), source, where), _parse_texts(entry, source, where),
                            _text(entry, "label", source, where))
        for bound_name, bound in (("min", low), ("max", high)):
            try:
                register.to_raw(bound)
            except EncodeError:
                raise RegisterMapError(
                    f"{source}: {where}: field '{bound_name}' = {bound}: outside what a {dtype.value} "
                    f"with scale {scale:g} can hold"
                ) from None
        if step is not None and step <= 0:
            raise RegisterMapError(f"{source}: {where}: field 'max_step_per_s' = {step}: must be positive")
        return register
    if step is not None:
        raise RegisterMapError(f"{source}: {where}: field 'max_step_per_s': only for writable registers")
    return Register(name, address, dtype, scale, str(entry.get("unit", "")), str(group), access,
                    str(entry.get("description", "")), order, low, high, None,
                    _parse_codes(entry.get("enum"), source, where), _parse_texts(entry, source, where),
                    _text(entry, "label", source, where))


def _parse_codes(value: Any, source: str, where: str) -> tuple[tuple[int, str], ...]:
    """``enum: {0: idle, 1: preparing}``: integer codes to non-empty names."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise RegisterMapError(f"{source}: {where}: field 'enum': must map integer codes to names")
    codes: list[tuple[int, str]] = []
    for code, name in value.items():
        if isinstance(code, bool) or not isinstance(code, int) or not isinstance(name, str) or not name.strip():
            raise RegisterMapError(
                f"{source}: {where}: field 'enum' entry {code!r}: {name!r}: must be an integer code and a name")
        codes.append((code, name.strip()))
    return tuple(sorted(codes))


def _text(fields: dict[str, Any], key: str, source: str, where: str) -> str:
    value = fields.get(key, "")
    if not isinstance(value, str):
        raise RegisterMapError(f"{source}: {where}: field '{key}': must be a text")
    return value.strip()


def _parse_texts(entry: dict[str, Any], source: str,
                 where: str) -> tuple[tuple[str, str, tuple[tuple[int, str], ...], str], ...]:
    """``tr: {label: ..., description: ..., enum: {0: ...}}``: an entry's texts in another language;
    the codes must be the entry's own."""
    own = {code for code, _ in _parse_codes(entry.get("enum"), source, where)}
    found = []
    for lang in TEXT_LANGUAGES:
        texts = entry.get(lang)
        if texts is None:
            continue
        if not isinstance(texts, dict) or set(texts) - {"label", "description", "enum"}:
            raise RegisterMapError(f"{source}: {where}: field '{lang}': must map label, description and/or enum "
                                   "to their translations")
        description = _text(texts, "description", source, f"{where} {lang}")
        label = _text(texts, "label", source, f"{where} {lang}")
        names = _parse_codes(texts.get("enum"), source, f"{where} {lang}")
        stray = sorted({code for code, _ in names} - own)
        if stray:
            raise RegisterMapError(f"{source}: {where}: field '{lang}.enum' code {stray[0]}: not in the entry's enum")
        found.append((lang, description, names, label))
    return tuple(found)


def _parse_enum(enum: type[_E], value: Any, source: str, where: str, key: str) -> _E:
    try:
        return enum(str(value).lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise RegisterMapError(f"{source}: {where}: field '{key}' = {value!r}: allowed: {allowed}") from None


def _number(value: Any, source: str, where: str, key: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isfinite(value):
        raise RegisterMapError(f"{source}: {where}: field '{key}' = {value!r}: not a number (must be finite)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegisterMapError(f"{source}: {where}: field '{key}' = {value!r}: must be a finite number")
    return float(value)


def _optional_number(value: Any, source: str, where: str, key: str) -> float | None:
    return None if value is None else _number(value, source, where, key)


def _check_unique_and_disjoint(registers: list[Register], source: str) -> None:
    seen: dict[str, Register] = {}
    for reg in registers:
        if reg.name in seen:
            raise RegisterMapError(f"{source}: entry {reg.name}: field 'name': used twice")
        seen[reg.name] = reg
    ordered = sorted(registers, key=lambda r: r.address)
    for before, after in itertools.pairwise(ordered):
        if after.address < before.end:
            raise RegisterMapError(
                f"{source}: entry {after.name}: field 'address' = {after.address}: overlaps "
                f"{before.name} ({before.address}..{before.end - 1})"
            )
