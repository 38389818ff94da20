"""How numbers are shown: decimals from the register's scale, raw words in decimal/hex/signed."""

from __future__ import annotations

import math
import struct
from enum import StrEnum

from PySide6.QtCore import QLocale

from core.registers import Register


class RawFormat(StrEnum):
    DECIMAL = "decimal"
    HEX = "hex"
    SIGNED = "signed"


def decimals_for(register: Register) -> int:
    """Digits after the point that the register's resolution supports."""
    if register.is_float:
        return 2
    scale = abs(register.scale)
    if scale >= 1 or scale == 0:
        return 0
    return min(6, max(0, math.ceil(-math.log10(scale) - 1e-9)))


def format_number(value: float | None, decimals: int) -> str:
    """In the screen's locale (hmi.i18n sets it: 12.5 in English, 12,5 in Turkish)."""
    if value is None or not math.isfinite(value):
        return "—"
    return QLocale().toString(float(value), "f", decimals)


def format_value(register: Register, value: float | None) -> str:
    return format_number(value, decimals_for(register))


def register_words(register: Register, raw: int | float) -> list[int]:
    """The 16-bit words the PLC holds for ``raw``, in the register's word order."""
    try:
        return register.words_from_raw(float(raw) if register.is_float else int(raw))
    except (struct.error, OverflowError, ValueError):
        return []


def format_raw(register: Register, raw: int | float | None, fmt: RawFormat | str) -> str:
    """The raw register words (one or two) in decimal, hex or signed 16-bit; a float shows its words too."""
    fmt = RawFormat(fmt)  # a QComboBox hands its data back as a plain str
    if raw is None:
        return "—"
    words = register_words(register, raw)
    if not words:
        return "?"
    if fmt is RawFormat.HEX:
        return " ".join(f"0x{word:04X}" for word in words)
    if fmt is RawFormat.SIGNED:
        return " ".join(str(word - 0x10000 if word >= 0x8000 else word) for word in words)
    return " ".join(str(word) for word in words)


def format_coded(register: Register, value: float | None) -> str:
    """A value with its name for coded registers (``CUTTING (3)``), else with the scale's decimals."""
    name = register.enum_name(value)
    if name is not None and value is not None:
        return f"{name} ({int(value)})"
    return format_value(register, value)


def format_address(address: int, fmt: RawFormat | str) -> str:
    return f"0x{address:04X}" if RawFormat(fmt) is RawFormat.HEX else str(address)


def format_age(age_s: float | None) -> str:
    if age_s is None:
        return "no data"
    if age_s < 60:
        return f"{age_s:.1f} s"
    if age_s < 3600:
        return f"{age_s / 60:.1f} min"
    return f"{age_s / 3600:.1f} h"


SAW_STATES = {0: "IDLE", 1: "PREPARING", 2: "READY", 3: "CUTTING", 4: "COMPLETED", 5: "ERROR"}
CROSS_SECTIONS = {0: "round bar", 1: "rectangle", 2: "tube", 3: "profile"}
BAND_TYPES = {0: "bi-metal", 1: "carbide"}
BAND_MATERIALS = {0: "M42", 1: "M51", 2: "carbide"}


def code_name(table: dict[int, str], value: float | None) -> str:
    if value is None:
        return "—"
    return table.get(int(value), f"code {int(value)}")
