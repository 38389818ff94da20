"""How numbers are shown: decimals from the register's scale, raw words in decimal/hex/signed."""

from __future__ import annotations

import math
import struct
from enum import StrEnum

from core.registers import DataType, Register


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
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.{decimals}f}"


def format_value(register: Register, value: float | None) -> str:
    return format_number(value, decimals_for(register))


def format_raw(register: Register, raw: int | float | None, fmt: RawFormat) -> str:
    if raw is None:
        return "—"
    bits = 16 * register.count
    if register.type is DataType.FLOAT32:
        if fmt is RawFormat.HEX:
            (word,) = struct.unpack(">I", struct.pack(">f", float(raw)))
            return f"0x{word:08X}"
        return f"{float(raw):g}"
    number = int(raw)
    if fmt is RawFormat.HEX:
        return f"0x{number & ((1 << bits) - 1):0{bits // 4}X}"
    if fmt is RawFormat.SIGNED:
        unsigned = number & ((1 << bits) - 1)
        return str(unsigned - (1 << bits) if unsigned >= 1 << (bits - 1) else unsigned)
    if register.type in (DataType.INT16, DataType.INT32):
        return str(number & ((1 << bits) - 1))  # decimal shows the word(s) as unsigned
    return str(number)


def format_address(address: int, fmt: RawFormat) -> str:
    return f"0x{address:04X}" if fmt is RawFormat.HEX else str(address)


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
