"""Reading ``config/registers.yaml``: every entry checked, errors naming the file, entry and field.

A map is refused when an entry is malformed, two registers overlap, or a register the engine reads
or writes by name (:data:`ENGINE_REGISTERS`) is missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from core.registers.model import (
    TEXT_LANGUAGES,
    Access,
    DataType,
    EncodeError,
    Register,
    RegisterMap,
    WordOrder,
)
from core.yaml_strict import load_yaml, yaml_error_text

_E = TypeVar("_E", bound=StrEnum)
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class RegisterMapError(Exception):
    """The register map is unusable; the message names the file, entry and field."""


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
        raise RegisterMapError(f"{path}:{yaml_error_text(exc)}") from None
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
    if access is not Access.READ_WRITE and step is not None:
        raise RegisterMapError(f"{source}: {where}: field 'max_step_per_s': only for writable registers")
    limits: tuple[float, float] | None = None  # a writable register's, checked against its type below
    if access is Access.READ_WRITE:
        if low is None or high is None:
            missing = "min" if low is None else "max"
            raise RegisterMapError(
                f"{source}: {where}: field '{missing}' is missing: writable registers need min and max"
            )
        if low > high:
            raise RegisterMapError(f"{source}: {where}: field 'min' = {low}: greater than max ({high})")
        if "max_step_per_s" not in entry:  # forgotten is not "no limit": one write could jump min -> max
            raise RegisterMapError(
                f"{source}: {where}: field 'max_step_per_s' is missing: the writable register '{name}' must "
                f"state how far the Writer lets it move per second (e.g. max_step_per_s: "
                f"{_example_step(low, high)}), or, for a counter or a command that must not be step-limited, "
                "'max_step_per_s: null' (no limit)")
        limits = (low, high)
    register = Register(name, address, dtype, scale, str(entry.get("unit", "")), str(group), access,
                        str(entry.get("description", "")), order, low, high, step,
                        _parse_codes(entry.get("enum"), source, where), _parse_texts(entry, source, where),
                        _text(entry, "label", source, where))
    if limits is not None:
        for bound_name, bound in zip(("min", "max"), limits, strict=True):
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


def _example_step(low: float, high: float) -> str:
    """A fifth of the range per second, as an example in the message (cutting_speed: 20 of 20..120)."""
    return f"{(high - low) / 5:g}" if high > low else "1"


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
