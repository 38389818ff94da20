"""Section geometry: how much of a piece the band has cut at a given depth.

Depth y is measured from the top of the material down (mm), as in SIMULATOR.md. Dimensions come
from the material registers: round bar A = diameter; rectangle A = height, B = width; tube
A = outer diameter, B = wall; profile (I-section) A = height, B = flange width, C = flange
thickness, D = web thickness. Bad dimensions give 0, never an exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum


class Section(IntEnum):
    ROUND = 0
    RECTANGLE = 1
    TUBE = 2
    PROFILE = 3


@dataclass(frozen=True, slots=True)
class Piece:
    section: int
    a: float
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0

    @property
    def height(self) -> float:
        """Height the head must cut through (mm)."""
        return max(self.a, 0.0) if _finite(self.a) else 0.0

    def area_mm2(self, depth: float | None = None) -> float:
        """Cut area (mm²) once the band has reached ``depth`` (default: through the whole piece)."""
        height = self.height
        y = height if depth is None else min(max(depth, 0.0), height) if _finite(depth) else 0.0
        if height <= 0 or y <= 0:
            return 0.0
        if self.section == Section.ROUND:
            return _segment(height / 2, y)
        if self.section == Section.RECTANGLE:
            return _pos(self.b) * y
        if self.section == Section.TUBE:
            outer_r = height / 2
            wall = min(_pos(self.b), outer_r)
            inner_r = outer_r - wall
            return _segment(outer_r, y) - _segment(inner_r, y - wall)
        if self.section == Section.PROFILE:
            return _profile_area(height, _pos(self.b), _pos(self.c), _pos(self.d), y)
        return 0.0

    def area_cm2(self, depth: float | None = None) -> float:
        return self.area_mm2(depth) / 100.0


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _pos(value: float) -> float:
    return value if _finite(value) and value > 0 else 0.0


def _segment(radius: float, depth: float) -> float:
    """Area of the circular segment of a circle of ``radius`` cut to ``depth`` from its top."""
    if radius <= 0 or depth <= 0:
        return 0.0
    depth = min(depth, 2 * radius)
    offset = radius - depth
    return radius * radius * math.acos(offset / radius) - offset * math.sqrt(max(2 * radius * depth - depth**2, 0.0))


def _profile_area(height: float, width: float, flange: float, web: float, depth: float) -> float:
    # An I-section as three rectangles by height: top flange, web, bottom flange.
    flange = min(flange, height / 2)
    bands = ((0.0, flange, width), (flange, height - flange, web), (height - flange, height, width))
    return sum(w * max(0.0, min(depth, hi) - lo) for lo, hi, w in bands)
