"""Linear unit conversions between the older system's units and a register map's.

Only conversions an import can meet: speeds, lengths, pressures, temperatures, power, energy,
acceleration. Units are compared after normalising spelling (``degC`` = ``°C``, ``%`` = ``pct``).
"""

from __future__ import annotations

from typing import NamedTuple


class UnitError(ValueError):
    """No conversion between two units is known."""


class Linear(NamedTuple):
    factor: float
    offset: float = 0.0

    def __call__(self, value: float) -> float:
        return value * self.factor + self.offset

    @property
    def identity(self) -> bool:
        return self.factor == 1.0 and self.offset == 0.0


_ALIASES = {
    "degc": "°c", "c": "°c", "celsius": "°c", "degf": "°f", "f": "°f", "pct": "%", "percent": "%",
    "m/min": "m/min", "mpm": "m/min", "mm/min": "mm/min", "kelvin": "k", "": "",
}

# (from, to) -> to = from * factor + offset
_CONVERSIONS: dict[tuple[str, str], Linear] = {
    ("m/min", "m/s"): Linear(1 / 60), ("m/min", "mm/s"): Linear(1000 / 60), ("m/min", "ft/min"): Linear(1 / 0.3048),
    ("mm/min", "mm/s"): Linear(1 / 60), ("mm/min", "m/min"): Linear(0.001), ("mm/min", "in/min"): Linear(1 / 25.4),
    ("mm", "m"): Linear(0.001), ("mm", "cm"): Linear(0.1), ("mm", "µm"): Linear(1000.0), ("mm", "in"): Linear(1 / 25.4),
    ("bar", "kpa"): Linear(100.0), ("bar", "mpa"): Linear(0.1), ("bar", "psi"): Linear(14.503773773),
    ("bar", "pa"): Linear(100_000.0),
    ("°c", "k"): Linear(1.0, 273.15), ("°c", "°f"): Linear(1.8, 32.0),
    ("a", "ma"): Linear(1000.0),
    ("kwh", "wh"): Linear(1000.0), ("kwh", "mwh"): Linear(0.001), ("kw", "w"): Linear(1000.0),
    ("g", "m/s²"): Linear(9.80665), ("g", "m/s2"): Linear(9.80665), ("g", "mg"): Linear(1000.0),
    ("hz", "khz"): Linear(0.001), ("hz", "rpm"): Linear(60.0),
    ("%", "fraction"): Linear(0.01),
}


def normalise(unit: str) -> str:
    text = unit.strip().lower().replace(" ", "")
    return _ALIASES.get(text, text)


def conversion(source: str, target: str) -> Linear:
    """The conversion from ``source`` to ``target``; raises UnitError naming both when unknown."""
    src, dst = normalise(source), normalise(target)
    if src == dst:
        return Linear(1.0)
    found = _CONVERSIONS.get((src, dst))
    if found is not None:
        return found
    back = _CONVERSIONS.get((dst, src))
    if back is not None:  # invert y = a x + b  ->  x = (y - b) / a
        return Linear(1.0 / back.factor, -back.offset / back.factor)
    raise UnitError(f"no conversion from {source!r} to {target!r}")
