"""How numbers and times are shown: decimals from the register's scale, raw words in decimal/hex/signed,
and every timestamp in plant time (machine.time_zone), never the computer's zone."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, QTime, QTimeZone

from core.registers import Register, RegisterMap, unit_in
from hmi.i18n import current_language

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
    """Set the plant's zone (the engine's settings.machine.time_zone); the main window does it at start."""
    global _plant_zone_name
    _plant_zone_name = name or ""


def plant_zone() -> QTimeZone:
    return zone_named(_plant_zone_name)


def plant_zone_name() -> str:
    """The zone as the screen names it beside a time (Europe/Istanbul, or the system's id)."""
    return bytes(plant_zone().id().data()).decode(errors="replace")


def plant_datetime(ts_ms: int, zone: QTimeZone | None = None) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(ts_ms), plant_zone() if zone is None else zone)


def plant_time(ts_ms: int | float | None, fmt: str = "yyyy-MM-dd HH:mm:ss", *, tenths: bool = False,
               zone: QTimeZone | None = None) -> str:
    """A UTC epoch-ms timestamp as plant wall time; ``tenths`` adds ``.d`` (replay clock). ``zone``: a
    page's own zone (its engine's machine.time_zone), else the process's plant zone."""
    if ts_ms is None:
        return "—"
    ms = int(ts_ms)
    text = plant_datetime(ms, zone).toString(fmt)
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
    """Digits after the point that the register's resolution supports (one rule: core.registers)."""
    return register.shown_decimals


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


def format_signed(value: float | None, decimals: int) -> str:
    """Like ``f"{value:+.2f}"`` in the screen's locale: +0,25 / -0,10."""
    text = format_number(value, decimals)
    return f"+{text}" if value is not None and math.isfinite(value) and value >= 0 else text


def format_g(value: object) -> str:
    """Like ``f"{value:g}"`` (limits, steps, speeds as configured), in the screen's locale: 0,5 in
    Turkish; not a number: as it is."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return QLocale().toString(float(value), "g", 6) if math.isfinite(value) else "—"


def unit_name(unit: str) -> str:
    """A unit as the screen's language writes it (m/min -> m/dk in Turkish; core.registers.UNIT_TEXTS,
    the table the alarm texts use too). Alone (a table's unit column, an axis); after a number use
    :func:`with_unit` or :func:`unit_suffix`, which keep the two on one line."""
    return unit_in(unit, current_language())


# A number and its unit are one thing to read: never broken across lines. A no-break space joins them
# and a word joiner follows each slash of a unit (Qt's line breaking, UAX #14, breaks after "/": the
# reviewer saw "mm/" end one line of the write dialog's range warning and "dk" start the next).
NBSP = "\u00a0"
WORD_JOINER = "\u2060"  # zero width, no break on either side


def unit_text(unit: str) -> str:
    """:func:`unit_name` that no line break splits (mm/dk stays whole)."""
    return unit_name(unit).replace("/", "/" + WORD_JOINER)


def unit_suffix(unit: str) -> str:
    """What follows a number to give its unit: a no-break space and the unbreakable unit ("" for none);
    for texts that put the number themselves (``f"{n}{unit_suffix(u)}"``). Prefer :func:`with_unit`,
    which also puts the percent sign where the language does."""
    return f"{NBSP}{unit_text(unit)}" if unit else ""


def plain_text(text: str) -> str:
    """``text`` with ordinary spaces for the no-break ones and without word joiners (logs, comparisons)."""
    return text.replace(NBSP, " ").replace(WORD_JOINER, "")


# Where the percent sign goes (CLDR): before the number in Turkish (%63), after it elsewhere (63 %).
_PERCENT_FIRST = {QLocale.Language.Turkish}


def percent_first() -> bool:
    """The screen's language writes the percent sign before the number (Turkish: %63)."""
    return QLocale().language() in _PERCENT_FIRST


def with_unit(number: str, unit: str) -> str:
    """A formatted number and its unit as the screen's language writes them: ``%63`` in Turkish,
    ``63 %`` in English; ``12,5 mm``; a missing number (—) keeps no unit. Never broken across lines
    (a no-break space, no break inside the unit; the percent sign before a number binds to it)."""
    if number in ("—", "") or not unit:
        return number
    if unit == "%" and percent_first():
        return f"%{number}"
    return f"{number}{unit_suffix(unit)}"


def format_range(low: object, high: object, unit: str) -> str:
    """A range of limits with its unit: ``0 … 120 mm/dk``, ``%0 … %100`` in Turkish, ``0 … 100 %``."""
    if unit == "%" and percent_first():
        return f"{with_unit(format_g(low), unit)} … {with_unit(format_g(high), unit)}"
    return f"{format_g(low)} … {with_unit(format_g(high), unit)}"


def format_percent(value: float | None, decimals: int = 0) -> str:
    """A percentage (``value`` already in percent) in the screen's style: %63 / 63 %."""
    return with_unit(format_number(value, decimals), "%")


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


def description(register: Register) -> str:
    """The register's description in the screen's language (registers.yaml's ``tr:``)."""
    return register.description_in(current_language())


def register_label(register: Register) -> str:
    """The register's short name in the screen's language (registers.yaml's ``label``, its ``tr:``)."""
    return register.label_in(current_language())


def enum_name(register: Register, value: float | None) -> str | None:
    """A coded value's name in the screen's language (registers.yaml's ``tr: {enum: ...}``)."""
    return register.enum_name(value, current_language())


def feature_labels(register_map: RegisterMap, names: Iterable[str]) -> dict[str, str]:
    """What people call each model input in the screen's language: a register's label from the map,
    the derived current by its meaning."""
    lang = current_language()
    derived = {"band_current_est": QCoreApplication.translate("formatting", "band current (from torque)")}
    return {name: register_map[name].label_in(lang) if name in register_map else derived.get(name, name)
            for name in names}


def format_coded(register: Register, value: float | None, decimals: int | None = None) -> str:
    """A value with its name for coded registers (``CUTTING (3)``), else with the scale's decimals
    (or ``decimals``: the unit's, from :func:`unit_decimals`)."""
    name = enum_name(register, value)
    if name is not None and value is not None:
        return f"{name} ({int(value)})"
    return format_number(value, decimals_for(register) if decimals is None else decimals)


def format_address(address: int, fmt: RawFormat | str) -> str:
    return f"0x{address:04X}" if RawFormat(fmt) is RawFormat.HEX else str(address)


def format_seconds(seconds: float | None, decimals: int = 0) -> str:
    """A number of seconds with the screen's unit: 30 s / 30 sn."""
    return with_unit(format_number(seconds, decimals), "s")


def format_age(age_s: float | None) -> str:
    if age_s is None:
        return QCoreApplication.translate("formatting", "no data")
    if age_s < 60:  # the screen's locale and units: 0,5 sn in Turkish
        return format_seconds(age_s, 1)
    if age_s < 3600:
        return with_unit(format_number(age_s / 60, 1), "min")
    return with_unit(format_number(age_s / 3600, 1), "h")
