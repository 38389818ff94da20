"""What the chip controller knows of the cut, from the PLC's registers only.

Chip thickness (feed per tooth) from the measured head and band speeds and the band's pitch::

    h_z = v_f * p / (1000 * v_c)          mm, v_f mm/min, v_c m/min, p mm

Contact length b(y) from the section registers (cross_section, dimension_a..d, material_width)
and the head's depth in the bar (material_width - head_height). The PLC does not say which
kind of profile (I, U or L) a profile is, so for profiles every kind is considered: the load
coefficient is estimated on the smallest contact any kind has now (the highest plausible
coefficient) and the look-ahead uses the largest contact any kind has ahead: both err towards
a thinner chip.

Band load (Kienzle): torque % = idle + K * b * h_z^(1 - m), with K (per mm of contact, per
mm^(1-m) of chip) estimated from the measured torque during the cut. K carries the grade's
specific cutting force, the kerf and the band's wear, none of which the PLC reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from core.sim.materials import Section, Shape

M_C = 0.25  # Kienzle exponent assumed for every grade (0.21-0.30 in the catalogue)
PROFILE_KINDS = ("I", "U", "L")


def chip_mm(descent_mm_min: float, cutting_m_min: float, pitch_mm: float) -> float:
    """Feed per tooth (mm); 0 when the band stands."""
    if cutting_m_min <= 1.0 or pitch_mm <= 0.0:
        return 0.0
    return max(descent_mm_min, 0.0) * pitch_mm / (1000.0 * cutting_m_min)


def descent_for_chip(chip: float, cutting_m_min: float, pitch_mm: float) -> float:
    """Head speed (mm/min) that gives ``chip`` mm per tooth at band speed ``cutting_m_min``."""
    return chip * 1000.0 * cutting_m_min / pitch_mm


@dataclass(frozen=True, slots=True)
class Geometry:
    """The bar as the PLC describes it; ``sections`` holds one per profile kind it could be."""

    sections: tuple[Section, ...]
    height: float

    @classmethod
    def from_values(cls, values: Mapping[str, float | None]) -> Geometry | None:
        """None when a register is missing or the dimensions make no section."""
        names = ("cross_section", "dimension_a", "dimension_b", "dimension_c", "dimension_d", "material_width")
        raw = [float(v) for n in names if (v := values.get(n)) is not None and math.isfinite(v)]
        if len(raw) != len(names):
            return None
        code, a, b, c, d, height = raw
        if a <= 0.0 or height <= 0.0 or round(code) not in {s.value for s in Shape}:
            return None
        shape = Shape(round(code))
        if shape is Shape.PROFILE:
            if b <= 0.0 or c <= 0.0 or d <= 0.0:
                return None
            return cls(tuple(Section(shape, a, b, c, d, profile=k) for k in PROFILE_KINDS), height)
        if shape in (Shape.RECTANGLE, Shape.TUBE) and b <= 0.0:
            return None
        if shape is Shape.TUBE and 2.0 * b >= a:
            return None
        return cls((Section(shape, a, b, c, d),), height)

    def contact_now(self, depth: float) -> float:
        """Smallest contact length (mm) any plausible section has at ``depth``."""
        return min(s.chord(depth) for s in self.sections)

    def contact_ahead(self, depth: float, ahead_mm: float) -> float:
        """Largest contact length any plausible section has over [depth, depth + ahead_mm]."""
        end = min(depth + max(ahead_mm, 0.5), self.height)
        start = max(depth, 0.0)
        if end <= start:
            return 0.0
        return max(s.max_chord(start, end, step=0.5) for s in self.sections)

    def mean_chord(self) -> float:
        """Cut area over height (mm): the mean contact, the plainest measure of a section's size."""
        return sum(s.area_mm2(step=0.5) for s in self.sections) / len(self.sections) / self.height


class LoadEstimate:
    """The band's load coefficient K from measured torque, chip and contact (smoothed)."""

    def __init__(self, *, smoothing: float = 0.25, min_rise_pct: float = 1.5, min_contact_mm: float = 2.0) -> None:
        self._alpha = smoothing
        self._min_rise = min_rise_pct
        self._min_contact = min_contact_mm
        self.k: float | None = None
        self.samples = 0

    def reset(self) -> None:
        self.k, self.samples = None, 0

    def update(self, torque: float, idle: float, contact: float, chip: float) -> None:
        rise = torque - idle
        if rise < self._min_rise or contact < self._min_contact or chip <= 0.0:
            return
        k = rise / (contact * chip ** (1.0 - M_C))
        if not math.isfinite(k) or k <= 0.0:
            return
        self.k = k if self.k is None else math.exp((1 - self._alpha) * math.log(self.k) + self._alpha * math.log(k))
        self.samples += 1

    def chip_for_torque(self, torque: float, idle: float, contact: float) -> float:
        """The chip (mm) at which torque reaches ``torque`` over ``contact``; inf if unknown or free."""
        if self.k is None or contact <= 0.0:
            return math.inf
        rise = max(torque - idle, 0.0)
        return float((rise / (self.k * contact)) ** (1.0 / (1.0 - M_C)))
