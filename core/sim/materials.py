"""The simulator's material catalogue: steel grades, section shapes and the contact length.

A grade carries what the cutting model needs (Kienzle k_c and m_c, the good chip-thickness
window, a chatter band of cutting speed); a section knows its height and the chord the band
engages at a given depth. ``STOCK`` lists the bars the automatic feed cuts from.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import IntEnum


class Shape(IntEnum):
    """Register cross_section."""

    ROUND = 0
    RECTANGLE = 1
    TUBE = 2
    PROFILE = 3


@dataclass(frozen=True, slots=True)
class Grade:
    code: int  # register material_type
    name: str
    hardness_hb: float
    k_c: float  # specific cutting force, N/mm^2
    m_c: float  # Kienzle exponent
    h_min: float  # good chip-thickness window, mm per tooth
    h_max: float
    chatter_low: float  # band speed range (m/min) where the band chatters on this grade
    chatter_high: float


# Windows are chosen so the normal preset (70 m/min, 30 mm/min, 6 mm pitch: h_z ~ 2.6 um) sits
# inside every window and the top of the window is clearly faster on most grades.
GRADES: tuple[Grade, ...] = (
    Grade(0, "S235JR", 120, 1500, 0.26, 0.0015, 0.0050, 96, 108),
    Grade(1, "C45", 200, 1800, 0.25, 0.0015, 0.0040, 82, 92),
    Grade(2, "42CrMo4", 260, 2100, 0.24, 0.0012, 0.0032, 74, 84),
    Grade(3, "X5CrNi18-10", 190, 2300, 0.21, 0.0015, 0.0036, 55, 64),
    Grade(4, "100Cr6", 240, 2200, 0.26, 0.0010, 0.0028, 86, 96),
    Grade(5, "EN AW-6082", 95, 800, 0.23, 0.0025, 0.0080, 104, 116),
)
GRADES_BY_CODE = {grade.code: grade for grade in GRADES}


def _circle_chord(y: float, diameter: float) -> float:
    """Chord of a circle at depth y from its top."""
    if y <= 0.0 or y >= diameter:
        return 0.0
    return 2.0 * math.sqrt(y * (diameter - y))


@dataclass(frozen=True, slots=True)
class Section:
    """A cross-section; dimensions in mm as the registers dimension_a..d describe them.

    round: a = diameter. rectangle: a = height, b = width. tube: a = outer diameter,
    b = wall. profile: a = height, b = flange width, c = flange thickness, d = web thickness,
    with ``profile`` one of "I", "U" (channel, flanges up) or "L" (angle, leg up).
    """

    shape: Shape
    a: float
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0
    profile: str = ""

    @property
    def height(self) -> float:
        """What the head has to cut through (register material_width)."""
        return self.a

    def chord(self, y: float) -> float:
        """Contact length b(y) at depth y (mm) below the top of the section."""
        if y <= 0.0 or y >= self.a:
            return 0.0
        if self.shape is Shape.ROUND:
            return _circle_chord(y, self.a)
        if self.shape is Shape.RECTANGLE:
            return self.b
        if self.shape is Shape.TUBE:
            return _circle_chord(y, self.a) - _circle_chord(y - self.b, self.a - 2.0 * self.b)
        return self._profile_chord(y)

    def _profile_chord(self, y: float) -> float:
        flange, web, width, height = self.c, self.d, self.b, self.a
        if self.profile == "I":
            return width if y < flange or y > height - flange else web
        if self.profile == "U":  # web at the bottom, two flanges standing up
            return width if y > height - web else 2.0 * flange
        return width if y > height - web else flange  # "L": one leg up, one on the table

    def max_chord(self, start: float = 0.0, end: float | None = None, step: float = 0.5) -> float:
        """Largest contact length over depths [start, end] (sampled every ``step`` mm)."""
        stop = self.a if end is None else min(end, self.a)
        best, y = 0.0, max(start, 0.0)
        while y <= stop:
            best = max(best, self.chord(y))
            y += step
        return max(best, self.chord(stop - 1e-6))

    def area_mm2(self, step: float = 0.25) -> float:
        """Cut area (integral of the chord), for band wear and checks."""
        n = max(1, int(self.a / step))
        dy = self.a / n
        return sum(self.chord((i + 0.5) * dy) for i in range(n)) * dy


@dataclass(frozen=True, slots=True)
class Stock:
    """A bar in the rack: a grade and a section, cut in batches of pieces."""

    grade: Grade
    section: Section


def _g(code: int) -> Grade:
    return GRADES_BY_CODE[code]


# Sizes chosen so that one cut at 30 mm/min takes about 1-3 minutes.
STOCK: tuple[Stock, ...] = (
    Stock(_g(1), Section(Shape.ROUND, 60.0)),
    Stock(_g(1), Section(Shape.ROUND, 80.0)),
    Stock(_g(2), Section(Shape.ROUND, 70.0)),
    Stock(_g(2), Section(Shape.RECTANGLE, 50.0, 80.0)),
    Stock(_g(0), Section(Shape.RECTANGLE, 40.0, 100.0)),
    Stock(_g(0), Section(Shape.PROFILE, 80.0, 46.0, 5.2, 3.8, profile="I")),  # IPE 80
    Stock(_g(0), Section(Shape.PROFILE, 80.0, 45.0, 8.0, 6.0, profile="U")),
    Stock(_g(0), Section(Shape.PROFILE, 60.0, 60.0, 6.0, 6.0, profile="L")),
    Stock(_g(3), Section(Shape.ROUND, 50.0)),
    Stock(_g(3), Section(Shape.TUBE, 88.9, 5.0)),
    Stock(_g(4), Section(Shape.ROUND, 65.0)),
    Stock(_g(1), Section(Shape.TUBE, 76.1, 6.3)),
    Stock(_g(5), Section(Shape.RECTANGLE, 60.0, 90.0)),
    Stock(_g(5), Section(Shape.ROUND, 90.0)),
)


class MaterialFeed:
    """The automatic bar feed: batches of 3-8 pieces from a random bar of ``STOCK``."""

    def __init__(self, rng: random.Random, stock: tuple[Stock, ...] = STOCK) -> None:
        if not stock:
            raise ValueError("the stock list is empty")
        self._rng = rng
        self._stock = stock
        self._current = stock[0]
        self._left = 0

    def next_piece(self) -> Stock:
        if self._left <= 0:
            self._current = self._rng.choice(self._stock)
            self._left = self._rng.randint(3, 8)
        self._left -= 1
        return self._current

    def force(self, stock: Stock, pieces: int = 1_000_000) -> None:
        """Cut ``stock`` from the next piece on (tests, evaluation scenarios)."""
        self._current, self._left = stock, pieces
