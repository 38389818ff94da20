"""How numbers and times are shown: decimals from the register's scale, raw words in decimal/hex/signed,
and every timestamp in plant time (machine.time_zone), never the computer's zone."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, QTime, QTimeZone

from core.registers import Register

# --- plant time ------------------------------------------------------------------------------
# One clock on the screen: the Production page and the report use the saw's zone (machine.time_zone),
# so every other time the HMI shows (replay, cut list, audit, band history, alarms) does too, even when
# the panel PC runs in UTC. "" or "local" in the config: the system's zone.

_plant_zone_name = ""


def zone_named(name: str) -> QTimeZone:
    if name and name.lower() != "local":
        zone = QTimeZone(name.encode())
        if zone.isValid():
            return zone
    return QTimeZone.systemTimeZone()


def use_plant_zone(name: str) -> None:
    """Set the plant's zone (the engine's settings.machine.time_zone); the bridge does it at start."""
    global _plant_zone_name
    _plant_zone_name = name or ""


def plant_zone() -> QTimeZone:
    return zone_named(_plant_zone_name)


def plant_zone_name() -> str:
    """The zone as the screen names it beside a time (Europe/Istanbul, or the system's id)."""
    return bytes(plant_zone().id().data()).decode(errors="replace")


def plant_datetime(ts_ms: int) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(ts_ms), plant_zone())


def plant_time(ts_ms: int | float | None, fmt: str = "yyyy-MM-dd HH:mm:ss", *, tenths: bool = False) -> str:
    """A UTC epoch-ms timestamp as plant wall time; ``tenths`` adds ``.d`` (replay clock)."""
    if ts_ms is None:
        return "—"
    ms = int(ts_ms)
    text = plant_datetime(ms).toString(fmt)
    return f"{text}.{(ms % 1000) // 100}" if tenths else text


def plant_wall(ts_ms: int) -> QDateTime:
    """Plant wall time as a zone-less QDateTime (UTC spec holding the wall fields): what a
    QDateTimeEdit shows, whatever zone the computer runs in."""
    moment = plant_datetime(ts_ms)
    return QDateTime(moment.date(), moment.time(), QTimeZone.utc())


def plant_epoch_ms(date: QDate, time: QTime) -> int:
    """A wall date and time read in plant time, as UTC epoch ms (a skipped DST hour moves forward)."""
    return QDateTime(date, time, plant_zone()).toMSecsSinceEpoch()


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


def unit_decimals(registers: Iterable[Register]) -> dict[str, int]:
    """One number of decimals per unit: the finest any register of that unit resolves.

    The inspector then shows 30.0 m/min beside 70.0 m/min, not 30 beside 70.0 (a coarser register
    gets trailing zeros, never rounded-off digits). Unitless registers (counts, codes) keep their own.
    """
    found: dict[str, int] = {}
    for register in registers:
        if register.unit and not register.is_float:
            found[register.unit] = max(found.get(register.unit, 0), decimals_for(register))
    for register in registers:
        if register.unit and register.is_float:
            found.setdefault(register.unit, decimals_for(register))
    return found


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


def format_coded(register: Register, value: float | None, decimals: int | None = None) -> str:
    """A value with its name for coded registers (``CUTTING (3)``), else with the scale's decimals
    (or ``decimals``: the unit's, from :func:`unit_decimals`)."""
    name = register.enum_name(value)
    if name is not None and value is not None:
        return f"{name} ({int(value)})"
    return format_number(value, decimals_for(register) if decimals is None else decimals)


def format_address(address: int, fmt: RawFormat | str) -> str:
    return f"0x{address:04X}" if RawFormat(fmt) is RawFormat.HEX else str(address)


def format_age(age_s: float | None) -> str:
    if age_s is None:
        return QCoreApplication.translate("formatting", "no data")
    if age_s < 60:
        return f"{format_number(age_s, 1)} s"  # the screen's locale: 0,5 s in Turkish
    if age_s < 3600:
        return f"{format_number(age_s / 60, 1)} min"
    return f"{format_number(age_s / 3600, 1)} h"


SAW_STATES = {0: "IDLE", 1: "PREPARING", 2: "READY", 3: "CUTTING", 4: "COMPLETED", 5: "ERROR"}
CROSS_SECTIONS = {0: "round bar", 1: "rectangle", 2: "tube", 3: "profile"}
BAND_TYPES = {0: "bi-metal", 1: "carbide"}
BAND_MATERIALS = {0: "M42", 1: "M51", 2: "carbide"}


def code_name(table: dict[int, str], value: float | None) -> str:
    if value is None:
        return "—"
    return table.get(int(value), f"code {int(value)}")
