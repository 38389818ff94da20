"""The simulator's material catalogue: grades, section shapes and the contact length.

A grade carries what the cutting model needs (Kienzle k_c and m_c, the good chip-thickness
window, a chatter band of cutting speed, the Taylor band-life constants of
:mod:`core.sim.cutting`); a section knows its height and the chord the band engages at a given
depth. ``STOCK`` lists the catalogue; the automatic feed of the live simulator cuts from
``LIVE_STOCK``, the part of it that the normal preset cuts safely unattended.

The PLC does not know Brinell numbers: register material_type (2200) holds the grade's code and
material_hardness (2201) a hardness class code, :data:`HARDNESS_CLASSES` (upper bounds in HB,
inclusive): 0 <= 100, 1 <= 150, 2 <= 200, 3 <= 250, 4 <= 300, 5 <= 350, 6 above 350 HB.
A grade may be supplied at another hardness than its usual one (a quenched and tempered bar of
an annealed grade): :meth:`Grade.at_hardness` scales force, window and band life with it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from enum import IntEnum


class Shape(IntEnum):
    """Register cross_section."""

    ROUND = 0
    RECTANGLE = 1
    TUBE = 2
    PROFILE = 3


# Register material_hardness: class code -> highest Brinell hardness of the class.
HARDNESS_CLASSES: tuple[tuple[int, float], ...] = (
    (0, 100.0), (1, 150.0), (2, 200.0), (3, 250.0), (4, 300.0), (5, 350.0), (6, 450.0),
)
HARDNESS_CODES = tuple(code for code, _ in HARDNESS_CLASSES)


def hardness_code(hb: float) -> int:
    """The PLC's hardness class code for a Brinell hardness."""
    for code, upper in HARDNESS_CLASSES:
        if hb <= upper:
            return code
    return HARDNESS_CLASSES[-1][0]


def hardness_of_code(code: int) -> float:
    """A representative Brinell hardness of class ``code`` (the middle of its range)."""
    uppers = dict(HARDNESS_CLASSES)
    if code not in uppers:
        raise ValueError(f"unknown hardness code {code}; known: {', '.join(map(str, HARDNESS_CODES))}")
    lower = uppers.get(code - 1, 50.0)
    return (lower + uppers[code]) / 2.0


@dataclass(frozen=True, slots=True)
class Grade:
    code: int  # register material_type
    name: str
    hardness_hb: float  # what the bar really is; the PLC shows only hardness_code
    k_c: float  # specific cutting force, N/mm^2
    m_c: float  # Kienzle exponent
    h_min: float  # good chip-thickness window, mm per tooth
    h_max: float
    chatter_low: float  # band speed range (m/min) where the band chatters on this grade
    chatter_high: float
    life_c: float = 9500.0  # Taylor C: cut area (cm^2) a new band lasts at V_REF, chip in the window
    taylor_n: float = 0.30  # Taylor exponent n (life ~ v^(-1/n))

    @property
    def hardness_code(self) -> int:
        """Register material_hardness."""
        return hardness_code(self.hardness_hb)

    def at_hardness(self, code: int) -> Grade:
        """This grade heat-treated into hardness class ``code`` (itself if it already is).

        Force grows with the square root of hardness, the chip window narrows with it and band
        life falls with its square: a harder bar of the same grade is slower and dearer to cut.
        """
        if code == self.hardness_code:
            return self
        hb = hardness_of_code(code)
        ratio = hb / self.hardness_hb
        return replace(
            self, hardness_hb=hb, k_c=self.k_c * ratio**0.5, h_min=self.h_min / ratio**0.5,
            h_max=self.h_max / ratio**0.5, life_c=self.life_c / ratio**2,
        )


# Windows are chosen so the normal preset (70 m/min, 30 mm/min, 6 mm pitch: h_z ~ 2.6 um) sits
# inside the window of the original six grades and the top of the window is clearly faster on
# most grades; the harder new grades (34CrNiMo6, X153CrMoV12, Hardox 400) need gentler chips.
# Band life C (cm^2 at 60 m/min) falls with hardness and abrasiveness (stainless, tool steel).
GRADES: tuple[Grade, ...] = (
    Grade(0, "S235JR", 120, 1500, 0.26, 0.0015, 0.0050, 96, 108, 16000, 0.30),
    Grade(1, "C45", 200, 1800, 0.25, 0.0015, 0.0040, 82, 92, 9500, 0.30),
    Grade(2, "42CrMo4", 260, 2100, 0.24, 0.0012, 0.0032, 74, 84, 6000, 0.30),
    Grade(3, "X5CrNi18-10", 190, 2300, 0.21, 0.0015, 0.0036, 55, 64, 2000, 0.25),
    Grade(4, "100Cr6", 240, 2200, 0.26, 0.0010, 0.0028, 86, 96, 5500, 0.30),
    Grade(5, "EN AW-6082", 95, 800, 0.23, 0.0025, 0.0080, 104, 116, 60000, 0.40),
    Grade(6, "11SMnPb30", 160, 1600, 0.27, 0.0015, 0.0055, 98, 110, 18000, 0.32),
    Grade(7, "34CrNiMo6+QT", 320, 2400, 0.23, 0.0010, 0.0026, 66, 74, 3500, 0.27),
    Grade(8, "X153CrMoV12", 250, 2500, 0.22, 0.0010, 0.0024, 60, 68, 2500, 0.25),
    Grade(9, "CuZn39Pb3", 110, 900, 0.30, 0.0020, 0.0070, 100, 112, 40000, 0.40),
    Grade(10, "16MnCr5", 180, 1700, 0.25, 0.0015, 0.0042, 84, 94, 11000, 0.30),
    Grade(11, "Hardox 400", 400, 2700, 0.22, 0.0008, 0.0020, 50, 58, 1200, 0.25),
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

    @property
    def label(self) -> str:
        """A short human name, e.g. "C45 round 80" or "S235JR profile I 80x46"."""
        s = self.section
        dims = {
            Shape.ROUND: f"{s.a:g}",
            Shape.RECTANGLE: f"{s.a:g}x{s.b:g}",
            Shape.TUBE: f"{s.a:g}x{s.b:g}",
            Shape.PROFILE: f"{s.profile} {s.a:g}x{s.b:g}",
        }[s.shape]
        return f"{self.grade.name} {s.shape.name.lower()} {dims}"


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
    # Beyond the first catalogue: smaller and larger sections, more tubes and profiles, softer
    # and harder grades. Held-out stock for the ML evaluation is in core.ml.stock, not here.
    Stock(_g(1), Section(Shape.ROUND, 30.0)),
    Stock(_g(0), Section(Shape.ROUND, 150.0)),
    Stock(_g(2), Section(Shape.ROUND, 140.0)),
    Stock(_g(0), Section(Shape.PROFILE, 160.0, 82.0, 7.4, 5.0, profile="I")),  # IPE 160
    Stock(_g(6), Section(Shape.ROUND, 30.0)),
    Stock(_g(6), Section(Shape.RECTANGLE, 40.0, 60.0)),
    Stock(_g(7), Section(Shape.ROUND, 80.0)),
    Stock(_g(7), Section(Shape.ROUND, 50.0)),
    Stock(_g(9), Section(Shape.ROUND, 40.0)),
    Stock(_g(9), Section(Shape.TUBE, 60.0, 5.0)),
    Stock(_g(11), Section(Shape.RECTANGLE, 30.0, 100.0)),  # wear plate: 100 mm of contact
    Stock(_g(4), Section(Shape.ROUND, 40.0)),
    Stock(_g(5), Section(Shape.PROFILE, 60.0, 60.0, 5.0, 5.0, profile="L")),
)


# What the unattended simulator feeds at the operator's normal preset: everything in STOCK that
# neither overloads a band near the end of its life nor breaks teeth at that preset. The wide
# and hard bars (S235JR 150, 42CrMo4 140, Hardox 400) need slower speeds than an unattended
# demo gives them; training and the evaluation cut them with their own speeds.
_NEEDS_CARE = {("S235JR", 150.0), ("42CrMo4", 140.0), ("Hardox 400", 30.0)}
LIVE_STOCK: tuple[Stock, ...] = tuple(s for s in STOCK if (s.grade.name, s.section.height) not in _NEEDS_CARE)


class MaterialFeed:
    """The automatic bar feed: batches of 3-8 pieces from a random bar of ``STOCK``."""

    def __init__(self, rng: random.Random, stock: tuple[Stock, ...] = LIVE_STOCK) -> None:
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
